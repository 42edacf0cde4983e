/**
 * The local server refuses expired and revoked tokens with 401 (issue 7: tokens never expired and
 * could not be revoked). Expiry is judged by the wall clock (injected), not by the simulated clock an
 * admin may move; a revocation written to the token file by `harness token revoke` applies to the
 * running server at once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../shared/adapters/local/clock.ts";
import {
  createToken,
  FileTokenStore,
  hashToken,
  revokeTokens,
  tokenId,
} from "../../shared/adapters/local/token-store.ts";
import { DAY } from "../../shared/domain/time.ts";
import { startServer, type TestServer } from "../helpers/runtime.ts";
import { expectStatus, type Harness, HOUR, startHarness } from "./helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const iso = (ms: number) => new Date(ms).toISOString();
const READ = "/v1/decisions?agentId=outreach-writer";

describe("expiry", () => {
  // Expiry is judged on the wall clock (injected here), never on the simulated clock an admin may move
  // with POST /v1/admin/clock; tokens are stamped on the wall clock too. It starts where the simulated
  // clock stands, so a test that judged by the simulated clock would see the same numbers.
  let wall = 0;
  let server: TestServer;
  beforeAll(async () => {
    wall = h.rt.clock.now();
    server = await startServer(h.rt, { wallClock: { now: () => wall } });
  });
  afterAll(() => server.close());

  it("a token is accepted until its expiry on the wall clock, then refused with 401 token expired", async () => {
    const token = await createToken(h.rt.tokens, "temp", ["viewer"], iso(wall), HOUR);
    expectStatus(await server.call("GET", READ, token), 200);
    wall += HOUR - 1;
    expectStatus(await server.call("GET", READ, token), 200);
    wall += 1;
    const res = await server.call("GET", READ, token);
    expectStatus(res, 401);
    expect(res.body).toEqual({ error: "unauthorized", message: "token expired" });
    // An expired admin token moves nothing either.
    const admin = await createToken(h.rt.tokens, "ops", ["admin"], iso(wall - 2 * HOUR), HOUR);
    expectStatus(await server.call("POST", "/v1/pauses", admin, { scope: "global", reason: "x" }), 401);
    expect(expectStatus(await server.call("GET", "/v1/pauses", h.viewer), 200).items).toEqual([]);
  });

  it("moving the simulated clock judges no token: a year ahead leaves the admin in, moving back revives nothing", async () => {
    const start = h.rt.clock.now();
    const admin = await server.token("ops", "admin");
    const expired = await createToken(h.rt.tokens, "old", ["viewer"], iso(wall - 2 * HOUR), HOUR);
    expectStatus(await server.call("GET", READ, expired), 401);
    try {
      // The largest move the admin API allows at once: 366 days, past every token's lifetime.
      expectStatus(await server.call("POST", "/v1/admin/clock", admin, { advanceMs: 366 * DAY }), 200);
      expectStatus(await server.call("GET", READ, admin), 200);
      expectStatus(
        await server.call("POST", "/v1/pauses", admin, { scope: "global", reason: "still in" }),
        201,
      );
      // Back before the expired token was created: it stays expired.
      expectStatus(await server.call("POST", "/v1/admin/clock", admin, { set: iso(start - 300 * DAY) }), 200);
      const res = await server.call("GET", READ, expired);
      expectStatus(res, 401);
      expect(res.body).toEqual({ error: "unauthorized", message: "token expired" });
      expectStatus(await server.call("GET", READ, admin), 200);
    } finally {
      h.rt.clock.set(start);
      for (const p of expectStatus(await server.call("GET", "/v1/pauses", h.viewer), 200).items)
        await server.call("DELETE", `/v1/pauses/${p.pauseId}`, admin);
    }
  });
});

describe("revocation", () => {
  let dir: string;
  let store: FileTokenStore;
  let server: TestServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "harness-revoke-"));
    store = new FileTokenStore(join(dir, "tokens.json"));
    // The same runtime, served with tokens from a file, as `harness serve` does.
    server = await startServer({ ...h.rt, deps: { ...h.rt.deps, tokens: store }, tokens: h.rt.tokens });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a revoked token is refused with 401 token revoked on the next request", async () => {
    // This server judges expiry on the system clock: tokens are stamped on it.
    const at = iso(systemClock.now());
    const alice = await createToken(store, "alice", ["viewer"], at);
    const bob = await createToken(store, "bob", ["viewer"], at);
    expectStatus(await server.call("GET", READ, alice), 200);
    await revokeTokens(store, tokenId(hashToken(alice)), at);
    const res = await server.call("GET", READ, alice);
    expectStatus(res, 401);
    expect(res.body).toEqual({ error: "unauthorized", message: "token revoked" });
    // Only that token: bob's still works.
    expectStatus(await server.call("GET", READ, bob), 200);
  });
});
