/**
 * Sealing (domain/personal-data.ts) with its two speed-ups: IVs cut from a pooled random buffer and
 * plaintexts remembered by their sealed text. What is stored must stay the documented format (any
 * AES-256-GCM implementation opens it), and a remembered plaintext must open only with the key and
 * owner that would open the ciphertext itself.
 */
import { createDecipheriv } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  forgetOpened,
  newDataKey,
  openedMemory,
  SealError,
  seal,
  unseal,
} from "../../shared/domain/personal-data.ts";

/** `v1.<iv>.<ciphertext>.<tag>` opened by hand, as a reader of the format would, without `unseal`. */
function openByHand(key: Buffer, owner: string, sealed: string): unknown {
  const [version, iv, ct, tag] = sealed.split(".");
  expect(version).toBe("v1");
  const d = createDecipheriv("aes-256-gcm", key, Buffer.from(iv ?? "", "base64url"));
  d.setAAD(Buffer.from(owner, "utf8"));
  d.setAuthTag(Buffer.from(tag ?? "", "base64url"));
  return JSON.parse(
    Buffer.concat([d.update(Buffer.from(ct ?? "", "base64url")), d.final()]).toString("utf8"),
  );
}

const value = { payload: { to: "jane@acme.io", n: 3 }, reasoning: "because" };

describe("sealed values", () => {
  it("are v1.<12-byte iv>.<ciphertext>.<16-byte tag> and open with plain AES-256-GCM", () => {
    const key = newDataKey();
    const sealed = seal(key, "person:p1", value);
    const [, iv, , tag] = sealed.split(".");
    expect(Buffer.from(iv ?? "", "base64url")).toHaveLength(12);
    expect(Buffer.from(tag ?? "", "base64url")).toHaveLength(16);
    expect(openByHand(key, "person:p1", sealed)).toEqual(value);
  });

  it("never reuse an IV, across several refills of the pool", () => {
    const key = newDataKey();
    const ivs = new Set<string>();
    for (let i = 0; i < 2000; i++) ivs.add(seal(key, "person:p1", i).split(".")[1] ?? "");
    expect(ivs.size).toBe(2000);
  });

  it("open to a fresh value each time: changing what one read returned does not change the next", () => {
    const key = newDataKey();
    const sealed = seal(key, "person:p1", value);
    const first = unseal(key, "person:p1", sealed) as typeof value;
    first.payload.to = "someone@else.io";
    expect(unseal(key, "person:p1", sealed)).toEqual(value);
  });

  it("do not open from memory with another key, another owner, or once the key's bytes changed", () => {
    const key = newDataKey();
    const sealed = seal(key, "person:p1", value);
    expect(unseal(key, "person:p1", sealed)).toEqual(value);
    expect(() => unseal(newDataKey(), "person:p1", sealed)).toThrow(SealError);
    expect(() => unseal(key, "person:p2", sealed)).toThrow(SealError);
    // The same buffer, overwritten (a key wiped in place): it no longer opens what it sealed.
    const wiped = Buffer.from(key);
    const again = seal(wiped, "person:p1", value);
    wiped.fill(0);
    expect(() => unseal(wiped, "person:p1", again)).toThrow(SealError);
  });

  it("opened by another process (nothing remembered) read the same", () => {
    const key = newDataKey();
    const sealed = seal(key, "account:acme", value);
    // Another key's ciphertext is unknown here: opening it takes the decryption path.
    expect(openByHand(key, "account:acme", sealed)).toEqual(unseal(key, "account:acme", sealed));
  });

  it("refuse a tampered ciphertext, remembered or not", () => {
    const key = newDataKey();
    const sealed = seal(key, "person:p1", value);
    const [v, iv, ct, tag] = sealed.split(".");
    const bytes = Buffer.from(ct ?? "", "base64url");
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    const tampered = [v, iv, bytes.toString("base64url"), tag].join(".");
    expect(() => unseal(key, "person:p1", tampered)).toThrow(SealError);
    expect(() => unseal(key, "person:p1", "v1.x")).toThrow(SealError);
  });

  it("remember within a bound in characters as well as entries: 32 KB payloads cannot fill a Lambda's memory", () => {
    const key = newDataKey();
    const big = { payload: "x".repeat(32_000) };
    for (let i = 0; i < 600; i++) seal(key, "person:big", big);
    const { chars, entries } = openedMemory();
    expect(chars).toBeLessThanOrEqual(8_000_000);
    expect(entries).toBeLessThan(600 + 20_000);
    // What was pushed out still opens, by decryption.
    const first = seal(key, "person:big", big);
    for (let i = 0; i < 300; i++) seal(key, "person:big", big);
    expect(unseal(key, "person:big", first)).toEqual(big);
  });

  it("forget an owner's plaintexts when its key is destroyed, and only that owner's", () => {
    const key = newDataKey();
    const mine = seal(key, "person:erased", value);
    seal(key, "person:erased", value);
    seal(key, "person:kept", value);
    const before = openedMemory().entries;
    forgetOpened("person:erased");
    expect(openedMemory().entries).toBe(before - 2);
    // The ciphertext still opens with the key while someone holds it: forgetting drops memory, not data.
    expect(unseal(key, "person:erased", mine)).toEqual(value);
  });
});
