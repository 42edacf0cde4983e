/**
 * Loop 1, trust, continued: level 3 is also judged against the agent's peers, the other agents doing
 * the same action type. Pure, like trust.ts; the use case (usecases/trust.ts) reads the peers'
 * snapshots only when the rest of the evidence would put an agent at level 3.
 *
 * Why peers. The absolute bars are on weighted counts whose scale is someone else's: a reply is +1,
 * a silent touch −0.03, so in a market that answers twice as often every writer looks twice as good;
 * a lenient reviewer approves what a strict one edits. Two email writers on the same lists meet the
 * same market and the same reviewers, so comparing them cancels both: a writer whose work earns
 * clearly less than its peers' should not be autonomous, however warm the market. An agent alone on
 * its action type has no peers and is judged on the absolute bars only.
 *
 * The maths. A stream with decayed weighted counts s (successes) and f (failures), and the decayed
 * sums of its squared weights q_s and q_f, has log-odds
 *
 *   L = ln((1 + s) / (1 + f))         (the Beta(1, 1) prior of trust.ts, one pseudo-outcome a side)
 *   Var(L) ≈ (1 + q_s)/(1 + s)² + (1 + q_f)/(1 + f)²
 *
 * (delta method on sums of weighted events: a sum of independent events of weight w has variance
 * ≈ Σw², so a count made of many light silences is known far better than its size suggests, and one
 * made of a few heavy outcomes worse). The peers are pooled: their counts and squares added up, each
 * decayed to now, only peers whose first window has closed (their market stream is one-sided before,
 * trust.ts "The first window") and with at least `level3.minMarket` market outcomes between them.
 *
 * Per stream, the agent is compared with them by D = L_agent − L_peers, Var(D) = Var_agent + Var_peers.
 * The market stream is always compared; the reviews stream too when both sides have at least
 * `level2.minSample` of it (a writer made autonomous early has few reviews left). The streams are two
 * estimates of how much worse or better this agent's work is, combined as a random-effects
 * meta-analysis does: first how far they disagree beyond their noise,
 *
 *   Q = Σ (D − D̄)²/Var(D)   (D̄ their precision-weighted mean),   τ² = max(0, (Q − (k − 1)) / C),
 *   C = Σ 1/Var(D) − Σ 1/Var(D)² / Σ 1/Var(D)       (DerSimonian–Laird, k streams),
 *
 * then each weighted by the spec's weight of the stream (`trust.evidence`) over its variance plus τ²:
 *
 *   a = w / (Var(D) + τ²),   D = Σ a·D / Σ a,   SE² = Σ a²·(Var(D) + τ²) / (Σ a)²
 *
 * Streams that agree (τ² = 0) are pooled by precision and the comparison is tighter than either;
 * streams that contradict each other widen it, so neither can carry a promotion alone.
 *
 * Why both streams: a market that barely punishes ungrounded claims (one of the seeds answers them
 * almost as often) gives a sloppy writer the market odds of a careful one, while its reviewers reject
 * twice as many of its drafts; the market alone would make it autonomous. Why τ²: early on, a careful
 * writer's thin market stream with two complaints in it (weight 3 each) made a sloppy one look 4× better
 * on the market and 0.4× on reviews; pooled by precision alone that read as 1.5× ± 0.38 and promoted
 * it. And why not pool the streams into one count: an agent reviewed on everything (level 1) and one
 * reviewed on nothing (level 3) have different mixes of the two, and the mix, not the work, would decide.
 *
 * Then a non-inferiority test with the floor F = `level3.minPeerOdds`:
 *   - promotion to level 3 needs D − z·SE ≥ ln F: shown, at the spec's z, to earn at least F times its
 *     peers' odds of a good outcome;
 *   - holding level 3 needs D + z·SE ≥ ln F: demoted once shown to earn less than F times theirs.
 * The gap between the two is the hysteresis: a level is not lost on the noise that kept it from being
 * won. Two equally good agents both pass once their evidence is precise enough (SE below |ln F|/z); a
 * clearly worse one cannot, since its D sits below ln F and the bound only moves further down.
 *
 * Peers present but not yet comparable. An agent with peers on its action whose market evidence is
 * still too thin (or unsettled) is not alone: judged on the absolute bars only, a sloppy writer whose
 * careful peer was demoted early and sends little would be made autonomous by a warm market before
 * anyone can tell it is the worse of the two. So promotion to level 3 waits until the peers can be
 * compared with (holding level 3 does not: thin peers are no evidence against an agent). A peer counts
 * as present while its snapshot is younger than one half-life; one that stopped hearing outcomes (an
 * agent retired or paused) stops holding the others back after that.
 */
import type { TrustPolicy } from "../domain/spec-schema.ts";
import { DAY } from "../domain/time.ts";
import type { StreamCounts, TrustRecord } from "./trust.ts";

/** A stream as peers see it: decayed counts and the decayed sums of their squared weights (see the maths). */
export interface PeerStream {
  success: number;
  failure: number;
  successSq: number;
  failureSq: number;
}

/** One agent's evidence as its peers see it: its market stream (top level) and reviews, decayed to `updatedAt`. */
export interface PeerMarket extends PeerStream {
  agentId: string;
  /** Absent in a snapshot shared before reviews were compared: the market alone is compared then. */
  reviews?: PeerStream;
  /** Whether its first window has closed (trust.ts). */
  settled: boolean;
  updatedAt: number;
}

/** One stream's comparison: D and its standard error (see the maths). */
export interface StreamGap {
  gap: number;
  se: number;
}

export interface PeerComparison extends StreamGap {
  /** Peers pooled, and their market outcomes (weighted, decayed). */
  peers: number;
  peerSample: number;
  /** τ², when the streams disagree beyond their noise (see the maths). */
  spread?: number;
  /** The streams D combines (the reviews only when both sides had enough of them). */
  market: StreamGap;
  reviews?: StreamGap;
}

/** Squared weights of a record's market stream; a record from before they were kept: its counts (w = 1). */
export function marketSquaresOf(record: Pick<TrustRecord, "market" | "marketSquares">): StreamCounts {
  return record.marketSquares ?? record.market ?? { success: 0, failure: 0 };
}

/** The same for the reviews stream (a record from before streams: its counts are reviews, trust.ts). */
export function reviewSquaresOf(
  record: Pick<TrustRecord, "reviews" | "reviewSquares" | "market" | "successes" | "failures">,
): StreamCounts {
  if (record.reviewSquares) return record.reviewSquares;
  if (record.reviews) return record.reviews;
  return record.market ? { success: 0, failure: 0 } : { success: record.successes, failure: record.failures };
}

const peerStream = (c: StreamCounts, sq: StreamCounts): PeerStream => ({
  success: c.success,
  failure: c.failure,
  successSq: sq.success,
  failureSq: sq.failure,
});

/** What an agent's peers read of its record (the record decayed to its own `updatedAt`). */
export function peerSnapshot(record: TrustRecord): PeerMarket {
  const reviews =
    record.reviews ?? (record.market ? undefined : { success: record.successes, failure: record.failures });
  return {
    agentId: record.agentId,
    ...peerStream(record.market ?? { success: 0, failure: 0 }, marketSquaresOf(record)),
    reviews: peerStream(reviews ?? { success: 0, failure: 0 }, reviewSquaresOf(record)),
    settled: record.settled === undefined || record.settled > 0,
    updatedAt: record.updatedAt,
  };
}

const logOdds = (p: PeerStream) => ({
  l: Math.log((1 + p.success) / (1 + p.failure)),
  v: (1 + p.successSq) / (1 + p.success) ** 2 + (1 + p.failureSq) / (1 + p.failure) ** 2,
});
const sampleOf = (p: PeerStream) => p.success + p.failure;

function streamGap(me: PeerStream, them: PeerStream): StreamGap & { v: number } {
  const a = logOdds(me);
  const b = logOdds(them);
  const v = a.v + b.v;
  return { gap: a.l - b.l, se: Math.sqrt(v), v };
}

/** The settled peers of `self` pooled, each decayed to now; `comparable` when there is enough to compare with. */
export function peerPool(
  peers: readonly PeerMarket[],
  self: string,
  now: number,
  policy: Pick<TrustPolicy, "halfLifeDays" | "level3">,
) {
  const market: PeerStream = { success: 0, failure: 0, successSq: 0, failureSq: 0 };
  const reviews: PeerStream = { success: 0, failure: 0, successSq: 0, failureSq: 0 };
  const add = (to: PeerStream, p: PeerStream, k: number) => {
    to.success += p.success * k;
    to.failure += p.failure * k;
    to.successSq += p.successSq * k * k;
    to.failureSq += p.failureSq * k * k;
  };
  let n = 0;
  let present = 0;
  for (const p of peers) {
    if (p.agentId === self) continue;
    if (now - p.updatedAt < policy.halfLifeDays * DAY) present++;
    if (!p.settled) continue;
    const k = 0.5 ** (Math.max(0, now - p.updatedAt) / (policy.halfLifeDays * DAY));
    add(market, p, k);
    if (p.reviews) add(reviews, p.reviews, k);
    n++;
  }
  return { market, reviews, n, present, comparable: n > 0 && sampleOf(market) >= policy.level3.minMarket };
}

/**
 * Whether promotion to level 3 must wait for the peers (see "Peers present but not yet comparable"):
 * other agents are active on the action but none can be compared with yet. Off with the comparison.
 */
export function peersPending(
  peers: readonly PeerMarket[],
  self: string,
  now: number,
  policy: Pick<TrustPolicy, "halfLifeDays" | "level3">,
): boolean {
  if (policy.level3.minPeerOdds <= 0) return false;
  const pool = peerPool(peers, self, now, policy);
  return pool.present > 0 && !pool.comparable;
}

/**
 * The agent (its record decayed to `now`) against its settled peers; undefined when there are none
 * with enough market evidence to compare with.
 */
export function comparePeers(
  record: TrustRecord,
  peers: readonly PeerMarket[],
  now: number,
  policy: Pick<TrustPolicy, "halfLifeDays" | "level2" | "level3" | "evidence">,
): PeerComparison | undefined {
  const pool = peerPool(peers, record.agentId, now, policy);
  if (!pool.comparable) return undefined;
  const me = peerSnapshot(record);
  const market = streamGap(me, pool.market);
  const enough = (p: PeerStream | undefined): p is PeerStream =>
    !!p && sampleOf(p) >= policy.level2.minSample;
  const reviews =
    policy.evidence.reviews > 0 && enough(me.reviews) && enough(pool.reviews)
      ? streamGap(me.reviews, pool.reviews)
      : undefined;
  // The market's weight is never taken to 0 here, since it alone decides whether there is anything to compare.
  const { gap, se, spread } = combine([
    { g: market, w: policy.evidence.market > 0 ? policy.evidence.market : 1 },
    ...(reviews ? [{ g: reviews, w: policy.evidence.reviews }] : []),
  ]);
  const strip = (g: StreamGap) => ({ gap: g.gap, se: g.se });
  return {
    peers: pool.n,
    peerSample: sampleOf(pool.market),
    gap,
    se,
    ...(spread > 0 ? { spread } : {}),
    market: strip(market),
    ...(reviews ? { reviews: strip(reviews) } : {}),
  };
}

/**
 * The streams' gaps combined (see the maths): τ² by DerSimonian–Laird on the precisions, then each
 * stream weighted by the spec's weight over (its variance + τ²).
 */
function combine(parts: readonly { g: StreamGap & { v: number }; w: number }[]) {
  const fixed = parts.map((p) => 1 / p.g.v);
  const sum = fixed.reduce((t, a) => t + a, 0);
  const mean = parts.reduce((t, p, i) => t + (fixed[i] as number) * p.g.gap, 0) / sum;
  const q = parts.reduce((t, p, i) => t + (fixed[i] as number) * (p.g.gap - mean) ** 2, 0);
  const c = sum - fixed.reduce((t, a) => t + a * a, 0) / sum;
  const spread = c > 0 ? Math.max(0, (q - (parts.length - 1)) / c) : 0;
  const a = parts.map((p) => p.w / (p.g.v + spread));
  const total = a.reduce((t, x) => t + x, 0);
  const gap = parts.reduce((t, p, i) => t + (a[i] as number) * p.g.gap, 0) / total;
  const se = Math.sqrt(parts.reduce((t, p, i) => t + (a[i] as number) ** 2 * (p.g.v + spread), 0)) / total;
  return { gap, se, spread };
}

/** The non-inferiority test (see the maths); no comparison (no peers) passes. */
export function peersAllow(
  cmp: PeerComparison | undefined,
  policy: Pick<TrustPolicy, "confidenceZ" | "level3">,
  holding: boolean,
): boolean {
  if (!cmp) return true;
  const bound = cmp.gap + (holding ? 1 : -1) * policy.confidenceZ * cmp.se;
  return bound >= Math.log(policy.level3.minPeerOdds);
}

/** In words, for the level's reason: "0.62× the odds of a good outcome of its 1 peer (…; market …, reviews …)". */
export function describePeers(cmp: PeerComparison): string {
  const part = (name: string, g: StreamGap) => `${name} ${Math.exp(g.gap).toFixed(2)}×`;
  const parts = [part("market", cmp.market), ...(cmp.reviews ? [part("reviews", cmp.reviews)] : [])];
  return `${Math.exp(cmp.gap).toFixed(2)}× the odds of a good outcome of its ${cmp.peers} peer${cmp.peers === 1 ? "" : "s"} (log-odds ${cmp.gap.toFixed(2)} ± ${cmp.se.toFixed(2)}; ${parts.join(", ")})`;
}
