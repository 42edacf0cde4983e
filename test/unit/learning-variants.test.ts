/**
 * The variants loop (shared/learning/variants.ts) against the simulated market's variant effects
 * (sim/truth.ts, read here only). Each send's reply is drawn from the hidden model's logit (intercept,
 * persona, variant), the loop sees only the counts, as the learned store keeps them.
 */
import { describe, expect, it } from "vitest";
import { SpecSchema } from "../../shared/domain/spec-schema.ts";
import {
  chooseVariant,
  periodFactors,
  sampleBeta,
  seededRandom,
  type VariantEvidence,
  type VariantSettings,
  variantPosteriors,
  weekOf,
} from "../../shared/learning/variants.ts";
import { simSpec } from "../../sim/spec.ts";
import { bestVariant, drawTruth, type MarketTruth, PERSONAS } from "../../sim/truth.ts";
import { SIM_VARIANTS } from "../../sim/world.ts";

const SETTINGS: VariantSettings = SpecSchema.parse(simSpec(10)).learning.variants;
const INDUSTRIES = ["software", "fintech", "healthcare", "retail", "logistics", "media"];
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Run the loop for `sends` sends; return, over the last quarter, the share of sends using the persona's
 * hidden best variant, the share within 0.1 log-odds of it, and the share of the best variant's lift
 * over a uniform pick that the choices captured.
 */
function run(
  truth: MarketTruth,
  sends: number,
  enabled: boolean,
  personas: readonly (typeof PERSONAS)[number][] = PERSONAS,
) {
  const rng = seededRandom(`variants-test-${truth.seed}`);
  const cells = new Map<string, VariantEvidence>();
  let n = 0;
  let best = 0;
  let near = 0;
  let lift = 0;
  let maxLift = 0;
  for (let i = 0; i < sends; i++) {
    const persona = personas[Math.floor(rng.next() * personas.length)] as (typeof PERSONAS)[number];
    const industry = INDUSTRIES[Math.floor(rng.next() * INDUSTRIES.length)] as string;
    const stats = [...cells.values()];
    const { variant } = chooseVariant({
      variants: SIM_VARIANTS,
      stats,
      persona,
      industry,
      settings: SETTINGS,
      rng,
      enabled,
    });
    const effects = truth.variant[persona];
    // Accounts the writers reach show some intent: +1 log-odds over a cold touch.
    const pReply = sigmoid(truth.replyIntercept + 1 + truth.persona[persona] + (effects[variant] ?? 0));
    const replied = rng.next() < pReply;
    const met = replied && rng.next() < sigmoid(truth.meetingIntercept);
    const key = `${variant}|${persona}|${industry}`;
    const cell = cells.get(key) ?? { variant, persona, industry, sent: 0, replied: 0, meetings: 0 };
    cell.sent++;
    if (replied) cell.replied++;
    if (met) cell.meetings++;
    cells.set(key, cell);
    if (i < sends * 0.75) continue;
    const values = Object.values(effects);
    const top = Math.max(...values);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    n++;
    if (variant === bestVariant(truth, persona)) best++;
    if ((effects[variant] ?? 0) >= top - 0.1) near++;
    lift += (effects[variant] ?? 0) - mean;
    maxLift += top - mean;
  }
  return { best: best / n, near: near / n, lift: lift / maxLift };
}

describe("variants loop: pooled Thompson sampling on the market's hidden variant effects", () => {
  // The first three seeds, not chosen. 40,000 sends: at 2-5% reply rates a 0.3 log-odds difference
  // needs thousands of sends per persona and variant to tell apart. Sent to the personas the spec lets
  // the writers target (personas.allowedRoles: c-level, vp, director); juniors ("other") answer a few
  // per thousand, so their variants cannot be learned and the writers do not aim at them.
  const targeted = ["c-level", "vp", "director"] as const;
  it("seeds 1-3: the best variants take most sends, and far more than with learning off", () => {
    const runs = [1, 2, 3].map((seed) => {
      const truth = drawTruth(seed);
      return { seed, on: run(truth, 40_000, true, targeted), off: run(truth, 40_000, false, targeted) };
    });
    for (const { seed, on, off } of runs) {
      console.info(
        `seed ${seed}: exact best ${on.best.toFixed(2)}, near best ${on.near.toFixed(2)}, lift ${on.lift.toFixed(2)} (off: ${off.best.toFixed(2)}, ${off.near.toFixed(2)}, ${off.lift.toFixed(2)})`,
      );
      // Variants closer than 0.1 log-odds (0.2 points of reply rate at 2%) cannot be told apart at
      // this volume by any learner, so "near" counts those as the best; the exact best's share is
      // printed. Each seed: about half the best variant's lift over a uniform pick or more (learning
      // off captures none).
      expect(on.lift, `seed ${seed}`).toBeGreaterThanOrEqual(0.45);
      expect(Math.abs(off.lift), `seed ${seed}`).toBeLessThan(0.2);
    }
    // Over the seeds: most sends near the best, most of the best variant's lift. (Per seed the lift is
    // bounded by how close the hidden effects are: seed 1's vp has three variants within 0.04.)
    const mean = (k: "near" | "lift") => runs.reduce((a, r) => a + r.on[k], 0) / runs.length;
    expect(mean("near")).toBeGreaterThanOrEqual(0.6);
    expect(mean("lift")).toBeGreaterThanOrEqual(0.6);
  });

  /**
   * At an 8-week demo's volume: 4,000 sends to the personas the writers target (c-level, vp, director),
   * seeds 1-6. Per persona and variant that is ~330 sends and a few dozen replies, so variants closer
   * than ~0.2 log-odds stay hard to tell apart and the exact best's share in the last quarter varies by
   * seed (printed); asserted is the direction over the seeds: well above the uniform quarter, and most
   * of the best variant's lift captured.
   */
  it("at demo volume (4,000 sends, seeds 1-6), learning moves sends to the best variants", () => {
    const on: ReturnType<typeof run>[] = [];
    const off: ReturnType<typeof run>[] = [];
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      on.push(run(drawTruth(seed), 4_000, true, targeted));
      off.push(run(drawTruth(seed), 4_000, false, targeted));
    }
    const mean = (xs: ReturnType<typeof run>[], k: "best" | "lift") =>
      xs.reduce((a, x) => a + x[k], 0) / xs.length;
    console.info(
      `demo volume: exact best ${on.map((x) => x.best.toFixed(2)).join(" ")} (mean ${mean(on, "best").toFixed(2)}; off ${mean(off, "best").toFixed(2)}), lift ${mean(on, "lift").toFixed(2)}`,
    );
    expect(mean(on, "best")).toBeGreaterThan(mean(off, "best") + 0.15);
    // 0.66 (seeds 1-6) with the draws sharpened by 2 (variants.ts SHARPNESS) and the prior counted in
    // replies; plain Thompson sampling captured 0.49.
    expect(mean(on, "lift")).toBeGreaterThan(0.55);
    expect(Math.abs(mean(off, "lift"))).toBeLessThan(0.2);
  });

  it("a thin cell with 5 lucky replies does not win over the pooled evidence", () => {
    // Across the persona's other industries: peer-proof 6% replies over 2,000 sends, fact-led 2%.
    const stats: VariantEvidence[] = [];
    for (const industry of ["software", "fintech", "retail", "media"]) {
      stats.push({ variant: "peer-proof", persona: "vp", industry, sent: 500, replied: 30, meetings: 0 });
      stats.push({ variant: "fact-led", persona: "vp", industry, sent: 500, replied: 10, meetings: 0 });
    }
    // One thin cell where fact-led got lucky: 5 replies in 8 sends.
    stats.push({
      variant: "fact-led",
      persona: "vp",
      industry: "logistics",
      sent: 8,
      replied: 5,
      meetings: 0,
    });
    const variants = ["peer-proof", "fact-led"];
    const rng = seededRandom("thin-cell");
    const picks = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const c = chooseVariant({
        variants,
        stats,
        persona: "vp",
        industry: "Logistics",
        settings: SETTINGS,
        rng,
        enabled: true,
      });
      picks.set(c.variant, (picks.get(c.variant) ?? 0) + 1);
    }
    expect(picks.get("peer-proof") ?? 0).toBeGreaterThan(0.9 * 2000);
    const post = variantPosteriors(variants, stats, "vp", "logistics", SETTINGS);
    const [peer, fact] = post;
    expect(peer?.mean).toBeGreaterThan(fact?.mean ?? 1);
    // The lucky cell did move its estimate up from the pooled 2%, just not to 62%.
    expect(fact?.mean).toBeGreaterThan(0.02);
    expect(fact?.mean).toBeLessThan(0.06);
    // With no pooling (the cell alone), the lucky variant would have won.
    const alone = variantPosteriors(variants, stats, "vp", "logistics", {
      ...SETTINGS,
      cellPriorStrength: 1,
    });
    expect(alone[1]?.mean).toBeGreaterThan(alone[0]?.mean ?? 1);
  });

  it("at low volume one lucky reply does not take the choice (the prior is counted in replies)", () => {
    // Ten sends of each of four variants to one cell, one reply in all: evidence of nothing. Before the
    // prior was counted in replies (10 pseudo-sends = 0.2 of a reply) and each send once, variant b was
    // picked 82% of the time.
    const variants = ["a", "b", "c", "d"];
    const stats: VariantEvidence[] = variants.map((variant) => ({
      variant,
      persona: "vp",
      industry: "software",
      sent: 10,
      replied: variant === "b" ? 1 : 0,
      meetings: 0,
    }));
    const rng = seededRandom("one-lucky-reply");
    let b = 0;
    for (let i = 0; i < 2000; i++)
      if (
        chooseVariant({
          variants,
          stats,
          persona: "vp",
          industry: "Software",
          settings: SETTINGS,
          rng,
          enabled: true,
        }).variant === "b"
      )
        b++;
    expect(b / 2000).toBeGreaterThan(0.25);
    expect(b / 2000).toBeLessThan(0.45);
  });

  it("a hand-set market where all variants are equal: at low volume the sends stay spread", () => {
    // Four variants with the same true 2% reply rate, 200 sends over 3 personas × 6 industries (a
    // small demo's month), seeds 1-30. Any variant taking most of the second half chased noise. Before
    // the fix the top variant took 61% of the second half on average (16 of 30 runs above 60%).
    const variants = ["a", "b", "c", "d"];
    const personas = ["vp", "c-level", "director"];
    const topShare = (seed: number) => {
      const rng = seededRandom(`equal-${seed}`);
      const cells = new Map<string, VariantEvidence>();
      const picks = new Map<string, number>();
      for (let i = 0; i < 200; i++) {
        const persona = personas[Math.floor(rng.next() * personas.length)] as string;
        const industry = INDUSTRIES[Math.floor(rng.next() * INDUSTRIES.length)] as string;
        const { variant } = chooseVariant({
          variants,
          stats: [...cells.values()],
          persona,
          industry,
          settings: SETTINGS,
          rng,
          enabled: true,
        });
        const key = `${variant}|${persona}|${industry}`;
        const cell = cells.get(key) ?? { variant, persona, industry, sent: 0, replied: 0, meetings: 0 };
        cell.sent++;
        if (rng.next() < 0.02) cell.replied++;
        cells.set(key, cell);
        if (i >= 100) picks.set(variant, (picks.get(variant) ?? 0) + 1);
      }
      return Math.max(...picks.values()) / 100;
    };
    const shares = Array.from({ length: 30 }, (_, i) => topShare(i + 1));
    const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
    console.info(`equal variants, 200 sends: mean top share ${mean.toFixed(2)}`);
    expect(mean).toBeLessThan(0.5);
    expect(shares.filter((x) => x > 0.6).length).toBeLessThanOrEqual(5);
  });

  it("a cell whose evidence is strong enough earns its own answer", () => {
    const stats: VariantEvidence[] = [
      { variant: "peer-proof", persona: "vp", industry: "software", sent: 3000, replied: 180, meetings: 0 },
      { variant: "fact-led", persona: "vp", industry: "software", sent: 3000, replied: 60, meetings: 0 },
      { variant: "peer-proof", persona: "vp", industry: "retail", sent: 1500, replied: 15, meetings: 0 },
      { variant: "fact-led", persona: "vp", industry: "retail", sent: 1500, replied: 90, meetings: 0 },
    ];
    const post = variantPosteriors(["peer-proof", "fact-led"], stats, "vp", "retail", SETTINGS);
    expect(post[1]?.mean).toBeGreaterThan(post[0]?.mean ?? 1);
  });

  it("is deterministic under a seed, and uniform when learning is off", () => {
    const stats: VariantEvidence[] = SIM_VARIANTS.map((variant) => ({
      variant,
      persona: "vp",
      industry: "software",
      sent: 3000,
      replied: variant === "peer-proof" ? 300 : 90,
      meetings: 0,
    }));
    const pick = (seed: string, enabled: boolean) => {
      const rng = seededRandom(seed);
      return Array.from(
        { length: 400 },
        () =>
          chooseVariant({
            variants: SIM_VARIANTS,
            stats,
            persona: "vp",
            industry: "software",
            settings: SETTINGS,
            rng,
            enabled,
          }).variant,
      );
    };
    expect(pick("a", true)).toEqual(pick("a", true));
    const on = pick("b", true).filter((v) => v === "peer-proof").length;
    const off = pick("b", false);
    expect(on).toBeGreaterThan(360);
    for (const v of SIM_VARIANTS) {
      const k = off.filter((x) => x === v).length;
      expect(k).toBeGreaterThan(60);
      expect(k).toBeLessThan(140);
    }
  });

  it("draws Beta variates with the right mean", () => {
    const rng = seededRandom("beta");
    for (const [a, b] of [
      [0.5, 0.5],
      [3, 97],
      [200, 800],
    ] as const) {
      const xs = Array.from({ length: 4000 }, () => sampleBeta(rng, a, b));
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      const sd = Math.sqrt((a * b) / ((a + b) ** 2 * (a + b + 1)));
      expect(Math.abs(mean - a / (a + b))).toBeLessThan((4 * sd) / Math.sqrt(xs.length));
    }
  });
});

describe("variants loop: sends compared as if sent in the same weeks", () => {
  /**
   * Two weeks, every message answered twice as often in the second (say, after the signals loop
   * sharpened the lists). `a` went out mostly in the first week, `b` mostly in the second, and `c` in
   * both, which is what tells the weeks apart. Replies are exactly the expected ones: `lift` is each
   * variant's own multiple of the week's rate.
   */
  function weeks(lift: Record<string, number>, dated = true): VariantEvidence[] {
    const sends: [string, string, number, number][] = [
      ["a", "2026-03-02", 1000, 0.02],
      ["a", "2026-03-09", 100, 0.04],
      ["b", "2026-03-02", 100, 0.02],
      ["b", "2026-03-09", 1000, 0.04],
      ["c", "2026-03-02", 500, 0.02],
      ["c", "2026-03-09", 500, 0.04],
    ];
    return sends.map(([variant, week, sent, rate]) => ({
      variant,
      persona: "vp",
      industry: "software",
      ...(dated ? { week } : {}),
      sent,
      replied: Math.round(sent * rate * (lift[variant] ?? 1)),
      meetings: 0,
    }));
  }
  const settings = { ...SETTINGS, meetingWeight: 0 };
  const means = (stats: VariantEvidence[]) => {
    const of = (v: string) =>
      variantPosteriors(["a", "b", "c"], stats, "vp", "software", settings).find((p) => p.variant === v)
        ?.mean ?? Number.NaN;
    return { a: of("a"), b: of("b") };
  };

  it("equal variants sent in different weeks come out equal, not the later one ahead", () => {
    const undated = means(weeks({}, false));
    // Counted as plain sends, the variant sent in the better week looks 1.7 times as good.
    expect(undated.b / undated.a).toBeGreaterThan(1.5);
    const dated = means(weeks({}));
    expect(dated.b / dated.a).toBeGreaterThan(0.9);
    expect(dated.b / dated.a).toBeLessThan(1.1);
    // The second week was twice as answerable; the total of sends is kept.
    const phi = periodFactors(weeks({}), 0);
    expect((phi.get("2026-03-09") ?? 0) / (phi.get("2026-03-02") ?? 1)).toBeCloseTo(2, 0);
    expect(1600 * (phi.get("2026-03-02") ?? 0) + 1600 * (phi.get("2026-03-09") ?? 0)).toBeCloseTo(3200, 0);
  });

  it("a variant better in every week stays ahead, even when sent in the worse week", () => {
    const dated = means(weeks({ a: 1.5 }));
    expect(dated.a / dated.b).toBeGreaterThan(1.3);
    // Undated, its better answers are hidden by the week it went out in.
    const undated = means(weeks({ a: 1.5 }, false));
    expect(undated.a / undated.b).toBeLessThan(1);
  });

  it("one week of evidence, or evidence without weeks, is counted as before", () => {
    const one = weeks({}).filter((e) => e.week === "2026-03-09");
    expect([...periodFactors(one, 1).values()]).toEqual([1]);
    expect([...periodFactors(weeks({}, false), 1).values()]).toEqual([1]);
  });

  it("a send's week starts on the Monday (UTC) before it", () => {
    expect(weekOf("2026-03-02T05:00:00Z")).toBe("2026-03-02");
    expect(weekOf("2026-03-08T23:59:59Z")).toBe("2026-03-02");
    expect(weekOf("2026-03-09T00:00:00Z")).toBe("2026-03-09");
    expect(weekOf(Date.parse("2027-01-01T12:00:00Z"))).toBe("2026-12-28");
  });
});

describe("spec learning section", () => {
  it("defaults to on with the variants settings, and names the field of a bad value", () => {
    const spec = SpecSchema.parse(simSpec(10));
    expect(spec.learning.enabled).toBe(true);
    expect(spec.learning.variants.cellPriorStrength).toBeGreaterThan(
      spec.learning.variants.personaPriorStrength,
    );
    const partial = SpecSchema.parse({ ...simSpec(10), learning: { enabled: false } });
    expect(partial.learning.enabled).toBe(false);
    expect(partial.learning.variants).toEqual(spec.learning.variants);
    const bad = SpecSchema.safeParse({ ...simSpec(10), learning: { variants: { cellPriorStrength: -1 } } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(["learning", "variants", "cellPriorStrength"]);
  });

  it("a stored spec without the section reads as learning on", async () => {
    const { learningOf } = await import("../../shared/learning/switch.ts");
    expect(learningOf({}).enabled).toBe(true);
    expect(learningOf({ learning: { enabled: false } }).enabled).toBe(false);
  });
});
