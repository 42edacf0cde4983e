/**
 * How well the signals loop's refit (shared/learning/signals.ts) recovers the simulated market's hidden
 * signal weights at the volumes an 8-week demo has:
 *
 *   npx tsx bench/signals-recovery.ts [touches...] [--seeds 1-10]      (default 3000 5000, seeds 1-10)
 *
 * Seeds are a consecutive range fixed before measuring, never picked for their result. For each seed,
 * touches are drawn at random accounts and times of the seed's world (2,000 accounts, 8 weeks), replies
 * and meetings from the hidden model (sim/truth.ts), features as the harness sees them (signals since
 * the account arrived). Two populations: `random` (any account) and `gated` (only accounts whose intent
 * under the spec's hand weights clears `quality.minIntent`, as the gate lets through). The refit is the
 * harness's own (`refit`: replies and meetings, window chosen by evidence). Prints per seed the replies
 * and meetings, the window chosen, Spearman(fitted, hidden) and the held-out AUC of replies under the
 * refit vs the hand weights; then the share of seeds at Spearman ≥ 0.8 and the mean.
 *
 * And the noise ceiling: how far ANY unbiased estimator with the precision these touches allow could
 * get. For each seed, the hidden weights plus Gaussian noise of the refit's own Laplace standard errors
 * (ε_t ~ N(0, se_t²), 400 draws): the mean Spearman of those noisy weights against the hidden ones,
 * and the chance it reaches 0.8. Summed over seeds, that chance is the number of seeds expected to pass
 * even for a learner whose only error is the sampling noise of this many touches.
 */
import { prepareIntent } from "../shared/domain/prepared-spec.ts";
import { currentWeights, signalSettings } from "../shared/domain/spec-signals.ts";
import {
  refit,
  type SignalRow,
  signalRow,
  type TouchSignals,
  toSpecWeights,
} from "../shared/learning/signals.ts";
import { auc } from "../shared/learning/signals-shadow.ts";
import { spearmanNoiseCeiling } from "../sim/learning-ceiling.ts";
import { rngFor } from "../sim/random.ts";
import { spearman } from "../sim/stats.ts";
import { drawTruth, expectedOutcome, type SignalType, signalFeatures, truePersona } from "../sim/truth.ts";
import { generateWorld } from "../sim/world.ts";
import { defaultSpec } from "../test/unit/helpers/fixtures.ts";

const DAY = 86_400_000;
const args = process.argv.slice(2);
const seedArg = args.indexOf("--seeds");
const [lo, hi] = (seedArg >= 0 ? (args[seedArg + 1] ?? "1-10") : "1-10").split("-").map(Number);
const seeds = Array.from({ length: (hi ?? lo ?? 1) - (lo ?? 1) + 1 }, (_, i) => (lo ?? 1) + i);
const sizes = args
  .filter((_a, i) => i !== seedArg + 1 || seedArg < 0)
  .map(Number)
  .filter((n) => n > 0);
const spec = defaultSpec();
const p = prepareIntent(spec);
const s = signalSettings(spec);
const hand = currentWeights(spec);
const handScore = (x: readonly number[]) =>
  p.types.reduce((t, type, i) => t + (hand[type] ?? 0) * (x[i] as number), 0);

for (const n of sizes.length ? sizes : [3000, 5000]) {
  for (const population of ["random", "gated"] as const) {
    const lines: string[] = [];
    const rhos: number[] = [];
    const ceilings: { mean: number; pass: number }[] = [];
    for (const seed of seeds) {
      const start = Date.UTC(2026, 0, 5);
      const world = generateWorld({ seed, accounts: 2000, start, days: 56 });
      const truth = drawTruth(seed);
      const rng = rngFor(seed, "signals-bench", population);
      const draw = (): TouchSignals => {
        for (;;) {
          const c = world.companies[
            rng.int(0, world.companies.length - 1)
          ] as (typeof world.companies)[number];
          const at = c.arrivesAt + rng.next() * (world.end - c.arrivesAt);
          const seen = c.signals
            .filter((x) => x.at >= c.arrivesAt)
            .map((x): [string, number] => [x.type, x.at]);
          if (
            population === "gated" &&
            handScore(signalRow(seen, at, p.types, p.windowMs, 1000)) < spec.quality.minIntent
          )
            continue;
          const person = c.people[rng.int(0, c.people.length - 1)] as (typeof c.people)[number];
          const { pReply, pMeeting } = expectedOutcome(truth, {
            signals: signalFeatures(c.signals, at, c.arrivesAt),
            persona: truePersona(person.title),
            variant: "fact-led",
            channel: "email",
            grounded: true,
            bounces: false,
          });
          const u = rng.next();
          return { signals: seen, at, replied: u < pReply, meeting: u < pMeeting };
        }
      };
      const train = Array.from({ length: n }, draw);
      const held = Array.from({ length: n }, draw);
      const t0 = performance.now();
      const r = refit(train, p.types, {
        windowDays: p.windowDays,
        candidates: s.windowCandidates,
        cap: s.maxCount,
        priorSd: s.priorSd,
      });
      const ms = performance.now() - t0;
      const own = train.map((t) => ({
        x: signalRow(t.signals, t.at, p.types, p.windowMs, s.maxCount),
        meeting: t.meeting,
      }));
      const w = toSpecWeights(r.fit, hand, r.rows, own);
      const rho = spearman(
        p.types.map((t) => w[t] as number),
        p.types.map((t) => truth.signalWeights[t as SignalType]),
      );
      rhos.push(rho);
      const hidden = p.types.map((t) => truth.signalWeights[t as SignalType]);
      const c = spearmanNoiseCeiling(
        hidden,
        p.types.map((t) => r.fit.se[t] as number),
        rngFor(seed, "signals-ceiling", population),
        0.8,
      );
      const ceiling = { mean: c.mean, pass: c.atLeast };
      ceilings.push(ceiling);
      const windowMs = r.windowDays ? p.types.map((t) => (r.windowDays?.[t] as number) * DAY) : p.windowMs;
      const heldRows: SignalRow[] = held.map((h) => ({
        x: signalRow(h.signals, h.at, p.types, windowMs, s.maxCount),
        meeting: h.meeting,
        replied: h.replied,
      }));
      const handRows = held.map((h) => signalRow(h.signals, h.at, p.types, p.windowMs, 1000));
      const aucOf = (score: (i: number) => number) =>
        auc(held.map((h, i) => ({ score: score(i), positive: h.replied }))).toFixed(3);
      const fittedAuc = aucOf((i) =>
        p.types.reduce(
          (t, type, j) => t + (w[type] as number) * ((heldRows[i] as SignalRow).x[j] as number),
          0,
        ),
      );
      lines.push(
        `seed ${seed}: ${r.fit.replies} replies, ${r.fit.meetings} mtg, window ${r.windowDays ? `${Object.values(r.windowDays)[0]}d` : "spec"}, rho ${rho.toFixed(2)} (noise ceiling ${ceiling.mean.toFixed(2)}, P(>=0.8) ${ceiling.pass.toFixed(2)}), reply AUC ${fittedAuc} vs hand ${aucOf((i) => handScore(handRows[i] as number[]))}, ${ms.toFixed(0)} ms`,
      );
    }
    const pass = rhos.filter((r) => r >= 0.8).length;
    const mean = rhos.reduce((a, b) => a + b, 0) / rhos.length;
    const ceilingMean = ceilings.reduce((a, c) => a + c.mean, 0) / ceilings.length;
    const expected = ceilings.reduce((a, c) => a + c.pass, 0);
    console.log(
      `${n} touches, ${population}: rho >= 0.8 on ${pass} of ${rhos.length} seeds, mean ${mean.toFixed(2)}; noise ceiling: mean ${ceilingMean.toFixed(2)}, ${expected.toFixed(1)} of ${rhos.length} seeds expected >= 0.8\n  ${lines.join("\n  ")}`,
    );
  }
}
