import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { KeyWrapper } from "../../ports.ts";

/**
 * The embedded default's key wrapper: persons' data keys are stored in DynamoDB Local encrypted under
 * a master key that lives in its own file (mode 0600) beside the database, so a copy of the database
 * alone reveals no personal data.
 */
export class LocalKeyWrapper implements KeyWrapper {
  constructor(private readonly masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error("the master key must be 32 bytes");
  }

  async wrap(dataKey: Buffer, personId: string): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.masterKey, iv);
    cipher.setAAD(Buffer.from(personId, "utf8"));
    const ct = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return ["local1", iv, ct, cipher.getAuthTag()]
      .map((p) => (Buffer.isBuffer(p) ? p.toString("base64url") : p))
      .join(".");
  }

  async unwrap(wrapped: string, personId: string): Promise<Buffer> {
    const [version, iv, ct, tag] = wrapped.split(".");
    if (version !== "local1" || !iv || !ct || !tag) throw new Error("not a key wrapped by this harness");
    const decipher = createDecipheriv("aes-256-gcm", this.masterKey, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(personId, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]);
  }
}

/**
 * The master key of a throwaway database (tests against DynamoDB Local): derived from the endpoint, so
 * the local runtime and the Lambda handlers a test runs against the same database open each other's keys.
 */
export const throwawayMasterKey = (endpoint: string) =>
  createHash("sha256").update(`throwaway-master-key:${endpoint}`).digest();

/** The data dir's master key, created on first use (0600); in memory when no path is given (tests). */
export function loadMasterKey(path: string | undefined): Buffer {
  if (!path) return randomBytes(32);
  if (existsSync(path)) {
    chmodSync(path, 0o600);
    const key = Buffer.from(readFileSync(path, "utf8").trim(), "base64url");
    if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte key`);
    return key;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(path, `${key.toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
  return key;
}
