import { describe, expect, it } from "vitest";
import { assignArm, type Experiment, holdoutEvaluation, unitHash } from "../../shared/domain/arms.ts";
import { ValidationError } from "../../shared/domain/errors.ts";
import { evaluate } from "../../shared/domain/evaluate.ts";
import { parseSpec } from "../../shared/domain/spec-loader.ts";
import { wilson } from "../../shared/domain/wilson.ts";
import {
  account,
  NOW,
  person,
  pricingVisits,
  proposal,
  rawDefaultSpec,
  trust,
  version,
} from "./helpers/fixtures.ts";

const experiment = (over: Partial<Experiment> = {}): Experiment => ({
  name: "tone-2026q1",
  arms: [
    { name: "control", weight: 45 },
    { name: "strict", version: 2, weight: 45 },
  ],
  holdout: { name: "holdout", weight: 10 },
  ...over,
});

const ids = Array.from({ length: 4000 }, (_, i) => `acct-${i}`);

describe("assignArm", () => {
  it("is a pure function of the experiment name and account id", () => {
    for (const id of ids.slice(0, 200))
      expect(assignArm(experiment(), id)).toEqual(assignArm(experiment(), id));
    // Pinned (SHA-256 of "tone-2026q1\0acct-0", first 48 bits, checked with Python's hashlib): a change
    // to the hash would silently move accounts to another arm in the middle of an experiment.
    expect(unitHash("tone-2026q1", "acct-0")).toBe(0.2955249419132997);
    expect(unitHash("tone-2026q1", "acct-1")).toBe(0.31352108837645076);
    expect(assignArm(experiment(), "acct-0").arm).toBe("control");
  });

  it("splits accounts roughly in proportion to the weights, holdout included", () => {
    const counts = new Map<string, number>();
    for (const id of ids) {
      const a = assignArm(experiment(), id).arm;
      counts.set(a, (counts.get(a) ?? 0) + 1);
    }
    // 4000 draws: a share's standard deviation is under 0.8 points; 3 points is > 3.7 sigma.
    expect((counts.get("control") ?? 0) / ids.length).toBeGreaterThan(0.42);
    expect((counts.get("control") ?? 0) / ids.length).toBeLessThan(0.48);
    expect((counts.get("strict") ?? 0) / ids.length).toBeGreaterThan(0.42);
    expect((counts.get("strict") ?? 0) / ids.length).toBeLessThan(0.48);
    expect((counts.get("holdout") ?? 0) / ids.length).toBeGreaterThan(0.07);
    expect((counts.get("holdout") ?? 0) / ids.length).toBeLessThan(0.13);
  });

  it("normalises weights: 1/1 is the same split as 50/50", () => {
    const a = experiment({
      arms: [
        { name: "a", weight: 1 },
        { name: "b", weight: 1 },
      ],
      holdout: undefined,
    });
    const b = experiment({
      arms: [
        { name: "a", weight: 50 },
        { name: "b", weight: 50 },
      ],
      holdout: undefined,
    });
    for (const id of ids.slice(0, 500)) expect(assignArm(a, id).arm).toBe(assignArm(b, id).arm);
  });

  it("reshuffles when the experiment is renamed", () => {
    const moved = ids.filter(
      (id) => assignArm(experiment(), id).arm !== assignArm(experiment({ name: "tone-2026q2" }), id).arm,
    );
    // Independent draws put about 1 - (0.45² + 0.45² + 0.1²) = 58.5% of accounts in another arm.
    expect(moved.length / ids.length).toBeGreaterThan(0.5);
  });

  it("names the arm's version, none for an arm on the experiment's own version, and flags the holdout", () => {
    const seen = new Map(ids.map((id) => [assignArm(experiment(), id).arm, assignArm(experiment(), id)]));
    expect(seen.get("strict")).toMatchObject({ version: 2, holdout: false, experiment: "tone-2026q1" });
    expect(seen.get("control")?.version).toBeUndefined();
    expect(seen.get("holdout")).toMatchObject({ holdout: true });
  });
});

describe("spec experiments section", () => {
  const withExperiments = (experiments: unknown) => {
    const raw = rawDefaultSpec();
    raw.experiments = experiments;
    return raw;
  };
  const issues = (experiments: unknown) => {
    try {
      parseSpec(withExperiments(experiments));
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      return (err as ValidationError).issues.map((i) => i.path);
    }
    throw new Error("expected a ValidationError");
  };

  it("parses, with the holdout named by default", () => {
    const spec = parseSpec(
      withExperiments({ name: "x", arms: [{ name: "a", weight: 1 }], holdout: { weight: 1 } }),
    );
    expect(spec.experiments?.holdout?.name).toBe("holdout");
  });

  it("refuses bad experiments naming the path", () => {
    expect(issues({ name: "x", arms: [] })).toEqual(["experiments.arms"]);
    expect(issues({ name: "x", arms: [{ name: "a", weight: 0 }] })).toEqual(["experiments.arms[0].weight"]);
    expect(issues({ name: "x", arms: [{ name: "a", weight: 1, version: 1.5 }] })).toEqual([
      "experiments.arms[0].version",
    ]);
    expect(
      issues({
        name: "x",
        arms: [
          { name: "a", weight: 1 },
          { name: "a", weight: 1 },
        ],
      }),
    ).toEqual(["experiments.arms[1].name"]);
    expect(
      issues({ name: "x", arms: [{ name: "a", weight: 1 }], holdout: { name: "a", weight: 1 } }),
    ).toEqual(["experiments.holdout.name"]);
    expect(issues({ name: "x y", arms: [{ name: "a", weight: 1 }] })).toEqual(["experiments.name"]);
    expect(issues({ name: "x", arms: [{ name: "a", weight: 1, extra: 1 }] })).toEqual([
      "experiments.arms[0]",
    ]);
  });
});

describe("holdoutEvaluation", () => {
  it("blocks what the other checks would have allowed, reserving nothing, and keeps their trace", () => {
    const a = account({ signals: pricingVisits(NOW) });
    const ev = evaluate({
      now: NOW,
      spec: version(),
      proposal: proposal(),
      account: a,
      person: person(),
      touches: [],
      counts: { agent: 0, actionType: 0, channel: 0 },
      pauses: [],
      suppressions: [],
      trust: trust({ pinnedLevel: 3 }),
    });
    expect(ev.verdict).not.toBe("block");
    const held = holdoutEvaluation(ev, { experiment: "x", arm: "holdout", holdout: true });
    expect(held.verdict).toBe("block");
    expect(held.status).toBe("blocked");
    expect(held.reservation).toEqual({ counters: [] });
    expect(held.executeAt).toBeUndefined();
    expect(held.expiresAt).toBeUndefined();
    expect(held.checks.slice(0, -1)).toEqual(ev.checks);
    expect(held.checks.at(-1)).toMatchObject({ check: "experiment", result: "fail", effect: "block" });
    expect(held.reasons).toHaveLength(1);
    expect(held.reasons[0]).toMatch(/^experiment: .*holdout/);
  });
});

describe("wilson", () => {
  it("matches published 95% intervals", () => {
    // 5/10: [0.2366, 0.7634]; 0/10: [0, 0.2775]; 10/10: [0.7225, 1] (Wilson 1927; Newcombe 1998, table I).
    const r = wilson(5, 10);
    expect(r?.rate).toBe(0.5);
    expect(r?.low).toBeCloseTo(0.2366, 4);
    expect(r?.high).toBeCloseTo(0.7634, 4);
    expect(wilson(0, 10)?.low).toBe(0);
    expect(wilson(0, 10)?.high).toBeCloseTo(0.2775, 4);
    expect(wilson(10, 10)?.low).toBeCloseTo(0.7225, 4);
    expect(wilson(10, 10)?.high).toBeCloseTo(1, 12);
    // Newcombe 1998, table I: 81 of 263 → 0.2553 to 0.3662; 15 of 148 → 0.0624 to 0.1605.
    expect(wilson(15, 148)?.low).toBeCloseTo(0.0624, 4);
    expect(wilson(15, 148)?.high).toBeCloseTo(0.1605, 4);
    expect(wilson(81, 263)?.low).toBeCloseTo(0.2553, 4);
    expect(wilson(81, 263)?.high).toBeCloseTo(0.3662, 4);
  });

  it("has no rate without trials and refuses impossible counts", () => {
    expect(wilson(0, 0)).toBeUndefined();
    expect(() => wilson(3, 2)).toThrow(RangeError);
  });

  it("narrows as the sample grows around the same rate", () => {
    const small = wilson(2, 20);
    const large = wilson(200, 2000);
    expect((large?.high ?? 1) - (large?.low ?? 0)).toBeLessThan((small?.high ?? 1) - (small?.low ?? 0));
  });
});
