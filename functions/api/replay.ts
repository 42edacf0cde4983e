import { REPLAY_TABLE } from "../../shared/http/groups/replay.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import { runtimeWith } from "../../shared/runtime/aws-lazy.ts";
import { REPLAY_STORES } from "../../shared/runtime/aws-stores.ts";

/**
 * API Gateway HTTP API (payload v2) for the "replay" routes: a proposed spec over recorded history.
 * The only API function besides admin's that parses a spec's YAML, and the only one besides the
 * proposals function that evaluates a spec.
 */
export const handler = apiHandler(REPLAY_TABLE, runtimeWith(REPLAY_STORES));
