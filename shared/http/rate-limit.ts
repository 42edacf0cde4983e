/**
 * Token buckets per caller, for the local server. In AWS, API Gateway's stage throttling
 * (infra/constructs/http-api.ts) limits rates before any function runs, so this is not used there.
 *
 * Pure: time comes from the injected monotonic clock (never the simulated business clock, which
 * may stand still or jump a year), and state is a map bounded by `maxKeys`.
 */
export interface RateLimitOptions {
  /** Sustained requests per second per caller. */
  ratePerSecond: number;
  /** Requests a caller may make at once after being idle. */
  burst: number;
  /**
   * Callers tracked at once. Past this, idle callers (full buckets) are forgotten, which is exact:
   * a forgotten bucket would have been full anyway. @default 10000
   */
  maxKeys?: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { ratePerSecond: 50, burst: 100 };

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly maxKeys: number;

  constructor(
    private readonly options: RateLimitOptions,
    private readonly now: () => number,
  ) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1))
      throw new RangeError("rate limit: ratePerSecond must be > 0 and burst >= 1");
    this.perMs = options.ratePerSecond / 1000;
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  /** Take one token from `key`'s bucket, or say how long until one is there. */
  take(key: string): RateDecision {
    const now = this.now();
    const bucket = this.refill(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / this.perMs) };
  }

  /** Callers currently tracked (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  private refill(key: string, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.forgetIdle(now);
      bucket = { tokens: this.options.burst, at: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    // A clock that went backwards refills nothing rather than draining the bucket.
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + elapsed * this.perMs);
    bucket.at = now;
    return bucket;
  }

  private forgetIdle(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + Math.max(0, now - b.at) * this.perMs >= this.options.burst) this.buckets.delete(key);
    }
    // Still full of busy callers: drop the oldest entries (Map keeps insertion order). A dropped
    // caller starts again with a full bucket, which errs on the side of serving it.
    for (const key of this.buckets.keys()) {
      if (this.buckets.size < this.maxKeys) break;
      this.buckets.delete(key);
    }
  }
}

/** `50:100` (per second : burst), `50` (burst twice the rate) or `off`, as `harness serve --rate-limit` takes it. */
export function parseRateLimit(text: string): RateLimitOptions | false {
  const t = text.trim().toLowerCase();
  if (t === "off") return false;
  const m = /^(\d+(?:\.\d+)?)(?::(\d+))?$/.exec(t);
  const ratePerSecond = Number(m?.[1]);
  const burst = m?.[2] !== undefined ? Number(m[2]) : Math.ceil(ratePerSecond * 2);
  if (!m || !(ratePerSecond > 0) || !(burst >= 1))
    throw new RangeError(`rate limit "${text}": expected <per second>[:<burst>] such as 50:100, or off`);
  return { ratePerSecond, burst };
}
