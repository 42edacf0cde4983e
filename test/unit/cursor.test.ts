import { randomBytes } from "node:crypto";
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PageCursors } from "../../shared/adapters/dynamo/cursor.ts";
import { loadOrCreateCursorKey } from "../../shared/adapters/local/cursor-key.ts";
import { DependencyError, ValidationError } from "../../shared/domain/errors.ts";

const ATTRS = ["pk", "sk", "byStatusPk", "byStatusSk"] as const;
const LISTING = "decisions/byStatus/STATUS#pending_approval";
const KEY = {
  pk: "DECISION#d1",
  sk: "DECISION",
  byStatusPk: "STATUS#pending_approval",
  byStatusSk: "2026-03-10T14:00:00.000Z#d1",
};

const refused = async (p: Promise<unknown>) => {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ValidationError);
  expect((err as ValidationError).issues).toEqual([
    { path: "cursor", message: "not a cursor returned by this listing" },
  ]);
};

describe("PageCursors (HMAC-signed page keys)", () => {
  const cursors = new PageCursors(randomBytes(32));

  it("round-trips a page key of its own listing", async () => {
    const c = await cursors.encode(LISTING, KEY);
    expect(c).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(await cursors.decode(LISTING, c, ATTRS)).toEqual(KEY);
  });

  it("refuses forged, re-signed, truncated and tampered cursors", async () => {
    const c = await cursors.encode(LISTING, KEY);
    const body = c.split(".")[0] as string;
    // The old format: unsigned base64 JSON of the key.
    await refused(cursors.decode(LISTING, Buffer.from(JSON.stringify(KEY)).toString("base64url"), ATTRS));
    // Content changed, tag kept.
    const forged = Buffer.from(JSON.stringify({ l: LISTING, k: { ...KEY, pk: "DECISION#other" } })).toString(
      "base64url",
    );
    await refused(cursors.decode(LISTING, `${forged}.${c.split(".")[1]}`, ATTRS));
    // Signed with another key.
    const other = await new PageCursors(randomBytes(32)).encode(LISTING, KEY);
    await refused(cursors.decode(LISTING, other, ATTRS));
    // Truncated anywhere.
    for (const cut of [1, 10, c.length - body.length, c.length - 1])
      await refused(cursors.decode(LISTING, c.slice(0, c.length - cut), ATTRS));
    for (const junk of ["", ".", "x", `${body}.`, `.${c.split(".")[1]}`, "a".repeat(5000), "%%%.%%%"])
      await refused(cursors.decode(LISTING, junk, ATTRS));
  });

  it("refuses a genuine cursor of another listing, or with another key shape", async () => {
    const byPerson = await cursors.encode("decisions/byPerson/PERSON#jane", {
      pk: "DECISION#d1",
      sk: "DECISION",
      byPersonPk: "PERSON#jane",
      byPersonSk: "x",
    });
    await refused(cursors.decode(LISTING, byPerson, ATTRS));
    const otherPartition = await cursors.encode("decisions/byStatus/STATUS#scheduled", KEY);
    await refused(cursors.decode(LISTING, otherPartition, ATTRS));
    const trust = await cursors.encode("trust", { pk: "TRUST#a", sk: "ACTION#email.send" });
    await refused(cursors.decode(LISTING, trust, ATTRS));
    // Same listing, but the key has a non-string, a missing or an extra attribute.
    await refused(cursors.decode(LISTING, await cursors.encode(LISTING, { ...KEY, sk: 5 }), ATTRS));
    const { sk: _sk, ...missing } = KEY;
    await refused(cursors.decode(LISTING, await cursors.encode(LISTING, missing), ATTRS));
    await refused(cursors.decode(LISTING, await cursors.encode(LISTING, { ...KEY, extra: "x" }), ATTRS));
  });

  it("loads a secret once, and retries a load that failed", async () => {
    let loads = 0;
    let fail = true;
    const loaded = new PageCursors(async () => {
      loads++;
      if (fail) throw new Error("secret store unavailable");
      return randomBytes(40);
    });
    await expect(loaded.encode(LISTING, KEY)).rejects.toBeInstanceOf(DependencyError);
    fail = false;
    const c = await loaded.encode(LISTING, KEY);
    expect(await loaded.decode(LISTING, c, ATTRS)).toEqual(KEY);
    await loaded.encode(LISTING, KEY);
    expect(loads).toBe(2);
  });

  it("refuses a short secret", () => {
    expect(() => new PageCursors(randomBytes(16))).toThrow(/at least 32 bytes/);
  });
});

describe("the local pagination key file", () => {
  it("is created once, owner-only, and read back on the next start", () => {
    const dir = mkdtempSync(join(tmpdir(), "cursor-key-"));
    const path = join(dir, "data", "cursor.key");
    const first = loadOrCreateCursorKey(path);
    expect(first).toHaveLength(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadOrCreateCursorKey(path).equals(first)).toBe(true);
    writeFileSync(path, "short");
    expect(() => loadOrCreateCursorKey(path)).toThrow(/not a pagination key/);
  });
});
