import { DECISIONS_TABLE } from "../../shared/http/groups/decisions.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import { awsCursors } from "../../shared/runtime/aws-cursors.ts";
import { runtimeWith } from "../../shared/runtime/aws-lazy.ts";
import { DECISION_READ_STORES } from "../../shared/runtime/aws-stores.ts";

/** API Gateway HTTP API (payload v2) for the "decisions" routes (shared/http/groups/decisions.ts). */
export const handler = apiHandler(
  DECISIONS_TABLE,
  runtimeWith(DECISION_READ_STORES, (env) => ({ cursors: awsCursors(env) })),
);
