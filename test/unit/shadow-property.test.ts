import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { GateContext } from "../../shared/domain/decision-types.ts";
import { evaluate } from "../../shared/domain/evaluate.ts";
import { removeRule, ruleNames, setRuleMode } from "../../shared/domain/spec-rules.ts";
import type { Spec } from "../../shared/domain/spec-schema.ts";
import {
  account,
  GOOD_BODY,
  HOUR,
  NOW,
  person,
  pricingVisits,
  proposal,
  specWith,
  t,
  touch,
  trust,
  version,
} from "./helpers/fixtures.ts";

/**
 * The spec with the rule gone, without the schema's say: the last persona rule and the per-agent cap
 * cannot be removed from a valid spec, but "as if absent" is still well defined for the evaluation.
 */
function without(spec: Spec, name: string): Spec | undefined {
  if (name === "personas.match") return undefined; // no spec lets an unclassified title through
  if (name === "volume.perAgentPerDay") {
    const next = structuredClone(spec);
    next.volume.perAgentPerDay = { default: Number.MAX_SAFE_INTEGER, agents: {} };
    return next;
  }
  const persona = spec.personas.rules.findIndex((r) => r.name === name);
  if (persona >= 0) {
    const next = structuredClone(spec);
    next.personas.rules.splice(persona, 1);
    return next;
  }
  return removeRule(spec, name);
}

const extras = fc.record({
  exclusion: fc.constantFrom(undefined, "US", "DE"),
  exclusionOnDays: fc.boolean(),
  persona: fc.constantFrom(undefined, "front", "back"),
  countries: fc.boolean(),
  competitors: fc.boolean(),
  perType: fc.boolean(),
  quiet: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }),
  rules: fc.array(
    fc.record({
      field: fc.constantFrom("industries", "personas", "roles", "weekdays", "phrases", "channels"),
      effect: fc.constantFrom("block", "defer", "review"),
    }),
    { maxLength: 3 },
  ),
});

type Extras = typeof extras extends fc.Arbitrary<infer T> ? T : never;

const WHEN: Record<string, unknown> = {
  industries: ["Software"],
  personas: ["ae", "vp"],
  roles: ["champion", "too_junior"],
  weekdays: ["tue", "sat"],
  phrases: ["comparing plans", "free"],
  channels: ["linkedin"],
};

function buildSpec(x: Extras): Spec {
  return specWith((raw) => {
    if (x.exclusion)
      raw.icp.exclusions = [
        {
          name: "ex",
          field: "country",
          in: [x.exclusion],
          ...(x.exclusionOnDays ? { onDays: ["tue", "fri"] } : {}),
        },
      ];
    const ae = { name: "ae", titlePatterns: ["\\baccount executive\\b", "\\bVP\\b"], role: "too_junior" };
    if (x.persona === "front") raw.personas.rules.unshift(ae);
    if (x.persona === "back") raw.personas.rules.push(ae);
    if (x.countries) raw.icp.countries = ["US", "CA"];
    if (x.competitors) raw.suppression.competitorDomains = ["rival.com"];
    if (x.perType) raw.volume.perActionTypePerDay = { "email.send": 3 };
    if (x.quiet)
      raw.coordination.quietHours = [{ name: "nights", start: "20:00", end: "08:00", allDay: ["sun"] }];
    raw.rules = x.rules.map((r, i) => ({
      name: `rule-${i}`,
      when: { [r.field]: WHEN[r.field] },
      effect: r.effect,
    }));
  });
}

/** Mostly the value under which the default proposal passes, sometimes one that fails a rule. */
const mostly = <T>(good: T, ...bad: T[]): fc.Arbitrary<T> =>
  fc.oneof({ arbitrary: fc.constant(good), weight: 9 }, { arbitrary: fc.constantFrom(...bad), weight: 1 });

const contexts = fc
  .record({
    // 19:45 twice: a level 2 touch then lands in quiet hours, and a review would move it out of them.
    now: fc.constantFrom(
      NOW,
      t("2026-03-17T19:45:00-04:00"),
      t("2026-03-17T19:45:00-04:00"),
      t("2026-03-21T11:00:00-04:00"),
      t("2026-03-22T03:00:00Z"),
    ),
    employees: mostly(250, 10, 9000),
    industry: mostly("Software", "Retail"),
    country: mostly("US", "DE"),
    lifecycle: mostly<"prospect" | "customer">("prospect", "customer"),
    domain: mostly("acme.io", "rival.com"),
    visits: mostly(3, 0, 2),
    owner: fc.boolean(),
    title: fc.constantFrom("VP Sales", "CEO", "Sales Manager", "Account Executive"),
    linkedin: fc.boolean(),
    confidence: fc.constantFrom(0.3, 0.9),
    body: mostly(
      GOOD_BODY,
      "Hi {{first_name}}, this one has a placeholder and is long enough.",
      `${GOOD_BODY} It is free.`,
    ),
    counts: fc.record({ agent: mostly(0, 200), channel: mostly(0, 500), actionType: mostly(0, 3) }),
    full: fc.boolean(),
    touched: mostly<number | undefined>(undefined, 2, 30, 100),
    level: fc.constantFrom(1, 2, 3) as fc.Arbitrary<1 | 2 | 3>,
  })
  .map((c): Omit<GateContext, "spec"> => {
    const type = c.linkedin ? "linkedin.message" : "email.send";
    return {
      now: c.now,
      proposal: proposal({
        action: { type },
        confidence: c.confidence,
        payload: { subject: "Your pricing research", body: c.body },
      }),
      account: account({
        employees: c.employees,
        industry: c.industry,
        country: c.country,
        lifecycle: c.lifecycle,
        domain: c.domain,
        signals: pricingVisits(c.now, c.visits),
        ...(c.owner ? { ownerId: "rep-1" } : {}),
      }),
      person: person({ title: c.title }),
      touches: c.touched === undefined ? [] : [touch({ at: c.now - c.touched * HOUR })],
      counts: c.counts,
      ...(c.full && c.owner ? { fullCounters: ["owner:rep-1"] } : {}),
      trust: trust({ actionType: type, earnedLevel: c.level }),
      pauses: [],
      suppressions: [],
    };
  });

describe("property: a shadow rule never changes the real verdict, and says truly what it would do", () => {
  it("for random specs and contexts, each rule in shadow: verdict = without the rule; entry = with it enforced", () => {
    fc.assert(
      fc.property(extras, contexts, (x, c) => {
        const spec = buildSpec(x);
        const enforcedVerdict = evaluate({ ...c, spec: version(spec) }).verdict;
        for (const { name, check } of ruleNames(spec)) {
          const shadowed = evaluate({ ...c, spec: version(setRuleMode(spec, name, "shadow")) });
          const gone = without(spec, name);
          if (gone)
            expect(shadowed.verdict, `${name} in shadow vs removed`).toBe(
              evaluate({ ...c, spec: version(gone) }).verdict,
            );
          const entry = shadowed.shadow?.find((s) => s.rule === name);
          // Absent entry: the rule neither fired nor would change anything.
          expect(entry?.verdict ?? shadowed.verdict, `${name}: would-be verdict`).toBe(enforcedVerdict);
          if (entry) expect(entry.check).toBe(check);
          for (const s of shadowed.shadow ?? []) expect(s.rule).toBe(name);
        }
      }),
      { numRuns: 300 },
    );
  });
});
