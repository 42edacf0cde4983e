import { apiHandler, lazyRuntime } from "../../shared/runtime/aws-api.ts";
import { awsCursors } from "../../shared/runtime/aws-cursors.ts";

/** API Gateway HTTP API (payload v2) for the "decisions" routes of shared/http/routes.ts. */
export const handler = apiHandler(
  "decisions",
  lazyRuntime((env) => ({ cursors: awsCursors(env) })),
);
