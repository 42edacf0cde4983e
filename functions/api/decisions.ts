import { DECISIONS_TABLE } from "../../shared/http/groups/decisions.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import { awsCursors } from "../../shared/runtime/aws-cursors.ts";
import { lazyRuntime } from "../../shared/runtime/aws-lazy.ts";

/** API Gateway HTTP API (payload v2) for the "decisions" routes (shared/http/groups/decisions.ts). */
export const handler = apiHandler(
  DECISIONS_TABLE,
  lazyRuntime((env) => ({ cursors: awsCursors(env) })),
);
