/**
 * Patterns written by people (spec persona rules) are RE2 patterns run on the gate's own linear-time
 * engine (regex/index.ts): matching is linear in the input, so no pattern can stall the gate the way
 * `(a+)+$` does on a backtracking engine (issue 7, M1). RE2 has no backreferences or lookahead; like
 * re2js's LOOKBEHINDS flag, the engine adds captureless lookbehinds, still in linear time, which the
 * shipped spec uses ("president" not preceded by "vice").
 */
import { LinearPattern } from "./regex/index.ts";

export const MAX_PATTERN_LENGTH = 300;

/** A pattern compiled, or why it cannot be (RE2's own message). */
export type Compiled = { re: LinearPattern; problem?: undefined } | { re?: undefined; problem: string };

function compile(source: string, maxLength: number): Compiled {
  if (source.length > maxLength) return { problem: `longer than ${maxLength} characters` };
  try {
    // Case-insensitive, as titles are written every which way.
    return { re: LinearPattern.compile(source, { caseInsensitive: true }) };
  } catch (err) {
    return { problem: (err as Error).message };
  }
}

/**
 * Compiled patterns by their text. The gate reads a fresh spec object for every decision, so a cache
 * keyed by the spec object would recompile each pattern per decision; keyed by text, a pattern is
 * compiled once (at publish) for as long as some spec version in use has it. Bounded: the least
 * recently used goes first.
 */
export class PatternCache {
  private readonly entries = new Map<string, Compiled>();

  constructor(
    private readonly capacity: number,
    private readonly maxLength = MAX_PATTERN_LENGTH,
  ) {}

  get(source: string): Compiled {
    let entry = this.entries.get(source);
    if (entry) {
      // Re-insert: a Map keeps insertion order, so its first key is always the least recently used.
      this.entries.delete(source);
    } else {
      entry = compile(source, this.maxLength);
      if (this.entries.size >= this.capacity) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
    }
    this.entries.set(source, entry);
    return entry;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Room for every pattern of several spec versions (current, drafts in shadow, a replayed one). */
const shared = /* @__PURE__ */ new PatternCache(2048);

/**
 * Unions by their text: persona rules are mostly the same from one spec version to the next, so a new
 * version (a draft, a replayed spec) compiles only the rules that changed. Each part is at most
 * MAX_PATTERN_LENGTH and a rule has at most 20 (spec-schema), so a union is bounded too.
 */
const unions = /* @__PURE__ */ new PatternCache(1024, 20 * (MAX_PATTERN_LENGTH + 5));

/**
 * Several patterns as one RE2 alternation, each in its own group so that its alternatives and inline
 * flags stay its own: it matches a text iff one of them does, in one linear pass instead of one per
 * pattern. Undefined when some pattern does not compile alone (its callers then try them one by one).
 */
export function compileUnion(sources: readonly string[]): LinearPattern | undefined {
  if (sources.length === 0 || sources.some((p) => shared.get(p).re === undefined)) return undefined;
  return unions.get(sources.map((p) => `(?:${p})`).join("|")).re;
}

/**
 * `source` with its lookbehind groups (`(?<=…)`, `(?<!…)`) taken out, or undefined when it has none.
 * A lookbehind only narrows where a pattern matches, so the rest matches every text the whole does:
 * a cheap first test: each lookbehind costs the engine one more pass over the text.
 */
export function withoutLookbehinds(source: string): string | undefined {
  let out = "";
  let found = false;
  let i = 0;
  while (i < source.length) {
    if (source.startsWith("(?<=", i) || source.startsWith("(?<!", i)) {
      found = true;
      i = groupEnd(source, i);
      continue;
    }
    const next = tokenEnd(source, i);
    out += source.slice(i, next);
    i = next;
  }
  return found ? out : undefined;
}

/** End (exclusive) of the token at `i`: an escape, a character class, or one character. */
function tokenEnd(source: string, i: number): number {
  if (source[i] === "\\") return Math.min(i + 2, source.length);
  if (source[i] !== "[") return i + 1;
  // A class: `]` right after `[` or `[^` is a literal, escapes hide anything.
  let j = i + 1;
  if (source[j] === "^") j++;
  if (source[j] === "]") j++;
  while (j < source.length && source[j] !== "]") j += source[j] === "\\" ? 2 : 1;
  return Math.min(j + 1, source.length);
}

/** End (exclusive) of the group opening at `i`, nested groups, escapes and classes skipped. */
function groupEnd(source: string, i: number): number {
  let depth = 0;
  let j = i;
  while (j < source.length) {
    if (source[j] === "(") depth++;
    else if (source[j] === ")" && --depth === 0) return j + 1;
    j = tokenEnd(source, j);
  }
  return source.length;
}

/** The work per character of text `source` costs (its program's instructions); 0 when it cannot compile. */
export const patternSize = (source: string): number => shared.get(source).re?.size ?? 0;

/** Why `source` cannot be a pattern, or undefined when RE2 compiles it. */
export const patternProblem = (source: string): string | undefined => shared.get(source).problem;

/**
 * Whether `source` matches anywhere in `text`, case-insensitively. A pattern RE2 cannot compile never
 * matches: publishing rejects such patterns, so only a spec stored before that check can carry one,
 * and a persona rule that cannot match blocks rather than lets through.
 */
export const matches = (source: string, text: string): boolean => shared.get(source).re?.test(text) ?? false;
