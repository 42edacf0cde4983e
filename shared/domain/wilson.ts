/** z for a two-sided 95% interval. */
export const Z95 = 1.959964;

export interface Rate {
  /** Successes over trials. */
  rate: number;
  low: number;
  high: number;
}

/**
 * The Wilson score interval of k successes in n trials. Unlike the normal approximation it stays inside
 * [0, 1] and is honest for the small counts and rates near 0 that replies and complaints have (0 of 40
 * is [0, 0.088], not [0, 0]). Undefined for no trials: no rate to speak of.
 */
export function wilson(k: number, n: number, z = Z95): Rate | undefined {
  if (n <= 0) return undefined;
  if (k < 0 || k > n) throw new RangeError(`wilson: ${k} successes in ${n} trials`);
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // Clamp rounding at the ends (k = 0 gives a low of -1e-17).
  return { rate: p, low: Math.max(0, center - half), high: Math.min(1, center + half) };
}
