/**
 * Loop 4, signals sharpen: which intent signals precede positive answers, refitted from the harness's
 * own record of executed touches, and turned into intent weights the gate can use. Pure: the rows come
 * from decisions (their recorded facts: the signals the gate saw at decision time, not today's
 * knowledge base) and outcomes; what is fitted reaches the gate only as a spec amendment (a weights
 * draft, usecases/signals-refit.ts), first in shadow (signals-shadow.ts).
 *
 * What it learns from, for a RevOps reader. Meetings are what intent is for, but eight weeks of
 * outbound book a few dozen: too few to rank seven signals. Replies are the leading indicator (an
 * account that is researching a purchase answers more often, and most meetings start as a reply), and
 * there are several times more of them. So each touch is two observations: did it earn a reply, and
 * did it book a meeting; both are explained by the same signal weights, each with its own base rate.
 * A meeting therefore counts twice (as a reply and as a meeting), which is how much more a meeting says.
 *
 * The model. For a touch i, x_i[t] = min(cap, occurrences of signal type t in the window before the
 * touch); r_i = 1 when it earned a reply (a meeting counts as one), m_i = 1 when it booked a meeting.
 *
 *   logit P(r_i = 1) = α_r + Σ_t β_t · x_i[t]        logit P(m_i = 1) = α_m + Σ_t β_t · x_i[t]
 *
 * The two share β (a stacked logistic regression: one row per touch and answer kind, an indicator for
 * the kind). The weights are shrunk toward their common mean rather than toward zero:
 *
 *   β_t = μ + δ_t,   μ ~ N(0, 1²),   δ_t ~ N(0, σ²)   (σ = `priorSd`, log-odds per occurrence)
 *
 * and the base rates get a wide N(0, 10²). A team tracks a signal because it expects it to matter; a
 * signal seen on a handful of touches (a funding round, a new sales leader) then reads as "about as
 * useful as the typical signal" until its own evidence says otherwise, instead of "useless". The
 * posterior mode of θ = (α_r, α_m, μ, δ) maximises
 *
 *   L(θ) = Σ_rows [y log p + (1 − y) log(1 − p)] − ½ θᵀ Λ θ,      Λ = diag of the prior precisions
 *
 * which is concave, so Newton's method (iteratively reweighted least squares) converges from θ = 0:
 *
 *   g = Xᵀ(y − p) − Λθ,   H = Xᵀ W X + Λ  with W = diag(p (1 − p)),   θ ← θ + H⁻¹ g
 *
 * (halving the step when it would lower L). The Laplace approximation takes the posterior as Gaussian
 * around the mode with covariance H⁻¹, so each weight's standard error is √(cᵀ H⁻¹ c) with c picking
 * μ + δ_t. (The reply and meeting rows of one touch are not independent, so these errors are somewhat
 * optimistic; they rank signals' certainty, they are not a test.) Rows with the same features are
 * merged first (n touches, k answers per distinct x and kind), so a fit over thousands of touches
 * costs a few Newton steps over a few hundred distinct rows: a few milliseconds.
 *
 * Which window. How far back a signal still says something is itself uncertain, so the refit can be
 * run with several windows (the spec's own per-type windows and `learning.signals.windowCandidates`)
 * and keeps the one with the highest Laplace evidence, log p(data | window) ≈ L(θ̂) + ½ log|Λ| − ½ log|H|:
 * the likelihood of the answers, penalised for how finely the data had to tune the weights. It is
 * proposed with the weights, since a weight means "points per occurrence within its window".
 *
 * The spec's scale. The gate's intent is Σ_t weight_t · count_t in points against `quality.minIntent`,
 * so the fitted log-odds are multiplied by one factor k. Which k decides how many accounts clear the
 * bar, so it is chosen to keep that number: among the accounts of the knowledge base that the ICP lets
 * be touched, as many clear minIntent under the new weights as under the weights in force today
 * (`volumeScale`: k = minIntent / the n-th highest fitted score, n the count clearing it now). The
 * bar keeps its meaning for volume (the SDRs' lists and the writers' sends stay the size the team
 * planned for) while which accounts clear it changes. Anchoring on the touches fitted instead (k =
 * their mean intent now / their mean fitted log-odds, the fallback where no directory is at hand)
 * cannot see the accounts nobody touched: on seed 106 of the demo an adoption so scaled took a
 * week's touches from 660 to 1,104 at 1.44 instead of 2.56 expected meetings per 100, because the new
 * weights valued a signal many untouched accounts showed. A signal whose fit is negative gets a
 * negative weight (it lowers intent: e.g. a careers-page reader is a job seeker, not a buyer).
 */

import { DAY } from "../domain/time.ts";
import { cholesky, solve } from "./cholesky.ts";

export interface SignalRow {
  /** Capped occurrences per type, in `types` order. */
  x: readonly number[];
  meeting: boolean;
  /** A reply followed (a meeting implies one; absent reads as "only if a meeting"). */
  replied?: boolean;
}

export interface FitOptions {
  /** Prior standard deviation of each signal weight around the weights' common mean, log-odds per occurrence. */
  priorSd: number;
  /** Prior standard deviation of that common mean. */
  meanSd?: number;
  interceptSd?: number;
  maxIterations?: number;
}

export interface SignalFit {
  types: string[];
  /** Base log-odds of a reply and of a meeting for a touch with no signal. */
  intercept: { reply: number; meeting: number };
  /** The weights' common mean μ. */
  mean: number;
  /** Posterior mode of β_t = μ + δ_t, log-odds of an answer per occurrence. */
  coef: Record<string, number>;
  /** Laplace standard error of each weight. */
  se: Record<string, number>;
  /** Laplace log evidence (see the module comment), to compare fits of the same touches. */
  logEvidence: number;
  /** Log-likelihood of the answers at the mode, without the prior (signals-shadow.ts's shape test). */
  logLik: number;
  touches: number;
  replies: number;
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

interface Group {
  /** [reply kind, meeting kind, Σ x, x...] */
  x: number[];
  n: number;
  k: number;
}

const repliedOf = (r: SignalRow) => r.meeting || r.replied === true;

/** Distinct (answer kind, feature vector) rows with their touch and answer counts. */
function merge(rows: readonly SignalRow[]): Group[] {
  const by = new Map<string, Group>();
  const put = (kind: 0 | 1, x: readonly number[], hit: boolean) => {
    const key = `${kind}|${x.join(",")}`;
    let g = by.get(key);
    if (!g) {
      g = { x: [kind === 0 ? 1 : 0, kind, x.reduce((s, v) => s + v, 0), ...x], n: 0, k: 0 };
      by.set(key, g);
    }
    g.n++;
    if (hit) g.k++;
  };
  for (const r of rows) {
    put(0, r.x, repliedOf(r));
    put(1, r.x, r.meeting);
  }
  return [...by.values()];
}

const dot = (a: readonly number[], b: readonly number[]) =>
  a.reduce((s, v, j) => s + v * (b[j] as number), 0);

/** The posterior mode, Laplace standard errors and evidence of the model above (deterministic). */
export function fitSignals(
  rows: readonly SignalRow[],
  types: readonly string[],
  opts: FitOptions,
): SignalFit {
  const groups = merge(rows);
  const d = types.length + 3;
  const wide = 1 / (opts.interceptSd ?? 10) ** 2;
  const precision = [wide, wide, 1 / (opts.meanSd ?? 1) ** 2, ...types.map(() => 1 / opts.priorSd ** 2)];
  const theta = new Array<number>(d).fill(0);
  const logLik = (t: readonly number[]) => {
    let v = 0;
    for (const g of groups) {
      const z = dot(g.x, t);
      v += g.k * z - g.n * log1pexp(z);
    }
    return v;
  };
  const objective = (t: readonly number[]) => {
    let v = logLik(t);
    for (let j = 0; j < d; j++) v -= 0.5 * (precision[j] as number) * (t[j] as number) ** 2;
    return v;
  };
  const gradHess = (t: readonly number[]) => {
    const g = t.map((x, j) => -(precision[j] as number) * x);
    const h = precision.map((p, i) => precision.map((_, j) => (i === j ? p : 0)));
    for (const r of groups) {
      const p = sigmoid(dot(r.x, t));
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
  // Laplace: covariance H⁻¹ at the mode; a weight's variance is cᵀ H⁻¹ c for c = e_μ + e_t.
  const l = cholesky(gradHess(theta).h);
  const logDetH = 2 * l.reduce((s, row, j) => s + Math.log(row[j] as number), 0);
  const logDetPrior = precision.reduce((s, p) => s + Math.log(p), 0);
  const coef: Record<string, number> = {};
  const se: Record<string, number> = {};
  for (const [i, t] of types.entries()) {
    const c = new Array<number>(d).fill(0);
    c[2] = 1;
    c[i + 3] = 1;
    coef[t] = dot(c, theta);
    se[t] = Math.sqrt(Math.max(0, dot(c, solve(l, c))));
  }
  return {
    types: [...types],
    intercept: { reply: theta[0] as number, meeting: theta[1] as number },
    mean: theta[2] as number,
    coef,
    se,
    logEvidence: current + 0.5 * logDetPrior - 0.5 * logDetH,
    logLik: logLik(theta),
    touches: rows.length,
    replies: rows.filter(repliedOf).length,
    meetings: rows.filter((r) => r.meeting).length,
    iterations,
    converged,
  };
}

/** The candidate whose fit has the highest Laplace evidence (see "Which window" above). */
export function bestByEvidence<T extends { fit: SignalFit }>(candidates: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const c of candidates) if (!best || c.fit.logEvidence > best.fit.logEvidence) best = c;
  return best;
}

/** One executed touch as the refit reads it: the account's signals the gate saw, and what followed. */
export interface TouchSignals {
  signals: readonly (readonly [string, number])[];
  at: number;
  meeting: boolean;
  replied: boolean;
}

export interface RefitOptions {
  /** The spec's window per type, in days (the first candidate). */
  windowDays: readonly number[];
  /** Windows (days, for every type) fitted besides the spec's. */
  candidates: readonly number[];
  cap: number;
  priorSd: number;
}

/**
 * The refit: the model over the spec's windows and over each candidate window, keeping the fit with the
 * highest evidence. `windowDays` is set when the winner is a candidate rather than the spec's own.
 */
export function refit(
  touches: readonly TouchSignals[],
  types: readonly string[],
  opts: RefitOptions,
): { fit: SignalFit; rows: SignalRow[]; windowDays?: Record<string, number> } {
  const rowsFor = (days: readonly number[]) =>
    touches.map((t) => ({
      x: signalRow(
        t.signals,
        t.at,
        types,
        days.map((d) => d * DAY),
        opts.cap,
      ),
      meeting: t.meeting,
      replied: t.replied,
    }));
  const windows: { days: readonly number[]; own: boolean }[] = [{ days: opts.windowDays, own: true }];
  for (const d of opts.candidates)
    if (!opts.windowDays.every((w) => w === d)) windows.push({ days: types.map(() => d), own: false });
  const fitted = windows.map((w) => {
    const rows = rowsFor(w.days);
    return { ...w, rows, fit: fitSignals(rows, types, { priorSd: opts.priorSd }) };
  });
  const best = bestByEvidence(fitted) as (typeof fitted)[number];
  return {
    fit: best.fit,
    rows: best.rows,
    ...(best.own ? {} : { windowDays: Object.fromEntries(types.map((t, i) => [t, best.days[i] as number])) }),
  };
}

/** The largest points per occurrence a refit proposes for one signal (intent itself is capped at 100). */
const WEIGHT_LIMIT = 100;

/**
 * Points per type on the spec's scale: k × β_t, rounded to a tenth, with k the directory's (`scale`,
 * from volumeScale) or else the one keeping the fitted touches' mean intent (see above), but never so
 * large that a weight would pass ±100.
 */
export function toSpecWeights(
  fit: SignalFit,
  current: Readonly<Record<string, number>>,
  rows: readonly SignalRow[],
  /** The same touches counted in the spec's own windows, when the fit chose another window. */
  currentRows: readonly SignalRow[] = rows,
  /** The factor from `volumeScale`, when the directory gave one; else the touches' mean anchors it. */
  scale?: number,
): Record<string, number> {
  const score = (w: (t: string) => number, x: readonly number[]) =>
    fit.types.reduce((s, t, i) => s + w(t) * (x[i] as number), 0);
  const mean = (rs: readonly SignalRow[], w: (t: string) => number) =>
    rs.reduce((s, r) => s + score(w, r.x), 0) / Math.max(1, rs.length);
  // Intent as the gate computes it now (current weights, current windows) against intent under the
  // proposal (fitted weights, the fitted window).
  const oldMean = mean(currentRows, (t) => current[t] ?? 0);
  const newMean = mean(rows, (t) => fit.coef[t] as number);
  const maxAbs = (xs: number[]) => Math.max(1e-9, ...xs.map(Math.abs));
  // When either mean is not positive the factor would flip or explode: match the largest weights instead.
  const wanted =
    scale !== undefined && Number.isFinite(scale) && scale > 0
      ? scale
      : oldMean > 0 && newMean > 0
        ? oldMean / newMean
        : maxAbs(Object.values(current)) / maxAbs(Object.values(fit.coef));
  // No further than puts the largest weight at ±100, the most a weight may be: clamping each weight
  // on its own would tie every weight past the limit at 100 and lose the fit's order among them.
  const k = Math.min(wanted, WEIGHT_LIMIT / maxAbs(fit.types.map((t) => fit.coef[t] as number)));
  const out: Record<string, number> = {};
  for (const t of fit.types)
    out[t] = Math.max(
      -WEIGHT_LIMIT,
      Math.min(WEIGHT_LIMIT, Math.round(10 * k * (fit.coef[t] as number)) / 10),
    );
  return out;
}

/**
 * The factor k that keeps the number of accounts over the bar (see "The spec's scale" above): given
 * each account's intent under the weights in force (before the cap) and its fitted score (Σ β·count,
 * unscaled), the k for which k × fitted clears `bar` for as many accounts as clear it now. Scores tie
 * (counts are small integers), so the n-th highest score may not separate exactly n accounts: the cut
 * goes either just below it (letting its ties through) or just above (keeping them out), whichever
 * count is nearer n. When the ties are the top score there is no "above": they all clear (keeping
 * every one out would stop outreach, which no team asked for). Within the gap chosen the cut sits
 * midway between neighbouring scores, which leaves the weights' rounding to a tenth of a point a
 * margin, though not a guarantee (usecases/signals-refit.ts records the count under the rounded
 * weights). When fewer than n accounts score above zero under the fit (its negative weights outweigh
 * the positive ones on most accounts), no positive k keeps n: the cut goes just below the lowest
 * positive score, so all of them clear, as near n as the fit allows. Before, this fell back to the
 * touches' mean, which on seed 101 of the demo at 4,000 accounts took the weeks after the adoption
 * from about 1,000 touches to 77-264 (the refit made web, G2 and blog visits strongly negative, and
 * the mean anchor let a fraction of the accounts through); the next refit, kept to that count, could
 * not bring them back. Undefined when nothing clears the bar now, no account scores above zero under
 * the fit, or k would not be finite: the caller falls back to the touches' mean.
 */
export function volumeScale(
  inForce: readonly number[],
  fitted: readonly number[],
  bar: number,
): number | undefined {
  if (!(bar > 0) || inForce.length !== fitted.length) return undefined;
  const n = inForce.filter((x) => x >= bar).length;
  if (n === 0) return undefined;
  const sorted = [...fitted].sort((a, b) => b - a);
  // Fewer accounts score above zero under the fit than clear the bar now: no positive k keeps n, so
  // every one of them clears (as near n as any k gets).
  const target = Math.min(n, sorted.filter((x) => x > 0).length);
  if (target === 0) return undefined;
  const at = sorted[target - 1] as number;
  const over = (cut: number) => sorted.filter((x) => x >= cut).length;
  const above = sorted.slice(0, target - 1).findLast((x) => x > at);
  const below = sorted.slice(target).find((x) => x < at);
  // Just below `at` (its ties clear) or just above it (they do not), whichever count is nearer n.
  const keepOut = above !== undefined && Math.abs(over(above) - n) < Math.abs(over(at) - n);
  const cut = keepOut
    ? (at + (above as number)) / 2
    : below !== undefined && below > 0
      ? (at + below) / 2
      : at * 0.95;
  const k = bar / cut;
  return Number.isFinite(k) ? k : undefined;
}
