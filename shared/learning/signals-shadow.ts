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
 */

export interface ShadowEvidence {
  touches: number;
  /** Touches that earned a positive response (a reply or a meeting). */
  positives: number;
  meetings: number;
  aucCurrent: number;
  aucProposed: number;
  adopt: boolean;
  why: string;
}

export interface ShadowRow {
  current: number;
  proposed: number;
  /** A reply or a meeting followed the touch. */
  positive: boolean;
  meeting?: boolean;
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
  const aucCurrent = auc(rows.map((r) => ({ score: r.current, positive: r.positive })));
  const aucProposed = auc(rows.map((r) => ({ score: r.proposed, positive: r.positive })));
  const r3 = (x: number) => Number(x.toFixed(3));
  const base = {
    touches: rows.length,
    positives,
    meetings,
    aucCurrent: r3(aucCurrent),
    aucProposed: r3(aucProposed),
  };
  if (positives < min.positives)
    return { ...base, adopt: false, why: `${positives} of ${min.positives} replies needed in shadow` };
  if (meetings < (min.meetings ?? 0))
    return { ...base, adopt: false, why: `${meetings} of ${min.meetings} meetings needed in shadow` };
  const z = delongZ(rows);
  const adopt = z >= ADOPT_Z;
  return {
    ...base,
    adopt,
    why: `on ${rows.length} touches with ${positives} replies (${meetings} meetings) in shadow, AUC ${r3(aucProposed)} proposed vs ${r3(aucCurrent)} current (z ${z.toFixed(2)}): ${adopt ? "ranks better" : "not shown to rank better"}`,
  };
}

/** One-sided 95%. */
export const ADOPT_Z = 1.645;

const psi = (a: number, b: number) => (a > b ? 1 : a === b ? 0.5 : 0);

/** DeLong's z of AUC(proposed) − AUC(current) on the same touches (see above); 0 when undefined. */
export function delongZ(rows: readonly ShadowRow[]): number {
  const pos = rows.filter((r) => r.positive);
  const neg = rows.filter((r) => !r.positive);
  const m = pos.length;
  const n = neg.length;
  if (m < 2 || n < 2) return 0;
  // Differences of the placement values: proposed minus current.
  const v10 = new Array<number>(m).fill(0);
  const v01 = new Array<number>(n).fill(0);
  for (let i = 0; i < m; i++) {
    const p = pos[i] as ShadowRow;
    for (let j = 0; j < n; j++) {
      const q = neg[j] as ShadowRow;
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
