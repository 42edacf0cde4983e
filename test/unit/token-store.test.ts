/**
 * Local API tokens expire and can be revoked (issue 7: tokens never expired and could not be revoked);
 * the token file is 0600, replaced atomically, and no listing ever shows a secret. The CLI commands
 * run as a user runs them (a child process on a temporary data directory).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ADMIN_TOKEN_TTL_MS,
  checkToken,
  createToken,
  DEFAULT_TOKEN_TTL_MS,
  ensureAdminToken,
  FileTokenStore,
  hashToken,
  parseTtl,
  revokeTokens,
  tokenId,
} from "../../shared/adapters/local/token-store.ts";
import { DAY } from "../../shared/domain/time.ts";

const run = promisify(execFile);
const HARNESS = fileURLToPath(new URL("../../bin/harness.js", import.meta.url));
const T0 = Date.parse("2026-03-10T14:00:00Z");
const at = (ms: number) => new Date(ms).toISOString();
const mode = (path: string) => statSync(path).mode & 0o777;

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "harness-tokens-"));
  file = join(dir, "tokens.json");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("token records", () => {
  it("expire after their ttl, checked against the given clock", async () => {
    const store = new FileTokenStore(file);
    const secret = await createToken(store, "alice", ["approver"], at(T0), 2 * DAY);
    const record = await store.get(hashToken(secret));
    expect(record?.expiresAt).toBe(at(T0 + 2 * DAY));
    expect(checkToken(record!, T0 + 2 * DAY - 1)).toBeUndefined();
    expect(checkToken(record!, T0 + 2 * DAY)).toBe("token expired");
  });

  it("default to 30 days, and the admin token to 90", async () => {
    const store = new FileTokenStore(file);
    const secret = await createToken(store, "bob", ["viewer"], at(T0));
    expect((await store.get(hashToken(secret)))?.expiresAt).toBe(at(T0 + DEFAULT_TOKEN_TTL_MS));
    expect(DEFAULT_TOKEN_TTL_MS).toBe(30 * DAY);
    expect(ADMIN_TOKEN_TTL_MS).toBe(90 * DAY);
  });

  it("are refused once revoked, whatever the clock", async () => {
    const store = new FileTokenStore(file);
    const secret = await createToken(store, "alice", ["approver"], at(T0));
    const [revoked] = await revokeTokens(store, tokenId(hashToken(secret)), at(T0 + 1000));
    expect(revoked?.revokedAt).toBe(at(T0 + 1000));
    expect(checkToken((await store.get(hashToken(secret)))!, T0)).toBe("token revoked");
  });

  it("an unreadable expiry counts as expired", () => {
    const r = { tokenHash: "a".repeat(64), subject: "x", roles: [], createdAt: at(T0), expiresAt: "soon" };
    expect(checkToken(r, T0)).toBe("token expired");
  });

  it("a token written before expiry existed gets the default lifetime from its creation", async () => {
    const legacy = { tokenHash: "b".repeat(64), subject: "old", roles: ["admin"], createdAt: at(T0) };
    writeFileSync(file, JSON.stringify([legacy]), { mode: 0o644 });
    const record = await new FileTokenStore(file).get(legacy.tokenHash);
    expect(record?.expiresAt).toBe(at(T0 + DEFAULT_TOKEN_TTL_MS));
    expect(checkToken(record!, T0 + DEFAULT_TOKEN_TTL_MS)).toBe("token expired");
  });
});

describe("revoking", () => {
  it("by id, by subject or by the secret itself", async () => {
    const store = new FileTokenStore(file);
    const a1 = await createToken(store, "alice", ["approver"], at(T0));
    const a2 = await createToken(store, "alice", ["viewer"], at(T0));
    const b = await createToken(store, "bob", ["viewer"], at(T0));
    const c = await createToken(store, "carol", ["viewer"], at(T0));

    expect((await revokeTokens(store, tokenId(hashToken(b)), at(T0))).map((r) => r.subject)).toEqual(["bob"]);
    expect((await revokeTokens(store, "alice", at(T0))).map((r) => r.tokenHash).sort()).toEqual(
      [hashToken(a1), hashToken(a2)].sort(),
    );
    expect((await revokeTokens(store, c, at(T0))).map((r) => r.subject)).toEqual(["carol"]);
    // Revoking again changes nothing; an unknown id or subject is an error.
    expect(await revokeTokens(store, "alice", at(T0 + 1))).toEqual([]);
    await expect(revokeTokens(store, "nobody", at(T0))).rejects.toThrow(/no token matches "nobody"/);
    for (const s of [a1, a2, b, c])
      expect(checkToken((await store.get(hashToken(s)))!, T0)).toBe("token revoked");
  });
});

describe("the token file", () => {
  it("is 0600, also when an older version left it world-readable", async () => {
    writeFileSync(file, "[]", { mode: 0o644 });
    expect(mode(file)).toBe(0o644);
    const store = new FileTokenStore(file);
    expect(mode(file)).toBe(0o600);
    await createToken(store, "alice", ["approver"], at(T0));
    expect(mode(file)).toBe(0o600);
  });

  it("is replaced atomically: no temporary file is left, and a torn file is refused, not half-read", async () => {
    const store = new FileTokenStore(file);
    for (let i = 0; i < 5; i++) await createToken(store, `u${i}`, ["viewer"], at(T0));
    expect(readdirSync(dir)).toEqual(["tokens.json"]);
    expect(await store.list()).toHaveLength(5);
    writeFileSync(file, readFileSync(file, "utf8").slice(0, 100));
    await expect(store.list()).rejects.toThrow();
  });

  it("never holds a secret", async () => {
    const store = new FileTokenStore(file);
    const secret = await createToken(store, "alice", ["approver"], at(T0));
    expect(readFileSync(file, "utf8")).not.toContain(secret);
  });
});

describe("the admin token of harness serve", () => {
  it("is created when missing, kept while valid, and replaced once expired or revoked", async () => {
    const store = new FileTokenStore(file);
    const path = join(dir, "admin.token");
    expect(await ensureAdminToken(store, path, T0)).toEqual({ created: true });
    expect(mode(path)).toBe(0o600);
    const first = readFileSync(path, "utf8").trim();
    const record = await store.get(hashToken(first));
    expect(record).toMatchObject({
      subject: "admin",
      roles: ["admin"],
      expiresAt: at(T0 + ADMIN_TOKEN_TTL_MS),
    });

    expect(await ensureAdminToken(store, path, T0 + ADMIN_TOKEN_TTL_MS - 1)).toEqual({ created: false });
    expect(await ensureAdminToken(store, path, T0 + ADMIN_TOKEN_TTL_MS)).toEqual({ created: true });
    const second = readFileSync(path, "utf8").trim();
    expect(second).not.toBe(first);

    await revokeTokens(store, second, at(T0));
    expect(await ensureAdminToken(store, path, T0 + DAY)).toEqual({ created: true });
  });
});

describe("harness token (CLI)", () => {
  const cli = (...args: string[]) => run(process.execPath, [HARNESS, "token", ...args, "--data-dir", dir]);

  it("create --ttl prints the secret alone on stdout and its id on stderr; list shows no secret; revoke by id", async () => {
    const created = await cli("create", "--role", "approver", "--subject", "alice", "--ttl", "12h");
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^hh_[A-Za-z0-9_-]{32}$/);
    const id = tokenId(hashToken(secret));
    expect(created.stderr).toContain(`token ${id} expires`);
    const expiresAt = (await new FileTokenStore(file).get(hashToken(secret)))?.expiresAt;
    expect(Date.parse(expiresAt!) - Date.now()).toBeGreaterThan(11 * 3_600_000);
    expect(Date.parse(expiresAt!) - Date.now()).toBeLessThanOrEqual(12 * 3_600_000);

    await cli("create", "--role", "viewer", "--subject", "bob");
    const listed = (await cli("list")).stdout;
    expect(listed).not.toContain(secret);
    expect(listed).not.toContain(hashToken(secret)); // only the 8-character id
    const alice = listed.split("\n").find((l) => l.startsWith(id));
    expect(alice).toMatch(/alice\s+approver\s+created \S+\s+expires \S+\s+active/);
    expect(listed).toMatch(/bob\s+viewer/);

    expect((await cli("revoke", id)).stdout).toContain(`revoked ${id} (alice)`);
    expect((await cli("list")).stdout.split("\n").find((l) => l.startsWith(id))).toMatch(/revoked \S+$/);
    expect(mode(file)).toBe(0o600);
  });

  it("refuses a ttl it cannot read", async () => {
    await expect(cli("create", "--role", "viewer", "--ttl", "forever")).rejects.toThrow(/ttl "forever"/);
    expect(() => parseTtl("0d")).toThrow();
    expect(() => parseTtl("400d")).toThrow();
    expect(parseTtl("2w")).toBe(14 * DAY);
  });
});
