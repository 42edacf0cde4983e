/**
 * Pagination cursors: a page key (DynamoDB's LastEvaluatedKey) handed to clients and taken back as
 * ExclusiveStartKey. Clients can send anything, and a start key the store did not produce is a 500
 * at DynamoDB (or worse, a read outside the listing). So a cursor is
 *
 *     base64url(JSON {l: listing, k: key}) "." base64url(HMAC-SHA256(secret, first part))
 *
 * and is decoded only when its tag verifies (timing-safe) and its content has the shape the listing
 * expects: the same listing (index and partition) and exactly the key attributes, strings only.
 * Anything else is a ValidationError on `cursor`, never a call to the store.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { DependencyError, ValidationError } from "../../domain/errors.ts";

/** Where the secret comes from: bytes at hand, or loaded once (a secret store) and cached. */
export type CursorSecret = Uint8Array | (() => Promise<Uint8Array>);

export const MIN_CURSOR_SECRET_BYTES = 32;
const MAX_CURSOR_CHARS = 2000;
const MAX_KEY_VALUE_CHARS = 1024;
const TAG_CHARS = 43; // 32 bytes in base64url, unpadded

export type PageKey = Record<string, string>;

const invalid = () =>
  new ValidationError([{ path: "cursor", message: "not a cursor returned by this listing" }]);

export class PageCursors {
  private secret: Promise<Buffer> | undefined;

  constructor(private readonly source: CursorSecret) {
    if (source instanceof Uint8Array) this.secret = Promise.resolve(checkedSecret(source));
  }

  /** A key that lives as long as this process: for runtimes whose cursors never outlive it. */
  static ephemeral(): PageCursors {
    return new PageCursors(randomBytes(32));
  }

  async encode(listing: string, key: Record<string, unknown>): Promise<string> {
    const body = Buffer.from(JSON.stringify({ l: listing, k: key })).toString("base64url");
    return `${body}.${await this.tag(body)}`;
  }

  /**
   * The page key of a cursor this listing issued, or a ValidationError. `attributes` are the key
   * attributes the listing's start keys have (table key, plus the index key for a query on an index).
   */
  async decode(listing: string, cursor: string, attributes: readonly string[]): Promise<PageKey> {
    if (cursor.length > MAX_CURSOR_CHARS) throw invalid();
    const dot = cursor.indexOf(".");
    if (dot <= 0 || cursor.length - dot - 1 !== TAG_CHARS) throw invalid();
    const body = cursor.slice(0, dot);
    const given = Buffer.from(cursor.slice(dot + 1), "base64url");
    const expected = Buffer.from(await this.tag(body), "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    // Signed by us, so well-formed unless the key was reused elsewhere: checked all the same.
    let content: unknown;
    try {
      content = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    } catch {
      throw invalid();
    }
    const { l, k } = (content ?? {}) as { l?: unknown; k?: unknown };
    if (l !== listing || !k || typeof k !== "object" || Array.isArray(k)) throw invalid();
    const entries = Object.entries(k as Record<string, unknown>);
    if (
      entries.length !== attributes.length ||
      !entries.every(
        ([name, v]) =>
          attributes.includes(name) &&
          typeof v === "string" &&
          v.length > 0 &&
          v.length <= MAX_KEY_VALUE_CHARS,
      )
    )
      throw invalid();
    return k as PageKey;
  }

  private async tag(body: string): Promise<string> {
    return createHmac("sha256", await this.key())
      .update(body)
      .digest("base64url");
  }

  private key(): Promise<Buffer> {
    if (!this.secret) {
      const load = this.source as () => Promise<Uint8Array>;
      this.secret = load().then(checkedSecret, (err: unknown) => {
        // Not cached: the next request tries again (the secret store may be back).
        this.secret = undefined;
        throw new DependencyError("the pagination key could not be loaded", { cause: err });
      });
    }
    return this.secret;
  }
}

function checkedSecret(bytes: Uint8Array): Buffer {
  if (bytes.length < MIN_CURSOR_SECRET_BYTES)
    throw new Error(`the pagination key must be at least ${MIN_CURSOR_SECRET_BYTES} bytes`);
  return Buffer.from(bytes);
}
