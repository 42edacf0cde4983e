/**
 * How well the signals loop's refit (shared/learning/signals.ts) can recover the simulated market's
 * hidden signal weights, by sample size: `npx tsx bench/signals-recovery.ts [touches...]` (default
 * 3000 10000 60000), seeds 1-6. Touches are drawn at random accounts and times of each seed's world,
 * meetings from the hidden model (sim/truth.ts); features as the harness sees them (the default spec's
 * windows, counts capped at 3) and, for comparison, in the hidden model's own 30-day window. Prints
 * meetings, Spearman(fitted, hidden), the AUC of held-out meetings under the refit and under the hand
 * weights, and the fit's time.
 */
import { prepareIntent } from "../shared/domain/prepared-spec.ts";
import { currentWeights } from "../shared/domain/spec-signals.ts";
import { auc, fitSignals, type SignalRow, signalRow, toSpecWeights } from "../shared/learning/signals.ts";
import { rngFor } from "../sim/random.ts";
import { spearman } from "../sim/stats.ts";
import { drawTruth, expectedOutcome, type SignalType, signalFeatures, truePersona } from "../sim/truth.ts";
import { generateWorld } from "../sim/world.ts";
import { defaultSpec } from "../test/unit/helpers/fixtures.ts";

const DAY = 86_400_000;
const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const spec = defaultSpec();
const p = prepareIntent(spec);
const hand = currentWeights(spec);

for (const n of sizes.length ? sizes : [3000, 10_000, 60_000]) {
  for (const window of ["spec", "30d"] as const) {
    const windowMs = window === "spec" ? p.windowMs : p.types.map(() => 30 * DAY);
    const line: string[] = [];
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const start = Date.UTC(2026, 0, 5);
      const world = generateWorld({ seed, accounts: 2000, start, days: 56 });
      const truth = drawTruth(seed);
      const rng = rngFor(seed, "signals-bench");
      const draw = (): SignalRow => {
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
        return { x: signalRow(seen, at, p.types, windowMs, 3), meeting: rng.next() < pMeeting };
      };
      const train = Array.from({ length: n }, draw);
      const held = Array.from({ length: n }, draw);
      const t0 = performance.now();
      const fit = fitSignals(train, p.types, { priorSd: 0.5 });
      const ms = performance.now() - t0;
      const w = toSpecWeights(fit, hand, train);
      const rho = spearman(
        p.types.map((t) => w[t] as number),
        p.types.map((t) => truth.signalWeights[t as SignalType]),
      );
      const score = (weights: Record<string, number>) => (r: SignalRow) => ({
        score: p.types.reduce((s, t, i) => s + (weights[t] ?? 0) * (r.x[i] as number), 0),
        meeting: r.meeting,
      });
      line.push(
        `seed ${seed}: ${fit.meetings} mtg, rho ${rho.toFixed(2)}, AUC ${auc(held.map(score(w))).toFixed(3)} vs hand ${auc(held.map(score(hand))).toFixed(3)}, ${ms.toFixed(1)} ms`,
      );
    }
    console.log(`${n} touches, ${window} windows\n  ${line.join("\n  ")}`);
  }
}
