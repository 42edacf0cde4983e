import { describe, expect, it } from "vitest";
import { SHADOW_CAP } from "../../shared/domain/checks/volume.ts";
import type { CheckName, GateContext } from "../../shared/domain/decision-types.ts";
import { evaluate } from "../../shared/domain/evaluate.ts";
import { setRuleMode } from "../../shared/domain/spec-rules.ts";
import type { Spec } from "../../shared/domain/spec-schema.ts";
import {
  account,
  ctx,
  defaultSpec,
  linkedinProposal,
  person,
  proposal,
  specWith,
  t,
  touch,
  trust,
  version,
} from "./helpers/fixtures.ts";

/**
 * One rule, enforced in `spec`, put in shadow: the real verdict must be `real` (as if the rule were
 * absent), and the shadow entry must name the verdict the enforced spec actually gives.
 */
function expectShadow(
  spec: Spec,
  rule: string,
  check: CheckName,
  over: Partial<GateContext>,
  real: string,
  wouldBe: string,
) {
  const enforced = evaluate(ctx({ ...over, spec: version(spec) }));
  expect(enforced.verdict, "with the rule enforced").toBe(wouldBe);
  const shadowed = evaluate(ctx({ ...over, spec: version(setRuleMode(spec, rule, "shadow")) }));
  expect(shadowed.verdict, "with the rule in shadow").toBe(real);
  expect(shadowed.shadow).toContainEqual({ rule, check, verdict: wouldBe });
  expect(shadowed.reasons.join(" ")).not.toContain(rule);
  // The rule's own trace entries stay in the trace, flagged.
  const own = shadowed.checks.filter((c) => c.rule === rule);
  expect(own.length).toBeGreaterThan(0);
  expect(own.every((c) => c.shadow === true)).toBe(true);
  return shadowed;
}

const spec = defaultSpec();

describe("every rule kind can be shadowed: the verdict is unchanged, the would-be verdict recorded", () => {
  it("an ICP field (icp.employees)", () => {
    expectShadow(
      spec,
      "icp.employees",
      "icp",
      { account: account({ employees: 10 }) },
      "require_approval",
      "block",
    );
  });

  it("an ICP exclusion", () => {
    const s = specWith((raw) => {
      raw.icp.exclusions = [{ name: "no-us", field: "country", in: ["US"] }];
    });
    expectShadow(s, "no-us", "icp", {}, "require_approval", "block");
  });

  it("a persona rule (permissive): in shadow it classifies nobody, enforced it lets the title through", () => {
    const s = specWith((raw) => {
      raw.personas.rules.push({ name: "ae", titlePatterns: ["\\baccount executive\\b"], role: "champion" });
    });
    const e = expectShadow(
      s,
      "ae",
      "persona",
      { person: person({ title: "Account Executive" }) },
      "block",
      "require_approval",
    );
    expect(e.persona).toBeUndefined();
    expect(e.checks.find((c) => c.rule === "personas.match")).toMatchObject({
      result: "fail",
      effect: "block",
    });
  });

  it("a persona rule that would reclassify a title to a role that may not be targeted", () => {
    const s = specWith((raw) => {
      raw.personas.rules.unshift({ name: "junior-vps", titlePatterns: ["\\bVP\\b"], role: "too_junior" });
    });
    const e = expectShadow(s, "junior-vps", "persona", {}, "require_approval", "block");
    expect(e.persona).toEqual({ name: "vp", role: "champion" });
  });

  it("personas.match and personas.allowedRoles", () => {
    const ae = { person: person({ title: "Account Executive" }) };
    expectShadow(spec, "personas.match", "persona", ae, "require_approval", "block");
    const manager = { person: person({ title: "Sales Manager" }) };
    expectShadow(spec, "personas.allowedRoles", "persona", manager, "require_approval", "block");
  });

  it("quality thresholds: intent and content quality", () => {
    expectShadow(
      spec,
      "quality.minIntent",
      "intent",
      { account: account({ signals: [] }) },
      "require_approval",
      "block",
    );
    const placeholder = {
      proposal: proposal({ payload: { body: "Hi {{first_name}}, a long enough message body." } }),
    };
    expectShadow(
      spec,
      "quality.minContentQuality",
      "content_quality",
      placeholder,
      "require_approval",
      "block",
    );
  });

  it("the review threshold: at level 3 the touch would have gone to a human", () => {
    const over = { proposal: proposal({ confidence: 0.3 }), trust: trust({ earnedLevel: 3 }) };
    const e = expectShadow(
      spec,
      "quality.reviewBelowConfidence",
      "confidence",
      over,
      "allow",
      "require_approval",
    );
    expect(e.autonomyLevel).toBe(3);
    expect(e.autonomySource).toBe("earned");
  });

  it("the review threshold at level 2: coordination is asked again for a touch made at once", () => {
    // 19:45: a level 2 touch executes at 20:15, inside quiet hours (deferred); reviewed, it would be
    // held for approval from 19:45, outside them.
    const nights = specWith((raw) => {
      raw.coordination.quietHours = [{ name: "nights", start: "20:00", end: "08:00" }];
    });
    const over = {
      now: t("2026-03-17T19:45:00-04:00"),
      proposal: proposal({ confidence: 0.3 }),
      trust: trust({ earnedLevel: 2 }),
    };
    expectShadow(nights, "quality.reviewBelowConfidence", "confidence", over, "defer", "require_approval");
  });

  it("volume caps: per agent, per channel, per action type; a shadow cap still counts", () => {
    const e = expectShadow(
      spec,
      "volume.perAgentPerDay",
      "volume",
      { counts: { agent: 200, channel: 0, actionType: 0 } },
      "require_approval",
      "defer",
    );
    expect(e.reservation.counters).toContainEqual({
      counter: "agent:writer",
      day: "2026-03-17",
      cap: SHADOW_CAP,
    });
    expectShadow(
      spec,
      "volume.perChannelPerDay",
      "volume",
      { counts: { agent: 0, channel: 500, actionType: 0 } },
      "require_approval",
      "defer",
    );
    const perType = specWith((raw) => {
      raw.volume.perActionTypePerDay = { "email.send": 5 };
    });
    expectShadow(
      perType,
      "volume.perActionTypePerDay",
      "volume",
      { counts: { agent: 0, channel: 0, actionType: 5 } },
      "require_approval",
      "defer",
    );
  });

  it("the accounts-per-owner cap (enforced at reservation: a full counter hint)", () => {
    const over = { account: account({ ownerId: "rep-1" }), fullCounters: ["owner:rep-1"] };
    expectShadow(spec, "volume.accountsPerOwnerPerDay", "volume", over, "require_approval", "defer");
  });

  it("a coordination rule", () => {
    const s = specWith((raw) => {
      raw.coordination = {
        frequencyCaps: [{ name: "one-a-day", max: 1, window: { calendarDays: 1 }, scope: "account" }],
      };
    });
    expectShadow(
      s,
      "one-a-day",
      "coordination",
      { proposal: linkedinProposal(), touches: [touch()] },
      "require_approval",
      "defer",
    );
  });

  it("suppression rules: lifecycles and competitors (the suppression list is not shadowable)", () => {
    expectShadow(
      spec,
      "suppression.lifecycles",
      "suppression",
      { account: account({ lifecycle: "customer" }) },
      "require_approval",
      "block",
    );
    const rivals = specWith((raw) => {
      raw.suppression.competitorDomains = ["acme.io"];
    });
    expectShadow(rivals, "suppression.competitors", "suppression", {}, "require_approval", "block");
  });

  it("a conditional rule of the rules section", () => {
    const s = specWith((raw) => {
      raw.rules = [{ name: "no-software", when: { industries: ["software"] }, effect: "defer" }];
    });
    expectShadow(s, "no-software", "rule", {}, "require_approval", "defer");
  });
});

describe("shadow outcomes: which rules get an entry", () => {
  it("none when no shadow rule fires: no shadow field at all", () => {
    const s = setRuleMode(spec, "icp.employees", "shadow");
    expect(evaluate(ctx({ spec: version(s) })).shadow).toBeUndefined();
    expect(evaluate(ctx()).shadow).toBeUndefined();
  });

  it("a shadow rule that fires on an already blocked decision is recorded with the same verdict", () => {
    const s = setRuleMode(spec, "icp.employees", "shadow");
    const e = evaluate(ctx({ spec: version(s), account: account({ employees: 10, industry: "Retail" }) }));
    expect(e.verdict).toBe("block");
    expect(e.shadow).toEqual([{ rule: "icp.employees", check: "icp", verdict: "block" }]);
  });

  it("several shadow rules: each verdict is with that one rule enforced, the others still in shadow", () => {
    let s = setRuleMode(spec, "quality.minIntent", "shadow");
    s = setRuleMode(s, "quality.reviewBelowConfidence", "shadow");
    const e = evaluate(
      ctx({
        spec: version(s),
        account: account({ signals: [] }),
        proposal: proposal({ confidence: 0.1 }),
        trust: trust({ earnedLevel: 3 }),
      }),
    );
    expect(e.verdict).toBe("allow");
    expect(e.shadow).toEqual([
      { rule: "quality.minIntent", check: "intent", verdict: "block" },
      { rule: "quality.reviewBelowConfidence", check: "confidence", verdict: "require_approval" },
    ]);
  });
});
