import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import * as z from "zod";
import { DAY } from "../../domain/time.ts";
import type { TokenRecord, TokenStore } from "../../ports.ts";
import { assertGrantable } from "../../usecases/principal.ts";
import { tightenPrivateFile, writePrivateFile } from "./private-files.ts";

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");
export const newToken = () => `hh_${randomBytes(24).toString("base64url")}`;

/**
 * A token's public id: the first 8 hex characters of its hash. Printed at creation and by `harness
 * token list`, accepted by `harness token revoke`; it says nothing about the secret (a hash prefix).
 */
export const tokenId = (tokenHash: string) => tokenHash.slice(0, 8);

export const DEFAULT_TOKEN_TTL_MS = 30 * DAY;
/** The admin token `harness serve` writes to the data directory; recreated at start once expired. */
export const ADMIN_TOKEN_TTL_MS = 90 * DAY;
export const MAX_TOKEN_TTL_MS = 366 * DAY;

export type TokenRefusal = "token expired" | "token revoked";

/**
 * Whether the server may accept this token at `now`: the one place expiry and revocation are decided,
 * called by the HTTP edge after `tokens.get(hash)`. `now` is wall-clock time (the edge's injected
 * wall clock), never the simulated clock an admin may move: tokens are stamped on the wall clock
 * when created, and judged on it. An unreadable expiry counts as expired. Revocation applies at once,
 * whatever the clock says.
 */
export function checkToken(record: TokenRecord, now: number): TokenRefusal | undefined {
  if (record.revokedAt !== undefined) return "token revoked";
  if (!(Date.parse(record.expiresAt) > now)) return "token expired";
  return undefined;
}

/** `30d`, `12h`, `90m`, `2w` → milliseconds (1 minute to a year). */
export function parseTtl(text: string): number {
  const m = /^(\d{1,6})([mhdw])$/.exec(text.trim());
  const unit = { m: 60_000, h: 3_600_000, d: DAY, w: 7 * DAY } as const;
  const ms = m ? Number(m[1]) * unit[m[2] as keyof typeof unit] : Number.NaN;
  if (!(ms >= 60_000 && ms <= MAX_TOKEN_TTL_MS))
    throw new Error(`ttl "${text}": expected a duration such as 30d, 12h, 90m or 2w, at most 366d`);
  return ms;
}

const StoredToken = z.object({
  tokenHash: z.string().regex(/^[0-9a-f]{64}$/),
  subject: z.string().min(1),
  roles: z.array(z.string()),
  createdAt: z.string(),
  // Tokens written before expiry existed had none: they get the default lifetime from their creation.
  expiresAt: z.string().optional(),
  revokedAt: z.string().optional(),
});
const TokenFile = z.array(StoredToken);

/**
 * Bearer tokens of the local server, kept as SHA-256 hashes in a file under the data directory, so
 * `harness token create` works whether or not the server is running (the server reads the file on
 * each request, so a revocation applies at once). The file is 0600 and replaced atomically. In AWS,
 * people sign in with Cognito and agents with IAM; there is no token store.
 */
export class FileTokenStore implements TokenStore {
  constructor(private readonly path: string) {
    tightenPrivateFile(path);
  }

  private read(): TokenRecord[] {
    if (!existsSync(this.path)) return [];
    const parsed = TokenFile.safeParse(JSON.parse(readFileSync(this.path, "utf8")));
    if (!parsed.success) throw new Error(`${this.path}: not a token file written by the harness`);
    return parsed.data.map(({ expiresAt, revokedAt, ...r }) => ({
      ...r,
      expiresAt: expiresAt ?? new Date(Date.parse(r.createdAt) + DEFAULT_TOKEN_TTL_MS).toISOString(),
      ...(revokedAt !== undefined ? { revokedAt } : {}),
    }));
  }

  private write(all: TokenRecord[]): void {
    writePrivateFile(this.path, `${JSON.stringify(all, null, 2)}\n`);
  }

  async put(record: TokenRecord): Promise<void> {
    this.write([...this.read().filter((r) => r.tokenHash !== record.tokenHash), record]);
  }

  async get(tokenHash: string): Promise<TokenRecord | undefined> {
    return this.read().find((r) => r.tokenHash === tokenHash);
  }

  async list(): Promise<TokenRecord[]> {
    return this.read();
  }
}

/**
 * Create a token for a subject with roles; returns the secret, which is shown once and never stored.
 * Its public id is `tokenId(hashToken(secret))`.
 */
export async function createToken(
  store: TokenStore,
  subject: string,
  roles: string[],
  at: string,
  ttlMs: number = DEFAULT_TOKEN_TTL_MS,
): Promise<string> {
  // No approver named `agent:...`, no credential that is both a person's and an agent's.
  assertGrantable(subject, roles);
  const token = newToken();
  const expiresAt = new Date(Date.parse(at) + ttlMs).toISOString();
  await store.put({ tokenHash: hashToken(token), subject, roles, createdAt: at, expiresAt });
  return token;
}

/**
 * Revoke by what the holder of the problem has at hand: the secret itself, a token's id (or a longer
 * prefix of its hash), or a subject (every token of that subject not yet revoked). Returns the
 * tokens revoked; throws when nothing matches or an id prefix is ambiguous.
 */
export async function revokeTokens(store: FileTokenStore, what: string, at: string): Promise<TokenRecord[]> {
  const all = await store.list();
  let matched: TokenRecord[];
  if (what.startsWith("hh_")) {
    const hash = hashToken(what);
    matched = all.filter((r) => r.tokenHash === hash);
  } else if (/^[0-9a-f]{8,64}$/.test(what) && all.some((r) => r.tokenHash.startsWith(what))) {
    matched = all.filter((r) => r.tokenHash.startsWith(what));
    if (matched.length > 1)
      throw new Error(`"${what}" matches ${matched.length} tokens: give more characters of the id`);
  } else {
    matched = all.filter((r) => r.subject === what);
  }
  if (matched.length === 0)
    throw new Error(`no token matches "${what}" (give a token id, a subject or the token)`);
  const revoked = matched.filter((r) => r.revokedAt === undefined).map((r) => ({ ...r, revokedAt: at }));
  for (const r of revoked) await store.put(r);
  return revoked;
}

/** One line of `harness token list`: never the secret (it is not stored), only its public id. */
export function describeToken(r: TokenRecord, now: number): string {
  const state = checkToken(r, now);
  return [
    tokenId(r.tokenHash),
    r.subject.padEnd(24),
    r.roles.join(",").padEnd(24),
    `created ${r.createdAt}`,
    `expires ${r.expiresAt}`,
    r.revokedAt ? `revoked ${r.revokedAt}` : state === "token expired" ? "expired" : "active",
  ].join("  ");
}

/**
 * The admin token `harness serve` keeps in the data directory: reused while the store accepts it,
 * otherwise (missing, expired, revoked, or unknown to the store) a new one replaces the file. `now`
 * is wall-clock time, as for every token.
 */
export async function ensureAdminToken(
  store: TokenStore,
  path: string,
  now: number,
): Promise<{ created: boolean }> {
  tightenPrivateFile(path);
  if (existsSync(path)) {
    const record = await store.get(hashToken(readFileSync(path, "utf8").trim()));
    if (record && !checkToken(record, now)) return { created: false };
  }
  const token = await createToken(store, "admin", ["admin"], new Date(now).toISOString(), ADMIN_TOKEN_TTL_MS);
  writePrivateFile(path, `${token}\n`);
  return { created: true };
}
