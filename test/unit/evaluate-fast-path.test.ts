/**
 * The gate's fast path (issue 8, deliverable 5) against a reference, on random inputs. Fast: signals as
 * the knowledge base stores them (each time also as epoch ms, kb.ts storedSignal), one spec version
 * object kept per spec so its preparation, persona answers by title and the last-day caches of time.ts
 * are warm from earlier decisions in any order. Reference: signals with their text only, and a version
 * with a hash never seen before for every decision (prepared from scratch, no persona answer
 * remembered). The whole evaluation, trace text included, must be the same. (The last-day caches of
 * time.ts are shared by both sides here; time-fast.test.ts holds them to Intl and instantOfLocal.)
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { GateContext, Touch } from "../../shared/domain/decision-types.ts";
import { evaluate } from "../../shared/domain/evaluate.ts";
import { type Signal, storedSignal } from "../../shared/domain/kb.ts";
import { PERSONA_MEMO_TITLES, personaMatches, prepareSpec } from "../../shared/domain/prepared-spec.ts";
import { factsOf } from "../../shared/domain/replay-facts.ts";
import type { Spec, SpecVersion } from "../../shared/domain/spec-schema.ts";
import {
  account,
  DAY,
  GOOD_BODY,
  HOUR,
  NOW,
  person,
  proposal,
  specWith,
  trust,
  version,
} from "./helpers/fixtures.ts";

const SPEC_VARIANTS = 4;

/** A few specs that exercise what the fast path remembers: persona rules (one in shadow), day windows. */
function variant(i: number): Spec {
  return specWith((raw) => {
    if (i % 2 === 1)
      raw.personas.rules.unshift({
        name: "ae",
        titlePatterns: ["\\baccount executive\\b", "\\bVP\\b"],
        role: "too_junior",
        mode: "shadow",
      });
    if (i >= 2) {
      raw.coordination.frequencyCaps.push({
        name: "two-per-person-per-3-days",
        max: 2,
        window: { calendarDays: 3 },
        scope: "person",
      });
      raw.coordination.quietHours = [{ name: "nights", start: "20:00", end: "08:00", allDay: ["sun"] }];
    }
  });
}

const SIGNAL_TYPES = [
  "pricing_page_visit",
  "demo_request",
  "website_visit",
  "blog_visit",
  "g2_research",
  "x",
];
const TITLES = ["VP Sales", "CEO", "Sales Manager", "Account Executive", "Vice President, Sales", "Director"];
const ZONES = ["America/New_York", "Europe/Berlin", "Asia/Kolkata", "America/Santiago", "UTC"];

const cases = fc.record({
  spec: fc.integer({ min: 0, max: SPEC_VARIANTS - 1 }),
  // Around a DST change in New York (2026-03-08) and Santiago (2026-04-05), and a plain week.
  now: fc.oneof(
    fc.integer({ min: NOW - 12 * DAY, max: NOW + 25 * DAY }),
    fc.constantFrom(NOW, NOW + 3 * HOUR, NOW + DAY),
  ),
  zone: fc.constantFrom(...ZONES),
  personZone: fc.option(fc.constantFrom(...ZONES), { nil: undefined }),
  title: fc.constantFrom(...TITLES),
  signals: fc.array(
    fc.record({
      type: fc.constantFrom(...SIGNAL_TYPES),
      ago: fc.integer({ min: -2 * DAY, max: 100 * DAY }),
      // Some times written with an offset or without milliseconds: read from the text all the same.
      form: fc.constantFrom("iso", "iso", "iso", "seconds", "offset"),
    }),
    { maxLength: 30 },
  ),
  touches: fc.array(
    fc.record({
      ago: fc.integer({ min: -3 * DAY, max: 10 * DAY }),
      channel: fc.constantFrom("email", "linkedin") as fc.Arbitrary<Touch["channel"]>,
      samePerson: fc.boolean(),
    }),
    { maxLength: 5 },
  ),
  linkedin: fc.boolean(),
  level: fc.constantFrom(1, 2, 3) as fc.Arbitrary<1 | 2 | 3>,
  agentCount: fc.constantFrom(0, 150, 200),
});

type Case = typeof cases extends fc.Arbitrary<infer T> ? T : never;

function timeText(at: number, form: "iso" | "seconds" | "offset"): string {
  const text = new Date(at).toISOString();
  if (form === "seconds") return `${text.slice(0, 19)}Z`;
  if (form === "offset") return `${new Date(at + 2 * HOUR).toISOString().slice(0, 19)}+02:00`;
  return text;
}

/** The context of a case, its signals with their text only (as the reference reads them). */
function contextFor(c: Case, spec: SpecVersion): GateContext {
  const type = c.linkedin ? "linkedin.message" : "email.send";
  const signals: Signal[] = c.signals.map((s) => ({
    type: s.type,
    occurredAt: timeText(c.now - s.ago, s.form),
  }));
  const touches: Touch[] = c.touches.map((x, i) => ({
    decisionId: `d-${i}`,
    agentId: "other",
    actionType: x.channel === "email" ? "email.send" : "linkedin.message",
    channel: x.channel,
    personId: x.samePerson ? "jane" : "john",
    from: c.now - x.ago,
    to: c.now - x.ago,
  }));
  return {
    now: c.now,
    spec,
    proposal: proposal({ action: { type } }),
    account: account({ timezone: c.zone, signals }),
    person: person({ title: c.title, ...(c.personZone ? { timezone: c.personZone } : {}) }),
    touches,
    counts: { agent: c.agentCount, channel: 10, actionType: 0 },
    trust: trust({ actionType: type, earnedLevel: c.level }),
    pauses: [],
    suppressions: [],
  };
}

/** The same case as the gate's fast path sees it: stored signals, fresh record objects. */
function fastContext(c: Case, spec: SpecVersion): GateContext {
  const ctx = structuredClone(contextFor(c, spec));
  const account = ctx.account;
  if (account) account.signals = account.signals.map(storedSignal);
  return { ...ctx, spec };
}

describe("evaluation's fast path gives exactly the reference's evaluation", () => {
  it("on random specs, times, zones, titles, signals and touches, in any order", () => {
    const specs = Array.from({ length: SPEC_VARIANTS }, (_, i) => variant(i));
    // The versions the gate keeps, one per spec, reused by every decision on it.
    const kept = specs.map((s) => version(s));
    fc.assert(
      fc.property(cases, (c) => {
        const spec = specs[c.spec] as Spec;
        const reference = evaluate(contextFor(c, version(structuredClone(spec))));
        const fast = evaluate(fastContext(c, kept[c.spec] as SpecVersion));
        expect(fast).toEqual(reference);
        // A replay reads the signals back from the decision's facts: the same evaluation again.
        const facts = factsOf(fastContext(c, kept[c.spec] as SpecVersion));
        expect(facts.account?.signals).toEqual(
          factsOf(contextFor(c, kept[c.spec] as SpecVersion)).account?.signals,
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe("signals as stored: their time also in epoch ms", () => {
  it("is Date.parse of the text, whatever the text's form, and replaces a number that disagrees", () => {
    for (const text of ["2026-03-17T14:00:00.000Z", "2026-03-17T14:00:00Z", "2026-03-17T16:00:00+02:00"])
      expect(storedSignal({ type: "x", occurredAt: text }).occurredAtMs).toBe(Date.parse(text));
    const stale = storedSignal({ type: "x", occurredAt: "2026-03-17T14:00:00Z", occurredAtMs: 5 });
    expect(stale.occurredAtMs).toBe(Date.parse("2026-03-17T14:00:00Z"));
  });

  it("leaves an unreadable time without a number, and it still counts for nothing", () => {
    const odd = storedSignal({ type: "pricing_page_visit", occurredAt: "yesterday" });
    expect(odd).toEqual({ type: "pricing_page_visit", occurredAt: "yesterday" });
    const e = evaluate({
      now: NOW,
      spec: version(),
      proposal: proposal({ payload: { subject: "s", body: GOOD_BODY } }),
      account: account({ signals: [odd] }),
      person: person(),
      touches: [],
      counts: { agent: 0, channel: 0, actionType: 0 },
      pauses: [],
      suppressions: [],
    });
    expect(e.intent?.score).toBe(0);
  });

  it("the number is what intent reads when both are there (the text is not parsed again)", () => {
    const signal = storedSignal({
      type: "pricing_page_visit",
      occurredAt: new Date(NOW - HOUR).toISOString(),
    });
    // Moved out of the 7-day window in the number only: intent follows the number.
    const moved = { ...signal, occurredAtMs: NOW - 8 * DAY };
    const ctx = (signals: Signal[]): GateContext => ({
      now: NOW,
      spec: version(),
      proposal: proposal(),
      account: account({ signals }),
      person: person(),
      touches: [],
      counts: { agent: 0, channel: 0, actionType: 0 },
      pauses: [],
      suppressions: [],
    });
    expect(evaluate(ctx([signal])).intent?.score).toBe(25);
    expect(evaluate(ctx([moved])).intent?.score).toBe(0);
  });
});

describe("persona answers remembered by title", () => {
  it("agree with the rule's patterns when asked again, and the memo stays bounded", () => {
    const prepared = prepareSpec(variant(1), "memo");
    const rules = prepared.personas;
    const fresh = (i: number) => prepareSpec(variant(1), `fresh-${i}`).personas;
    const titles = [...TITLES, "Chief of Staff", "SVP Revenue", "Vice-President Ops", "Head of Growth"];
    for (let round = 0; round < 3; round++)
      for (const [i, title] of titles.entries()) {
        const reference = fresh(i);
        for (const [k, rule] of rules.entries())
          expect(personaMatches(rule, title), `${rule.name} on ${title}`).toBe(
            personaMatches(reference[k] as (typeof rules)[number], title),
          );
      }
    const vp = rules.find((r) => r.name === "vp");
    if (!vp) throw new Error("the default spec has a vp rule");
    for (let i = 0; i < PERSONA_MEMO_TITLES + 10; i++) personaMatches(vp, `Sales Person ${i}`);
    expect(vp.seen.size).toBeLessThanOrEqual(PERSONA_MEMO_TITLES);
    expect(personaMatches(vp, "VP Sales")).toBe(true);
  });
});
