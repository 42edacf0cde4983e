/**
 * The coordination rules as the gate runs them (prepared per spec, counted in loops, issue 8
 * deliverable 5) answer exactly as the straightforward filters they replaced, kept here as the
 * reference: every rule kind, both scopes, channel lists, rolling and calendar windows, pending
 * reservations, zones with odd offsets and DST, shadow modes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Candidate,
  evaluateCoordination,
  type RuleOutcome,
} from "../../shared/domain/checks/coordination.ts";
import type { Touch } from "../../shared/domain/decision-types.ts";
import type { Spec } from "../../shared/domain/spec-schema.ts";
import {
  instantOfLocal,
  iso,
  localMinuteOfDay,
  localParts,
  parseHhMm,
  startOfNextLocalDay,
} from "../../shared/domain/time.ts";
import { WEEKDAY_NAMES } from "../../shared/domain/vocabulary.ts";
import { DAY, HOUR, NOW, specWithCoordination } from "./helpers/fixtures.ts";

type Co = Spec["coordination"];

/** The reference: each rule by filters over the touches, texts built per call. */
function reference(co: Co, c: Candidate, touches: Touch[]): RuleOutcome[] {
  const inScope = (scope: string) => (t: Touch) =>
    scope === "account" || (c.personId !== undefined && t.personId === c.personId);
  const distance = (t: Touch, at: number) => (at < t.from ? t.from - at : at > t.to ? at - t.to : 0);
  const describe = (t: Touch) =>
    `${t.channel} by ${t.agentId} ${t.from === t.to ? `at ${iso(t.from)}` : `awaiting approval until ${iso(t.to)}`}`;
  const out: RuleOutcome[] = [];
  for (const rule of co.frequencyCaps) {
    const relevant = touches
      .filter(inScope(rule.scope))
      .filter((t) => !rule.channels || rule.channels.includes(t.channel));
    let hits: Touch[];
    let windowText: string;
    if ("calendarDays" in rule.window) {
      const tz = rule.scope === "account" ? c.accountTimeZone : c.timeZone;
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
    const ok = hits.length < rule.max;
    out.push({
      rule: rule.name,
      shadow: rule.mode === "shadow",
      ok,
      detail: ok ? `${hits.length} of ${limit}` : `${limit} already used: ${hits.map(describe).join("; ")}`,
    });
  }
  for (const rule of co.cooldowns) {
    const before = rule.before ?? rule.after;
    const span = rule.hours * HOUR;
    const blocking = touches
      .filter(inScope(rule.scope))
      .filter(
        (t) =>
          (c.channel === before && t.channel === rule.after && t.from <= c.at && c.at - t.to < span) ||
          (c.channel === rule.after && t.channel === before && t.from > c.at && t.from - c.at < span),
      );
    const name =
      `${rule.hours} h after ${rule.after} before ${before === rule.after ? "another" : ""} ${before}`.replace(
        "  ",
        " ",
      );
    const shadow = rule.mode === "shadow";
    if (c.channel !== before && c.channel !== rule.after)
      out.push({ rule: rule.name, shadow, ok: true, detail: `${name}: not this channel` });
    else if (blocking.length === 0) out.push({ rule: rule.name, shadow, ok: true, detail: `${name}: clear` });
    else
      out.push({
        rule: rule.name,
        shadow,
        ok: false,
        detail: `${name}: ${blocking.map(describe).join("; ")}`,
      });
  }
  for (const rule of co.channelDiversity) {
    const span = rule.windowDays * DAY;
    const same = touches
      .filter(inScope(rule.scope))
      .filter((t) => t.channel === c.channel && distance(t, c.at) < span);
    const name = `touches within ${rule.windowDays} days use different channels`;
    out.push({
      rule: rule.name,
      shadow: rule.mode === "shadow",
      ok: same.length === 0,
      detail:
        same.length === 0
          ? `${name}: no other ${c.channel} touch`
          : `${name}: ${same.map(describe).join("; ")}`,
    });
  }
  for (const rule of co.quietHours) {
    const name = `quiet hours ${rule.start}-${rule.end}${rule.allDay.length ? ` and all day ${rule.allDay.join(", ")}` : ""} (${c.timeZone})`;
    const shadow = rule.mode === "shadow";
    if (rule.channels && !rule.channels.includes(c.channel)) {
      out.push({ rule: rule.name, shadow, ok: true, detail: `${name}: not this channel` });
      continue;
    }
    const weekday = WEEKDAY_NAMES[localParts(c.at, c.timeZone).weekday] ?? "sun";
    const m = localMinuteOfDay(c.at, c.timeZone);
    const start = parseHhMm(rule.start);
    const end = parseHhMm(rule.end);
    const quiet =
      rule.allDay.includes(weekday) || (start <= end ? m >= start && m < end : m >= start || m < end);
    out.push({ rule: rule.name, shadow, ok: !quiet, detail: `${name}: ${quiet ? "inside" : "outside"}` });
  }
  return out;
}

const ZONES = ["America/New_York", "Asia/Kathmandu", "America/Santiago", "Australia/Lord_Howe", "UTC"];
const channel = fc.constantFrom("email" as const, "linkedin" as const, "ads" as const);
const scope = fc.constantFrom("account" as const, "person" as const);
const mode = fc.constantFrom("enforce" as const, "shadow" as const);
const channels = fc.option(fc.subarray(["email", "linkedin"] as const, { minLength: 1 }), { nil: undefined });
const clock = fc.constantFrom("00:00", "08:00", "09:30", "17:30", "20:00", "23:59");

const coordination = fc.record({
  frequencyCaps: fc.array(
    fc.record({
      max: fc.integer({ min: 1, max: 3 }),
      window: fc.oneof(
        fc.record({ calendarDays: fc.integer({ min: 1, max: 7 }) }),
        fc.record({ rollingHours: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.constant(1.5)) }),
      ),
      scope,
      channels,
      mode,
    }),
    { maxLength: 2 },
  ),
  cooldowns: fc.array(
    fc.record({
      after: channel,
      before: fc.option(channel, { nil: undefined }),
      hours: fc.integer({ min: 1, max: 96 }),
      scope,
      mode,
    }),
    { maxLength: 2 },
  ),
  channelDiversity: fc.array(fc.record({ windowDays: fc.integer({ min: 1, max: 10 }), scope, mode }), {
    maxLength: 1,
  }),
  quietHours: fc.array(
    fc.record({ start: clock, end: clock, allDay: fc.subarray([...WEEKDAY_NAMES]), channels, mode }),
    { maxLength: 1 },
  ),
});

type RawCoordination = typeof coordination extends fc.Arbitrary<infer T> ? T : never;

/** Names made unique per rule (the schema requires it), undefined fields left out as YAML would. */
function specOf(raw: RawCoordination): Spec {
  let n = 0;
  const named = (rules: Record<string, unknown>[]) =>
    rules.map((r) =>
      Object.fromEntries([["name", `rule-${n++}`], ...Object.entries(r).filter(([, v]) => v !== undefined)]),
    );
  return specWithCoordination({
    frequencyCaps: named(raw.frequencyCaps),
    cooldowns: named(raw.cooldowns),
    channelDiversity: named(raw.channelDiversity),
    quietHours: named(raw.quietHours),
  });
}

const touch = fc
  .record({
    channel,
    personId: fc.option(fc.constantFrom("jane", "bob"), { nil: undefined }),
    from: fc.integer({ min: -10 * 24, max: 4 * 24 }).map((h) => NOW + h * HOUR),
    pendingHours: fc.option(fc.integer({ min: 1, max: 48 }), { nil: undefined }),
  })
  .map(({ channel, personId, from, pendingHours }): Touch => {
    const t: Touch = { decisionId: "d", agentId: "other", actionType: "email.send", channel, from, to: from };
    if (personId) t.personId = personId;
    if (pendingHours) t.to = from + pendingHours * HOUR;
    return t;
  });

const candidate = fc
  .record({
    at: fc.integer({ min: -400 * 24, max: 400 * 24 }).map((h) => NOW + h * HOUR + 7 * 60_000),
    channel,
    personId: fc.option(fc.constantFrom("jane", "bob"), { nil: undefined }),
    timeZone: fc.constantFrom(...ZONES),
    accountTimeZone: fc.constantFrom(...ZONES),
  })
  .map(({ personId, ...c }): Candidate => (personId ? { ...c, personId } : c));

describe("coordination as the gate runs it: the same outcomes as the straightforward filters", () => {
  it("for random rules, touches and candidates (one spec object asked many times, as by the retry search)", () => {
    fc.assert(
      fc.property(
        coordination,
        fc.array(candidate, { minLength: 1, maxLength: 4 }),
        fc.array(touch, { maxLength: 8 }),
        (raw, candidates, touches) => {
          const spec = specOf(raw);
          for (const c of candidates)
            expect(evaluateCoordination(spec, c, touches)).toEqual(reference(spec.coordination, c, touches));
        },
      ),
      { numRuns: 200 },
    );
  });
});
