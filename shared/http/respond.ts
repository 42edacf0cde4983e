import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import {
  ConflictError,
  ContentionError,
  DependencyError,
  ForbiddenError,
  NotFoundError,
  RateLimitError,
  stackFrames,
  TooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from "../domain/errors.ts";

export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

const HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };

export const json = (statusCode: number, body: unknown): HttpResult => ({
  statusCode,
  headers: HEADERS,
  body: JSON.stringify(body),
});

/** The one place typed errors become HTTP statuses. Anything unexpected is a 500 without internals. */
export function errorResponse(
  err: unknown,
  requestId: string,
  log: (msg: string, data: Record<string, unknown>) => void,
): HttpResult {
  if (err instanceof ValidationError)
    return json(400, { error: "invalid_request", message: err.message, issues: err.issues });
  if (err instanceof UnauthorizedError) return json(401, { error: "unauthorized", message: err.message });
  if (err instanceof ForbiddenError) return json(403, { error: "forbidden", message: err.message });
  if (err instanceof NotFoundError) return json(404, { error: "not_found", message: err.message });
  if (err instanceof ConflictError) return json(409, { error: "conflict", message: err.message });
  if (err instanceof TooLargeError) return json(413, { error: "too_large", message: err.message });
  if (err instanceof UnsupportedMediaTypeError)
    return {
      ...json(415, { error: "unsupported_media_type", message: err.message, accepted: err.accepted }),
      // RFC 9110 §15.5.16: the Accept response header says which media types would have been read.
      headers: { ...HEADERS, accept: err.accepted.join(", ") },
    };
  if (err instanceof RateLimitError)
    return {
      ...json(429, { error: "rate_limited", message: err.message, retryAfter: err.retryAfterSeconds }),
      headers: { ...HEADERS, "retry-after": String(err.retryAfterSeconds) },
    };
  if (err instanceof ContentionError || err instanceof DependencyError) {
    // `reason`, not `message`: Powertools' logger keeps `message` for the log line's own and drops it.
    log("dependency failure", { requestId, name: (err as Error).name, reason: (err as Error).message });
    return {
      ...json(503, { error: "unavailable", message: "temporarily unavailable, retry", requestId }),
      headers: { ...HEADERS, "retry-after": "1" },
    };
  }
  log("unexpected error", { requestId, name: (err as Error)?.name, stack: stackFrames(err) });
  return json(500, { error: "internal", message: "internal error", requestId });
}
