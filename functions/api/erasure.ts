import { ERASURE_TABLE } from "../../shared/http/groups/erasure.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import { awsCursors } from "../../shared/runtime/aws-cursors.ts";
import { runtimeWith } from "../../shared/runtime/aws-lazy.ts";
import { ERASURE_STORES } from "../../shared/runtime/aws-stores.ts";

/**
 * API Gateway HTTP API (payload v2) for the "erasure" routes. An erasure keeps its search of the
 * account's decisions between requests (usecases/erase.ts), so its cursor is signed with the
 * deployment's key: the next request's container must read it.
 */
export const handler = apiHandler(
  ERASURE_TABLE,
  runtimeWith(ERASURE_STORES, (env) => ({ cursors: awsCursors(env) })),
);
