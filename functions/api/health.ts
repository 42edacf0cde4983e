import { HEALTH_TABLE } from "../../shared/http/groups/health.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import { storelessRuntime } from "../../shared/runtime/aws-storeless.ts";

/**
 * API Gateway HTTP API (payload v2) for the "health" routes (shared/http/groups/health.ts). They read
 * the clock and, for the index, the console's URL (not configured in AWS): no store, so none is wired.
 */
export const handler = apiHandler(HEALTH_TABLE, storelessRuntime("health", ["consoleUrl"]));
