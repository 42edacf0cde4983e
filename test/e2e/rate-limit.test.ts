/**
 * Per-caller rate limits of the local server: a burst above the limit gets 429 with Retry-After and a
 * JSON error; other callers are not affected. The limiter's clock is injected, so nothing here
 * depends on how fast the machine is.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../shared/adapters/local/clock.ts";
import { createToken } from "../../shared/adapters/local/token-store.ts";
import { createLocalServer } from "../../shared/runtime/server.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";

let rt: TestRuntime;
let server: Server;
let url: string;
let now = 0;

beforeAll(async () => {
  rt = await startRuntime();
  server = createLocalServer(rt.deps, { rateLimit: { ratePerSecond: 2, burst: 5 }, now: () => now });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await rt.close();
});

// Stamped on the wall clock, which the server judges expiry by (not the runtime's simulated clock).
const token = (subject: string, role: string) =>
  createToken(rt.tokens, subject, [role], new Date(systemClock.now()).toISOString());

const get = (path: string, bearer?: string) =>
  fetch(`${url}${path}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });

describe("per-token rate limits", () => {
  it("answers 429 with Retry-After past the burst, per token, and serves again after refill", async () => {
    const a = await token("anna", "viewer");
    const b = await token("bert", "viewer");
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await get("/v1/approvals", a)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);

    const limited = await get("/v1/approvals", a);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(limited.headers.get("content-type")).toMatch(/application\/json/);
    expect(await limited.json()).toMatchObject({ error: "rate_limited", retryAfter: 1 });

    // Another token, and callers without one, have their own buckets.
    expect((await get("/v1/approvals", b)).status).toBe(200);
    expect((await get("/v1/health")).status).toBe(200);

    // Two tokens a second: after a second, two more requests.
    now += 1_000;
    expect((await get("/v1/approvals", a)).status).toBe(200);
    expect((await get("/v1/approvals", a)).status).toBe(200);
    expect((await get("/v1/approvals", a)).status).toBe(429);
  });

  it("limits unauthenticated callers by address, and made-up tokens count against the address", async () => {
    now += 60_000;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await get("/v1/health")).status);
    for (let i = 0; i < 3; i++) statuses.push((await get("/v1/health", `hh_made-up-${i}`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const res = await get("/v1/health");
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});
