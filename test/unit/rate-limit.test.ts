import { describe, expect, it } from "vitest";
import { parseRateLimit, RateLimiter } from "../../shared/http/rate-limit.ts";

const clock = (start = 1_000) => {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};

describe("RateLimiter (token bucket per key)", () => {
  it("allows a burst, then refuses with the time until the next token", () => {
    const c = clock();
    const rl = new RateLimiter({ ratePerSecond: 10, burst: 5 }, c.now);
    for (let i = 0; i < 5; i++) expect(rl.take("a")).toEqual({ allowed: true });
    expect(rl.take("a")).toEqual({ allowed: false, retryAfterMs: 100 });
    c.advance(40);
    expect(rl.take("a")).toEqual({ allowed: false, retryAfterMs: 60 });
    c.advance(60);
    expect(rl.take("a")).toEqual({ allowed: true });
    expect(rl.take("a").allowed).toBe(false);
  });

  it("keeps callers apart", () => {
    const c = clock();
    const rl = new RateLimiter({ ratePerSecond: 1, burst: 2 }, c.now);
    rl.take("a");
    rl.take("a");
    expect(rl.take("a").allowed).toBe(false);
    expect(rl.take("b")).toEqual({ allowed: true });
  });

  it("refills at the sustained rate up to the burst, never beyond", () => {
    const c = clock();
    const rl = new RateLimiter({ ratePerSecond: 50, burst: 100 }, c.now);
    for (let i = 0; i < 100; i++) rl.take("a");
    c.advance(1_000);
    let allowed = 0;
    while (rl.take("a").allowed) allowed++;
    expect(allowed).toBe(50);
    c.advance(3_600_000);
    allowed = 0;
    while (rl.take("a").allowed) allowed++;
    expect(allowed).toBe(100);
  });

  it("does not drain a bucket when the clock goes backwards", () => {
    const c = clock(10_000);
    const rl = new RateLimiter({ ratePerSecond: 1, burst: 1 }, c.now);
    expect(rl.take("a").allowed).toBe(true);
    c.advance(-5_000);
    expect(rl.take("a")).toEqual({ allowed: false, retryAfterMs: 1_000 });
  });

  it("bounds the callers it remembers, forgetting idle ones first", () => {
    const c = clock();
    const rl = new RateLimiter({ ratePerSecond: 1, burst: 3, maxKeys: 3 }, c.now);
    for (let i = 0; i < 3; i++) rl.take("busy");
    rl.take("idle-1");
    rl.take("idle-2");
    c.advance(2_000);
    rl.take("new");
    expect(rl.size).toBeLessThanOrEqual(3);
    // The busy caller is still limited: it was not forgotten while idle ones were.
    expect(rl.take("busy")).toEqual({ allowed: true });
    expect(rl.take("busy")).toEqual({ allowed: true });
    expect(rl.take("busy").allowed).toBe(false);
  });

  it("refuses a configuration that would never allow anything", () => {
    expect(() => new RateLimiter({ ratePerSecond: 0, burst: 1 }, Date.now)).toThrow(RangeError);
    expect(() => new RateLimiter({ ratePerSecond: 1, burst: 0 }, Date.now)).toThrow(RangeError);
  });
});

describe("parseRateLimit (harness serve --rate-limit)", () => {
  it("reads rate:burst, a rate alone, or off", () => {
    expect(parseRateLimit("50:100")).toEqual({ ratePerSecond: 50, burst: 100 });
    expect(parseRateLimit("10")).toEqual({ ratePerSecond: 10, burst: 20 });
    expect(parseRateLimit(" OFF ")).toBe(false);
    for (const bad of ["", "0", "-1:5", "5:0", "fast", "5:x"])
      expect(() => parseRateLimit(bad)).toThrow(RangeError);
  });
});
