/**
 * What the market's noise lets any learner reach on the signal-weights check, at the volume a run had.
 * Pure. The refit's Laplace standard errors (learning/signals.ts) say how precisely that many touches
 * pin each weight down; the hidden weights plus Gaussian noise of exactly that size are what an
 * unbiased estimator with that precision returns. The Spearman of those noisy weights against the
 * hidden ones, over many draws, is the ceiling: its mean, and the chance it clears a bar. Measured
 * with bench/signals-recovery.ts (seeds 11-30, 3,000 touches), the harness's refit sits at this
 * ceiling (8 and 9 of 20 seeds at ρ ≥ 0.8 against 7.3 and 7.8 expected), so a run below the bar with
 * a ceiling far from certain is short of volume, not of method.
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
