/**
 * The noise ceiling of the signal-weights check (sim/learning-ceiling.ts) and its place in the demo's
 * learning report: what any learner with the refit's precision reaches, so a run below the bar can be
 * told apart as short of volume or short of method.
 */
import { describe, expect, it } from "vitest";
import {
  evidenceSeparation,
  spearmanNoiseCeiling,
  trustOrderCeiling,
  type VariantPersonaEvidence,
  variantShareCeiling,
} from "../../sim/learning-ceiling.ts";
import { formatLearning, learningReport } from "../../sim/learning-report.ts";
import type { TouchRecord } from "../../sim/market.ts";
import { rngFor } from "../../sim/random.ts";
import { bestVariant, drawTruth, PERSONAS, SIGNAL_TYPES } from "../../sim/truth.ts";

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

  it("says how many standard deviations the evidence puts between two agents, matching the ceiling's draws", () => {
    // Seed 105's CRM updaters at week 4 on the record rungs of 0.5–0.97: crm-sync and lead-list-builder.
    const crmSync = { actionType: "crm.update", quality: 0.566, reviews: 42, judged: 2450 };
    const leadList = { actionType: "crm.update", quality: 0.6852, reviews: 0, judged: 4837 };
    // By hand: flag rates 0.3·(1 − q) = 0.130 and 0.094; I = n·0.09 / (p(1 − p)) for the judged records,
    // plus 42·0.25 / (0.217·0.783) for crm-sync's reviews: sd 0.0223 and 0.0140, gap 0.119 → 4.5 sd.
    const z = evidenceSeparation(crmSync, leadList, model);
    expect(z).toBeGreaterThan(4.3);
    expect(z).toBeLessThan(4.7);
    expect(evidenceSeparation(leadList, crmSync, model)).toBeCloseTo(z, 10);
    // More evidence, further apart; none, nothing to say.
    const more = evidenceSeparation({ ...crmSync, judged: 9800 }, { ...leadList, judged: 19348 }, model);
    expect(more).toBeGreaterThan(1.9 * z);
    expect(evidenceSeparation({ ...crmSync, reviews: 0, judged: 0 }, leadList, model)).toBe(0);
    // A pair the evidence separates by 4.5 sd is in order in nearly every draw of the ceiling.
    expect(at([crmSync, leadList], "separated").allInOrder).toBeGreaterThan(0.99);
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

describe("best-variant share ceiling", () => {
  const effects = { a: 0.4, b: 0.1, c: -0.1, d: -0.4 };
  /** `sends` earlier sends at `rate` P(reply), all of variant c, and `judged` later sends. */
  const persona = (sends: number, rate: number, judged: number, fx: Record<string, number> = effects) =>
    ({
      effects: fx,
      best: "a",
      judged,
      earlier: Array.from({ length: sends }, () => ({ pReply: rate, effect: fx.c ?? 0 })),
    }) satisfies VariantPersonaEvidence;
  const at = (ps: VariantPersonaEvidence[], tag: string) =>
    variantShareCeiling(ps, rngFor(1, "variant-ceiling-test", tag), 0.6);

  it("is near certain with wide gaps and much evidence, and falls as the evidence thins", () => {
    const rich = at([persona(8000, 0.05, 500), persona(8000, 0.05, 500)], "rich");
    const thin = at([persona(400, 0.05, 500), persona(400, 0.05, 500)], "thin");
    expect(rich.atLeast).toBeGreaterThan(0.95);
    expect(rich.mean).toBeGreaterThan(0.95);
    expect(thin.mean).toBeLessThan(rich.mean - 0.2);
    expect(thin.atLeast).toBeLessThan(rich.atLeast);
  });

  it("is a coin among the variants when they do not differ, or no send can answer", () => {
    const flat = { a: 0, b: 0, c: 0, d: 0 };
    const same = at([persona(4000, 0.05, 100, flat), persona(4000, 0.05, 100, flat)], "flat");
    // Four variants: the pick is the best one time in four; both personas right one time in sixteen.
    expect(same.mean).toBeGreaterThan(0.18);
    expect(same.mean).toBeLessThan(0.32);
    expect(same.atLeast).toBeLessThan(0.15);
    // Sends that bounced (P(reply) 0) tell nothing, whatever the variant.
    const bounced = at([persona(4000, 0, 100), persona(4000, 0, 100)], "bounced");
    expect(bounced.mean).toBeLessThan(0.35);
  });

  it("re-draws each send under another variant from the variant it carried", () => {
    // Half the sends carried the best variant, half the worst, at rates that put both at 5 % under
    // variant c: the same evidence, to the learner, as every send at 5 % with variant c.
    const L = Math.log(0.05 / 0.95);
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    const mixed = {
      ...persona(0, 0.05, 500),
      earlier: Array.from({ length: 2000 }, (_, i) =>
        i % 2
          ? { pReply: sig(L - (effects.c ?? 0) + effects.a), effect: effects.a }
          : { pReply: sig(L - (effects.c ?? 0) + effects.d), effect: effects.d },
      ),
    };
    const plain = persona(2000, 0.05, 500);
    const a = at([mixed, mixed], "swap");
    const b = at([plain, plain], "swap");
    expect(a.mean).toBeCloseTo(b.mean, 6);
    expect(a.atLeast).toBeCloseTo(b.atLeast, 6);
  });

  it("deals the sends at random, whatever order they came in", () => {
    // Sends alternating between a busy and a quiet account: dealt in turn, the same variants would
    // get the busy ones in every draw.
    const alternating = {
      ...persona(0, 0.05, 500),
      earlier: Array.from({ length: 2000 }, (_, i) => ({ pReply: i % 2 ? 0.12 : 0.02, effect: effects.c })),
    };
    const shuffled = {
      ...alternating,
      earlier: [...alternating.earlier].sort((x, y) => x.pReply - y.pReply),
    };
    const a = at([alternating, alternating], "order-a");
    const b = at([shuffled, shuffled], "order-b");
    expect(a.mean).toBeGreaterThan(0.8);
    expect(Math.abs(a.mean - b.mean)).toBeLessThan(0.08);
  });

  it("weighs each persona by its judged sends", () => {
    // A persona whose best variant the evidence names, and one with none: the share follows the
    // first persona's weight in the judged weeks.
    const heavy = at([persona(8000, 0.05, 900), persona(0, 0.05, 100)], "heavy");
    const light = at([persona(8000, 0.05, 100), persona(0, 0.05, 900)], "light");
    expect(heavy.atLeast).toBeGreaterThan(0.95);
    // Only when the blind persona's coin lands on its best variant: one time in four.
    expect(light.atLeast).toBeGreaterThan(0.15);
    expect(light.atLeast).toBeLessThan(0.35);
    expect(at([persona(100, 0.05, 0)], "none")).toEqual({ mean: 0, atLeast: 0, bar: 0.6 });
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

  it("reports the best-variant share's ceiling from the sends before the last two weeks, and prints it", () => {
    const truth = drawTruth(1);
    const DAY_MS = 86_400_000;
    // 28 days of sends to each persona with its worst variant, at about 5 % P(reply); the last two
    // weeks (days 14-28 of a 28-day run) are the judged ones.
    const touches: TouchRecord[] = [];
    for (const persona of PERSONAS) {
      const fx = truth.variant[persona];
      const worst = Object.keys(fx).sort((x, y) => (fx[x] ?? 0) - (fx[y] ?? 0))[0] as string;
      for (let i = 0; i < 2000; i++)
        touches.push({
          decisionId: `${persona}-${i}`,
          agentId: "w",
          actionType: "email.send",
          at: Math.floor((i / 2000) * 28 * DAY_MS),
          persona,
          variant: worst,
          bestVariant: worst === bestVariant(truth, persona),
          grounded: true,
          misaddressed: false,
          pReply: 0.05,
          pMeeting: 0.01,
        });
    }
    const l = learningReport({ ...base, truth, touches, days: 28 });
    const c = l.variants.shareCeiling;
    expect(c?.earlierSends).toBe(touches.filter((t) => t.at < 14 * DAY_MS).length);
    expect(c?.bar).toBe(0.6);
    // A thousand sends per persona, split four ways, name the best of gaps this wide most of the time.
    expect(c?.mean).toBeGreaterThan(0.5);
    expect(l.variants.bestVariantShare).toBe(0);
    expect(formatLearning(l).join("\n")).toMatch(
      /a learner that dealt the \d+ sends before the last two weeks evenly/,
    );
    expect(learningReport(base).variants.shareCeiling).toBeUndefined();
  });

  it("has no ceiling before any refit", () => {
    expect(learningReport(base).signalWeights.noiseCeiling).toBeUndefined();
  });
});
