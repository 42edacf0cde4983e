/**
 * Redaction of a person's identifying strings inside arbitrary stored values (knowledge-base items
 * written by any agent: committees, lead lists, facts, memory, retry queues). Pure: the erasure store
 * decides which items to rewrite with it.
 */
import { createHash } from "node:crypto";
import { ERASED } from "./personal-data.ts";

/** Emails are kept (in suppression keys and erasure marks) only as this hash. */
export const emailHash = (email: string) =>
  `sha256:${createHash("sha256").update(email.trim().toLowerCase()).digest("hex")}`;

/**
 * A LinkedIn profile kept (in erasure marks) only as this hash: of its path, lower case, without a
 * trailing slash, whatever the host (www., de.) or query. Undefined for text that is no profile URL.
 */
export function linkedinHash(url: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(new URL(url).pathname).toLowerCase().replace(/\/+$/, "");
  } catch {
    return undefined;
  }
  // A profile's (/in/<name>) only: a company page put in a person's field by mistake is nobody's, and
  // its mark would refuse everyone else who has it.
  return /^\/in\/[^/]+$/.test(path)
    ? `sha256:${createHash("sha256").update(`linkedin:${path}`).digest("hex")}`
    : undefined;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const clean = (needles: string[]) =>
  [...new Set(needles.map((n) => n.trim()).filter((n) => n.length >= 2))].sort((a, b) => b.length - a.length);

/** One case-insensitive matcher for all needles, longest first so a full name wins over its parts. */
export function needleMatcher(needles: string[]): RegExp | undefined {
  const c = clean(needles);
  return c.length ? new RegExp(c.map(escapeRegExp).join("|"), "gi") : undefined;
}

export function mentions(value: unknown, matcher: RegExp): boolean {
  matcher.lastIndex = 0;
  return matcher.test(JSON.stringify(value));
}

/**
 * What identifies someone: `whole` strings (an email, a full name) are redacted wherever they occur;
 * `words` (a first or last name alone) only as a whole string value or as a word of free text — never
 * inside an id such as `acme-jane`, which other items (suppressions, indexes) must keep matching.
 */
export interface Identifiers {
  whole: string[];
  words?: string[];
}

export function redactor(ids: Identifiers): ((value: unknown) => unknown) | undefined {
  const whole = needleMatcher(ids.whole);
  const words = clean(ids.words ?? []);
  // A word stands alone: not joined to letters, digits or an id's separators on either side.
  const inText = words.length
    ? new RegExp(
        `(?<![\\p{L}\\p{N}_.@#:-])(?:${words.map(escapeRegExp).join("|")})(?![\\p{L}\\p{N}_@#:-])`,
        "giu",
      )
    : undefined;
  const exact = new Set(words.map((w) => w.toLowerCase()));
  if (!whole && !inText) return undefined;
  const str = (s: string) => {
    let out = whole ? s.replace(whole, ERASED) : s;
    if (exact.has(out.trim().toLowerCase())) return ERASED;
    if (inText && /\s/.test(out)) out = out.replace(inText, ERASED);
    return out;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return str(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object" && !(v instanceof Uint8Array) && !(v instanceof Set)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[whole ? k.replace(whole, ERASED) : k] = walk(x);
      return out;
    }
    return v;
  };
  return walk;
}
