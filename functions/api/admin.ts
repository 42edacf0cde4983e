import { apiHandler, lazyRuntime } from "../../shared/runtime/aws-api.ts";

/** API Gateway HTTP API (payload v2) for the "admin" routes of shared/http/routes.ts. */
export const handler = apiHandler("admin", lazyRuntime());
