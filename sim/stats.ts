/** Small statistics for the demo's report: intervals and rank correlation. Pure. */

export interface Interval {
  value: number;
  lo: number;
  hi: number;
}

const Z95 = 1.96;
const r4 = (x: number) => Number(x.toFixed(4));

/** Wilson score interval (95%) for k successes in n trials; NaN-free for n = 0 (0, [0, 1]). */
export function wilson(k: number, n: number): Interval {
  if (n === 0) return { value: 0, lo: 0, hi: 1 };
  const p = k / n;
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { value: r4(p), lo: r4(Math.max(0, centre - half)), hi: r4(Math.min(1, centre + half)) };
}

/** A rate per 100 trials with its Wilson interval. */
export const per100 = (k: number, n: number): Interval => {
  const w = wilson(k, n);
  return { value: r4(w.value * 100), lo: r4(w.lo * 100), hi: r4(w.hi * 100) };
};

/**
 * The range (95%) realised meetings fall in if the model is right: the sum of independent Bernoulli
 * draws with probabilities `ps` has mean Σp and variance Σp(1 − p) (normal approximation).
 */
export function expectedCountInterval(ps: readonly number[]): Interval {
  const mean = ps.reduce((s, p) => s + p, 0);
  const sd = Math.sqrt(ps.reduce((s, p) => s + p * (1 - p), 0));
  return { value: r4(mean), lo: r4(Math.max(0, mean - Z95 * sd)), hi: r4(mean + Z95 * sd) };
}

/** Ranks with ties sharing their average rank. */
function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]?.[0] === order[i]?.[0]) j++;
    for (let k = i; k <= j; k++) out[order[k]?.[1] as number] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** Spearman's rank correlation (Pearson on ranks); 0 when either side is constant or n < 2. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  if (n < 2) return 0;
  const ra = ranks(a.slice(0, n));
  const rb = ranks(b.slice(0, n));
  const ma = ra.reduce((s, x) => s + x, 0) / n;
  const mb = rb.reduce((s, x) => s + x, 0) / n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    const x = (ra[i] as number) - ma;
    const y = (rb[i] as number) - mb;
    num += x * y;
    da += x * x;
    db += y * y;
  }
  return da === 0 || db === 0 ? 0 : r4(num / Math.sqrt(da * db));
}

/** 95% interval of a Spearman coefficient over n pairs (Fisher z, standard error 1.06/√(n − 3)). */
export function spearmanInterval(rho: number, n: number): Interval {
  if (n <= 3) return { value: rho, lo: -1, hi: 1 };
  const z = Math.atanh(Math.max(-0.9999, Math.min(0.9999, rho)));
  const se = 1.06 / Math.sqrt(n - 3);
  return { value: rho, lo: r4(Math.tanh(z - Z95 * se)), hi: r4(Math.tanh(z + Z95 * se)) };
}
