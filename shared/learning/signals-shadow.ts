/**
 * The signals loop's shadow evidence (auto-adoption of a refit, usecases/signals-refit.ts). While a
 * refit's weights are in shadow the gate records, per touch, the intent under both weights. Once enough
 * of those touches earned a positive response, the two rankings are compared by AUC: the probability
 * that a touch that was answered scored higher than one that was not (Mann–Whitney, ties count ½).
 * AUC ignores each weight set's scale, so weights in different units compare fairly, and it asks
 * exactly what intent is for: ranking accounts. A positive response is a reply (a meeting is a reply
 * too): meetings alone are a few dozen in eight weeks, too few to tell two rankings apart, and replies
 * follow the same intent (the refit's model, signals.ts).
 *
 * Both AUCs come from the same touches, so their difference is tested with DeLong's paired variance:
 * with ψ(a, b) = 1 if a > b, ½ if equal, 0 otherwise, each positive i gets V10_i = mean_j ψ(s_i, s_j)
 * over the touches j without one, and each of those V01_j = mean_i ψ(s_i, s_j); then
 *
 *   Var(AUC_new − AUC_old) = Var_i(V10_new − V10_old)/m + Var_j(V01_new − V01_old)/n
 *
 * over m positives and n others. The new weights are adopted when the difference is positive at
 * one-sided 95% (z ≥ 1.645): a ranking no better than chance-level noise keeps the weights in force.
 * Touches whose answer may still come count as unanswered for both rankings alike.
 *
 * Pooling refits. A refit stays in shadow for `shadowMaxDays`, then gives way to one fitted on more
 * touches; two weeks of outbound hold a few dozen replies, too few to show a ranking better on their
 * own, so judging each draft on its own touches only would never adopt any. Each earlier refit's shadow
 * touches are out of sample for that refit (they came after its fit), so together they say how refits
 * rank against the weights in force: the evidence of every refit drafted since those weights took
 * effect is pooled, stratum by draft (a touch is only ever compared with touches scored by the same
 * two weight sets, as the weights differ in scale from one draft to the next). With K strata, each
 * with its AUC difference Δ_k and DeLong variance V_k over m_k·n_k (positive, other) pairs, the pooled
 * difference is the pair-weighted mean and its variance follows:
 *
 *   ω_k = m_k·n_k / Σ_j m_j·n_j,   Δ = Σ_k ω_k·Δ_k,   Var(Δ) = Σ_k ω_k²·V_k   (strata independent)
 *
 * With one stratum this is the test above. What is adopted is the newest refit, fitted on the most
 * touches: the pooled evidence speaks for the refit that produced each stratum, and the newest one
 * has the most data behind it. Two caveats, stated rather than hidden: the test is run again every
 * day on evidence that grows, so the chance of adopting a refit no better than the weights in force
 * is somewhat above the nominal 5% (repeated looks); and the newest refit's own stratum is the
 * thinnest. An adopted refit is itself the weights the next refits must beat.
 */

export interface ShadowEvidence {
  touches: number;
  /** Touches that earned a positive response (a reply or a meeting). */
  positives: number;
  meetings: number;
  aucCurrent: number;
  aucProposed: number;
  /** Refits whose shadow touches were pooled, when more than one (see "Pooling refits"). */
  strata?: number;
  adopt: boolean;
  why: string;
}

export interface ShadowRow {
  current: number;
  proposed: number;
  /** A reply or a meeting followed the touch. */
  positive: boolean;
  meeting?: boolean;
  /** The draft whose shadow weights scored `proposed` (rows are compared within a stratum only). */
  stratum?: string;
}

/** AUC of `score` for positives: P(a positive's score > a negative's), ties ½ (Mann–Whitney). */
export function auc(rows: readonly { score: number; positive: boolean }[]): number {
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
      if ((sorted[m] as { positive: boolean }).positive) {
        rankSum += mid;
        pos++;
      }
    i = j + 1;
  }
  const neg = sorted.length - pos;
  if (pos === 0 || neg === 0) return 0.5;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Whether the shadow weights rank the touches made since the draft better (AUC; see above). */
export function shadowVerdict(
  rows: readonly ShadowRow[],
  min: { positives: number; meetings?: number },
): ShadowEvidence {
  const positives = rows.filter((r) => r.positive).length;
  const meetings = rows.filter((r) => r.meeting).length;
  const pooled = pooledDelong(rows);
  const r3 = (x: number) => Number(x.toFixed(3));
  const base = {
    touches: rows.length,
    positives,
    meetings,
    aucCurrent: r3(pooled.aucCurrent),
    aucProposed: r3(pooled.aucProposed),
    ...(pooled.strata > 1 ? { strata: pooled.strata } : {}),
  };
  if (positives < min.positives)
    return { ...base, adopt: false, why: `${positives} of ${min.positives} replies needed in shadow` };
  if (meetings < (min.meetings ?? 0))
    return { ...base, adopt: false, why: `${meetings} of ${min.meetings} meetings needed in shadow` };
  const z = pooled.z;
  const adopt = z >= ADOPT_Z;
  const over = pooled.strata > 1 ? ` over ${pooled.strata} refits' shadow periods` : "";
  return {
    ...base,
    adopt,
    why: `on ${rows.length} touches with ${positives} replies (${meetings} meetings) in shadow${over}, AUC ${r3(pooled.aucProposed)} proposed vs ${r3(pooled.aucCurrent)} current (z ${z.toFixed(2)}): ${adopt ? "ranks better" : "not shown to rank better"}`,
  };
}

/** One-sided 95%. */
export const ADOPT_Z = 1.645;

const psi = (a: number, b: number) => (a > b ? 1 : a === b ? 0.5 : 0);

/** One stratum's AUCs, paired difference and its DeLong variance (see above); undefined when undefined. */
function delong(
  rows: readonly ShadowRow[],
): { diff: number; variance: number; pairs: number; aucCurrent: number; aucProposed: number } | undefined {
  const pos = rows.filter((r) => r.positive);
  const neg = rows.filter((r) => !r.positive);
  const m = pos.length;
  const n = neg.length;
  if (m < 2 || n < 2) return undefined;
  // Differences of the placement values: proposed minus current. Each AUC is the mean of its ψ over
  // the same pairs (Mann–Whitney, ties ½), so it is summed here rather than ranked again.
  const v10 = new Array<number>(m).fill(0);
  const v01 = new Array<number>(n).fill(0);
  let sumCurrent = 0;
  let sumProposed = 0;
  for (let i = 0; i < m; i++) {
    const p = pos[i] as ShadowRow;
    for (let j = 0; j < n; j++) {
      const q = neg[j] as ShadowRow;
      const proposed = psi(p.proposed, q.proposed);
      const current = psi(p.current, q.current);
      sumProposed += proposed;
      sumCurrent += current;
      const d = proposed - current;
      v10[i] = (v10[i] as number) + d / n;
      v01[j] = (v01[j] as number) + d / m;
    }
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = (xs: number[]) => {
    const mu = mean(xs);
    return xs.reduce((s, x) => s + (x - mu) ** 2, 0) / (xs.length - 1);
  };
  return {
    diff: mean(v10),
    variance: variance(v10) / m + variance(v01) / n,
    pairs: m * n,
    aucCurrent: sumCurrent / (m * n),
    aucProposed: sumProposed / (m * n),
  };
}

/** z of the pair-weighted AUC difference over the rows' strata (see "Pooling refits"), and the AUCs. */
export function pooledDelong(rows: readonly ShadowRow[]): {
  z: number;
  strata: number;
  aucCurrent: number;
  aucProposed: number;
} {
  const by = new Map<string, ShadowRow[]>();
  for (const r of rows) {
    const key = r.stratum ?? "";
    const list = by.get(key);
    if (list) list.push(r);
    else by.set(key, [r]);
  }
  const parts = [...by.values()].flatMap((g) => delong(g) ?? []);
  const pairs = parts.reduce((s, p) => s + p.pairs, 0);
  if (pairs === 0) return { z: 0, strata: parts.length, aucCurrent: 0.5, aucProposed: 0.5 };
  let diff = 0;
  let variance = 0;
  let aucCurrent = 0;
  let aucProposed = 0;
  for (const p of parts) {
    const w = p.pairs / pairs;
    diff += w * p.diff;
    variance += w * w * p.variance;
    aucCurrent += w * p.aucCurrent;
    aucProposed += w * p.aucProposed;
  }
  const se = Math.sqrt(variance);
  const z = se === 0 ? (diff > 0 ? Number.POSITIVE_INFINITY : 0) : diff / se;
  return { z, strata: parts.length, aucCurrent, aucProposed };
}

/** DeLong's z of AUC(proposed) − AUC(current) on the same touches (one stratum); 0 when undefined. */
export function delongZ(rows: readonly ShadowRow[]): number {
  return pooledDelong(rows.map(({ stratum: _, ...r }) => r)).z;
}
