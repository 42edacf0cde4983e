/**
 * Bounded retries for an embeddings call: 429 and 5xx (and network errors) are retried with
 * exponential backoff, honouring Retry-After up to a bound; anything else fails at once. Embeddings
 * are never worth a long wait: a write stores the chunk without a vector and a search falls back to
 * keyword (adapters/dynamo/memory-store.ts), so the bounds here are short.
 */

/** An embeddings call that failed for good; `message` never holds the texts or the key. */
export class EmbeddingsError extends Error {
  override readonly name = "EmbeddingsError";
  constructor(
    message: string,
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface RetryOptions {
  /** Attempts in all, the first included. @default 3 */
  maxAttempts?: number;
  /** First backoff; doubled each time. @default 250 */
  baseDelayMs?: number;
  /** A longer wait (Retry-After included) fails now instead. @default 5000 */
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export const isRetriedStatus = (status: number) => status === 429 || status >= 500;

/** Retry-After as milliseconds (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && header.trim() !== "") return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Runs `attempt` until it succeeds, throws a non-retryable error, or the attempts are spent. A
 * retryable failure is an EmbeddingsError with `retryable` and, optionally, the server's wait.
 */
export async function withRetry<T>(
  attempt: () => Promise<T>,
  options: RetryOptions = {},
  waitOf: (err: unknown) => number | undefined = (err) => (err as { retryAfterMs?: number }).retryAfterMs,
): Promise<T> {
  const max = options.maxAttempts ?? 3;
  const base = options.baseDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 5000;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const retryable = err instanceof EmbeddingsError && err.retryable;
      if (!retryable || n >= max) throw err;
      const delay = waitOf(err) ?? base * 2 ** (n - 1);
      if (delay > maxDelay) throw err;
      await sleep(delay);
    }
  }
}
