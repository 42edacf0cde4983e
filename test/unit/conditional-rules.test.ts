import { describe, expect, it } from "vitest";
import { payloadText } from "../../shared/domain/checks/rules.ts";
import type { GateContext } from "../../shared/domain/decision-types.ts";
import { ValidationError } from "../../shared/domain/errors.ts";
import { evaluate } from "../../shared/domain/evaluate.ts";
import { parseSpec } from "../../shared/domain/spec-loader.ts";
import {
  account,
  ctx,
  linkedinProposal,
  person,
  pricingVisits,
  proposal,
  rawDefaultSpec,
  specWith,
  t,
  trust,
  version,
} from "./helpers/fixtures.ts";

const withRules = (rules: unknown[]) =>
  specWith((raw) => {
    raw.rules = rules;
  });

/** The verdict of the default context (require_approval when no rule applies) under one rule. */
const verdictUnder = (when: Record<string, unknown>, over: Partial<GateContext> = {}, effect = "block") =>
  evaluate(ctx({ ...over, spec: version(withRules([{ name: "r", when, effect }])) })).verdict;

describe("conditional rules: each condition", () => {
  it("actionTypes, agents, channels", () => {
    expect(verdictUnder({ actionTypes: ["email.send"] })).toBe("block");
    expect(verdictUnder({ actionTypes: ["linkedin.message"] })).toBe("require_approval");
    expect(verdictUnder({ agents: ["writer"] })).toBe("block");
    expect(verdictUnder({ agents: ["someone-else"] })).toBe("require_approval");
    expect(verdictUnder({ channels: ["email"] })).toBe("block");
    expect(verdictUnder({ channels: ["email"] }, { proposal: linkedinProposal() })).toBe("require_approval");
  });

  it("industries and countries, case-insensitively, from the knowledge base's account", () => {
    expect(verdictUnder({ industries: ["SOFTWARE"] })).toBe("block");
    expect(verdictUnder({ industries: ["Healthcare"] })).toBe("require_approval");
    expect(verdictUnder({ countries: ["us"] })).toBe("block");
    expect(verdictUnder({ countries: ["DE"] })).toBe("require_approval");
  });

  it("personas and roles, from the gate's own classification of the title", () => {
    expect(verdictUnder({ personas: ["vp"] })).toBe("block");
    expect(verdictUnder({ personas: ["c-level"] })).toBe("require_approval");
    expect(verdictUnder({ roles: ["champion"] })).toBe("block");
    expect(verdictUnder({ roles: ["champion"] }, { person: person({ title: "CEO" }) })).toBe(
      "require_approval",
    );
  });

  it("weekdays, in the recipient's local time (the person's zone, else the account's)", () => {
    // Tuesday 23:30 in New York is already Wednesday in UTC and in Berlin.
    const now = t("2026-03-17T23:30:00-04:00");
    expect(verdictUnder({ weekdays: ["tue"] }, { now })).toBe("block");
    expect(verdictUnder({ weekdays: ["wed"] }, { now })).toBe("require_approval");
    const berliner = person({ timezone: "Europe/Berlin" });
    expect(verdictUnder({ weekdays: ["wed"] }, { now, person: berliner })).toBe("block");
  });

  it("phrases: plain substrings of the payload's text fields, case-insensitive", () => {
    expect(verdictUnder({ phrases: ["COMPARING PLANS"] })).toBe("block");
    expect(verdictUnder({ phrases: ["pricing research"] })).toBe("block"); // the subject
    expect(verdictUnder({ phrases: ["free trial", "discount"] })).toBe("require_approval");
    // Not a pattern: regex syntax is matched literally.
    expect(verdictUnder({ phrases: ["comparing.*week"] })).toBe("require_approval");
    expect(payloadText({ subject: "A", body: "B", tags: ["C", 1], n: 2, nested: { x: "D" } })).toBe(
      "a\nb\nc",
    );
  });

  it("AND across fields, OR within a field", () => {
    expect(verdictUnder({ industries: ["Retail", "Software"], channels: ["email"] })).toBe("block");
    expect(verdictUnder({ industries: ["Software"], channels: ["linkedin"] })).toBe("require_approval");
  });

  it("needs the account for account conditions: a record action on no account matches none", () => {
    const record = {
      proposal: proposal({ action: { type: "crm.update" }, payload: {} }),
      account: undefined,
    };
    expect(verdictUnder({ industries: ["Software"] }, record)).toBe("allow");
    expect(verdictUnder({ actionTypes: ["crm.update"] }, record)).toBe("block");
  });
});

describe("conditional rules: each effect", () => {
  it("block: a block with the rule named in the reasons", () => {
    const e = evaluate(
      ctx({
        spec: version(withRules([{ name: "no-sw", when: { industries: ["Software"] }, effect: "block" }])),
      }),
    );
    expect(e.verdict).toBe("block");
    expect(e.reasons).toEqual(["rule (no-sw): industry Software: blocked"]);
    expect(e.reservation).toEqual({ counters: [] });
  });

  it("review: forces level 1 like low confidence does, naming the rule", () => {
    const s = withRules([{ name: "check-ceos", when: { roles: ["decision_maker"] }, effect: "review" }]);
    const e = evaluate(
      ctx({ spec: version(s), person: person({ title: "CEO" }), trust: trust({ earnedLevel: 3 }) }),
    );
    expect(e.verdict).toBe("require_approval");
    expect(e.autonomySource).toBe("review");
    expect(e.checks.at(-1)?.detail).toMatch(/^level 1: rule check-ceos forces human review \(trust level 3/);
    expect(evaluate(ctx({ spec: version(s), trust: trust({ earnedLevel: 3 }) })).verdict).toBe("allow");
  });

  it("defer on weekdays: retry at the next local midnight at which the rule stops matching", () => {
    const s = withRules([{ name: "no-weekends", when: { weekdays: ["sat", "sun"] }, effect: "defer" }]);
    // Saturday 10:00 in Tokyo for the recipient: retry at Monday 00:00 Tokyo time.
    const tokyo = person({ timezone: "Asia/Tokyo" });
    const at = (now: number) =>
      ctx({ spec: version(s), now, person: tokyo, account: account({ signals: pricingVisits(now) }) });
    const e = evaluate(at(t("2026-03-21T10:00:00+09:00")));
    expect(e.verdict).toBe("defer");
    expect(e.retryAfter).toBe(t("2026-03-23T00:00:00+09:00"));
    expect(evaluate(at(e.retryAfter!)).verdict).toBe("require_approval");
    expect(evaluate(at(e.retryAfter! - 1)).verdict).toBe("defer");
  });

  it("a level 2 touch reads the weekdays of the day its override window closes, not the day it is proposed", () => {
    const s = specWith((raw) => {
      raw.rules = [{ name: "no-weekends", when: { weekdays: ["sat", "sun"] }, effect: "defer" }];
      raw.autonomy.actions["email.send"].overrideWindowMinutes = 60;
    });
    const at = (now: number, earnedLevel: 2 | 3 = 2) =>
      ctx({
        spec: version(s),
        now,
        trust: trust({ earnedLevel }),
        account: account({ signals: pricingVisits(now) }),
      });
    // Friday 23:30 in New York: its window closes on Saturday at 00:30.
    const friday = t("2026-03-20T23:30:00-04:00");
    const e = evaluate(at(friday));
    expect(e.verdict).toBe("defer");
    expect(e.reasons).toEqual(["rule (no-weekends): on sat when its override window closes: deferred"]);
    // Proposed again an hour before Monday's midnight, it goes out at that midnight.
    expect(e.retryAfter).toBe(t("2026-03-22T23:00:00-04:00"));
    const retried = evaluate(at(e.retryAfter!));
    expect(retried.verdict).toBe("schedule");
    expect(retried.executeAt).toBe(t("2026-03-23T00:00:00-04:00"));
    expect(evaluate(at(e.retryAfter! - 1)).verdict).toBe("defer");
    // At level 3 it goes out at once, on Friday.
    expect(evaluate(at(friday, 3)).verdict).toBe("allow");
    // Proposed on Sunday at 23:30, it goes out on Monday: not deferred.
    expect(evaluate(at(t("2026-03-22T23:30:00-04:00"))).verdict).toBe("schedule");
    // Low confidence asks for a person: it goes out when approved, so the rules read Friday.
    const unsure = evaluate({ ...at(friday), proposal: proposal({ confidence: 0.1 }) });
    expect(unsure.verdict).toBe("require_approval");
  });

  it("defer with quiet hours: the retry satisfies both", () => {
    const s = specWith((raw) => {
      raw.rules = [{ name: "no-fridays", when: { weekdays: ["fri"] }, effect: "defer" }];
      raw.coordination.quietHours = [{ name: "nights", start: "20:00", end: "08:00" }];
    });
    const e = evaluate(ctx({ spec: version(s), now: t("2026-03-20T10:00:00-04:00") }));
    expect(e.verdict).toBe("defer");
    // Saturday 00:00 is quiet: the first instant both allow is Saturday 08:00.
    expect(e.retryAfter).toBe(t("2026-03-21T08:00:00-04:00"));
  });

  it("defer without weekdays never stops matching: no retry instant", () => {
    const e = evaluate(
      ctx({ spec: version(withRules([{ name: "hold", when: { agents: ["writer"] }, effect: "defer" }])) }),
    );
    expect(e.verdict).toBe("defer");
    expect(e.retryAfter).toBeUndefined();
  });

  it("block beats defer beats review across rules", () => {
    const s = withRules([
      { name: "a", when: { channels: ["email"] }, effect: "review" },
      { name: "b", when: { channels: ["email"] }, effect: "defer" },
    ]);
    expect(evaluate(ctx({ spec: version(s) })).verdict).toBe("defer");
  });

  it("a spec with rules but none applying leaves one pass entry; a spec without rules none", () => {
    const s = withRules([{ name: "x", when: { industries: ["Retail"] }, effect: "block" }]);
    expect(evaluate(ctx({ spec: version(s) })).checks.filter((c) => c.check === "rule")).toEqual([
      { check: "rule", result: "pass", detail: "no conditional rule applies" },
    ]);
    expect(evaluate(ctx()).checks.filter((c) => c.check === "rule")).toEqual([]);
  });

  it("the rule's note (it may quote a reviewer) is not copied into the trace", () => {
    const s = withRules([
      { name: "n", when: { channels: ["email"] }, effect: "block", note: "Jane said no" },
    ]);
    expect(JSON.stringify(evaluate(ctx({ spec: version(s) })).checks)).not.toContain("Jane said no");
  });
});

describe("spec validation: rules and modes, errors naming the path", () => {
  const issues = (edit: (raw: Record<string, any>) => void) => {
    const raw = rawDefaultSpec();
    edit(raw);
    try {
      parseSpec(raw);
    } catch (err) {
      if (err instanceof ValidationError) return err.issues.map((i) => `${i.path}: ${i.message}`);
      throw err;
    }
    return [];
  };

  it("a rule needs at least one condition, a known effect, known condition names", () => {
    expect(issues((r) => (r.rules = [{ name: "x", when: {}, effect: "block" }]))).toEqual([
      "rules[0].when: name at least one condition",
    ]);
    expect(
      issues((r) => (r.rules = [{ name: "x", when: { channels: ["email"] }, effect: "stop" }]))[0],
    ).toMatch(/^rules\[0\]\.effect: /);
    expect(issues((r) => (r.rules = [{ name: "x", when: { colour: ["red"] }, effect: "block" }]))[0]).toMatch(
      /^rules\[0\]\.when: Unrecognized key: "colour"/,
    );
    expect(
      issues((r) => (r.rules = [{ name: "x", when: { weekdays: ["someday"] }, effect: "block" }]))[0],
    ).toMatch(/^rules\[0\]\.when\.weekdays\[0\]: /);
  });

  it("bounds: phrase length, phrase count, number of rules", () => {
    const long = "x".repeat(201);
    expect(issues((r) => (r.rules = [{ name: "x", when: { phrases: [long] }, effect: "block" }]))[0]).toMatch(
      /^rules\[0\]\.when\.phrases\[0\]: /,
    );
    const many = Array.from({ length: 21 }, (_, i) => `p${i}`);
    expect(issues((r) => (r.rules = [{ name: "x", when: { phrases: many }, effect: "block" }]))[0]).toMatch(
      /^rules\[0\]\.when\.phrases: /,
    );
    const rules = Array.from({ length: 201 }, (_, i) => ({
      name: `r${i}`,
      when: { agents: ["a"] },
      effect: "block",
    }));
    expect(issues((r) => (r.rules = rules))[0]).toMatch(/^rules: /);
  });

  it("rule names are unique across the spec, fixed names included", () => {
    expect(
      issues((r) => {
        r.rules = [
          { name: "email-72h", when: { agents: ["a"] }, effect: "block" },
          { name: "icp.employees", when: { agents: ["a"] }, effect: "block" },
        ];
      }),
    ).toEqual([
      'rules[0].name: rule name "email-72h" is already used by coordination.cooldowns[0].name',
      'rules[1].name: rule name "icp.employees" is already used by a fixed rule name',
    ]);
    expect(
      issues((r) => {
        r.icp.exclusions = [{ name: "vp", field: "country", in: ["FR"] }];
      }),
    ).toEqual(['personas.rules[1].name: rule name "vp" is already used by icp.exclusions[0].name']);
  });

  it("modes: only the section's own rules, only enforce or shadow", () => {
    expect(issues((r) => (r.volume.modes = { perChannelPerDay: "shadow", perDay: "shadow" }))).toEqual([
      'volume.modes.perDay: unknown rule "perDay" in volume.modes: expected one of perAgentPerDay, perChannelPerDay, perActionTypePerDay, accountsPerOwnerPerDay',
    ]);
    expect(issues((r) => (r.quality.modes = { minIntent: "off" }))[0]).toMatch(
      /^quality\.modes\.minIntent: /,
    );
    expect(issues((r) => (r.personas.rules[0].mode = "maybe"))[0]).toMatch(/^personas\.rules\[0\]\.mode: /);
    expect(issues((r) => (r.personas.modes = { match: "shadow", allowedRoles: "shadow" }))).toEqual([]);
    expect(issues((r) => (r.suppression.modes = { lifecycles: "shadow", competitors: "shadow" }))).toEqual(
      [],
    );
  });
});
