import { describe, expect, it } from "vitest";
import type { Decision } from "../../shared/domain/decision.ts";
import { evaluate } from "../../shared/domain/evaluate.ts";
import { prepareIntent } from "../../shared/domain/prepared-spec.ts";
import { closeShadowWeights, currentWeights, signalSettings } from "../../shared/domain/spec-signals.ts";
import {
  auc,
  delongZ,
  fitSignals,
  type SignalRow,
  shadowVerdict,
  signalRow,
  toSpecWeights,
} from "../../shared/learning/signals.ts";
import { refitRows } from "../../shared/usecases/signals-refit.ts";
import { rngFor } from "../../sim/random.ts";
import { spearman } from "../../sim/stats.ts";
import { drawTruth, expectedOutcome, signalFeatures, truePersona } from "../../sim/truth.ts";
import { generateWorld } from "../../sim/world.ts";
import { account, ctx, defaultSpec, NOW, pricingVisits, specWith, version } from "./helpers/fixtures.ts";

const DAY = 86_400_000;
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Touches from a known logistic model with independent Poisson-ish counts (capped at 3). */
function synthetic(seed: number, n: number, beta: number[], intercept: number): SignalRow[] {
  const rng = rngFor(seed, "synthetic");
  const rows: SignalRow[] = [];
  for (let i = 0; i < n; i++) {
    const x = beta.map(() => Math.min(3, rng.int(0, 4)));
    const z = intercept + beta.reduce((s, b, j) => s + b * (x[j] as number), 0);
    rows.push({ x, meeting: rng.next() < sigmoid(z) });
  }
  return rows;
}

describe("signals loop: the regularized logistic fit", () => {
  const types = ["a", "b", "c", "d", "e"];
  const beta = [0.6, 0.3, 0, -0.3, 0.15];

  it("recovers a known model's weights within their Laplace intervals, in the right order", () => {
    const fit = fitSignals(synthetic(1, 20_000, beta, -3), types, { priorSd: 1 });
    expect(fit.converged).toBe(true);
    for (const [j, t] of types.entries())
      expect(Math.abs((fit.coef[t] as number) - (beta[j] as number))).toBeLessThan(4 * (fit.se[t] as number));
    expect(
      spearman(
        types.map((t) => fit.coef[t] as number),
        beta,
      ),
    ).toBeGreaterThanOrEqual(0.8);
  });

  it("its standard errors shrink as 1/√n, and the prior pulls thin evidence toward zero", () => {
    const small = fitSignals(synthetic(2, 2_000, beta, -3), types, { priorSd: 1 });
    const large = fitSignals(synthetic(2, 8_000, beta, -3), types, { priorSd: 1 });
    const ratio = (small.se.a as number) / (large.se.a as number);
    expect(ratio).toBeGreaterThan(1.6);
    expect(ratio).toBeLessThan(2.5);
    const tight = fitSignals(synthetic(2, 2_000, beta, -3), types, { priorSd: 0.02 });
    expect(Math.abs(tight.coef.a as number)).toBeLessThan(Math.abs(small.coef.a as number) / 2);
  });

  it("counts signals in each type's window before the touch, capped", () => {
    const at = 100 * DAY;
    const signals: [string, number][] = [
      ["a", at - DAY],
      ["a", at - 2 * DAY],
      ["a", at - 3 * DAY],
      ["a", at - 4 * DAY],
      ["b", at - 10 * DAY],
      ["b", at + DAY],
    ];
    expect(signalRow(signals, at, ["a", "b"], [7 * DAY, 7 * DAY], 3)).toEqual([3, 0]);
    expect(signalRow(signals, at, ["a", "b"], [7 * DAY, 30 * DAY], 10)).toEqual([4, 1]);
  });

  it("maps log-odds to the spec's points keeping the mean intent, negative where the fit is", () => {
    const rows = synthetic(3, 5_000, beta, -3);
    const fit = fitSignals(rows, types, { priorSd: 1 });
    const current = { a: 20, b: 20, c: 20, d: 20, e: 20 };
    const w = toSpecWeights(fit, current, rows);
    const mean = (weights: Record<string, number>) =>
      rows.reduce(
        (s, r) => s + types.reduce((x, t, j) => x + (weights[t] as number) * (r.x[j] as number), 0),
        0,
      ) / rows.length;
    expect(mean(w) / mean(current)).toBeCloseTo(1, 1);
    expect(w.d).toBeLessThan(0);
    expect(w.a).toBeGreaterThan(w.b as number);
  });

  /**
   * On the simulated market's own generative model (sim/truth.ts): 3,000 touches at random accounts
   * and times of a seed's world, meetings drawn from the hidden model, features as the harness sees
   * them (the spec's windows). The refit ranks held-out touches' meetings better than chance on each
   * seed. (Its rank agreement with the hidden weights is not asserted: at this volume the rarer
   * signals' standard errors exceed the spread of the hidden weights; see the report.)
   */
  it.each([1, 2, 3])(
    "on the market's model (seed %i), the refit ranks held-out meetings above chance",
    (seed) => {
      const start = Date.UTC(2026, 0, 5);
      const world = generateWorld({ seed, accounts: 1500, start, days: 56 });
      const truth = drawTruth(seed);
      const spec = defaultSpec();
      const p = prepareIntent(spec);
      const rng = rngFor(seed, "signals-test");
      const draw = () => {
        const c = world.companies[rng.int(0, world.companies.length - 1)] as (typeof world.companies)[number];
        const at = c.arrivesAt + rng.next() * (world.end - c.arrivesAt);
        const person = c.people[rng.int(0, c.people.length - 1)] as (typeof c.people)[number];
        const { pMeeting } = expectedOutcome(truth, {
          signals: signalFeatures(c.signals, at, c.arrivesAt),
          persona: truePersona(person.title),
          variant: "fact-led",
          channel: "email",
          grounded: true,
          bounces: false,
        });
        const seen = c.signals
          .filter((s) => s.at >= c.arrivesAt)
          .map((s): [string, number] => [s.type, s.at]);
        return { x: signalRow(seen, at, p.types, p.windowMs, 3), meeting: rng.next() < pMeeting };
      };
      const train = Array.from({ length: 3000 }, draw);
      const held = Array.from({ length: 3000 }, draw);
      const fit = fitSignals(train, p.types, { priorSd: 0.5 });
      expect(fit.meetings).toBeGreaterThan(5);
      const w = toSpecWeights(fit, currentWeights(spec), train);
      const score = (r: SignalRow) =>
        p.types.reduce((s, t, i) => s + (w[t] as number) * (r.x[i] as number), 0);
      expect(auc(held.map((r) => ({ score: score(r), meeting: r.meeting })))).toBeGreaterThan(0.52);
    },
  );
});

describe("signals loop: shadow evidence", () => {
  it("AUC counts ties as half", () => {
    expect(
      auc([
        { score: 2, meeting: true },
        { score: 1, meeting: false },
      ]),
    ).toBe(1);
    expect(
      auc([
        { score: 1, meeting: true },
        { score: 1, meeting: false },
      ]),
    ).toBe(0.5);
    expect(
      auc([
        { score: 0, meeting: true },
        { score: 1, meeting: false },
      ]),
    ).toBe(0);
  });

  const rows = (n: number, better: boolean) => {
    const rng = rngFor(7, "shadow", String(better));
    return Array.from({ length: n }, () => {
      const meeting = rng.chance(0.1);
      const signal = meeting ? 1 : 0;
      return { current: rng.next(), proposed: better ? signal + rng.next() * 0.8 : rng.next(), meeting };
    });
  };

  it("adopts weights that rank meetings better at 95%, not noise, not before enough meetings", () => {
    const good = shadowVerdict(rows(400, true), 20);
    expect(good.adopt).toBe(true);
    expect(good.aucProposed).toBeGreaterThan(good.aucCurrent);
    expect(delongZ(rows(400, false))).toBeLessThan(1.645);
    expect(shadowVerdict(rows(400, false), 20).adopt).toBe(false);
    expect(shadowVerdict(rows(40, true), 20)).toMatchObject({ adopt: false });
  });
});

describe("signals loop: the spec and the gate", () => {
  const withShadow = (autoAdopt = false) =>
    specWith((raw) => {
      raw.learning = {
        signals: {
          autoAdopt,
          shadow: { draftId: "dr_1", weights: { pricing_page_visit: 5, blog_visit: -10 } },
        },
      };
    });

  it("learning.signals has defaults, so older specs stay valid", () => {
    const s = signalSettings(defaultSpec());
    expect(s).toMatchObject({ autoAdopt: false, minMeetings: 30, maxCount: 3 });
    expect(s.shadow).toBeUndefined();
  });

  it("the gate records intent under the shadow weights and never changes the verdict", () => {
    const plain = evaluate(ctx({ account: account({ signals: pricingVisits(NOW, 3) }) }));
    const shadowed = evaluate(
      ctx({ spec: version(withShadow(), 2), account: account({ signals: pricingVisits(NOW, 3) }) }),
    );
    expect(shadowed.shadowIntent).toEqual({ draftId: "dr_1", score: 15, passes: false });
    expect(shadowed.intent?.score).toBe(plain.intent?.score);
    expect(shadowed.verdict).toBe(plain.verdict);
    expect(shadowed.checks).toEqual(plain.checks);
    expect(plain.shadowIntent).toBeUndefined();
  });

  it("confirming moves the shadow weights into quality.signals; discarding drops them", () => {
    const spec = withShadow();
    const confirmed = closeShadowWeights(spec, "dr_1", "confirmed");
    expect(confirmed?.quality.signals.pricing_page_visit?.weight).toBe(5);
    expect(confirmed?.quality.signals.blog_visit?.weight).toBe(-10);
    expect(confirmed?.quality.signals.demo_request?.weight).toBe(spec.quality.signals.demo_request?.weight);
    expect(confirmed && signalSettings(confirmed).shadow).toBeUndefined();
    const discarded = closeShadowWeights(spec, "dr_1", "discarded");
    expect(discarded?.quality.signals.pricing_page_visit?.weight).toBe(25);
    expect(closeShadowWeights(spec, "dr_other", "confirmed")).toBeUndefined();
  });
});

describe("signals loop: the rows a refit fits", () => {
  it("are each touch's signals as the gate recorded them at decision time, with its meeting, capped", () => {
    const decidedAt = "2026-03-10T14:00:00.000Z";
    const at = Date.parse(decidedAt);
    const touch = (id: string, signals: [string, number][], outcomes: Decision["outcomes"] = []) =>
      ({
        decisionId: id,
        decidedAt,
        actionKind: "touch",
        status: "executed",
        outcomes,
        facts: { v: 1, account: { signals }, counts: {}, pauses: [], touches: [] },
      }) as unknown as Decision;
    const pricing = (n: number): [string, number][] =>
      Array.from({ length: n }, (_, i) => ["pricing_page_visit", at - (i + 1) * 3_600_000]);
    const rows = refitRows(version(defaultSpec()), [
      touch("a", [...pricing(5), ["blog_visit", at - 8 * DAY]], [{ type: "meeting_booked", at: decidedAt }]),
      touch("b", [["blog_visit", at - DAY]], [{ type: "replied", at: decidedAt }]),
      { ...touch("c", []), facts: undefined } as Decision,
    ]);
    const types = prepareIntent(defaultSpec()).types;
    expect(rows).toHaveLength(2);
    expect(rows[0]?.meeting).toBe(true);
    expect(rows[0]?.x[types.indexOf("pricing_page_visit")]).toBe(3); // 5 visits, capped at 3
    expect(rows[0]?.x[types.indexOf("blog_visit")]).toBe(0); // 8 days ago: outside its 7-day window
    expect(rows[1]).toMatchObject({ meeting: false });
    expect(rows[1]?.x[types.indexOf("blog_visit")]).toBe(1);
  });
});
