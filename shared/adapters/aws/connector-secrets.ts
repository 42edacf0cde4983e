import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import * as z from "../../domain/zod-mini.ts";
import { CREDENTIALS_UNREADABLE } from "../connectors/retry.ts";

/**
 * A connector's credentials as stored in Secrets Manager: a JSON object (`{"accessToken": "..."}`,
 * plus `clientSecret` for HubSpot's webhook signatures), or a bare token string.
 */
/**
 * What an HTTP header can carry as a bearer token: visible ASCII, no spaces or line breaks. A token
 * with a line break failed as the request's header was built, and that error quoted the header, the
 * token in it, into the decision's record.
 */
const TOKEN = /^[\x21-\x7E]+$/;
const TOKEN_PROBLEM = "must be one token of visible ASCII characters (no spaces or line breaks)";

export const ConnectorSecret = z.strictObject({
  // Trimmed as fetch trims a header (a value written with a trailing newline, `jq --rawfile`, worked).
  accessToken: z.optional(z.string().check(z.trim(), z.minLength(1), z.regex(TOKEN, TOKEN_PROBLEM))),
  /** HubSpot app's client secret: the key of its v3 webhook signatures. */
  clientSecret: z.optional(z.string().check(z.minLength(1))),
});
export type ConnectorSecret = z.infer<typeof ConnectorSecret>;

/**
 * A downstream MCP server's headers (`{"Authorization": "Bearer ..."}`): header name -> whole value,
 * sent on every request to that server.
 */
export const McpHeadersSecret = z.record(
  z.string().check(z.regex(/^[A-Za-z0-9-]+$/, "must be an HTTP header name")),
  // A value no header can carry failed as the request was built, quoting it (the token) in the error.
  z
    .string()
    .check(
      z.trim(),
      z.regex(/^[\x21-\x7E](?:[\x20-\x7E]*[\x21-\x7E])?$/, "must be an HTTP header value (no line breaks)"),
    ),
);
export type McpHeadersSecret = z.infer<typeof McpHeadersSecret>;

export class SecretReadError extends Error {
  override readonly name = "SecretReadError";
  /**
   * Set when Secrets Manager failed in passing (a throttle, a timeout, a 5xx): a later try may read it,
   * so what needed it is handed back (retry.ts neverSent). Not for a secret missing, denied or that KMS
   * cannot decrypt, nor for a value that cannot be used: those fail the action.
   */
  readonly code?: typeof CREDENTIALS_UNREADABLE;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    const cause = options?.cause as Error | undefined;
    if (cause && !/NotFound|Denied|Decryption|Invalid/.test(cause.name)) this.code = CREDENTIALS_UNREADABLE;
  }
  /** Whether a later read may succeed (see `code`). */
  get passing(): boolean {
    return this.code === CREDENTIALS_UNREADABLE;
  }
}

/** How long a read secret is used before it is read again: a rotated secret reaches warm containers. */
export const SECRET_MAX_AGE_MS = 5 * 60_000;
/**
 * How long the last good value still serves when reading it again fails (a Secrets Manager blip):
 * before the 5-minute keep, a container used its first read for life; a failed refresh must not make
 * every call fail where the value it had still works.
 */
export const SECRET_STALE_MS = 60 * 60_000;

interface Kept<T> {
  at: number;
  value: Promise<T>;
  /** The last value read successfully under this key, and when: served while a refresh fails. */
  good?: { at: number; value: T };
}

/**
 * Reads connector secrets by ARN and keeps each for `maxAgeMs` (5 minutes, as AWS's Parameters and
 * Secrets extension does): a rotated or revoked token reaches a warm container within that, and a
 * caller that sees the vendor reject the token can `forget` it to read it again at once
 * (deployed-connectors.ts does on a 401). A failed read is not kept, so the next invocation tries
 * again. Messages name the connector, never the value.
 */
export class ConnectorSecrets {
  private readonly cache = new Map<string, Kept<ConnectorSecret>>();
  private readonly headerCache = new Map<string, Kept<McpHeadersSecret>>();
  /** When each key was last read from Secrets Manager (reread's floor), whatever came of it. */
  private readonly readAt = new Map<string, number>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly arns: Record<string, string>,
    private readonly o: { maxAgeMs?: number; now?: () => number } = {},
  ) {}

  get(name: string): Promise<ConnectorSecret> {
    return this.kept(this.cache, name, () => this.read(name));
  }

  /** Drop what was read of `name` (its value was rejected): the next `get` reads the secret again. */
  forget(name: string): void {
    this.cache.delete(name);
  }

  /**
   * `name` read again now, when what was read of it is contradicted by a caller that holds the real
   * one (a signature made with a rotated key); undefined when it was read less than `minAgeMs` ago,
   * so requests that anyone can send cannot make every call a Secrets Manager read. A failed read
   * serves the last good value, as `get` does.
   */
  reread(name: string, minAgeMs: number): Promise<ConnectorSecret> | undefined {
    const cached = this.cache.get(name);
    // By when it was last read, not by the entry's time: while reads fail, the entry is dated for a
    // retry in 30 s, and every request with a made-up signature read the secret again.
    const read = this.readAt.get(name);
    if (cached && read !== undefined && (this.o.now ?? Date.now)() - read < minAgeMs) return undefined;
    if (cached) cached.at = Number.NEGATIVE_INFINITY;
    return this.get(name);
  }

  private kept<T>(cache: Map<string, Kept<T>>, key: string, read: () => Promise<T>): Promise<T> {
    const now = (this.o.now ?? Date.now)();
    const cached = cache.get(key);
    if (cached && now - cached.at < (this.o.maxAgeMs ?? SECRET_MAX_AGE_MS)) return cached.value;
    const good = cached?.good;
    this.readAt.set(key, now);
    const entry: Kept<T> = { at: now, value: Promise.resolve() as Promise<T>, ...(good ? { good } : {}) };
    entry.value = read().then(
      (value) => {
        entry.good = { at: now, value };
        return value;
      },
      (err) => {
        // A value that cannot be used (not JSON, a token no header can carry) is the secret as now
        // stored, not a passing blip: said at once, not covered by the last good value for an hour.
        const unusable = err instanceof SecretReadError && err.cause === undefined;
        const stale = !unusable && good && now - good.at < SECRET_STALE_MS ? good : undefined;
        if (cache.get(key) === entry) {
          // Not kept: the last good value serves for a while, and the read is tried again in 30 s
          // (not on every call, each of which would wait through a failing read first).
          const maxAge = this.o.maxAgeMs ?? SECRET_MAX_AGE_MS;
          if (stale)
            cache.set(key, { at: now - maxAge + 30_000, value: Promise.resolve(stale.value), good: stale });
          else cache.delete(key);
        }
        if (stale) return stale.value;
        throw err;
      },
    );
    cache.set(key, entry);
    return entry.value;
  }

  /**
   * A downstream MCP server's headers, by the ARN its deployed entry names (`mcp[].headersSecretArn`),
   * kept as the connectors' secrets are. Must be a JSON object of header -> value.
   *
   * `rejected` is what a request sent that the server refused (401: perhaps rotated since): read again
   * at once if it is still what is kept. Compared by identity (every caller of a read gets the same
   * object), so requests refused together share one read, and one that sent a value since replaced
   * gets the newer one without a read: a burst of 401s after a rotation is one Secrets Manager call.
   * A read that then fails is not served the refused value as the last good one.
   */
  headers(
    server: string,
    arn: string,
    rejected?: McpHeadersSecret | ((kept: McpHeadersSecret) => boolean),
  ): Promise<McpHeadersSecret> {
    const key = `mcp:${server}`;
    const kept = this.headerCache.get(key)?.good?.value;
    const refused = typeof rejected === "function" ? kept !== undefined && rejected(kept) : kept === rejected;
    if (rejected && refused) this.headerCache.delete(key);
    return this.kept(this.headerCache, key, () => this.readHeaders(server, arn));
  }

  private readHeaders(server: string, arn: string): Promise<McpHeadersSecret> {
    return this.text(`MCP server ${server}`, arn).then((text) => {
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        throw new SecretReadError(`the MCP server ${server} headers secret is not JSON`);
      }
      const parsed = McpHeadersSecret.safeParse(raw);
      if (!parsed.success)
        throw new SecretReadError(
          `the MCP server ${server} headers secret must be a JSON object of header -> value: ${parsed.error.issues
            .map((i) => i.path.join(".") || "value")
            .join(", ")}`,
        );
      return parsed.data;
    });
  }

  private async read(name: string): Promise<ConnectorSecret> {
    const arn = this.arns[name];
    if (!arn) throw new SecretReadError(`no secret is configured for ${name} (connectorSecretArns.${name})`);
    const text = await this.text(`${name}`, arn);
    let raw: unknown = text;
    try {
      raw = JSON.parse(text);
    } catch {
      // The parser's message quotes the text: not repeated, it holds the token.
      if (/^\s*[[{"]/.test(text))
        throw new SecretReadError(`the ${name} secret is not JSON: fix the object it stores`);
      // A bare token: the whole string is the access token.
      const token = text.trim();
      if (!TOKEN.test(token)) throw new SecretReadError(`the ${name} secret, a bare token, ${TOKEN_PROBLEM}`);
      return { accessToken: token };
    }
    const parsed = ConnectorSecret.safeParse(raw);
    if (!parsed.success)
      throw new SecretReadError(
        `the ${name} secret must be a JSON object with accessToken (and clientSecret): ${parsed.error.issues
          .map((i) => i.path.join(".") || "value")
          .join(", ")}`,
      );
    return parsed.data;
  }

  /** The secret's string value; messages name what it is for, never the value. */
  private async text(what: string, arn: string): Promise<string> {
    let text: string | undefined;
    try {
      text = (await this.client.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString;
    } catch (err) {
      throw new SecretReadError(`reading the ${what} secret failed: ${(err as Error).name}`, { cause: err });
    }
    if (!text) throw new SecretReadError(`the ${what} secret has no string value`);
    return text;
  }
}
