import { ruleEntry } from "../check-entry.ts";
import type { CheckResult, IntentReading } from "../decision-types.ts";
import { parseInstant } from "../instant.ts";
import type { Account, Person } from "../kb.ts";
import { LINK } from "../links.ts";
import {
  type PreparedContent,
  type PreparedIntent,
  prepareContent,
  prepareIntent,
} from "../prepared-spec.ts";
import { modeOf } from "../spec-modes.ts";
import type { Spec } from "../spec-schema.ts";

/**
 * Intent from the knowledge base's signals and the spec's current weights, capped at 100. One pass over
 * the signals, each time read once (it was read twice per signal per weighted type: ~280 Date.parse calls
 * per decision, the largest cost of evaluation in the profile of issue 8); `counted` keeps the spec's order.
 */
export function computeIntent(
  spec: Spec,
  account: Account,
  now: number,
  prepared: PreparedIntent = prepareIntent(spec),
): IntentReading {
  const { types, weights, windowDays, windowMs, maxCounts, byLength } = prepared;
  const n = types.length;
  const counts = new Array<number>(n).fill(0);
  const signals = account.signals;
  for (let k = 0; k < signals.length; k++) {
    const s = signals[k] as Account["signals"][number];
    const type = s.type;
    // The spec's types of this length (usually one), compared rather than hashed (prepared-spec.ts).
    const candidates = type.length < byLength.length ? byLength[type.length] : undefined;
    if (candidates === undefined) continue;
    let i = -1;
    for (let c = 0; c < candidates.length; c++) {
      const j = candidates[c] as number;
      if (types[j] === type) {
        i = j;
        break;
      }
    }
    if (i < 0) continue;
    // The number the store wrote next to the text (kb.ts storedSignal); older records only have the text.
    const ms = s.occurredAtMs;
    const at = ms === undefined ? parseInstant(s.occurredAt) : ms;
    // NaN (an unreadable time) fails both comparisons, as it always did.
    if (at > now - (windowMs[i] as number) && at <= now) counts[i] = (counts[i] as number) + 1;
  }
  const counted: IntentReading["counted"] = [];
  let score = 0;
  for (let i = 0; i < n; i++) {
    const seen = counts[i] as number;
    if (seen > 0) {
      const weight = weights[i] as number;
      // A refit's weight is per occurrence up to the cap it was fitted with (spec-schema.ts maxCount).
      const count = Math.min(seen, maxCounts[i] as number);
      counted.push({
        type: types[i] as string,
        count,
        weight,
        windowDays: windowDays[i] as number,
        ...(seen > count ? { seen } : {}),
      });
      score += count * weight;
    }
  }
  return { score: Math.min(100, score), counted };
}

/** Signal types as words ("pricing_page_visit" -> "pricing page visit"), made once per type. */
const typeLabels = new Map<string, string>();
const typeLabel = (type: string): string => {
  let label = typeLabels.get(type);
  if (label === undefined) {
    label = type.replaceAll("_", " ");
    // Types come from specs: a handful in use at a time; the bound only stops a leak.
    if (typeLabels.size >= 1000) typeLabels.clear();
    typeLabels.set(type, label);
  }
  return label;
};

/** One counted type in words. A refit may give a signal a negative weight (it lowers intent): its sign is written as is. */
function countedPhrase(c: IntentReading["counted"][number]): string {
  const points = c.count * c.weight;
  const of = c.seen !== undefined ? ` (of ${c.seen})` : "";
  return `${typeLabel(c.type)} ×${c.count}${of} in ${c.windowDays} days (${points < 0 ? "" : "+"}${points})`;
}

/** Counts whose phrase a prepared spec remembers per type (higher ones are written each time). */
const REMEMBERED_COUNTS = 64;

/**
 * Written on every decision's intent entry, so built by concatenation rather than map + join. With the
 * spec's preparation (`prepared`, the one the reading was computed with), each type's phrase for a count
 * is written once and reused.
 */
export function describeIntent(reading: IntentReading, prepared?: PreparedIntent): string {
  const counted = reading.counted;
  if (counted.length === 0) return "no intent signals in any window";
  let text = "";
  for (let i = 0; i < counted.length; i++) {
    const c = counted[i] as IntentReading["counted"][number];
    if (i > 0) text += ", ";
    text += prepared ? rememberedPhrase(prepared, c) : countedPhrase(c);
  }
  return text;
}

function rememberedPhrase(prepared: PreparedIntent, c: IntentReading["counted"][number]): string {
  const i = prepared.index.get(c.type);
  // Only for the weights and window it was prepared with (a reading from another spec is written anew).
  if (
    i === undefined ||
    c.count >= REMEMBERED_COUNTS ||
    c.seen !== undefined ||
    prepared.weights[i] !== c.weight ||
    prepared.windowDays[i] !== c.windowDays
  )
    return countedPhrase(c);
  const byCount = prepared.phrases[i] as (string | undefined)[];
  let phrase = byCount[c.count];
  if (phrase === undefined) {
    phrase = countedPhrase(c);
    byCount[c.count] = phrase;
  }
  return phrase;
}

/** The fixed rule names, written once (a name built per entry was a new string per decision). */
const QUALITY_RULES = {
  minIntent: "quality.minIntent",
  minContentQuality: "quality.minContentQuality",
  reviewBelowConfidence: "quality.reviewBelowConfidence",
} as const;

/** A quality threshold's entry: its fixed rule name, in shadow when `quality.modes` says so. */
function threshold(
  spec: Spec,
  check: "intent" | "content_quality" | "confidence",
  key: "minIntent" | "minContentQuality" | "reviewBelowConfidence",
  ok: boolean,
  effect: "block" | "review",
  detail: string,
): CheckResult {
  const shadow = modeOf(spec.quality.modes, key) === "shadow";
  return ruleEntry(check, QUALITY_RULES[key], ok, effect, shadow, detail);
}

export function checkIntent(spec: Spec, reading: IntentReading, prepared?: PreparedIntent): CheckResult {
  const min = spec.quality.minIntent;
  const ok = reading.score >= min;
  const detail = `intent ${reading.score} ${ok ? "≥" : "<"} ${min}: ${describeIntent(reading, prepared)}`;
  return threshold(spec, "intent", "minIntent", ok, "block", detail);
}

const PLACEHOLDER =
  /\{\{[^}]*\}\}|\[(first ?name|last ?name|company|name|title)\]|<(FIRST_?NAME|COMPANY|NAME)>/i;

/** A link's host, read with the URL parser so `https://allowed.com@evil.com` is evil.com. */
function hostOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return url.toLowerCase();
  }
}
const GREETING = /^\s*(?:hi|hello|hey|dear)\s+([A-Za-z][A-Za-z'-]*)/i;
/** Greetings of a group rather than a name ("Hi team"): nothing to check against the recipient. */
const GROUP_GREETINGS = new Set(["there", "team", "all"]);

export interface ContentScore {
  score: number;
  problems: string[];
}

/** Deterministic content quality: no model is needed to catch the mistakes that burn a brand. */
export function scoreContent(
  spec: Spec,
  payload: Record<string, unknown>,
  account: Account,
  person?: Person,
  prepared: PreparedContent = prepareContent(spec),
): ContentScore {
  const rules = spec.quality.content;
  const body = typeof payload.body === "string" ? payload.body : undefined;
  const subject = typeof payload.subject === "string" ? payload.subject : "";
  if (!body) return { score: 0, problems: ["the payload has no message body"] };
  const problems: string[] = [];
  let score = 100;
  const text = `${subject}\n${body}`;
  // Every placeholder starts with "{{", "[" or "<": a text with none of them (most) skips the regex.
  if ((text.includes("{{") || text.includes("[") || text.includes("<")) && PLACEHOLDER.test(text)) {
    score -= 100;
    problems.push("unresolved placeholder");
  }
  if (body.length < rules.minLength || body.length > rules.maxLength) {
    score -= 30;
    problems.push(`body length ${body.length} outside ${rules.minLength}-${rules.maxLength}`);
  }
  const lower = text.toLowerCase();
  for (const { phrase, lower: banned } of prepared.banned) {
    if (lower.includes(banned)) {
      // A banned phrase is a hard no, like a placeholder: no other strength can make up for it.
      score -= 100;
      problems.push(`banned phrase "${phrase}"`);
    }
  }
  const allowed = prepared.linkAllowlist;
  if (allowed.length > 0) {
    for (const m of text.matchAll(LINK)) {
      const host = hostOf(m[0]);
      if (!allowed.some((d) => host === d || host.endsWith(`.${d}`))) {
        score -= 40;
        problems.push(`link to ${host} is not on the allowlist`);
      }
    }
  }
  // Grounding: the facts a message states about its recipient must agree with the knowledge base.
  const greeting = GREETING.exec(body);
  if (person && greeting?.[1] && !GROUP_GREETINGS.has(greeting[1].toLowerCase())) {
    if (greeting[1].toLowerCase() !== person.firstName.toLowerCase()) {
      score -= 40;
      problems.push(`greets "${greeting[1]}" but the recipient's first name on file differs`);
    }
  }
  if (
    typeof payload.companyName === "string" &&
    payload.companyName.toLowerCase() !== account.name.toLowerCase()
  ) {
    score -= 40;
    problems.push("names a company other than the account on file");
  }
  return { score: Math.max(0, score), problems };
}

export function checkContent(spec: Spec, content: ContentScore): CheckResult {
  const min = spec.quality.minContentQuality;
  const ok = content.score >= min;
  const detail = `content quality ${content.score} ${ok ? "≥" : "<"} ${min}${content.problems.length ? `: ${content.problems.join("; ")}` : ""}`;
  return threshold(spec, "content_quality", "minContentQuality", ok, "block", detail);
}

export function checkConfidence(spec: Spec, confidence: number): CheckResult {
  const min = spec.quality.reviewBelowConfidence;
  const ok = confidence >= min;
  const detail = ok
    ? `agent confidence ${confidence} ≥ ${min}`
    : `agent confidence ${confidence} < ${min}: a human reviews`;
  return threshold(spec, "confidence", "reviewBelowConfidence", ok, "review", detail);
}
