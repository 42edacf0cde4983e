/**
 * What the market's noise lets any learner reach on the signal-weights check, at the volume a run had.
 * Pure. The refit's Laplace standard errors (learning/signals.ts) say how precisely that many touches
 * pin each weight down; the hidden weights plus Gaussian noise of exactly that size are what an
 * unbiased estimator with that precision returns. The Spearman of those noisy weights against the
 * hidden ones, over many draws, is the ceiling: its mean, and the chance it clears a bar. Measured
 * with bench/signals-recovery.ts (seeds 11-30, 5,000 touches), the harness's refit reaches ρ ≥ 0.8
 * on 9 and 13 of 20 seeds (random touches; touches the gate lets through) against 13.3 and 15.1
 * expected at this ceiling. Below it: the ceiling takes the refit's standard errors at face value,
 * and they are somewhat optimistic (a touch's reply and meeting rows are not independent, signals.ts);
 * most misranked weights are the two rare trigger events' (a new sales leader, a funding round: their
 * errors are three to four times the others'). A run below the bar with a ceiling far from certain is
 * short of volume; one with a ceiling near certain is short of method.
 */
import type { Rng } from "./random.ts";
import { spearman } from "./stats.ts";

export interface NoiseCeiling {
  /** Mean Spearman(hidden + noise, hidden). */
  mean: number;
  /** Share of draws at or above `bar`. */
  atLeast: number;
  bar: number;
}

export function spearmanNoiseCeiling(
  hidden: readonly number[],
  se: readonly number[],
  rng: Pick<Rng, "next">,
  bar: number,
  draws = 400,
): NoiseCeiling {
  let sum = 0;
  let pass = 0;
  for (let i = 0; i < draws; i++) {
    const noisy = hidden.map((w, j) => {
      // Box–Muller: one standard normal per weight.
      const z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
      return w + (se[j] ?? 0) * z;
    });
    const rho = spearman(noisy, hidden);
    sum += rho;
    if (rho >= bar) pass++;
  }
  return { mean: sum / draws, atLeast: pass / draws, bar };
}
