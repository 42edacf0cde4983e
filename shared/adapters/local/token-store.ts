import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { TokenRecord, TokenStore } from "../../ports.ts";
import { assertGrantable } from "../../usecases/principal.ts";

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");
export const newToken = () => `hh_${randomBytes(24).toString("base64url")}`;

/**
 * Bearer tokens of the local server, kept as SHA-256 hashes in a file under the data directory (mode
 * 0600), so `harness token create` works whether or not the server is running. In AWS, people sign in
 * with Cognito and agents with IAM; there is no token store.
 */
export class FileTokenStore implements TokenStore {
  constructor(private readonly path: string) {}

  private read(): TokenRecord[] {
    if (!existsSync(this.path)) return [];
    return JSON.parse(readFileSync(this.path, "utf8")) as TokenRecord[];
  }

  async put(record: TokenRecord): Promise<void> {
    const all = this.read().filter((r) => r.tokenHash !== record.tokenHash);
    all.push(record);
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(this.path, JSON.stringify(all, null, 2), { mode: 0o600 });
    chmodSync(this.path, 0o600);
  }

  async get(tokenHash: string): Promise<TokenRecord | undefined> {
    return this.read().find((r) => r.tokenHash === tokenHash);
  }
}

/** Create a token for a subject with roles; returns the secret, which is shown once and never stored. */
export async function createToken(
  store: TokenStore,
  subject: string,
  roles: string[],
  at: string,
): Promise<string> {
  // No approver named `agent:...`, no credential that is both a person's and an agent's.
  assertGrantable(subject, roles);
  const token = newToken();
  await store.put({ tokenHash: hashToken(token), subject, roles, createdAt: at });
  return token;
}
