import { REPLAY_TABLE } from "../../shared/http/groups/replay.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import { runtimeWith } from "../../shared/runtime/aws-lazy.ts";
import { REPLAY_STORES } from "../../shared/runtime/aws-stores.ts";

/**
 * API Gateway HTTP API (payload v2) for the "replay" routes: a proposed spec over recorded history.
 * With the specs function, the API functions that parse a spec's YAML; with the proposals function
 * and /mcp, those that evaluate a spec.
 */
export const handler = apiHandler(REPLAY_TABLE, runtimeWith(REPLAY_STORES));
