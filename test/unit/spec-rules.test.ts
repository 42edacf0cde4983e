import { describe, expect, it } from "vitest";
import type { Decision } from "../../shared/domain/decision.ts";
import { ValidationError } from "../../shared/domain/errors.ts";
import { evaluate } from "../../shared/domain/evaluate.ts";
import { failures, revalidate } from "../../shared/domain/revalidate.ts";
import { addRule, removeRule, ruleNames, setRuleMode } from "../../shared/domain/spec-rules.ts";
import { ctx, defaultSpec, GOOD_BODY, specWith, version } from "./helpers/fixtures.ts";

const spec = defaultSpec();

const issuesOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error("expected a ValidationError");
};

describe("ruleNames: every rule of a spec, with its check and mode", () => {
  it("the default spec: configured fixed rules, then named rules in spec order", () => {
    expect(ruleNames(spec)).toEqual([
      { name: "icp.industries", check: "icp", mode: "enforce" },
      { name: "icp.employees", check: "icp", mode: "enforce" },
      { name: "personas.match", check: "persona", mode: "enforce" },
      { name: "personas.allowedRoles", check: "persona", mode: "enforce" },
      { name: "quality.minIntent", check: "intent", mode: "enforce" },
      { name: "quality.minContentQuality", check: "content_quality", mode: "enforce" },
      { name: "quality.reviewBelowConfidence", check: "confidence", mode: "enforce" },
      { name: "volume.perAgentPerDay", check: "volume", mode: "enforce" },
      { name: "volume.perChannelPerDay", check: "volume", mode: "enforce" },
      { name: "volume.accountsPerOwnerPerDay", check: "volume", mode: "enforce" },
      { name: "suppression.lifecycles", check: "suppression", mode: "enforce" },
      { name: "c-level", check: "persona", mode: "enforce" },
      { name: "vp", check: "persona", mode: "enforce" },
      { name: "director", check: "persona", mode: "enforce" },
      { name: "manager", check: "persona", mode: "enforce" },
      { name: "one-touch-per-account-per-day", check: "coordination", mode: "enforce" },
      { name: "email-72h", check: "coordination", mode: "enforce" },
      { name: "linkedin-48h", check: "coordination", mode: "enforce" },
      { name: "different-channels-within-a-week", check: "coordination", mode: "enforce" },
    ]);
  });

  it("reads modes maps and inline modes", () => {
    const s = specWith((raw) => {
      raw.volume.modes = { perChannelPerDay: "shadow" };
      raw.coordination.cooldowns[0].mode = "shadow";
      raw.rules = [{ name: "r", when: { agents: ["a"] }, effect: "block", mode: "shadow" }];
    });
    const shadow = ruleNames(s).filter((r) => r.mode === "shadow");
    expect(shadow).toEqual([
      { name: "volume.perChannelPerDay", check: "volume", mode: "shadow" },
      { name: "email-72h", check: "coordination", mode: "shadow" },
      { name: "r", check: "rule", mode: "shadow" },
    ]);
  });
});

describe("amendments: pure, validated, never touching their input", () => {
  const rule = {
    name: "no-fintech-fridays",
    when: { industries: ["Fintech"], weekdays: ["fri" as const] },
    effect: "block" as const,
    mode: "shadow" as const,
  };

  it("addRule appends a conditional rule; the input spec is unchanged", () => {
    const next = addRule(spec, rule);
    expect(next.rules).toEqual([rule]);
    expect(spec.rules).toEqual([]);
  });

  it("addRule refuses a duplicate name or an invalid rule, naming the path", () => {
    expect(issuesOf(() => addRule(spec, { ...rule, name: "vp" }))).toEqual([
      'rules[0].name: rule name "vp" is already used by personas.rules[1].name',
    ]);
    expect(issuesOf(() => addRule(spec, { ...rule, when: {} }))).toEqual([
      "rules[0].when: name at least one condition",
    ]);
  });

  it("setRuleMode: inline for named rules, the section's modes map for fixed ones (enforce leaves no trace)", () => {
    const shadowed = setRuleMode(addRule(spec, rule), "no-fintech-fridays", "enforce");
    expect(shadowed.rules[0]?.mode).toBe("enforce");
    const icp = setRuleMode(spec, "icp.employees", "shadow");
    expect(icp.icp.modes).toEqual({ employees: "shadow" });
    expect(spec.icp.modes).toBeUndefined();
    expect(setRuleMode(icp, "icp.employees", "enforce").icp.modes).toBeUndefined();
    expect(setRuleMode(spec, "manager", "shadow").personas.rules[3]?.mode).toBe("shadow");
  });

  it("removeRule: a named rule leaves its list; a fixed rule's setting is cleared", () => {
    expect(removeRule(addRule(spec, rule), "no-fintech-fridays").rules).toEqual([]);
    expect(removeRule(spec, "email-72h").coordination.cooldowns.map((c) => c.name)).toEqual(["linkedin-48h"]);
    expect(removeRule(spec, "icp.employees").icp.employees).toBeUndefined();
    expect(removeRule(spec, "quality.minIntent").quality.minIntent).toBe(0);
    expect(removeRule(spec, "volume.perChannelPerDay").volume.perChannelPerDay).toEqual({});
    const shadowed = setRuleMode(spec, "suppression.lifecycles", "shadow");
    const removed = removeRule(shadowed, "suppression.lifecycles");
    expect(removed.suppression.blockLifecycles).toEqual([]);
    expect(removed.suppression.modes).toBeUndefined();
    expect(ruleNames(removed).map((r) => r.name)).not.toContain("suppression.lifecycles");
  });

  it("unknown names, unconfigured fixed rules and irremovable ones are a ValidationError on rule", () => {
    expect(issuesOf(() => setRuleMode(spec, "nope", "shadow"))).toEqual([
      'rule: unknown rule "nope": not a rule of this spec',
    ]);
    expect(issuesOf(() => removeRule(spec, "nope"))).toEqual([
      'rule: unknown rule "nope": not a rule of this spec',
    ]);
    expect(issuesOf(() => setRuleMode(spec, "icp.countries", "shadow"))).toEqual([
      'rule: unknown rule "icp.countries": not a rule of this spec',
    ]);
    expect(issuesOf(() => removeRule(spec, "personas.match"))).toEqual([
      "rule: personas.match cannot be removed; set its mode to shadow instead",
    ]);
  });

  it("removing the last persona rule fails the spec's own validation, naming the path", () => {
    let s = spec;
    for (const name of ["c-level", "vp", "director"]) s = removeRule(s, name);
    expect(issuesOf(() => removeRule(s, "manager"))[0]).toMatch(/^personas\.rules: /);
  });
});

describe("a spec version stored before this change (read as stored, not parsed again)", () => {
  /** No `rules` section, no `mode` on persona rules: what an older published version looks like. */
  const stored = () => {
    const s = structuredClone(spec) as Record<string, any>;
    delete s.rules;
    for (const r of s.personas.rules) delete r.mode;
    return s as typeof spec;
  };

  it("evaluates, revalidates and lists its rules as before", () => {
    const e = evaluate(ctx({ spec: version(stored()) }));
    expect(e.verdict).toBe("require_approval");
    expect(e.checks.some((c) => c.check === "rule")).toBe(false);
    expect(
      failures(
        revalidate(
          ctx({ spec: version(stored()) }),
          {
            actionType: "email.send",
            channel: "email",
            accountId: "acme",
            personId: "jane",
            decisionId: "d",
          } as Decision,
          { body: GOOD_BODY },
        ),
      ),
    ).toEqual([]);
    expect(ruleNames(stored()).map((r) => r.name)).toEqual(ruleNames(spec).map((r) => r.name));
  });

  it("amends into a complete, validated spec", () => {
    const next = addRule(stored(), { name: "x", when: { agents: ["a"] }, effect: "block", mode: "shadow" });
    expect(next.rules.map((r) => r.name)).toEqual(["x"]);
    expect(next.personas.rules.every((r) => r.mode === "enforce")).toBe(true);
    expect(setRuleMode(stored(), "vp", "shadow").personas.rules[1]?.mode).toBe("shadow");
  });
});
