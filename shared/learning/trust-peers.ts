/**
 * Loop 1, trust, continued: level 3 is also judged against the agent's peers, the other agents doing
 * the same action type. Pure, like trust.ts; the use case (usecases/trust.ts) reads the peers' market
 * snapshots only when the rest of the evidence would put an agent at level 3.
 *
 * Why peers. The market stream's absolute bar (`level3.minMarketLowerBound`) is on weighted counts
 * whose scale is the market's: a reply is +1, a silent touch −0.03, so in a market that answers twice
 * as often every writer looks twice as good. Two email writers on the same lists meet the same market,
 * so comparing them cancels it: a writer whose touches earn clearly less than its peers' should not be
 * autonomous, however warm the market. An agent alone on its action type has no peers and is judged on
 * the absolute bars only.
 *
 * The maths. A market stream with decayed weighted counts s (successes) and f (failures), and the
 * decayed sums of its squared weights q_s and q_f, has log-odds
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
 * The agent is compared with them by D = L_agent − L_peers, SE = √(Var_agent + Var_peers), a
 * non-inferiority test with the floor F = `level3.minPeerOdds`:
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

/** One agent's market stream as its peers see it: decayed counts at `updatedAt`. */
export interface PeerMarket {
  agentId: string;
  success: number;
  failure: number;
  /** Decayed sums of the squared weights (see the maths). */
  successSq: number;
  failureSq: number;
  /** Whether its first window has closed (trust.ts). */
  settled: boolean;
  updatedAt: number;
}

export interface PeerComparison {
  /** Peers pooled, and their market outcomes (weighted, decayed). */
  peers: number;
  peerSample: number;
  /** D and its standard error (see the maths). */
  gap: number;
  se: number;
}

/** Squared weights of a record's market stream; a record from before they were kept: its counts (w = 1). */
export function marketSquaresOf(record: Pick<TrustRecord, "market" | "marketSquares">): StreamCounts {
  return record.marketSquares ?? record.market ?? { success: 0, failure: 0 };
}

/** What an agent's peers read of its record (the record decayed to its own `updatedAt`). */
export function peerSnapshot(record: TrustRecord): PeerMarket {
  const market = record.market ?? { success: 0, failure: 0 };
  const sq = marketSquaresOf(record);
  return {
    agentId: record.agentId,
    success: market.success,
    failure: market.failure,
    successSq: sq.success,
    failureSq: sq.failure,
    settled: record.settled === undefined || record.settled > 0,
    updatedAt: record.updatedAt,
  };
}

const logOdds = (s: number, f: number, qs: number, qf: number) => ({
  l: Math.log((1 + s) / (1 + f)),
  v: (1 + qs) / (1 + s) ** 2 + (1 + qf) / (1 + f) ** 2,
});

/** The settled peers of `self` pooled, each decayed to now; `comparable` when there is enough to compare with. */
export function peerPool(
  peers: readonly PeerMarket[],
  self: string,
  now: number,
  policy: Pick<TrustPolicy, "halfLifeDays" | "level3">,
) {
  let s = 0;
  let f = 0;
  let qs = 0;
  let qf = 0;
  let n = 0;
  let present = 0;
  for (const p of peers) {
    if (p.agentId === self) continue;
    if (now - p.updatedAt < policy.halfLifeDays * DAY) present++;
    if (!p.settled) continue;
    const k = 0.5 ** (Math.max(0, now - p.updatedAt) / (policy.halfLifeDays * DAY));
    s += p.success * k;
    f += p.failure * k;
    qs += p.successSq * k * k;
    qf += p.failureSq * k * k;
    n++;
  }
  return { s, f, qs, qf, n, present, comparable: n > 0 && s + f >= policy.level3.minMarket };
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
  policy: Pick<TrustPolicy, "halfLifeDays" | "level3">,
): PeerComparison | undefined {
  const pool = peerPool(peers, record.agentId, now, policy);
  if (!pool.comparable) return undefined;
  const me = peerSnapshot(record);
  const a = logOdds(me.success, me.failure, me.successSq, me.failureSq);
  const b = logOdds(pool.s, pool.f, pool.qs, pool.qf);
  return { peers: pool.n, peerSample: pool.s + pool.f, gap: a.l - b.l, se: Math.sqrt(a.v + b.v) };
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

/** In words, for the level's reason: "0.62× its 1 peer's odds (± 0.21 in log-odds)". */
export function describePeers(cmp: PeerComparison): string {
  return `${Math.exp(cmp.gap).toFixed(2)}× the odds of a good market outcome of its ${cmp.peers} peer${cmp.peers === 1 ? "" : "s"} (log-odds ${cmp.gap.toFixed(2)} ± ${cmp.se.toFixed(2)})`;
}
