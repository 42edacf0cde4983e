/**
 * Typed errors of the domain. Adapters translate SDK errors into these; the HTTP layer maps them to
 * status codes in exactly one place (shared/http/respond.ts).
 */
export interface FieldIssue {
  path: string;
  message: string;
}

export class ValidationError extends Error {
  override readonly name = "ValidationError";
  constructor(
    readonly issues: FieldIssue[],
    options?: { cause?: unknown },
  ) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; "), options);
  }
}

export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
}

export class ConflictError extends Error {
  override readonly name = "ConflictError";
}

/**
 * A person erased on request, whom a write would bring back (an agent's contact upsert, an import that
 * raced the erasure). A conflict to an API caller; the writers that learn of people (the ingest, the
 * CRM import) skip them.
 */
export class ErasedError extends ConflictError {}

/** A day's volume cap an approval would exceed (lifecycle.ts approve): the counter it names. */
export class CapReachedError extends ConflictError {
  constructor(readonly counters: string[]) {
    super(`the day's cap is reached for ${counters.join(", ")}`);
  }
}

export class UnauthorizedError extends Error {
  override readonly name = "UnauthorizedError";
}

export class ForbiddenError extends Error {
  override readonly name = "ForbiddenError";
}

/** The store could not complete a write because a concurrent writer got there first. */
export class ContentionError extends Error {
  override readonly name = "ContentionError";
}

/** A dependency (DynamoDB, a connector) failed in a way the caller cannot fix. */
export class DependencyError extends Error {
  override readonly name = "DependencyError";
}

/** A request body over the size the API accepts. */
export class TooLargeError extends Error {
  override readonly name = "TooLargeError";
}

/** A request body declared as a media type the route does not read; `accepted` lists those it does. */
export class UnsupportedMediaTypeError extends Error {
  override readonly name = "UnsupportedMediaTypeError";
  constructor(
    message: string,
    readonly accepted: readonly string[],
  ) {
    super(message);
  }
}

/** The caller sent more requests than its rate allows; it may retry after `retryAfterSeconds`. */
export class RateLimitError extends Error {
  override readonly name = "RateLimitError";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/**
 * The frames of an error's stack, without its first line: what may be logged of an error nobody
 * expected. Its message may carry request data (a name, an email address), its frames only code.
 */
export function stackFrames(err: unknown): string {
  const stack = (err as Error | undefined)?.stack;
  // V8 indents each frame by four spaces; a message line starting "at " is not one.
  return typeof stack === "string"
    ? stack
        .split("\n")
        .filter((l) => /^ {4}at /.test(l))
        .join("\n")
    : "";
}

/**
 * Whether an error, or one of the causes it wraps (at most four deep), carries one of these system
 * error codes: Node's fetch reports a failed connection as "fetch failed" with the socket's error
 * (`ENOTFOUND`, `ECONNREFUSED`…) as its cause, and our wrappers add their own layer on top.
 */
export function causedBy(err: unknown, codes: ReadonlySet<string>): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === "string" && codes.has(e.code)) return true;
    e = e.cause as typeof e;
  }
  return false;
}
