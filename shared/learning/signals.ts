/**
 * Loop 4, signals sharpen: which intent signals precede meetings, refitted from the harness's own
 * record of executed touches, and turned into intent weights the gate can use. Pure: the rows come
 * from decisions (their recorded facts: the signals the gate saw at decision time, not today's
 * knowledge base) and outcomes; what is fitted reaches the gate only as a spec amendment (a weights
 * draft, usecases/signals-refit.ts), first in shadow.
 *
 * The model. For a touch i, x_i[t] = min(cap, occurrences of signal type t in the spec's window for t
 * before the touch) and y_i = 1 when the touch led to a booked meeting. A logistic regression
 *
 *   logit P(y_i = 1) = β0 + Σ_t β_t · x_i[t]
 *
 * with a Gaussian prior on each weight, β_t ~ N(0, σ²) (σ = `priorSd`, log-odds per occurrence; the
 * intercept gets a wide N(0, 10²)), so a signal seen before few meetings is pulled toward "tells
 * nothing" instead of chasing noise. The posterior mode maximises
 *
 *   L(θ) = Σ_i [y_i log p_i + (1 − y_i) log(1 − p_i)] − ½ θᵀ Λ θ,      Λ = diag(1/10², 1/σ², …)
 *
 * which is concave, so Newton's method (iteratively reweighted least squares) converges from θ = 0:
 *
 *   g = Xᵀ(y − p) − Λθ,   H = Xᵀ W X + Λ  with W = diag(p_i (1 − p_i)),   θ ← θ + H⁻¹ g
 *
 * (halving the step when it would lower L). The Laplace approximation takes the posterior as Gaussian
 * around the mode with covariance H⁻¹, so each weight's standard error is √(H⁻¹)_tt. Rows with the
 * same features are merged first (n touches, k meetings per distinct x), so a fit over thousands of
 * touches costs a few Newton steps over a few hundred distinct rows: a few milliseconds.
 *
 * The spec's scale. The gate's intent is Σ_t weight_t · count_t in points against `quality.minIntent`,
 * so the fitted log-odds are multiplied by one factor k that keeps the average intent of the touches
 * fitted on where it was under the current weights (k = mean current score / mean fitted log-odds):
 * the bar keeps roughly the same height while what clears it changes. A signal whose fit is negative
 * gets a negative weight (it lowers intent: e.g. a careers-page reader is a job seeker, not a buyer).
 *
 * Shadow evidence (auto-adoption). While the amendment is in shadow the gate records, per touch, the
 * intent under both weights. Once `adoptMinMeetings` of those touches led to meetings, the two
 * rankings are compared by AUC: the probability that a touch that led to a meeting scored higher than
 * one that did not (Mann–Whitney, ties count ½). AUC ignores each weight set's scale, so weights in
 * different units compare fairly, and it asks exactly what intent is for: ranking accounts. Both AUCs
 * come from the same touches, so their difference is tested with DeLong's paired variance: with
 * ψ(a, b) = 1 if a > b, ½ if equal, 0 otherwise, each meeting i gets V10_i = mean_j ψ(s_i, s_j) over
 * the touches j without one, and each of those V01_j = mean_i ψ(s_i, s_j); then
 *
 *   Var(AUC_new − AUC_old) = Var_i(V10_new − V10_old)/m + Var_j(V01_new − V01_old)/n
 *
 * over m meetings and n others. The new weights are adopted when the difference is positive at one-sided
 * 95% (z ≥ 1.645): a ranking no better than chance-level noise keeps the weights in force. Touches whose
 * meeting may still come count as no meeting for both rankings alike.
 */

import { cholesky, solve } from "./cholesky.ts";

export interface SignalRow {
  /** Capped occurrences per type, in `types` order. */
  x: readonly number[];
  meeting: boolean;
}

export interface FitOptions {
  /** Prior standard deviation of each signal weight, in log-odds per occurrence. */
  priorSd: number;
  interceptSd?: number;
  maxIterations?: number;
}

export interface SignalFit {
  types: string[];
  intercept: number;
  /** Posterior mode, log-odds of a meeting per occurrence. */
  coef: Record<string, number>;
  /** Laplace standard error of each weight. */
  se: Record<string, number>;
  touches: number;
  meetings: number;
  iterations: number;
  converged: boolean;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
const log1pexp = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

/** Occurrences per type within its window before `at` (signals as [type, epoch ms]), capped. */
export function signalRow(
  signals: readonly (readonly [string, number])[],
  at: number,
  types: readonly string[],
  windowMs: readonly number[],
  cap: number,
): number[] {
  const x = new Array<number>(types.length).fill(0);
  for (const [type, when] of signals) {
    const i = types.indexOf(type);
    if (i < 0 || when > at || when <= at - (windowMs[i] as number)) continue;
    x[i] = Math.min(cap, (x[i] as number) + 1);
  }
  return x;
}

/** Distinct feature vectors with their touch and meeting counts. */
function merge(rows: readonly SignalRow[]): { x: number[]; n: number; k: number }[] {
  const by = new Map<string, { x: number[]; n: number; k: number }>();
  for (const r of rows) {
    const key = r.x.join(",");
    let g = by.get(key);
    if (!g) {
      g = { x: [1, ...r.x], n: 0, k: 0 };
      by.set(key, g);
    }
    g.n++;
    if (r.meeting) g.k++;
  }
  return [...by.values()];
}

/** The posterior mode and Laplace standard errors of the model above (deterministic). */
export function fitSignals(
  rows: readonly SignalRow[],
  types: readonly string[],
  opts: FitOptions,
): SignalFit {
  const groups = merge(rows);
  const d = types.length + 1;
  const precision = [1 / (opts.interceptSd ?? 10) ** 2, ...types.map(() => 1 / opts.priorSd ** 2)];
  const theta = new Array<number>(d).fill(0);
  const objective = (t: readonly number[]) => {
    let v = 0;
    for (const g of groups) {
      let z = 0;
      for (let j = 0; j < d; j++) z += (t[j] as number) * (g.x[j] as number);
      v += g.k * z - g.n * log1pexp(z);
    }
    for (let j = 0; j < d; j++) v -= 0.5 * (precision[j] as number) * (t[j] as number) ** 2;
    return v;
  };
  const gradHess = (t: readonly number[]) => {
    const g = t.map((x, j) => -(precision[j] as number) * x);
    const h = precision.map((p, i) => precision.map((_, j) => (i === j ? p : 0)));
    for (const r of groups) {
      let z = 0;
      for (let j = 0; j < d; j++) z += (t[j] as number) * (r.x[j] as number);
      const p = sigmoid(z);
      const w = r.n * p * (1 - p);
      const resid = r.k - r.n * p;
      for (let i = 0; i < d; i++) {
        const xi = r.x[i] as number;
        if (xi === 0) continue;
        g[i] = (g[i] as number) + resid * xi;
        const hi = h[i] as number[];
        for (let j = 0; j < d; j++) hi[j] = (hi[j] as number) + w * xi * (r.x[j] as number);
      }
    }
    return { g, h };
  };
  const maxIterations = opts.maxIterations ?? 50;
  let current = objective(theta);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations && !converged) {
    iterations++;
    const { g, h } = gradHess(theta);
    const step = solve(cholesky(h), g);
    let scale = 1;
    let next = theta.map((x, j) => x + scale * (step[j] as number));
    let value = objective(next);
    while (value < current - 1e-12 && scale > 1e-6) {
      scale /= 2;
      next = theta.map((x, j) => x + scale * (step[j] as number));
      value = objective(next);
    }
    const moved = Math.max(...step.map((s) => Math.abs(s * scale)));
    for (let j = 0; j < d; j++) theta[j] = next[j] as number;
    current = value;
    converged = moved < 1e-8;
  }
  // Laplace: covariance H⁻¹ at the mode; its diagonal from solving H v = e_t per weight.
  const l = cholesky(gradHess(theta).h);
  const coef: Record<string, number> = {};
  const se: Record<string, number> = {};
  for (const [i, t] of types.entries()) {
    coef[t] = theta[i + 1] as number;
    const e = new Array<number>(d).fill(0);
    e[i + 1] = 1;
    se[t] = Math.sqrt(solve(l, e)[i + 1] as number);
  }
  return {
    types: [...types],
    intercept: theta[0] as number,
    coef,
    se,
    touches: rows.length,
    meetings: rows.filter((r) => r.meeting).length,
    iterations,
    converged,
  };
}

/** Points per type on the spec's scale: k × β_t with k keeping the fitted touches' mean intent (see above). */
export function toSpecWeights(
  fit: SignalFit,
  current: Readonly<Record<string, number>>,
  rows: readonly SignalRow[],
): Record<string, number> {
  const score = (w: (t: string) => number, x: readonly number[]) =>
    fit.types.reduce((s, t, i) => s + w(t) * (x[i] as number), 0);
  let oldMean = 0;
  let newMean = 0;
  for (const r of rows) {
    oldMean += score((t) => current[t] ?? 0, r.x);
    newMean += score((t) => fit.coef[t] as number, r.x);
  }
  const maxAbs = (xs: number[]) => Math.max(1e-9, ...xs.map(Math.abs));
  // When either mean is not positive the factor would flip or explode: match the largest weights instead.
  const k =
    oldMean > 0 && newMean > 0
      ? oldMean / newMean
      : maxAbs(Object.values(current)) / maxAbs(Object.values(fit.coef));
  const out: Record<string, number> = {};
  for (const t of fit.types)
    out[t] = Math.max(-100, Math.min(100, Math.round(10 * k * (fit.coef[t] as number)) / 10));
  return out;
}

/** AUC of `score` for meetings: P(a meeting's score > a non-meeting's), ties ½ (Mann–Whitney). */
export function auc(rows: readonly { score: number; meeting: boolean }[]): number {
  const sorted = [...rows].sort((a, b) => a.score - b.score);
  let rankSum = 0;
  let pos = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (
      j + 1 < sorted.length &&
      (sorted[j + 1] as { score: number }).score === (sorted[i] as { score: number }).score
    )
      j++;
    const mid = (i + j) / 2 + 1;
    for (let m = i; m <= j; m++)
      if ((sorted[m] as { meeting: boolean }).meeting) {
        rankSum += mid;
        pos++;
      }
    i = j + 1;
  }
  const neg = sorted.length - pos;
  if (pos === 0 || neg === 0) return 0.5;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

export interface ShadowEvidence {
  touches: number;
  meetings: number;
  aucCurrent: number;
  aucProposed: number;
  adopt: boolean;
  why: string;
}

/** Whether the shadow weights rank the touches made since the draft better (AUC; see above). */
export function shadowVerdict(
  rows: readonly { current: number; proposed: number; meeting: boolean }[],
  minMeetings: number,
): ShadowEvidence {
  const meetings = rows.filter((r) => r.meeting).length;
  const aucCurrent = auc(rows.map((r) => ({ score: r.current, meeting: r.meeting })));
  const aucProposed = auc(rows.map((r) => ({ score: r.proposed, meeting: r.meeting })));
  const r3 = (x: number) => Number(x.toFixed(3));
  const base = { touches: rows.length, meetings, aucCurrent: r3(aucCurrent), aucProposed: r3(aucProposed) };
  if (meetings < minMeetings)
    return { ...base, adopt: false, why: `${meetings} of ${minMeetings} meetings needed in shadow` };
  const z = delongZ(rows);
  const adopt = z >= ADOPT_Z;
  return {
    ...base,
    adopt,
    why: `on ${rows.length} touches with ${meetings} meetings in shadow, AUC ${r3(aucProposed)} proposed vs ${r3(aucCurrent)} current (z ${z.toFixed(2)}): ${adopt ? "ranks better" : "not shown to rank better"}`,
  };
}

/** One-sided 95%. */
export const ADOPT_Z = 1.645;

const psi = (a: number, b: number) => (a > b ? 1 : a === b ? 0.5 : 0);

/** DeLong's z of AUC(proposed) − AUC(current) on the same touches (see above); 0 when undefined. */
export function delongZ(rows: readonly { current: number; proposed: number; meeting: boolean }[]): number {
  const pos = rows.filter((r) => r.meeting);
  const neg = rows.filter((r) => !r.meeting);
  const m = pos.length;
  const n = neg.length;
  if (m < 2 || n < 2) return 0;
  // Differences of the placement values: proposed minus current.
  const v10 = new Array<number>(m).fill(0);
  const v01 = new Array<number>(n).fill(0);
  for (let i = 0; i < m; i++) {
    const p = pos[i] as (typeof rows)[number];
    for (let j = 0; j < n; j++) {
      const q = neg[j] as (typeof rows)[number];
      const d = psi(p.proposed, q.proposed) - psi(p.current, q.current);
      v10[i] = (v10[i] as number) + d / n;
      v01[j] = (v01[j] as number) + d / m;
    }
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = (xs: number[]) => {
    const mu = mean(xs);
    return xs.reduce((s, x) => s + (x - mu) ** 2, 0) / (xs.length - 1);
  };
  const diff = mean(v10);
  const se = Math.sqrt(variance(v10) / m + variance(v01) / n);
  if (se === 0) return diff > 0 ? Number.POSITIVE_INFINITY : 0;
  return diff / se;
}
