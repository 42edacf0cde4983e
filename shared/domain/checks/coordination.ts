import { ruleEntry } from "../check-entry.ts";
import type { CheckResult, Touch } from "../decision-types.ts";
import type {
  ChannelDiversityRule,
  CooldownRule,
  FrequencyCapRule,
  QuietHoursRule,
  Spec,
} from "../spec-schema.ts";
import {
  DAY,
  HOUR,
  instantOfLocal,
  iso,
  localMinuteOfDay,
  localParts,
  parseHhMm,
  startOfNextLocalDay,
} from "../time.ts";
import type { Channel } from "../vocabulary.ts";
import { WEEKDAY_NAMES } from "../vocabulary.ts";

/** The touch being decided: who, on which channel, at which instant. */
export interface Candidate {
  at: number;
  channel: Channel;
  personId?: string;
  /** The recipient's time zone (the person's, else the account's): quiet hours are theirs. */
  timeZone: string;
  /** The account's time zone: an account-scoped "day" is the account's day. */
  accountTimeZone: string;
}

export interface RuleOutcome {
  rule: string;
  shadow: boolean;
  ok: boolean;
  detail: string;
}

/** A touch counts while it can still happen: pending reservations past their expiry are absent. */
export function liveTouches(touches: Touch[], now: number): Touch[] {
  return touches.filter((t) => t.expiresAt === undefined || t.expiresAt >= now);
}

const inScope = (scope: "account" | "person", c: Candidate) => (t: Touch) =>
  scope === "account" || (c.personId !== undefined && t.personId === c.personId);

/** Distance in ms from instant `at` to the interval [from, to]; 0 inside it. */
const distance = (t: Touch, at: number) => (at < t.from ? t.from - at : at > t.to ? at - t.to : 0);

const describeTouch = (t: Touch) =>
  `${t.channel} by ${t.agentId} ${t.from === t.to ? `at ${iso(t.from)}` : `awaiting approval until ${iso(t.to)}`}`;

/** Whose calendar a day-window rule counts in: the account's for account scope, the recipient's for person scope. */
const dayZone = (rule: FrequencyCapRule, c: Candidate) =>
  rule.scope === "account" ? c.accountTimeZone : c.timeZone;

function frequencyCap(rule: FrequencyCapRule, c: Candidate, touches: Touch[]): RuleOutcome {
  const relevant = touches
    .filter(inScope(rule.scope, c))
    .filter((t) => !rule.channels || rule.channels.includes(t.channel));
  let hits: Touch[];
  let windowText: string;
  if ("calendarDays" in rule.window) {
    const tz = dayZone(rule, c);
    const end = startOfNextLocalDay(c.at, tz);
    const p = localParts(c.at, tz);
    const start = instantOfLocal(p.year, p.month, p.day - (rule.window.calendarDays - 1), 0, 0, tz);
    hits = relevant.filter((t) => t.to >= start && t.from < end);
    windowText = rule.window.calendarDays === 1 ? "per day" : `per ${rule.window.calendarDays} days`;
  } else {
    const span = rule.window.rollingHours * HOUR;
    hits = relevant.filter((t) => distance(t, c.at) < span);
    windowText = `per ${rule.window.rollingHours} h`;
  }
  const limit = `${rule.max} touch${rule.max > 1 ? "es" : ""} ${windowText} per ${rule.scope}`;
  return hits.length < rule.max
    ? { rule: rule.name, shadow: rule.mode === "shadow", ok: true, detail: `${hits.length} of ${limit}` }
    : {
        rule: rule.name,
        shadow: rule.mode === "shadow",
        ok: false,
        detail: `${limit} already used: ${hits.map(describeTouch).join("; ")}`,
      };
}

function cooldown(rule: CooldownRule, c: Candidate, touches: Touch[]): RuleOutcome {
  const before = rule.before ?? rule.after;
  const span = rule.hours * HOUR;
  const relevant = touches.filter(inScope(rule.scope, c));
  // An earlier touch on `after` blocks a candidate on `before`; a later (already scheduled) touch on
  // `before` blocks a candidate on `after`, since the candidate would then break the cooldown.
  const blocking = relevant.filter(
    (t) =>
      (c.channel === before && t.channel === rule.after && t.from <= c.at && c.at - t.to < span) ||
      (c.channel === rule.after && t.channel === before && t.from > c.at && t.from - c.at < span),
  );
  const name =
    `${rule.hours} h after ${rule.after} before ${before === rule.after ? "another" : ""} ${before}`.replace(
      "  ",
      " ",
    );
  if (c.channel !== before && c.channel !== rule.after)
    return { rule: rule.name, shadow: rule.mode === "shadow", ok: true, detail: `${name}: not this channel` };
  return blocking.length === 0
    ? { rule: rule.name, shadow: rule.mode === "shadow", ok: true, detail: `${name}: clear` }
    : {
        rule: rule.name,
        shadow: rule.mode === "shadow",
        ok: false,
        detail: `${name}: ${blocking.map(describeTouch).join("; ")}`,
      };
}

function diversity(rule: ChannelDiversityRule, c: Candidate, touches: Touch[]): RuleOutcome {
  const span = rule.windowDays * DAY;
  const same = touches
    .filter(inScope(rule.scope, c))
    .filter((t) => t.channel === c.channel && distance(t, c.at) < span);
  const name = `touches within ${rule.windowDays} days use different channels`;
  return same.length === 0
    ? {
        rule: rule.name,
        shadow: rule.mode === "shadow",
        ok: true,
        detail: `${name}: no other ${c.channel} touch`,
      }
    : {
        rule: rule.name,
        shadow: rule.mode === "shadow",
        ok: false,
        detail: `${name}: ${same.map(describeTouch).join("; ")}`,
      };
}

function isQuiet(rule: QuietHoursRule, at: number, timeZone: string): boolean {
  const weekday = WEEKDAY_NAMES[localParts(at, timeZone).weekday] ?? "sun";
  if (rule.allDay.includes(weekday)) return true;
  const m = localMinuteOfDay(at, timeZone);
  const start = parseHhMm(rule.start);
  const end = parseHhMm(rule.end);
  return start <= end ? m >= start && m < end : m >= start || m < end;
}

function quietHours(rule: QuietHoursRule, c: Candidate): RuleOutcome {
  const name = `quiet hours ${rule.start}-${rule.end}${rule.allDay.length ? ` and all day ${rule.allDay.join(", ")}` : ""} (${c.timeZone})`;
  if (rule.channels && !rule.channels.includes(c.channel))
    return { rule: rule.name, shadow: rule.mode === "shadow", ok: true, detail: `${name}: not this channel` };
  const quiet = isQuiet(rule, c.at, c.timeZone);
  return {
    rule: rule.name,
    shadow: rule.mode === "shadow",
    ok: !quiet,
    detail: `${name}: ${quiet ? "inside" : "outside"}`,
  };
}

export function evaluateCoordination(spec: Spec, c: Candidate, touches: Touch[]): RuleOutcome[] {
  const co = spec.coordination;
  return [
    ...co.frequencyCaps.map((r) => frequencyCap(r, c, touches)),
    ...co.cooldowns.map((r) => cooldown(r, c, touches)),
    ...co.channelDiversity.map((r) => diversity(r, c, touches)),
    ...co.quietHours.map((r) => quietHours(r, c)),
  ];
}

export function coordinationChecks(outcomes: RuleOutcome[]): CheckResult[] {
  return outcomes.map((o) => ruleEntry("coordination", o.rule, o.ok, "defer", o.shadow, o.detail));
}

/**
 * Instants at which some coordination rule may change its answer: the ends of cooldowns and windows
 * after each touch, the next local midnights, the ends of quiet hours. The earliest candidate at which
 * every rule passes is the proposal's `retryAfter`.
 */
export function coordinationBoundaries(spec: Spec, c: Candidate, touches: Touch[]): number[] {
  const co = spec.coordination;
  const out: number[] = [];
  for (const t of touches) {
    for (const r of co.cooldowns) out.push(t.to + r.hours * HOUR);
    for (const r of co.channelDiversity) out.push(t.to + r.windowDays * DAY);
    for (const r of co.frequencyCaps) {
      if ("rollingHours" in r.window) out.push(t.to + r.window.rollingHours * HOUR);
      else {
        const tz = dayZone(r, c);
        const p = localParts(t.to, tz);
        out.push(instantOfLocal(p.year, p.month, p.day + r.window.calendarDays, 0, 0, tz));
      }
    }
  }
  if (co.quietHours.length > 0) {
    const p = localParts(c.at, c.timeZone);
    for (let d = 0; d <= 8; d++) {
      out.push(instantOfLocal(p.year, p.month, p.day + d, 0, 0, c.timeZone));
      for (const r of co.quietHours) {
        const end = parseHhMm(r.end);
        out.push(instantOfLocal(p.year, p.month, p.day + d, Math.floor(end / 60), end % 60, c.timeZone));
      }
    }
  }
  return out;
}
