import { HEALTH_TABLE } from "../../shared/http/groups/health.ts";
import { apiHandler, lazyRuntime } from "../../shared/runtime/aws-api.ts";

/** API Gateway HTTP API (payload v2) for the "health" routes (shared/http/groups/health.ts). */
export const handler = apiHandler(HEALTH_TABLE, lazyRuntime());
