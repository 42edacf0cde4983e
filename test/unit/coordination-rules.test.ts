import { describe, expect, it } from "vitest";
import {
  type Candidate,
  coordinationBoundaries,
  coordinationChecks,
  evaluateCoordination,
  liveTouches,
} from "../../shared/domain/checks/coordination.ts";
import type { Touch } from "../../shared/domain/decision-types.ts";
import type { Spec } from "../../shared/domain/spec-schema.ts";
import type { Channel } from "../../shared/domain/vocabulary.ts";
import { DAY, defaultSpec, HOUR, MINUTE, NOW, specWithCoordination, t, touch } from "./helpers/fixtures.ts";

const NY = "America/New_York";
const TOKYO = "Asia/Tokyo";

const cand = (at: number, channel: Channel = "email", over: Partial<Candidate> = {}): Candidate => ({
  at,
  channel,
  personId: "jane",
  timeZone: NY,
  // Unless a test separates them, the recipient is in the account's zone.
  accountTimeZone: over.accountTimeZone ?? over.timeZone ?? NY,
  ...over,
});

/** The single outcome of a spec holding exactly one rule. */
const only = (spec: Spec, c: Candidate, touches: Touch[]) => {
  const outcomes = evaluateCoordination(spec, c, touches);
  expect(outcomes).toHaveLength(1);
  return outcomes[0]!;
};

const onePerDay = specWithCoordination({
  frequencyCaps: [{ name: "one-per-day", max: 1, window: { calendarDays: 1 }, scope: "account" }],
});

describe("coordination: frequency cap per calendar day in the account's time zone", () => {
  it("23:30 local and 00:30 local the next day are different days (both the same UTC date)", () => {
    const prev = touch({ at: t("2026-03-18T03:30:00Z") }); // Mar 17 23:30 EDT
    const o = only(onePerDay, cand(t("2026-03-18T04:30:00Z")), [prev]); // Mar 18 00:30 EDT
    expect(o).toEqual({
      rule: "one-per-day",
      shadow: false,
      ok: true,
      detail: "0 of 1 touch per day per account",
    });
  });

  it("22:00 and 23:59 local are the same day", () => {
    const prev = touch({ at: t("2026-03-18T02:00:00Z") }); // Mar 17 22:00 EDT
    const o = only(onePerDay, cand(t("2026-03-18T03:59:00Z")), [prev]);
    expect(o.ok).toBe(false);
    expect(o.detail).toBe(
      "1 touch per day per account already used: email by other-agent at 2026-03-18T02:00:00.000Z",
    );
  });

  it("19:30 and 20:30 New York time are the same local day although the UTC dates differ", () => {
    const prev = touch({ at: t("2026-03-17T23:30:00Z") });
    expect(only(onePerDay, cand(t("2026-03-18T00:30:00Z")), [prev]).ok).toBe(false);
  });

  describe("an account in Asia/Tokyo", () => {
    it("08:00 and 10:00 JST are the same day although UTC dates differ", () => {
      const prev = touch({ at: t("2026-03-16T23:00:00Z") }); // Mar 17 08:00 JST
      const c = cand(t("2026-03-17T01:00:00Z"), "linkedin", { timeZone: TOKYO }); // Mar 17 10:00 JST
      expect(only(onePerDay, c, [prev]).ok).toBe(false);
      // Read in UTC, the same instants are on different days.
      expect(only(onePerDay, { ...c, timeZone: "UTC", accountTimeZone: "UTC" }, [prev]).ok).toBe(true);
    });

    it("23:30 and 00:30 JST are different days although UTC dates are the same", () => {
      const prev = touch({ at: t("2026-03-17T14:30:00Z") });
      const c = cand(t("2026-03-17T15:30:00Z"), "linkedin", { timeZone: TOKYO });
      expect(only(onePerDay, c, [prev]).ok).toBe(true);
    });
  });

  it("counts a 23-hour DST day as one day (New York, 2026-03-08)", () => {
    const prev = touch({ at: t("2026-03-08T05:30:00Z") }); // 00:30 EST
    expect(only(onePerDay, cand(t("2026-03-09T03:30:00Z")), [prev]).ok).toBe(false); // 23:30 EDT, same day
    expect(only(onePerDay, cand(t("2026-03-09T04:10:00Z")), [prev]).ok).toBe(true); // 00:10 EDT, next day
  });

  it("counts a 25-hour DST day as one day (New York, 2026-11-01)", () => {
    const prev = touch({ at: t("2026-11-01T04:30:00Z") }); // 00:30 EDT
    expect(only(onePerDay, cand(t("2026-11-02T04:30:00Z")), [prev]).ok).toBe(false); // 23:30 EST, same day
    expect(only(onePerDay, cand(t("2026-11-02T05:00:00Z")), [prev]).ok).toBe(true); // 00:00 EST, next day
  });

  it("a touch already scheduled later the same day counts", () => {
    const later = touch({ at: NOW + 5 * HOUR });
    expect(only(onePerDay, cand(NOW), [later]).ok).toBe(false);
    // ... but not one scheduled for tomorrow.
    expect(only(onePerDay, cand(NOW), [touch({ at: NOW + 20 * HOUR })]).ok).toBe(true);
  });

  it("a touch awaiting approval occupies every day its approval window spans", () => {
    const pending = touch({ from: NOW - 20 * HOUR, to: NOW + 4 * HOUR, expiresAt: NOW + 4 * HOUR });
    const o = only(onePerDay, cand(NOW), [pending]);
    expect(o.ok).toBe(false);
    expect(o.detail).toContain("awaiting approval until");
  });

  it("account scope counts touches to any person of the account; person scope only theirs", () => {
    const toBob = touch({ personId: "bob", at: NOW - HOUR });
    expect(only(onePerDay, cand(NOW), [toBob]).ok).toBe(false);
    const perPerson = specWithCoordination({
      frequencyCaps: [
        { name: "one-per-person-per-day", max: 1, window: { calendarDays: 1 }, scope: "person" },
      ],
    });
    expect(only(perPerson, cand(NOW), [toBob]).ok).toBe(true);
    expect(only(perPerson, cand(NOW), [touch({ at: NOW - HOUR })]).ok).toBe(false);
    expect(only(perPerson, cand(NOW), [toBob]).detail).toBe("0 of 1 touch per day per person");
  });

  it("max N allows N-1 prior touches", () => {
    const two = specWithCoordination({
      frequencyCaps: [{ name: "two-per-day", max: 2, window: { calendarDays: 1 }, scope: "account" }],
    });
    expect(only(two, cand(NOW), [touch({ at: NOW - HOUR })])).toMatchObject({
      ok: true,
      detail: "1 of 2 touches per day per account",
    });
    expect(only(two, cand(NOW), [touch({ at: NOW - HOUR }), touch({ at: NOW - 2 * HOUR })]).ok).toBe(false);
  });

  it("a multi-day window counts whole local days back from the candidate's day", () => {
    const perThreeDays = specWithCoordination({
      frequencyCaps: [{ name: "one-per-3-days", max: 1, window: { calendarDays: 3 }, scope: "account" }],
    });
    // Candidate on Tue Mar 17; window is Sun Mar 15 00:00 - Wed Mar 18 00:00 New York time.
    const sunMorning = touch({ at: t("2026-03-15T04:30:00Z") }); // Mar 15 00:30 EDT
    const satNight = touch({ at: t("2026-03-15T03:30:00Z") }); // Mar 14 23:30 EDT
    expect(only(perThreeDays, cand(NOW), [sunMorning])).toMatchObject({ ok: false });
    expect(only(perThreeDays, cand(NOW), [satNight])).toMatchObject({
      ok: true,
      detail: "0 of 1 touch per 3 days per account",
    });
  });

  it("a cap limited to some channels ignores touches on others", () => {
    const emailOnly = specWithCoordination({
      frequencyCaps: [
        {
          name: "one-email-per-day",
          max: 1,
          window: { calendarDays: 1 },
          scope: "account",
          channels: ["email"],
        },
      ],
    });
    expect(only(emailOnly, cand(NOW), [touch({ channel: "linkedin", at: NOW - HOUR })]).ok).toBe(true);
    expect(only(emailOnly, cand(NOW), [touch({ channel: "email", at: NOW - HOUR })]).ok).toBe(false);
  });
});

describe("coordination: frequency cap over rolling hours", () => {
  const twoPer24h = specWithCoordination({
    frequencyCaps: [{ name: "two-per-24h", max: 2, window: { rollingHours: 24 }, scope: "account" }],
  });

  it("counts touches within the last N hours, ignoring day boundaries", () => {
    const o = only(twoPer24h, cand(NOW), [touch({ at: NOW - 23 * HOUR }), touch({ at: NOW - HOUR })]);
    expect(o.ok).toBe(false);
    expect(o.detail).toMatch(/^2 touches per 24 h per account already used: /);
  });

  it("a touch exactly N hours ago, or older, is out of the window", () => {
    expect(
      only(twoPer24h, cand(NOW), [touch({ at: NOW - 24 * HOUR }), touch({ at: NOW - HOUR })]),
    ).toMatchObject({
      ok: true,
      detail: "1 of 2 touches per 24 h per account",
    });
    expect(only(twoPer24h, cand(NOW), [touch({ at: NOW - 25 * HOUR }), touch({ at: NOW - HOUR })]).ok).toBe(
      true,
    );
  });

  it("future touches within N hours count too (the window is around the candidate)", () => {
    expect(only(twoPer24h, cand(NOW), [touch({ at: NOW + 23 * HOUR }), touch({ at: NOW - HOUR })]).ok).toBe(
      false,
    );
    expect(only(twoPer24h, cand(NOW), [touch({ at: NOW + 25 * HOUR }), touch({ at: NOW - HOUR })]).ok).toBe(
      true,
    );
  });

  it("fractional hours work", () => {
    const halfHour = specWithCoordination({
      frequencyCaps: [{ name: "spacing", max: 1, window: { rollingHours: 0.5 }, scope: "person" }],
    });
    expect(only(halfHour, cand(NOW), [touch({ at: NOW - 29 * MINUTE })]).ok).toBe(false);
    expect(only(halfHour, cand(NOW), [touch({ at: NOW - 30 * MINUTE })]).ok).toBe(true);
  });
});

describe("coordination: same-channel cooldowns (default: email 72 h, LinkedIn 48 h)", () => {
  const spec = specWithCoordination({
    cooldowns: [
      { name: "email-72h", after: "email", hours: 72, scope: "account" },
      { name: "linkedin-48h", after: "linkedin", hours: 48, scope: "account" },
    ],
  });
  const outcome = (c: Candidate, touches: Touch[], rule: string) =>
    evaluateCoordination(spec, c, touches).find((o) => o.rule === rule)!;

  it("an email 71 h ago blocks another email; 72 h and 73 h ago do not", () => {
    const blocked = outcome(cand(NOW), [touch({ at: NOW - 71 * HOUR })], "email-72h");
    expect(blocked.ok).toBe(false);
    expect(blocked.detail).toBe(
      "72 h after email before another email: email by other-agent at 2026-03-14T15:00:00.000Z",
    );
    expect(outcome(cand(NOW), [touch({ at: NOW - 72 * HOUR })], "email-72h").ok).toBe(true);
    expect(outcome(cand(NOW), [touch({ at: NOW - 73 * HOUR })], "email-72h")).toMatchObject({
      ok: true,
      detail: "72 h after email before another email: clear",
    });
  });

  it("LinkedIn 47 h ago blocks LinkedIn; 49 h ago does not", () => {
    const li = (at: number) => touch({ channel: "linkedin", actionType: "linkedin.message", at });
    expect(outcome(cand(NOW, "linkedin"), [li(NOW - 47 * HOUR)], "linkedin-48h").ok).toBe(false);
    expect(outcome(cand(NOW, "linkedin"), [li(NOW - 49 * HOUR)], "linkedin-48h").ok).toBe(true);
  });

  it("a same-channel cooldown does not apply across channels", () => {
    const results = evaluateCoordination(spec, cand(NOW, "linkedin"), [touch({ at: NOW - HOUR })]);
    expect(results.every((o) => o.ok)).toBe(true);
    expect(results.find((o) => o.rule === "email-72h")?.detail).toBe(
      "72 h after email before another email: not this channel",
    );
    const email = evaluateCoordination(spec, cand(NOW), [touch({ channel: "linkedin", at: NOW - HOUR })]);
    expect(email.every((o) => o.ok)).toBe(true);
  });

  it("an already scheduled future email blocks an email now, unless far enough ahead", () => {
    expect(outcome(cand(NOW), [touch({ at: NOW + 10 * HOUR })], "email-72h").ok).toBe(false);
    expect(outcome(cand(NOW), [touch({ at: NOW + 71 * HOUR })], "email-72h").ok).toBe(false);
    expect(outcome(cand(NOW), [touch({ at: NOW + 73 * HOUR })], "email-72h").ok).toBe(true);
  });

  it("a pending email counts from the end of its approval window", () => {
    const pending = touch({ from: NOW - 30 * HOUR, to: NOW - 6 * HOUR, expiresAt: NOW + HOUR });
    expect(outcome(cand(NOW + 65 * HOUR), [pending], "email-72h").ok).toBe(false);
    expect(outcome(cand(NOW + 66 * HOUR), [pending], "email-72h").ok).toBe(true);
    // While the window is open, the candidate is inside it.
    const open = touch({ from: NOW - HOUR, to: NOW + 23 * HOUR, expiresAt: NOW + 23 * HOUR });
    expect(outcome(cand(NOW), [open], "email-72h").ok).toBe(false);
  });

  it("person scope only counts touches to the same person", () => {
    const perPerson = specWithCoordination({
      cooldowns: [{ name: "email-72h-person", after: "email", hours: 72, scope: "person" }],
    });
    expect(only(perPerson, cand(NOW), [touch({ personId: "bob", at: NOW - HOUR })]).ok).toBe(true);
    expect(only(perPerson, cand(NOW), [touch({ personId: "jane", at: NOW - HOUR })]).ok).toBe(false);
    // An account-level candidate (no person) has no person-scoped history.
    expect(only(perPerson, cand(NOW, "email", { personId: undefined }), [touch({ at: NOW - HOUR })]).ok).toBe(
      true,
    );
  });
});

describe("coordination: cross-channel cooldowns", () => {
  const spec = specWithCoordination({
    cooldowns: [
      { name: "email-then-linkedin", after: "email", before: "linkedin", hours: 24, scope: "account" },
    ],
  });

  it("an email blocks LinkedIn for the given hours", () => {
    const o = only(spec, cand(NOW, "linkedin"), [touch({ at: NOW - 10 * HOUR })]);
    expect(o.ok).toBe(false);
    expect(o.detail).toMatch(/^24 h after email before linkedin: email by other-agent/);
    expect(only(spec, cand(NOW, "linkedin"), [touch({ at: NOW - 25 * HOUR })]).ok).toBe(true);
  });

  it("an email now is blocked by a LinkedIn touch already scheduled within the window", () => {
    const scheduledLi = touch({ channel: "linkedin", at: NOW + 10 * HOUR });
    expect(only(spec, cand(NOW, "email"), [scheduledLi]).ok).toBe(false);
    expect(only(spec, cand(NOW, "email"), [touch({ channel: "linkedin", at: NOW + 25 * HOUR })]).ok).toBe(
      true,
    );
  });

  it("is directional: an earlier LinkedIn touch does not block an email", () => {
    expect(only(spec, cand(NOW, "email"), [touch({ channel: "linkedin", at: NOW - HOUR })]).ok).toBe(true);
    // Nor does an earlier email block an email under this rule.
    expect(only(spec, cand(NOW, "email"), [touch({ at: NOW - HOUR })]).ok).toBe(true);
  });

  it("other channels are not concerned", () => {
    expect(only(spec, cand(NOW, "phone"), [touch({ at: NOW - HOUR })])).toMatchObject({
      ok: true,
      detail: "24 h after email before linkedin: not this channel",
    });
  });
});

describe("coordination: channel diversity in a rolling window", () => {
  const spec = specWithCoordination({
    channelDiversity: [{ name: "diverse-week", windowDays: 7, scope: "account" }],
  });

  it("a second email within 7 days fails; a LinkedIn touch passes", () => {
    const o = only(spec, cand(NOW), [touch({ at: NOW - 6 * DAY })]);
    expect(o.ok).toBe(false);
    expect(o.detail).toMatch(/^touches within 7 days use different channels: email by other-agent/);
    expect(only(spec, cand(NOW, "linkedin"), [touch({ at: NOW - 6 * DAY })])).toMatchObject({
      ok: true,
      detail: "touches within 7 days use different channels: no other linkedin touch",
    });
  });

  it("exactly 7 days ago or older is outside the window", () => {
    expect(only(spec, cand(NOW), [touch({ at: NOW - 7 * DAY })]).ok).toBe(true);
    expect(only(spec, cand(NOW), [touch({ at: NOW - 8 * DAY })]).ok).toBe(true);
  });

  it("a future touch on the same channel within the window fails", () => {
    expect(only(spec, cand(NOW), [touch({ at: NOW + 3 * DAY })]).ok).toBe(false);
  });

  it("person scope ignores other people's touches", () => {
    const perPerson = specWithCoordination({
      channelDiversity: [{ name: "diverse-week-person", windowDays: 7, scope: "person" }],
    });
    expect(only(perPerson, cand(NOW), [touch({ personId: "bob", at: NOW - DAY })]).ok).toBe(true);
    expect(only(perPerson, cand(NOW), [touch({ personId: "jane", at: NOW - DAY })]).ok).toBe(false);
  });
});

describe("coordination: quiet hours (local to the candidate's time zone)", () => {
  const spec = specWithCoordination({
    quietHours: [{ name: "nights-and-weekends", start: "20:00", end: "08:00", allDay: ["sat", "sun"] }],
  });
  const at = (local: string) => t(`${local}+09:00`); // Tokyo wall-clock time
  const quiet = (local: string) => !only(spec, cand(at(local), "email", { timeZone: TOKYO }), []).ok;

  it("a window that wraps midnight is quiet from start (inclusive) to end (exclusive)", () => {
    expect(quiet("2026-03-17T19:59:00")).toBe(false);
    expect(quiet("2026-03-17T20:00:00")).toBe(true);
    expect(quiet("2026-03-17T23:59:00")).toBe(true);
    expect(quiet("2026-03-18T00:00:00")).toBe(true);
    expect(quiet("2026-03-18T07:59:00")).toBe(true);
    expect(quiet("2026-03-18T08:00:00")).toBe(false);
    expect(quiet("2026-03-18T12:00:00")).toBe(false);
  });

  it("all-day weekdays are quiet around the clock (local weekday)", () => {
    expect(quiet("2026-03-21T12:00:00")).toBe(true); // Saturday
    expect(quiet("2026-03-22T12:00:00")).toBe(true); // Sunday
    expect(quiet("2026-03-20T12:00:00")).toBe(false); // Friday
    expect(quiet("2026-03-23T12:00:00")).toBe(false); // Monday
  });

  it("the detail names the rule, the window and the zone", () => {
    expect(only(spec, cand(at("2026-03-17T21:00:00"), "email", { timeZone: TOKYO }), [])).toEqual({
      rule: "nights-and-weekends",
      shadow: false,
      ok: false,
      detail: "quiet hours 20:00-08:00 and all day sat, sun (Asia/Tokyo): inside",
    });
  });

  it("uses the candidate's zone: 12:00 in Tokyo is 23:00 in New York", () => {
    const noonTokyo = at("2026-03-18T12:00:00");
    expect(only(spec, cand(noonTokyo, "email", { timeZone: TOKYO }), []).ok).toBe(true);
    expect(only(spec, cand(noonTokyo, "email", { timeZone: NY }), []).ok).toBe(false);
  });

  it("a window within one day (start < end)", () => {
    const lunch = specWithCoordination({ quietHours: [{ name: "lunch", start: "12:00", end: "13:00" }] });
    const local = (hhmm: string) => cand(t(`2026-03-17T${hhmm}:00-04:00`));
    expect(only(lunch, local("11:59"), []).ok).toBe(true);
    expect(only(lunch, local("12:00"), []).ok).toBe(false);
    expect(only(lunch, local("12:59"), []).ok).toBe(false);
    expect(only(lunch, local("13:00"), []).ok).toBe(true);
  });

  it("rules limited to some channels do not concern others", () => {
    const smsOnly = specWithCoordination({
      quietHours: [{ name: "sms-nights", start: "20:00", end: "08:00", channels: ["sms"] }],
    });
    const night = t("2026-03-17T23:00:00-04:00");
    expect(only(smsOnly, cand(night, "email"), [])).toMatchObject({
      ok: true,
      detail: expect.stringContaining("not this channel"),
    });
    expect(only(smsOnly, cand(night, "sms"), []).ok).toBe(false);
  });
});

describe("coordination: shadow rules and the trace", () => {
  const spec = specWithCoordination({
    frequencyCaps: [
      { name: "trial-cap", max: 1, window: { rollingHours: 96 }, scope: "account", mode: "shadow" },
    ],
    cooldowns: [{ name: "email-72h", after: "email", hours: 72, scope: "account" }],
  });

  it("a failing shadow rule is marked shadow; enforced ones are not", () => {
    const outcomes = evaluateCoordination(spec, cand(NOW, "linkedin"), [touch({ at: NOW - 80 * HOUR })]);
    expect(outcomes.map((o) => [o.rule, o.ok, o.shadow])).toEqual([
      ["trial-cap", false, true],
      ["email-72h", true, false],
    ]);
  });

  it("coordinationChecks turns outcomes into trace entries; failures defer", () => {
    const checks = coordinationChecks([
      { rule: "a", shadow: false, ok: true, detail: "fine" },
      { rule: "b", shadow: false, ok: false, detail: "too soon" },
      { rule: "c", shadow: true, ok: false, detail: "would fail" },
    ]);
    expect(checks).toEqual([
      { check: "coordination", rule: "a", result: "pass", detail: "fine" },
      { check: "coordination", rule: "b", result: "fail", effect: "defer", detail: "too soon" },
      {
        check: "coordination",
        rule: "c",
        result: "fail",
        shadow: true,
        effect: "defer",
        detail: "would fail",
      },
    ]);
  });

  it("the default spec evaluates its four rules in order", () => {
    const outcomes = evaluateCoordination(defaultSpec(), cand(NOW), []);
    expect(outcomes.map((o) => o.rule)).toEqual([
      "one-touch-per-account-per-day",
      "email-72h",
      "linkedin-48h",
      "different-channels-within-a-week",
    ]);
    expect(outcomes.every((o) => o.ok && !o.shadow)).toBe(true);
  });
});

describe("coordination: liveTouches (expired pending reservations are absent)", () => {
  it("drops touches whose expiresAt is before now, keeps the rest", () => {
    const expired = touch({ decisionId: "expired", expiresAt: NOW - 1 });
    const endsNow = touch({ decisionId: "now", expiresAt: NOW });
    const pending = touch({ decisionId: "pending", expiresAt: NOW + HOUR });
    const done = touch({ decisionId: "done" });
    expect(liveTouches([expired, endsNow, pending, done], NOW).map((x) => x.decisionId)).toEqual([
      "now",
      "pending",
      "done",
    ]);
  });

  it("an expired pending touch no longer blocks", () => {
    const stale = touch({ from: NOW - 30 * HOUR, to: NOW - 6 * HOUR, expiresAt: NOW - 6 * HOUR });
    const spec = defaultSpec();
    expect(evaluateCoordination(spec, cand(NOW), [stale]).some((o) => !o.ok)).toBe(true);
    expect(evaluateCoordination(spec, cand(NOW), liveTouches([stale], NOW)).every((o) => o.ok)).toBe(true);
  });
});

describe("coordination: boundaries (candidate instants for retryAfter)", () => {
  it("include cooldown and window ends after each touch and the next local midnight for day caps", () => {
    const spec = defaultSpec();
    const prev = touch({ at: NOW - 2 * HOUR });
    const points = coordinationBoundaries(spec, cand(NOW, "linkedin", { timeZone: TOKYO }), [prev]);
    expect(points).toContain(prev.to + 72 * HOUR);
    expect(points).toContain(prev.to + 48 * HOUR);
    expect(points).toContain(prev.to + 7 * DAY);
    // prev is Mar 17 21:00 JST: the day cap ends at Mar 18 00:00 JST.
    expect(points).toContain(t("2026-03-17T15:00:00Z"));
  });

  it("include the ends of quiet hours on the following days", () => {
    const spec = specWithCoordination({ quietHours: [{ name: "nights", start: "20:00", end: "08:00" }] });
    const points = coordinationBoundaries(spec, cand(t("2026-03-17T22:00:00-04:00")), []);
    expect(points).toContain(t("2026-03-18T08:00:00-04:00"));
    expect(points).toContain(t("2026-03-19T08:00:00-04:00"));
  });

  it("are empty with no touches and no quiet hours", () => {
    expect(coordinationBoundaries(defaultSpec(), cand(NOW), [])).toEqual([]);
  });
});
