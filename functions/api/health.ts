import { apiHandler, lazyRuntime } from "../../shared/runtime/aws-api.ts";

/** API Gateway HTTP API (payload v2) for the "health" routes of shared/http/routes.ts. */
export const handler = apiHandler("health", lazyRuntime());
