import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { seal, unseal } from "../../domain/personal-data.ts";
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

  /** The data key sealed under the master key, bound to its owner like any sealed field. */
  async wrap(dataKey: Buffer, owner: string): Promise<string> {
    return seal(this.masterKey, owner, dataKey.toString("base64url"));
  }

  async unwrap(wrapped: string, owner: string): Promise<Buffer> {
    return Buffer.from(String(unseal(this.masterKey, owner, wrapped)), "base64url");
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
