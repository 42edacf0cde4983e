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
  localDaysWindow,
  localMinuteOfDay,
  localParts,
  parseHhMm,
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
export function liveTouches(touches: readonly Touch[], now: number): Touch[] {
  const live: Touch[] = [];
  for (let i = 0; i < touches.length; i++) {
    const t = touches[i] as Touch;
    if (t.expiresAt === undefined || t.expiresAt >= now) live.push(t);
  }
  return live;
}

/** Distance in ms from instant `at` to the interval [from, to]; 0 inside it. */
const distance = (t: Touch, at: number) => (at < t.from ? t.from - at : at > t.to ? at - t.to : 0);

const describeTouch = (t: Touch) =>
  `${t.channel} by ${t.agentId} ${t.from === t.to ? `at ${iso(t.from)}` : `awaiting approval until ${iso(t.to)}`}`;

/** The touches that break a rule, described in their order for the trace entry. */
const describeTouches = (touches: Touch[]) => touches.map(describeTouch).join("; ");

/**
 * What the coordination rules take from the spec alone, made once per spec (prepared-spec.ts keeps it
 * per spec hash): the texts naming each rule, spans in ms, quiet-hour minutes. The checks below run
 * for every decision (and many times more when a deferred one looks for its retry instant), so they
 * count with plain loops and build the list of touches only for a rule that fails.
 */
interface Prepared<R> {
  rule: R;
  shadow: boolean;
  /** Person scope: only touches of the same person count. */
  person: boolean;
}

export interface PreparedCoordination {
  /** `passed`: "N of <limit>" by count N, written the first time a count is seen. */
  caps: (Prepared<FrequencyCapRule> & {
    limit: string;
    calendarDays: number;
    span: number;
    passed: (string | undefined)[];
  })[];
  /** `clear`, `otherChannel`: the rule's passing texts, written once. */
  cooldowns: (Prepared<CooldownRule> & {
    name: string;
    before: Channel;
    span: number;
    clear: string;
    otherChannel: string;
  })[];
  /** `clear`: the passing text by the candidate's channel, written the first time. */
  diversity: (Prepared<ChannelDiversityRule> & { name: string; span: number; clear: Map<string, string> })[];
  /** `name`: the rule's text up to the recipient's zone, which the decision adds. */
  quiet: (Prepared<QuietHoursRule> & { name: string; start: number; end: number })[];
}

const base = <R extends { mode: string; scope?: string }>(rule: R): Prepared<R> => ({
  rule,
  shadow: rule.mode === "shadow",
  person: rule.scope !== undefined && rule.scope !== "account",
});

export function prepareCoordination(spec: Spec): PreparedCoordination {
  const co = spec.coordination;
  return {
    caps: co.frequencyCaps.map((rule) => {
      const calendar = "calendarDays" in rule.window;
      const windowText =
        "calendarDays" in rule.window
          ? rule.window.calendarDays === 1
            ? "per day"
            : `per ${rule.window.calendarDays} days`
          : `per ${rule.window.rollingHours} h`;
      return {
        ...base(rule),
        limit: `${rule.max} touch${rule.max > 1 ? "es" : ""} ${windowText} per ${rule.scope}`,
        calendarDays: "calendarDays" in rule.window ? rule.window.calendarDays : 0,
        span: calendar ? 0 : ("rollingHours" in rule.window ? rule.window.rollingHours : 0) * HOUR,
        passed: [],
      };
    }),
    cooldowns: co.cooldowns.map((rule) => {
      const before = rule.before ?? rule.after;
      const name =
        `${rule.hours} h after ${rule.after} before ${before === rule.after ? "another" : ""} ${before}`.replace(
          "  ",
          " ",
        );
      return {
        ...base(rule),
        name,
        before,
        span: rule.hours * HOUR,
        clear: `${name}: clear`,
        otherChannel: `${name}: not this channel`,
      };
    }),
    diversity: co.channelDiversity.map((rule) => ({
      ...base(rule),
      name: `touches within ${rule.windowDays} days use different channels`,
      span: rule.windowDays * DAY,
      clear: new Map<string, string>(),
    })),
    quiet: co.quietHours.map((rule) => ({
      ...base(rule),
      name: `quiet hours ${rule.start}-${rule.end}${rule.allDay.length ? ` and all day ${rule.allDay.join(", ")}` : ""}`,
      start: parseHhMm(rule.start),
      end: parseHhMm(rule.end),
    })),
  };
}

/** Prepared per spec object for callers without the gate's preparation (retry, revalidation, tests). */
const bySpec = new WeakMap<Spec, PreparedCoordination>();
const coordinationOf = (spec: Spec): PreparedCoordination => {
  let prepared = bySpec.get(spec);
  if (!prepared) {
    prepared = prepareCoordination(spec);
    bySpec.set(spec, prepared);
  }
  return prepared;
};

const outcome = (p: Prepared<{ name: string }>, ok: boolean, detail: string): RuleOutcome => ({
  rule: p.rule.name,
  shadow: p.shadow,
  ok,
  detail,
});

/** Whether a touch is in a rule's scope: all of the account's, or the same person's. */
const inScope = (person: boolean, c: Candidate, t: Touch) =>
  !person || (c.personId !== undefined && t.personId === c.personId);

function frequencyCap(p: PreparedCoordination["caps"][number], c: Candidate, touches: Touch[]): RuleOutcome {
  const channels = p.rule.channels;
  let start = 0;
  let end = 0;
  if (p.calendarDays > 0) {
    // Whose calendar: the account's for account scope, the recipient's for person scope.
    const window = localDaysWindow(c.at, p.person ? c.timeZone : c.accountTimeZone, p.calendarDays);
    start = window.start;
    end = window.end;
  }
  let hits = 0;
  for (let i = 0; i < touches.length; i++) {
    const t = touches[i] as Touch;
    if (!inScope(p.person, c, t) || (channels && !channels.includes(t.channel))) continue;
    if (p.calendarDays > 0 ? t.to >= start && t.from < end : distance(t, c.at) < p.span) hits++;
  }
  if (hits < p.rule.max) {
    // Counts below the cap: a handful per rule, each text written once.
    let text = p.passed[hits];
    if (text === undefined) {
      text = `${hits} of ${p.limit}`;
      if (hits < 64) p.passed[hits] = text;
    }
    return outcome(p, true, text);
  }
  const used = touches.filter(
    (t) =>
      inScope(p.person, c, t) &&
      (!channels || channels.includes(t.channel)) &&
      (p.calendarDays > 0 ? t.to >= start && t.from < end : distance(t, c.at) < p.span),
  );
  return outcome(p, false, `${p.limit} already used: ${describeTouches(used)}`);
}

/**
 * Whether touch `t` breaks a cooldown for candidate `c`: an earlier touch on `after` blocks a candidate
 * on `before`; a later (already scheduled) touch on `before` blocks a candidate on `after`, since the
 * candidate would then break the cooldown. Module functions, not closures made per decision (issue 8).
 */
function cooldownBlocks(p: PreparedCoordination["cooldowns"][number], c: Candidate, t: Touch): boolean {
  const { before, span } = p;
  const after = p.rule.after;
  return (
    inScope(p.person, c, t) &&
    ((c.channel === before && t.channel === after && t.from <= c.at && c.at - t.to < span) ||
      (c.channel === after && t.channel === before && t.from > c.at && t.from - c.at < span))
  );
}

function cooldown(p: PreparedCoordination["cooldowns"][number], c: Candidate, touches: Touch[]): RuleOutcome {
  if (c.channel !== p.before && c.channel !== p.rule.after) return outcome(p, true, p.otherChannel);
  for (let i = 0; i < touches.length; i++)
    if (cooldownBlocks(p, c, touches[i] as Touch))
      return outcome(
        p,
        false,
        `${p.name}: ${describeTouches(touches.filter((t) => cooldownBlocks(p, c, t)))}`,
      );
  return outcome(p, true, p.clear);
}

/** Whether touch `t` is another touch on the candidate's channel within a diversity rule's span. */
const sameChannel = (p: PreparedCoordination["diversity"][number], c: Candidate, t: Touch): boolean =>
  inScope(p.person, c, t) && t.channel === c.channel && distance(t, c.at) < p.span;

function diversity(
  p: PreparedCoordination["diversity"][number],
  c: Candidate,
  touches: Touch[],
): RuleOutcome {
  for (let i = 0; i < touches.length; i++)
    if (sameChannel(p, c, touches[i] as Touch))
      return outcome(p, false, `${p.name}: ${describeTouches(touches.filter((t) => sameChannel(p, c, t)))}`);
  let clear = p.clear.get(c.channel);
  if (clear === undefined) {
    clear = `${p.name}: no other ${c.channel} touch`;
    p.clear.set(c.channel, clear);
  }
  return outcome(p, true, clear);
}

function isQuiet(p: PreparedCoordination["quiet"][number], at: number, timeZone: string): boolean {
  const weekday = WEEKDAY_NAMES[localParts(at, timeZone).weekday] ?? "sun";
  if (p.rule.allDay.includes(weekday)) return true;
  const m = localMinuteOfDay(at, timeZone);
  const { start, end } = p;
  return start <= end ? m >= start && m < end : m >= start || m < end;
}

function quietHours(p: PreparedCoordination["quiet"][number], c: Candidate): RuleOutcome {
  const name = `${p.name} (${c.timeZone})`;
  if (p.rule.channels && !p.rule.channels.includes(c.channel))
    return outcome(p, true, `${name}: not this channel`);
  const quiet = isQuiet(p, c.at, c.timeZone);
  return outcome(p, !quiet, `${name}: ${quiet ? "inside" : "outside"}`);
}

/**
 * Every coordination rule's outcome, in the spec's order (frequency caps, cooldowns, channel diversity,
 * quiet hours). `prepared`: the spec's rules prepared once per version (the gate passes its own).
 */
export function evaluateCoordination(
  spec: Spec,
  c: Candidate,
  touches: Touch[],
  prepared: PreparedCoordination = coordinationOf(spec),
): RuleOutcome[] {
  const out: RuleOutcome[] = [];
  for (const p of prepared.caps) out.push(frequencyCap(p, c, touches));
  for (const p of prepared.cooldowns) out.push(cooldown(p, c, touches));
  for (const p of prepared.diversity) out.push(diversity(p, c, touches));
  for (const p of prepared.quiet) out.push(quietHours(p, c));
  return out;
}

export function coordinationChecks(outcomes: RuleOutcome[]): CheckResult[] {
  const out: CheckResult[] = [];
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i] as RuleOutcome;
    out.push(ruleEntry("coordination", o.rule, o.ok, "defer", o.shadow, o.detail));
  }
  return out;
}

/**
 * Instants at which some coordination rule may change its answer: the ends of cooldowns and windows
 * after each touch, the next local midnights, the ends of quiet hours. The earliest candidate at which
 * every rule passes is the proposal's `retryAfter`.
 */
/** Whose calendar a day-window rule counts in: the account's for account scope, the recipient's for person scope. */
const dayZone = (rule: FrequencyCapRule, c: Candidate) =>
  rule.scope === "account" ? c.accountTimeZone : c.timeZone;

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
