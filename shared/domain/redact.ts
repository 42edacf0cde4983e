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

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** One case-insensitive matcher for all needles, longest first so a full name wins over its parts. */
export function needleMatcher(needles: string[]): RegExp | undefined {
  const clean = [...new Set(needles.map((n) => n.trim()).filter((n) => n.length >= 2))].sort(
    (a, b) => b.length - a.length,
  );
  return clean.length ? new RegExp(clean.map(escapeRegExp).join("|"), "gi") : undefined;
}

export function mentions(value: unknown, matcher: RegExp): boolean {
  matcher.lastIndex = 0;
  return matcher.test(JSON.stringify(value));
}

/** A deep copy with every occurrence of a needle, in strings and in map keys, replaced. */
export function redact<T>(value: T, matcher: RegExp): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return v.replace(matcher, ERASED);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object" && !(v instanceof Uint8Array) && !(v instanceof Set)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k.replace(matcher, ERASED)] = walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}
