/**
 * The local server refuses expired and revoked tokens with 401 (issue 7: tokens never expired and
 * could not be revoked). Expiry is judged by the injected clock; a revocation written to the token
 * file by `harness token revoke` applies to the running server at once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createToken,
  FileTokenStore,
  hashToken,
  revokeTokens,
  tokenId,
} from "../../shared/adapters/local/token-store.ts";
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
  it("a token is accepted until its expiry on the server's clock, then refused with 401 token expired", async () => {
    const token = await createToken(h.rt.tokens, "temp", ["viewer"], iso(h.rt.clock.now()), HOUR);
    expectStatus(await h.call("GET", READ, token), 200);
    h.rt.clock.advance(HOUR - 1);
    expectStatus(await h.call("GET", READ, token), 200);
    h.rt.clock.advance(1);
    const res = await h.call("GET", READ, token);
    expectStatus(res, 401);
    expect(res.body).toEqual({ error: "unauthorized", message: "token expired" });
    // An expired admin token moves nothing either.
    const admin = await createToken(h.rt.tokens, "ops", ["admin"], iso(h.rt.clock.now() - 2 * HOUR), HOUR);
    expectStatus(await h.call("POST", "/v1/pauses", admin, { scope: "global", reason: "x" }), 401);
    expectStatus(await h.call("GET", "/v1/pauses", h.viewer), 200);
    expect((await h.call("GET", "/v1/pauses", h.viewer)).body.items).toEqual([]);
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
    const at = iso(h.rt.clock.now());
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
