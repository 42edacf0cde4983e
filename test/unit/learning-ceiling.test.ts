/**
 * The noise ceiling of the signal-weights check (sim/learning-ceiling.ts) and its place in the demo's
 * learning report: what any learner with the refit's precision reaches, so a run below the bar can be
 * told apart as short of volume or short of method.
 */
import { describe, expect, it } from "vitest";
import { spearmanNoiseCeiling } from "../../sim/learning-ceiling.ts";
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
