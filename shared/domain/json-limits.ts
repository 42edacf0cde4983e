/**
 * Limits every parsed request body is held to before any route sees it. zod checks what a field
 * means; these check what the store can hold: bodies pass through to DynamoDB (proposal payloads,
 * specs, knowledge-base records), and DynamoDB rejects at write time what JSON happily parses:
 * maps nested past 32 levels, numbers outside its range, empty map keys. Found here, they are a 400
 * naming the path instead of a 500 from the store. Key rules (keyIssue) are decided here too, for
 * bodies and query parameter names alike.
 */
import { type FieldIssue, ValidationError } from "./errors.ts";

export const JSON_LIMITS = {
  /**
   * Containers nested inside one another, the body itself counting as 1. DynamoDB stops at 32 and a
   * body is stored one or two levels down (a proposal's payload inside a decision, inside a ledger
   * event's data); no body of this API needs more than a handful of levels.
   */
  maxDepth: 16,
  /**
   * DynamoDB's number range: magnitude 1E-130 .. 9.9999999999999999999999999999999999999E+125, or 0.
   * That upper bound is not a double (it rounds to 1E+126), so the check is `< 1E+126`.
   */
  maxMagnitudeExclusive: 1e126,
  minMagnitude: 1e-130,
  maxKeyLength: 256,
  /** The largest list any route accepts is a 500-signal batch. */
  maxArrayLength: 1000,
  /** The whole body is at most 256 KiB anyway; a single string is bounded well below an item's 400 KB. */
  maxStringLength: 100_000,
  /** Reporting stops here: a body with thousands of bad numbers needs only the first few named. */
  maxIssues: 20,
} as const;

const pathOf = (parent: string, key: string | number) =>
  typeof key === "number"
    ? `${parent}[${key}]`
    : /^[A-Za-z_$][\w$]*$/.test(key)
      ? parent
        ? `${parent}.${key}`
        : key
      : `${parent}[${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)}]`;

function numberIssue(n: number): string | undefined {
  const L = JSON_LIMITS;
  if (!Number.isFinite(n)) return "must be a finite number";
  const abs = Math.abs(n);
  if (abs >= L.maxMagnitudeExclusive)
    return `out of range: magnitude must be below ${L.maxMagnitudeExclusive}`;
  if (abs !== 0 && abs < L.minMagnitude) return `out of range: magnitude 0 or at least ${L.minMagnitude}`;
  // Beyond 2^53 a JSON integer has already lost digits when it was parsed.
  if (Number.isInteger(n) && !Number.isSafeInteger(n))
    return `integer beyond ±${Number.MAX_SAFE_INTEGER} cannot be represented exactly`;
  return undefined;
}

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Keys that name an object's prototype machinery. JSON.parse (and the YAML reader) keep them as plain
 * own keys, but any code that later copies, merges or indexes by them (`target[key] = value`, spread
 * into a plain object, a library's deep merge) can rewire a prototype or shadow a constructor. No body
 * or query of this API has a reason to use them, so they are refused wherever they appear.
 */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/**
 * What is wrong with `key` as an object key of a body (or, `what` said so, a query parameter name), if
 * anything: the one place key rules are decided.
 */
export function keyIssue(key: string, what = "object key"): string | undefined {
  if (key.length === 0) return `${what}s must not be empty`;
  if (key.length > JSON_LIMITS.maxKeyLength)
    return `${what} longer than ${JSON_LIMITS.maxKeyLength} characters`;
  if (PROTOTYPE_KEYS.has(key)) return `${what} ${key} is not allowed`;
  return stringIssue(key, what);
}

/**
 * The key rules applied to query parameter names, each issue named `query.<name>`. The caller passes
 * the names as the edge received them (an object built with plain assignment has already dropped
 * `__proto__`).
 */
export function queryKeyIssues(names: Iterable<string>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const name of names) {
    const message = keyIssue(name, "query parameter name");
    if (message) issues.push({ path: pathOf("query", name), message });
  }
  return issues.slice(0, JSON_LIMITS.maxIssues);
}

/**
 * The raw query string's own issues, before any decoding: a parameter given twice (API Gateway joins
 * the values with commas, Node's URL keeps both, so which one a route sees would depend on where it
 * runs) and a broken % escape (decoders replace it with U+FFFD, so free text such as a memory query
 * would be searched for something the caller never sent). Each issue names `query.<name>`.
 */
export function rawQueryIssues(raw: string | undefined): FieldIssue[] {
  if (!raw) return [];
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  for (const part of raw.split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const key = decodedOrUndefined(rawKey.replace(/\+/g, " "));
    const name = key ?? rawKey;
    if (key === undefined || decodedOrUndefined(eq < 0 ? "" : part.slice(eq + 1)) === undefined)
      issues.push({ path: pathOf("query", name), message: "is not well-formed percent-encoded UTF-8" });
    else if (seen.has(key)) issues.push({ path: pathOf("query", name), message: "is given more than once" });
    seen.add(name);
    if (issues.length >= JSON_LIMITS.maxIssues) break;
  }
  return issues;
}

function decodedOrUndefined(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function stringIssue(s: string, what: string): string | undefined {
  // Lone surrogates cannot be encoded as UTF-8, which is what the store writes.
  if (LONE_SURROGATE.test(s)) return `${what} is not well-formed Unicode (lone surrogate)`;
  return undefined;
}

/** The issues of a parsed JSON (or YAML) value against JSON_LIMITS, each naming the path. */
export function jsonLimitIssues(value: unknown, root = ""): FieldIssue[] {
  const L = JSON_LIMITS;
  const issues: FieldIssue[] = [];
  // Iterative, so a body nested 100,000 levels deep does not overflow the stack while it is checked.
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: root, depth: 0 }];
  while (stack.length > 0 && issues.length < L.maxIssues) {
    const { v, path, depth } = stack.pop() as { v: unknown; path: string; depth: number };
    if (typeof v === "number") {
      const message = numberIssue(v);
      if (message) issues.push({ path, message });
    } else if (typeof v === "string") {
      if (v.length > L.maxStringLength)
        issues.push({ path, message: `string longer than ${L.maxStringLength} characters` });
      else {
        const message = stringIssue(v, "string");
        if (message) issues.push({ path, message });
      }
    } else if (typeof v === "bigint") {
      issues.push({ path, message: "must be a finite number" });
    } else if (v !== null && typeof v === "object") {
      if (depth + 1 > L.maxDepth) {
        issues.push({ path, message: `nested deeper than ${L.maxDepth} levels` });
        continue;
      }
      if (Array.isArray(v)) {
        if (v.length > L.maxArrayLength) {
          issues.push({ path, message: `more than ${L.maxArrayLength} items` });
          continue;
        }
        for (let i = v.length - 1; i >= 0; i--)
          stack.push({ v: v[i], path: pathOf(path, i), depth: depth + 1 });
      } else {
        const children: { v: unknown; path: string; depth: number }[] = [];
        for (const [key, child] of Object.entries(v as Record<string, unknown>)) {
          const at = pathOf(path, key);
          const message = keyIssue(key);
          if (message) issues.push({ path: at, message });
          else children.push({ v: child, path: at, depth: depth + 1 });
        }
        // Reversed, so issues come out in document order.
        stack.push(...children.reverse());
      }
    }
  }
  // Paths are named like zod's (`payload.score`); an issue with the whole body is named `body`.
  return issues.slice(0, L.maxIssues).map((i) => (i.path ? i : { ...i, path: "body" }));
}

/** Throw a ValidationError naming every path that breaks JSON_LIMITS. */
export function assertJsonLimits(value: unknown, root = ""): void {
  const issues = jsonLimitIssues(value, root);
  if (issues.length > 0) throw new ValidationError(issues);
}
