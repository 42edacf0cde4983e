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
import { logit, sigmoid } from "./truth.ts";

/** One standard normal draw (Box–Muller). */
const gaussian = (rng: Pick<Rng, "next">) =>
  Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());

/**
 * Issue 9's bars for the two checks a ceiling is reported for, declared once: the report's ceilings
 * (learning-report.ts) and the checks (learning-checks.ts) read them here.
 */
export const CHECK_BARS = { spearman: 0.8, bestVariantShare: 0.6 } as const;

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
    const noisy = hidden.map((w, j) => w + (se[j] ?? 0) * gaussian(rng));
    const rho = spearman(noisy, hidden);
    sum += rho;
    if (rho >= bar) pass++;
  }
  return { mean: sum / draws, atLeast: pass / draws, bar };
}

/**
 * What the evidence lets any scorer reach on the trust-order check, for record agents. A record is
 * wrong with probability 1 − q; a reviewer who sees it rejects a wrong one with probability `caught`
 * (sim/approver.ts), and after it ran a person notices a wrong one with probability `noticed` and flags
 * or corrects it (sim/truth.ts). So each review is a Bernoulli trial with p_r = caught·(1 − q) and each
 * judged record (its window closed, flagged or not) one with p_m = noticed·(1 − q), and the Fisher
 * information about q in an agent's evidence is
 *
 *   I(q) = reviews · caught² / (p_r (1 − p_r)) + judged · noticed² / (p_m (1 − p_m)).
 *
 * An efficient estimator (the best any scorer can do asymptotically, knowing the evidence model the
 * harness does not) is q̂ ≈ q + N(0, 1/I(q)). Drawing q̂ for every agent many times, the share of draws
 * in which every pair of agents on the same action type is in the order of q is the ceiling: with
 * agents of close quality and little evidence it is far from 1 whatever the score does. Writers are
 * left out (their evidence is replies and silences under a model of many parts; their qualities are
 * drawn 0.25 or more apart, sim/truth.ts).
 */
export interface RecordEvidence {
  actionType: string;
  quality: number;
  /** Reviews recorded by the week judged. */
  reviews: number;
  /** Records whose window closed by then (each once, flagged or not). */
  judged: number;
}

export interface OrderCeiling {
  /** Pairs of record agents on the same action type with different qualities. */
  pairs: number;
  /** Share of draws in which every pair was in order. */
  allInOrder: number;
}

/** I(q) above: the Fisher information about a record agent's quality in its evidence. */
function recordInformation(r: RecordEvidence, model: { caught: number; noticed: number }): number {
  const part = (n: number, c: number) => {
    const p = c * (1 - r.quality);
    return p <= 0 || p >= 1 ? 0 : (n * c * c) / (p * (1 - p));
  };
  return part(r.reviews, model.caught) + part(r.judged, model.noticed);
}

/**
 * How many standard deviations of an efficient estimator the evidence puts between two record agents'
 * qualities: |q_a − q_b| / √(1/I(q_a) + 1/I(q_b)). Beyond about 2, a scorer that orders them wrongly
 * is wrong by method, whatever its own interval says; 0 when either has no evidence.
 */
export function evidenceSeparation(
  a: RecordEvidence,
  b: RecordEvidence,
  model: { caught: number; noticed: number },
): number {
  const ia = recordInformation(a, model);
  const ib = recordInformation(b, model);
  return ia > 0 && ib > 0 ? Math.abs(a.quality - b.quality) / Math.sqrt(1 / ia + 1 / ib) : 0;
}

export function trustOrderCeiling(
  rows: readonly RecordEvidence[],
  model: { caught: number; noticed: number },
  rng: Pick<Rng, "next">,
  draws = 2000,
): OrderCeiling {
  const sd = rows.map((r) => {
    const i = recordInformation(r, model);
    return i > 0 ? 1 / Math.sqrt(i) : Number.POSITIVE_INFINITY;
  });
  const pairs: [number, number][] = [];
  rows.forEach((a, i) => {
    rows.forEach((b, j) => {
      if (j > i && a.actionType === b.actionType && a.quality !== b.quality) pairs.push([i, j]);
    });
  });
  if (pairs.length === 0) return { pairs: 0, allInOrder: 1 };
  let ok = 0;
  for (let d = 0; d < draws; d++) {
    const est = rows.map((r, i) => {
      const s = sd[i] as number;
      // No evidence at all: the estimate says nothing, a coin decides its place.
      if (!Number.isFinite(s)) return rng.next();
      return r.quality + s * gaussian(rng);
    });
    if (
      pairs.every(
        ([i, j]) =>
          Math.sign((est[i] as number) - (est[j] as number)) ===
          Math.sign((rows[i] as RecordEvidence).quality - (rows[j] as RecordEvidence).quality),
      )
    )
      ok++;
  }
  return { pairs: pairs.length, allInOrder: ok / draws };
}

/**
 * A reference for the best-variant check at the volume a run had: how often a learner that explored
 * evenly would name each persona's best variant. A learner can send the best variant in the judged
 * weeks only if the replies to the sends before them named it. Here those sends are dealt at random,
 * in equal numbers, to the variants, and each persona's most-replied variant is then sent throughout
 * the judged weeks. Each send is re-drawn under the variant it is dealt: the market's model is linear
 * in log-odds (sim/truth.ts), so P(reply | variant v) is the sent P(reply) with the sent variant's
 * effect swapped for v's. The share of the judged sends whose persona's pick is the hidden best, over
 * many draws, gives its mean and the chance it clears the bar.
 *
 * Not a bound either way. It can be low: sends aimed at the two leading variants tell them apart
 * sooner than an even split, and a bandit keeps learning during the judged weeks. It can be high: it
 * sees every reply at once (real ones arrive hours to days later) and knows each recipient's true
 * persona (the harness has its own classification). So it says whether a run's volume made the check
 * a fair question for its personas' gaps, not what the bandit should have reached.
 */
export interface VariantPersonaEvidence {
  /** Each send to the persona before the judged weeks: its P(reply) and its variant's effect. */
  earlier: readonly { pReply: number; effect: number }[];
  /** The persona's hidden effect per variant (log-odds). */
  effects: Readonly<Record<string, number>>;
  best: string;
  /** Sends to the persona in the judged weeks. */
  judged: number;
}

export function variantShareCeiling(
  personas: readonly VariantPersonaEvidence[],
  rng: Pick<Rng, "next">,
  bar: number,
  draws = 400,
): NoiseCeiling {
  const total = personas.reduce((n, p) => n + p.judged, 0);
  if (total === 0) return { mean: 0, atLeast: 0, bar };
  // Each send's P(reply) under every variant, computed once for all draws.
  const prepared = personas.map((p) => {
    const variants = Object.keys(p.effects);
    const probs = p.earlier.map((s) =>
      variants.map((v) => {
        if (s.pReply <= 0 || s.pReply >= 1) return s.pReply;
        return sigmoid(logit(s.pReply) - s.effect + (p.effects[v] ?? 0));
      }),
    );
    return { ...p, variants, probs };
  });
  let sum = 0;
  let pass = 0;
  for (let d = 0; d < draws; d++) {
    let hit = 0;
    for (const p of prepared) {
      const k = p.variants.length;
      if (k === 0) continue;
      const replies = new Array<number>(k).fill(0);
      // Equal numbers of each variant, dealt in a fresh random order each draw (Fisher–Yates): sends
      // come in runs (an account's people, a day's channel), which dealing in turn would keep together.
      const deck = Array.from({ length: p.probs.length }, (_, i) => i % k);
      for (let i = deck.length - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1));
        [deck[i], deck[j]] = [deck[j] as number, deck[i] as number];
      }
      p.probs.forEach((row, i) => {
        const v = deck[i] as number;
        if (rng.next() < (row[v] as number)) replies[v] = (replies[v] as number) + 1;
      });
      // The most replies wins; ties (and no evidence at all) are broken at random.
      let pick = 0;
      let most = -1;
      replies.forEach((r, v) => {
        const score = r + rng.next() * 1e-3;
        if (score > most) {
          most = score;
          pick = v;
        }
      });
      if (p.variants[pick] === p.best) hit += p.judged;
    }
    const share = hit / total;
    sum += share;
    if (share >= bar) pass++;
  }
  return { mean: sum / draws, atLeast: pass / draws, bar };
}
