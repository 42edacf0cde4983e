/**
 * The noise ceiling of the signal-weights check (sim/learning-ceiling.ts) and its place in the demo's
 * learning report: what any learner with the refit's precision reaches, so a run below the bar can be
 * told apart as short of volume or short of method.
 */
import { describe, expect, it } from "vitest";
import { spearmanNoiseCeiling, trustOrderCeiling } from "../../sim/learning-ceiling.ts";
import { formatLearning, learningReport } from "../../sim/learning-report.ts";
import { rngFor } from "../../sim/random.ts";
import { drawTruth, SIGNAL_TYPES } from "../../sim/truth.ts";

const hidden = [0.8, 0.2, 0.15, 0.1, 0.05, 0, -0.2];

describe("Spearman noise ceiling", () => {
  it("is certain with exact weights and falls as the standard errors grow", () => {
    const at = (se: number) =>
      spearmanNoiseCeiling(
        hidden,
        hidden.map(() => se),
        rngFor(1, "ceiling-test", se),
        0.8,
      );
    expect(at(0)).toEqual({ mean: 1, atLeast: 1, bar: 0.8 });
    const fine = at(0.02);
    const rough = at(0.1);
    const blind = at(10);
    expect(fine.mean).toBeGreaterThan(rough.mean);
    expect(rough.mean).toBeGreaterThan(blind.mean);
    expect(fine.atLeast).toBeGreaterThan(0.9);
    expect(rough.atLeast).toBeLessThan(fine.atLeast);
    // Noise that swamps every difference: the ranks are a shuffle (mean Spearman about 0).
    expect(Math.abs(blind.mean)).toBeLessThan(0.1);
    expect(blind.atLeast).toBeLessThan(0.1);
  });
});

describe("trust-order ceiling", () => {
  const model = { caught: 0.5, noticed: 0.3 };
  const at = (rows: Parameters<typeof trustOrderCeiling>[0], tag: string) =>
    trustOrderCeiling(rows, model, rngFor(1, "order-ceiling-test", tag));

  it("is near certain for agents far apart with much evidence, and falls with closeness and thin evidence", () => {
    const pair = (q1: number, q2: number, n: number) => [
      { actionType: "crm.update", quality: q1, reviews: n, judged: n },
      { actionType: "crm.update", quality: q2, reviews: 0, judged: n },
    ];
    const far = at(pair(0.9, 0.5, 1000), "far");
    const close = at(pair(0.74, 0.72, 1000), "close");
    const thin = at(pair(0.9, 0.5, 5), "thin");
    expect(far).toEqual({ pairs: 1, allInOrder: expect.any(Number) });
    expect(far.allInOrder).toBeGreaterThan(0.99);
    // 0.02 apart: 7.8 % vs 8.4 % of records flagged, 13 % vs 14 % rejected; a thousand each barely tells them apart.
    expect(close.allInOrder).toBeGreaterThan(0.5);
    expect(close.allInOrder).toBeLessThan(0.85);
    expect(thin.allInOrder).toBeLessThan(far.allInOrder);
    expect(thin.allInOrder).toBeGreaterThan(0.5);
  });

  it("asks every pair on the same action type to be in order at once, and compares no others", () => {
    const one = { actionType: "crm.update", quality: 0.7, reviews: 0, judged: 300 };
    const two = { ...one, quality: 0.65 };
    const alone = at([one, two], "two");
    const three = at([one, two, { ...one, quality: 0.6 }], "three");
    expect(three.pairs).toBe(3);
    expect(three.allInOrder).toBeLessThan(alone.allInOrder);
    // Another action type, or the same quality, makes no pair.
    expect(at([one, { ...two, actionType: "list.sync" }, { ...one }], "none")).toEqual({
      pairs: 0,
      allInOrder: 1,
    });
  });

  it("leaves an agent without evidence to chance", () => {
    const r = at(
      [
        { actionType: "crm.update", quality: 0.9, reviews: 0, judged: 0 },
        { actionType: "crm.update", quality: 0.5, reviews: 0, judged: 0 },
      ],
      "blind",
    );
    expect(r.allInOrder).toBeGreaterThan(0.4);
    expect(r.allInOrder).toBeLessThan(0.6);
  });
});

describe("learning report", () => {
  const base = {
    enabled: true,
    truth: drawTruth(1),
    touches: [],
    start: 0,
    days: 14,
    trust: [],
    specWeights: Object.fromEntries(SIGNAL_TYPES.map((t) => [t, 10])),
  };

  it("reports the noise ceiling at the last refit's volume, and prints it", () => {
    const se = Object.fromEntries(SIGNAL_TYPES.map((t) => [t, 0.3]));
    const l = learningReport({ ...base, lastRefit: { touches: 3000, se } });
    expect(l.signalWeights.noiseCeiling?.touches).toBe(3000);
    expect(l.signalWeights.noiseCeiling?.bar).toBe(0.8);
    expect(l.signalWeights.noiseCeiling?.atLeast).toBeLessThan(0.9);
    expect(formatLearning(l).join("\n")).toMatch(/noise ceiling at the last refit's 3000 touches/);
    const sharp = learningReport({
      ...base,
      lastRefit: { touches: 30000, se: Object.fromEntries(SIGNAL_TYPES.map((t) => [t, 0.001])) },
    });
    expect(sharp.signalWeights.noiseCeiling?.mean).toBe(1);
  });

  it("has no ceiling before any refit", () => {
    expect(learningReport(base).signalWeights.noiseCeiling).toBeUndefined();
  });
});
