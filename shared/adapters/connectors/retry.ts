/**
 * Retries for connector calls. Every call carries the decision's idempotency key and every operation
 * is idempotent on it (upserts by key, set-membership adds), so a 429 or a 5xx is retried with
 * backoff; what is still failing afterwards is reported as a ConnectorError: refused (4xx, or
 * rate-limited throughout: nothing happened) or outcome unknown (5xx, timeouts: it may have happened).
 */
import { ConnectorError } from "../../ports.ts";

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
}

export const defaultRetryPolicy: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/** An HTTP failure with the status the connector saw (and a Retry-After, when the API sent one). */
export class HttpStatusError extends Error {
  override readonly name = "HttpStatusError";
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

const statusOf = (err: unknown): number | undefined => {
  if (err instanceof HttpStatusError) return err.status;
  const e = err as { code?: unknown; $metadata?: { httpStatusCode?: number } };
  if (typeof e?.code === "number") return e.code;
  return e?.$metadata?.httpStatusCode;
};

export async function withRetries<T>(
  what: string,
  call: (attempt: number) => Promise<T>,
  policy: RetryPolicy = defaultRetryPolicy,
): Promise<T> {
  let last: unknown;
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    try {
      return await call(attempt);
    } catch (err) {
      last = err;
      const status = statusOf(err);
      const retryable = status === undefined || status === 429 || status >= 500;
      if (!retryable)
        throw new ConnectorError(`${what} refused: ${status} ${(err as Error).message}`, false, {
          cause: err,
        });
      if (attempt === policy.attempts) break;
      const hinted = err instanceof HttpStatusError ? err.retryAfterMs : undefined;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await policy.sleep(hinted ?? backoff);
    }
  }
  const status = statusOf(last);
  // Rate-limited on every attempt: the API said no each time, so nothing was done.
  if (status === 429)
    throw new ConnectorError(`${what}: still rate-limited after ${policy.attempts} attempts`, false, {
      cause: last,
    });
  throw new ConnectorError(
    `${what}: ${status ? `status ${status}` : (last as Error)?.message} after ${policy.attempts} attempts`,
    true,
    { cause: last },
  );
}

/** No answer in time: the call may still have been carried out, so its outcome is unknown. */
export class CallTimeoutError extends Error {
  override readonly name = "CallTimeoutError";
}

/** For clients without a timeout option of their own (the HubSpot SDK): stop waiting after `ms`. */
export function withTimeout<T>(call: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CallTimeoutError(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
}

export const retryAfterMs = (header: string | null): number | undefined => {
  if (!header) return undefined;
  const s = Number(header);
  return Number.isFinite(s) ? s * 1000 : undefined;
};
