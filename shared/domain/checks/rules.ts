import type { CheckResult } from "../decision-types.ts";
import type { Account } from "../kb.ts";
import type { Spec, SpecRule } from "../spec-schema.ts";
import { instantOfLocal, localParts } from "../time.ts";
import { WEEKDAY_NAMES, type Weekday } from "../vocabulary.ts";
import type { PersonaMatch } from "./persona.ts";

/** What a conditional rule can be matched on: all of it read by the gate, none taken from the proposal's claims. */
export interface RuleSubject {
  actionType: string;
  agentId: string;
  channel?: string;
  account?: Account;
  persona?: PersonaMatch;
  /** The recipient's zone (the person's, else the account's): weekdays are theirs, like quiet hours. */
  timeZone: string;
  payload: Record<string, unknown>;
}

const norm = (s: string) => s.trim().toLowerCase();

/**
 * A spec's conditional rules. Stored versions are read as stored, not parsed again, and one published
 * before the section existed has none: it reads as empty.
 */
export const specRules = (spec: Pick<Spec, "rules">): SpecRule[] => spec.rules ?? [];

/**
 * The payload's text, lower-cased once per decision: its top-level strings and string lists (subject,
 * body, ...). Phrases are plain substrings of it, so matching is linear in the payload's length.
 */
export function payloadText(payload: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const value of Object.values(payload)) {
    if (typeof value === "string") parts.push(value);
    else if (Array.isArray(value)) for (const v of value) if (typeof v === "string") parts.push(v);
  }
  return parts.join("\n").toLowerCase();
}

export const weekdayAt = (at: number, timeZone: string): Weekday =>
  WEEKDAY_NAMES[localParts(at, timeZone).weekday] ?? "sun";

/** Why the rule matches (the conditions that held), or undefined when one does not. */
function matchRule(
  rule: SpecRule,
  s: RuleSubject,
  text: () => string,
  weekday: Weekday,
  when: string,
): string | undefined {
  const w = rule.when;
  const why: string[] = [];
  if (w.actionTypes) {
    if (!w.actionTypes.includes(s.actionType)) return undefined;
    why.push(s.actionType);
  }
  if (w.agents) {
    if (!w.agents.includes(s.agentId)) return undefined;
    why.push(`agent ${s.agentId}`);
  }
  if (w.channels) {
    if (!s.channel || !w.channels.includes(s.channel as never)) return undefined;
    why.push(`channel ${s.channel}`);
  }
  if (w.industries) {
    const industry = s.account?.industry;
    if (industry === undefined || !w.industries.some((i) => norm(i) === norm(industry))) return undefined;
    why.push(`industry ${industry}`);
  }
  if (w.countries) {
    const country = s.account?.country;
    if (country === undefined || !w.countries.some((c) => norm(c) === norm(country))) return undefined;
    why.push(`country ${country}`);
  }
  if (w.personas) {
    if (!s.persona || !w.personas.includes(s.persona.name)) return undefined;
    why.push(`persona ${s.persona.name}`);
  }
  if (w.roles) {
    if (!s.persona || !w.roles.includes(s.persona.role)) return undefined;
    why.push(`role ${s.persona.role}`);
  }
  if (w.weekdays) {
    if (!w.weekdays.includes(weekday)) return undefined;
    why.push(`on ${weekday}${when}`);
  }
  if (w.phrases) {
    const body = text();
    const hit = w.phrases.find((p) => body.includes(p.toLowerCase()));
    if (hit === undefined) return undefined;
    why.push(`the message says "${hit}"`);
  }
  return why.join(", ");
}

export interface RulesCheck {
  checks: CheckResult[];
  /** Enforced rules that matched with effect defer: the retry instant is when they stop matching. */
  deferring: SpecRule[];
}

/**
 * The spec's conditional rules: one trace entry per matching rule (block, defer or review), none for a
 * rule that does not apply, and a single pass entry when the spec has rules and none applies.
 */
/** The answer of a spec without conditional rules (most decisions): shared, frozen so nobody adds to it. */
const NO_RULES: RulesCheck = Object.freeze({
  checks: Object.freeze([]) as unknown as CheckResult[],
  deferring: Object.freeze([]) as unknown as SpecRule[],
});

/**
 * `at` is when the action would happen, whose weekday the rules read: now, or for a level 2 touch the
 * close of its override window, which `when` then names in the trace (" when its override window closes").
 */
export function checkRules(spec: Spec, subject: RuleSubject, at: number, when = ""): RulesCheck {
  const rules = specRules(spec);
  if (rules.length === 0) return NO_RULES;
  let text: string | undefined;
  const lazyText = () => {
    text ??= payloadText(subject.payload);
    return text;
  };
  const weekday = weekdayAt(at, subject.timeZone);
  const checks: CheckResult[] = [];
  const deferring: SpecRule[] = [];
  for (const rule of rules) {
    const why = matchRule(rule, subject, lazyText, weekday, when);
    if (why === undefined) continue;
    const shadow = rule.mode === "shadow";
    if (!shadow && rule.effect === "defer") deferring.push(rule);
    const does =
      rule.effect === "review" ? "a human reviews" : rule.effect === "block" ? "blocked" : "deferred";
    checks.push({
      check: "rule",
      rule: rule.name,
      result: "fail",
      effect: rule.effect,
      ...(shadow ? { shadow } : {}),
      // The rule's note stays in the spec: it may quote a reviewer, and a trace is not sealed.
      detail: `${why}: ${does}`,
    });
  }
  if (checks.every((c) => c.shadow))
    checks.unshift({ check: "rule", result: "pass", detail: "no conditional rule applies" });
  return { checks, deferring };
}

/**
 * The next local midnight (in the recipient's zone) at which a deferring rule stops matching: only its
 * weekdays change with time, so that is the first following day not among them. Undefined when the
 * rule never stops matching (no weekday condition, or every day listed).
 */
export function ruleStopsMatching(rule: SpecRule, now: number, timeZone: string): number | undefined {
  const days = rule.when.weekdays;
  if (!days) return undefined;
  const p = localParts(now, timeZone);
  for (let d = 1; d <= 7; d++) {
    const midnight = instantOfLocal(p.year, p.month, p.day + d, 0, 0, timeZone);
    if (!days.includes(weekdayAt(midnight, timeZone))) return midnight;
  }
  return undefined;
}
