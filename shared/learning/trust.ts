/**
 * Loop 1, trust: how much autonomy an agent has earned for one action type, from recorded evidence.
 * Pure: the use case (usecases/trust.ts) reads a record, folds one outcome in here and saves it
 * conditionally; nothing in this module reads a clock or a store.
 *
 * The maths.
 *
 * Evidence comes in two streams, each its own Beta posterior over "this agent's actions of this type
 * turn out well", on a Beta(1, 1) prior:
 *   - reviews: what was said of the draft before the action reached anyone: by a person (approved,
 *     edited, rejected, vetoed) or by the gate, which judges every draft, reviewed or not
 *     (`draft_blocked`: blocked for a fault of the draft itself, its content or whom it addresses;
 *     `draft_passed`: a touch no person reviewed went out having passed every check, a weak success).
 *     Cheap and plentiful, and about the draft, not the world. Without the gate's word, an agent at
 *     level 2 or 3 had no review evidence at all, and one whose drafts the gate kept blocking (in the
 *     simulated market, a sloppy writer's third greeting someone other than their recipient) looked as
 *     good as one whose drafts all went out: the market's answer to those that got through is too thin
 *     to tell them apart.
 *   - market: what happened after it did (replied, meeting_booked, deal_created; bounced, unsubscribed,
 *     complaint; for records flagged_bad_lead, record_corrected, and of the people a record agent created,
 *     their bounces and `contact_met`, a meeting booked with them), plus two outcomes the harness records
 *     itself when an action's window (`trust.silenceDays`) closes with nothing heard: `silence` for a
 *     touch nobody answered (a weak failure) and `record_kept` for a record nobody corrected or flagged
 *     (a weak success).
 * Each outcome adds its spec weight (`trust.outcomes`) to its stream's success and/or failure count.
 * Counts decay exponentially with `halfLifeDays`, so old evidence fades.
 *
 * For a stream with decayed counts s, f:  a = 1 + s, b = 1 + f,  mean m = a / (a + b),
 * variance v = a·b / ((a + b)²·(a + b + 1)), sample n = s + f.
 *
 * The score is a weighted mean of the two stream means, not a pooled count. Pooling would let approvals
 * (≈90% for a sloppy writer, a plentiful +1 each) swamp the market, whose success rate is low for
 * everyone (a few replies per hundred touches): the sloppy writer would outrank the careful one just by
 * being reviewed more. Each stream is judged on its own scale and then averaged with weight
 *   ω = w · n / (n + N0)        (w: `trust.evidence.reviews | market`; N0 = 20 pseudo-observations),
 * so a stream with no evidence weighs nothing and a thin one weighs little (n counts weight: a
 * silence adds 0.03). N0 is of the order of Bühlmann's credibility constant k = (variance of one unit of
 * evidence within a stream, about 0.3 with failures weighing up to 2) / (variance of the stream means
 * between agents, 0.007–0.015): 20–40; 20, the low end, keeps a new writer's first reviews counting.
 * Unlike Bühlmann's, the weight is relative: a stream alone is the score whatever its size. Why not 2:
 * five approvals and no rejection read 0.86 on a Beta(1, 1) prior whatever the agent (one fluke
 * rejection would undo it); at N0 = 2 they weighed 0.7 of a full stream and lifted a record agent whose
 * thousands of records said 0.55 above a better peer (seed 104, buying-committee-builder). At 20 they
 * weigh 0.2. The price: a thin stream moves a level more slowly either way, so 6 flags against 30
 * approvals no longer demote a record agent; 20 do (a complaint still demotes at once).
 *   score = Σ ω·m / Σ ω,   variance = Σ ω²·v / (Σ ω)²   (independent streams, weights taken as fixed),
 *   lower bound = score − z·√variance   (z = `confidenceZ`), never below 0.
 * With one stream this is exactly that stream's Beta posterior. With none, Beta(1, 1).
 *
 * Levels: level 2 needs `level2.minSample` outcomes (both streams) and the lower bound at
 * `level2.minLowerBound`; level 3 the same against `level3`, and in addition market evidence: a market
 * sample of `level3.minMarket` and the market stream's own lower bound at `level3.minMarketLowerBound`,
 * and, where other agents do the same action, evidence (market and reviews) not shown worse than theirs
 * (trust-peers.ts: the absolute bar moves with how warm the market is; peers on the same lists do not).
 * Approvals alone never make an agent autonomous. A level is kept until its bar is missed by more than
 * `demotionMargin` (hysteresis, so it does not flap on one outcome); too little evidence to judge keeps
 * the level the spec starts the agent at. A severe outcome (a complaint) demotes to level 1 at once and
 * freezes promotion for 7 days.
 *
 * A record is judged when its window closes, whichever way it went: a flag or correction heard within
 * the window is folded in then (with `record_judged`, which closes the window and weighs nothing), as
 * `record_kept` is (usecases/trust-evidence.ts). Counting flags on arrival (hours) and "kept" after
 * `silenceDays` ordered record agents by when their volume arrived rather than by their quality.
 *
 * The first window. Until the window of the agent's first action has closed (its first `silence`,
 * `record_kept` or `record_judged`), the market stream holds only the outcomes that come fast, and they
 * lean one way: a writer's replies arrive before any silence. So until then a level is judged on the
 * review stream alone (the score shown still counts everything heard). `settled` counts the windows
 * closed; a record without the field predates it and is taken as settled.
 */
import type { ActionConfig, TrustPolicy } from "../domain/spec-schema.ts";
import { DAY } from "../domain/time.ts";
import type { OutcomeType } from "../domain/vocabulary.ts";
import {
  comparePeers,
  describePeers,
  marketSquaresOf,
  type PeerComparison,
  type PeerMarket,
  peersAllow,
  peersPending,
  reviewSquaresOf,
} from "./trust-peers.ts";

export type Level = 1 | 2 | 3;

/** Decayed, weighted pseudo-counts of one evidence stream. */
export interface StreamCounts {
  success: number;
  failure: number;
}

/**
 * Trust of one agent for one action type. `successes` and `failures` are both streams added up
 * (what a reader that knows no streams shows); `reviews` and `market` are the streams themselves.
 * A record written before streams existed has neither: its counts are read as reviews.
 */
export interface TrustRecord {
  agentId: string;
  actionType: string;
  successes: number;
  failures: number;
  reviews?: StreamCounts;
  market?: StreamCounts;
  /** Decayed sums of each stream's squared weights (trust-peers.ts: the streams' variance). */
  marketSquares?: StreamCounts;
  reviewSquares?: StreamCounts;
  /** Decayed count of touches the harness recorded as unanswered (part of market failures). */
  silence?: number;
  /** Windows closed so far (silence and record_kept folded in, not decayed); see "The first window". */
  settled?: number;
  /** The peers' snapshots as last read (trust-peers.ts), reused for an hour (usecases/trust.ts). */
  peerCache?: { at: number; peers: PeerMarket[] };
  /** When this agent's own snapshot was last published to its peers, and its market sample then. */
  peerShared?: { at: number; sample: number };
  /** The level earned from outcomes (before pins and the spec's maximum). */
  earnedLevel: Level;
  pinnedLevel?: Level;
  pinnedBy?: string;
  /** No promotion before this instant after a severe outcome. */
  noPromotionUntil?: number;
  updatedAt: number;
  version: number;
}

/** The evidence behind a level, as the ledger records it with each level change. */
export interface TrustEvidence {
  reviews: StreamCounts;
  market: StreamCounts;
  silence: number;
  score: number;
  lowerBound: number;
  marketLowerBound: number;
  sample: number;
  /** The comparison with the agent's peers on the same action, when level 3 was judged on it. */
  peers?: PeerComparison;
}

export interface LevelChange {
  from: Level;
  to: Level;
  reason: string;
  evidence: TrustEvidence;
}

/** Outcomes a person gives before the action reaches anyone; every other outcome is market evidence. */
export const REVIEW_OUTCOMES: ReadonlySet<OutcomeType> = new Set([
  "approved",
  "edited",
  "rejected",
  "vetoed",
  "draft_blocked",
  "draft_passed",
]);

/**
 * Weights of the outcomes the harness records itself, for specs written before it did: a spec that
 * lists them in `trust.outcomes` overrides these. A silent touch is a weak failure: at 0.03, a touch
 * that earns a reply (+1) outweighs 33 that earn nothing, so a writer at a benchmark cold reply rate
 * (~3%) scores about even on the market and one well above it scores high. A record that stood is a
 * weak success: 0.3, so one flag (1.5) outweighs five records that stood.
 */
export const HARNESS_OUTCOME_WEIGHTS: Partial<
  Record<OutcomeType, { success: number; failure: number; severe: boolean }>
> = {
  silence: { success: 0, failure: 0.03, severe: false },
  record_kept: { success: 0.3, failure: 0, severe: false },
  record_corrected: { success: 0, failure: 1, severe: false },
  // Closes a judged record's window; its flags and corrections carry the weight (see above).
  record_judged: { success: 0, failure: 0, severe: false },
  // A draft the gate blocked counts as a rejection by a person would, at half its weight (a check is
  // mechanical: it catches the obvious); one that passed every check with no person looking is half an
  // approval, since the checks miss what only a reader sees.
  draft_blocked: { success: 0, failure: 1, severe: false },
  draft_passed: { success: 0.5, failure: 0, severe: false },
  // A meeting with a person a record agent created says the record was right, as one that stood does;
  // the meeting itself is the writer's and the signals' doing (usecases/trust-evidence.ts).
  contact_met: { success: 0.3, failure: 0, severe: false },
};

/** Outcomes that close an action's window (`settled` counts them). */
export const WINDOW_CLOSERS: ReadonlySet<OutcomeType> = new Set(["silence", "record_kept", "record_judged"]);

const PROMOTION_FREEZE_AFTER_SEVERE = 7 * DAY;
/** Pseudo-observations a stream needs before it carries half its weight in the score (see "The maths"). */
export const N0 = 20;

export function newTrust(agentId: string, actionType: string, startLevel: Level, now: number): TrustRecord {
  return {
    agentId,
    actionType,
    successes: 0,
    failures: 0,
    reviews: { success: 0, failure: 0 },
    market: { success: 0, failure: 0 },
    marketSquares: { success: 0, failure: 0 },
    reviewSquares: { success: 0, failure: 0 },
    silence: 0,
    settled: 0,
    earnedLevel: startLevel,
    updatedAt: now,
    version: 0,
  };
}

type Counted = Pick<TrustRecord, "successes" | "failures" | "reviews" | "market" | "silence">;

/** The two streams of a record (a record from before streams: its counts are reviews). */
export function streamsOf(record: Counted): { reviews: StreamCounts; market: StreamCounts; silence: number } {
  if (!record.reviews && !record.market)
    return {
      reviews: { success: record.successes, failure: record.failures },
      market: { success: 0, failure: 0 },
      silence: 0,
    };
  return {
    reviews: record.reviews ?? { success: 0, failure: 0 },
    market: record.market ?? { success: 0, failure: 0 },
    silence: record.silence ?? 0,
  };
}

export function decayed(record: TrustRecord, now: number, policy: Pick<TrustPolicy, "halfLifeDays">) {
  const elapsed = Math.max(0, now - record.updatedAt);
  const k = 0.5 ** (elapsed / (policy.halfLifeDays * DAY));
  const s = streamsOf(record);
  const scale = (c: StreamCounts, by = k) => ({ success: c.success * by, failure: c.failure * by });
  return {
    ...record,
    successes: record.successes * k,
    failures: record.failures * k,
    reviews: scale(s.reviews),
    market: scale(s.market),
    // A sum of squared weights decays with the square of the weights' decay.
    marketSquares: scale(marketSquaresOf(record), k * k),
    reviewSquares: scale(reviewSquaresOf(record), k * k),
    silence: s.silence * k,
    updatedAt: now,
  } satisfies TrustRecord;
}

export interface StreamStats {
  mean: number;
  variance: number;
  lowerBound: number;
  sample: number;
}

export interface TrustStats {
  score: number;
  lowerBound: number;
  /** Both streams' pseudo-counts. */
  sample: number;
  reviews: StreamStats;
  market: StreamStats;
}

function streamStats(c: StreamCounts, z: number): StreamStats {
  const a = 1 + c.success;
  const b = 1 + c.failure;
  const n = a + b;
  const mean = a / n;
  const variance = (a * b) / (n * n * (n + 1));
  return {
    mean,
    variance,
    lowerBound: Math.max(0, mean - z * Math.sqrt(variance)),
    sample: c.success + c.failure,
  };
}

export type StatsPolicy = Pick<TrustPolicy, "confidenceZ" | "evidence">;

/** `n0`: the module's N0; bench/trust-rescore.ts passes others to compare on kept runs. */
export function trustStats(record: Counted, policy: StatsPolicy, n0 = N0): TrustStats {
  const z = policy.confidenceZ;
  const s = streamsOf(record);
  const reviews = streamStats(s.reviews, z);
  const market = streamStats(s.market, z);
  const parts = [
    { st: reviews, w: policy.evidence.reviews },
    { st: market, w: policy.evidence.market },
  ].map(({ st, w }) => ({ st, omega: (w * st.sample) / (st.sample + n0) }));
  const total = parts.reduce((t, p) => t + p.omega, 0);
  const sample = reviews.sample + market.sample;
  if (total <= 0) {
    const prior = streamStats({ success: 0, failure: 0 }, z);
    return { score: prior.mean, lowerBound: prior.lowerBound, sample, reviews, market };
  }
  const score = parts.reduce((t, p) => t + p.omega * p.st.mean, 0) / total;
  const variance = parts.reduce((t, p) => t + p.omega * p.omega * p.st.variance, 0) / (total * total);
  return { score, lowerBound: Math.max(0, score - z * Math.sqrt(variance)), sample, reviews, market };
}

const r4 = (x: number) => Number(x.toFixed(4));
const roundGap = (g: { gap: number; se: number }) => ({ gap: r4(g.gap), se: r4(g.se) });

/** The evidence behind a record's level, rounded for the ledger. */
export function evidenceOf(record: Counted, policy: StatsPolicy, peers?: PeerComparison): TrustEvidence {
  const s = streamsOf(record);
  const stats = trustStats(record, policy);
  const round = (c: StreamCounts) => ({ success: r4(c.success), failure: r4(c.failure) });
  return {
    reviews: round(s.reviews),
    market: round(s.market),
    silence: r4(s.silence),
    score: r4(stats.score),
    lowerBound: r4(stats.lowerBound),
    marketLowerBound: r4(stats.market.lowerBound),
    sample: r4(stats.sample),
    ...(peers
      ? {
          peers: {
            ...peers,
            peerSample: r4(peers.peerSample),
            ...roundGap(peers),
            market: roundGap(peers.market),
            ...(peers.reviews ? { reviews: roundGap(peers.reviews) } : {}),
          },
        }
      : {}),
  };
}

/**
 * Whether the evidence clears a level's bar. The minimum sample guards promotions only: a level already
 * held (the spec may start an agent at 3) is lost on its lower bound, with the margin.
 */
function qualifies(
  stats: TrustStats,
  promo: { minSample: number; minLowerBound: number },
  holding: false | { margin: number },
): boolean {
  if (holding) return stats.lowerBound >= promo.minLowerBound - holding.margin;
  return stats.sample >= promo.minSample && stats.lowerBound >= promo.minLowerBound;
}

/** Level 3's market test; when holding level 3, too little market evidence is no reason to demote. */
function marketQualifies(stats: TrustStats, policy: TrustPolicy, holding: boolean): boolean {
  const { minMarket, minMarketLowerBound } = policy.level3;
  if (stats.market.sample < minMarket) return holding;
  return stats.market.lowerBound >= minMarketLowerBound - (holding ? policy.demotionMargin : 0);
}

/** The level the evidence supports, with hysteresis so a level does not flap on one outcome. */
export function earnedLevelFor(
  record: TrustRecord,
  policy: TrustPolicy,
  now: number,
  peers: readonly PeerMarket[] = [],
): { level: Level; why: string; peers?: PeerComparison } {
  // Before the first window closed the market stream is one-sided: set aside (see "The first window").
  const unsettled =
    record.settled === 0 && streamsOf(record).market.success + streamsOf(record).market.failure > 0;
  const stats = trustStats(
    unsettled ? { ...record, market: { success: 0, failure: 0 }, silence: 0 } : record,
    policy,
  );
  const frozen = record.noPromotionUntil !== undefined && now < record.noPromotionUntil;
  const current = record.earnedLevel;
  const hold = { margin: policy.demotionMargin };
  const describe = `lower bound ${stats.lowerBound.toFixed(2)} on ${stats.sample.toFixed(1)} weighted outcomes (market ${unsettled ? "set aside until the first window closes" : `${stats.market.lowerBound.toFixed(2)} on ${stats.market.sample.toFixed(1)}`})`;
  // Level 3 is also judged against the peers on the same action (trust-peers.ts), from settled evidence.
  const cmp = unsettled ? undefined : comparePeers(record, peers, now, policy);
  // Peers active on the action but too thin to compare with: promotion waits for them, holding does not.
  const waiting = !cmp && peersPending(peers, record.agentId, now, policy);
  const withPeers = (why: string) => (cmp ? { peers: cmp, why: `${why}; ${describePeers(cmp)}` } : { why });
  const level3 = (holding: boolean) =>
    qualifies(stats, policy.level3, holding ? hold : false) &&
    marketQualifies(stats, policy, holding) &&
    (holding || !waiting) &&
    peersAllow(cmp, policy, holding);
  // Too little evidence to judge either way: keep the level the spec starts the agent at.
  if (stats.sample < policy.level2.minSample && current > 1)
    return { level: current, why: `${describe}: too few outcomes to move` };
  if (current === 3) {
    if (level3(true)) return { level: 3, ...withPeers(describe) };
    if (qualifies(stats, policy.level2, hold))
      return { level: 2, ...withPeers(`${describe} fell below the level 3 bar`) };
    return { level: 1, ...withPeers(`${describe} fell below the level 2 bar`) };
  }
  if (current === 2) {
    if (!frozen && level3(false)) return { level: 3, ...withPeers(`${describe} cleared the level 3 bar`) };
    if (qualifies(stats, policy.level2, hold)) return { level: 2, ...withPeers(describe) };
    return { level: 1, why: `${describe} fell below the level 2 bar` };
  }
  if (frozen) return { level: 1, why: "promotion frozen after a severe outcome" };
  if (level3(false)) return { level: 3, ...withPeers(`${describe} cleared the level 3 bar`) };
  if (qualifies(stats, policy.level2, false)) return { level: 2, why: `${describe} cleared the level 2 bar` };
  return { level: 1, why: describe };
}

/** The spec's weight of an outcome, or the harness's default for the outcomes it records itself. */
export function outcomeWeight(policy: TrustPolicy, outcome: OutcomeType) {
  return policy.outcomes[outcome] ?? HARNESS_OUTCOME_WEIGHTS[outcome];
}

/**
 * Whether an outcome changes an agent's trust at all: it has a weight, or is severe, or closes a
 * record's window. One that does not (an open, with the shipped weights) is not written.
 */
export function teaches(policy: TrustPolicy, outcome: OutcomeType): boolean {
  const weight = outcomeWeight(policy, outcome);
  return (
    WINDOW_CLOSERS.has(outcome) ||
    (weight !== undefined && (weight.success !== 0 || weight.failure !== 0 || weight.severe === true))
  );
}

/** Fold one outcome into its stream; severe outcomes demote to level 1 at once. */
export function applyOutcome(
  record: TrustRecord,
  outcome: OutcomeType,
  now: number,
  policy: TrustPolicy,
  peers: readonly PeerMarket[] = [],
): { record: TrustRecord; change?: LevelChange } {
  const base: TrustRecord = decayed(record, now, policy);
  if (!teaches(policy, outcome)) return { record: base };
  const weight = outcomeWeight(policy, outcome);
  const closes = WINDOW_CLOSERS.has(outcome);
  const stream = REVIEW_OUTCOMES.has(outcome) ? "reviews" : "market";
  const counts = base[stream] ?? { success: 0, failure: 0 };
  const squares = stream === "market" ? marketSquaresOf(base) : reviewSquaresOf(base);
  const next: TrustRecord = {
    ...base,
    [stream === "market" ? "marketSquares" : "reviewSquares"]: {
      success: squares.success + (weight?.success ?? 0) ** 2,
      failure: squares.failure + (weight?.failure ?? 0) ** 2,
    },
    successes: base.successes + (weight?.success ?? 0),
    failures: base.failures + (weight?.failure ?? 0),
    [stream]: {
      success: counts.success + (weight?.success ?? 0),
      failure: counts.failure + (weight?.failure ?? 0),
    },
    ...(outcome === "silence" ? { silence: (base.silence ?? 0) + 1 } : {}),
    ...(base.settled !== undefined && closes ? { settled: base.settled + 1 } : {}),
  };
  let level: Level;
  let reason: string;
  let compared: PeerComparison | undefined;
  if (weight?.severe) {
    level = 1;
    reason = `severe outcome "${outcome}" demotes at once`;
    next.noPromotionUntil = now + PROMOTION_FREEZE_AFTER_SEVERE;
  } else {
    const earned = earnedLevelFor(next, policy, now, peers);
    level = earned.level;
    reason = `outcome "${outcome}": ${earned.why}`;
    compared = earned.peers;
  }
  next.earnedLevel = level;
  if (level === record.earnedLevel) return { record: next };
  return {
    record: next,
    change: { from: record.earnedLevel, to: level, reason, evidence: evidenceOf(next, policy, compared) },
  };
}

/** Where an effective level comes from, in the words a decision's trace uses. */
export const levelSourceText = (source: ReturnType<typeof effectiveLevel>["source"]): string =>
  source === "pinned" ? "pinned by an admin" : source === "earned" ? "earned" : "starting level";

/** The level the gate uses: an admin's pin if any, else the earned level; never above the spec's max. */
export function effectiveLevel(
  record: TrustRecord | undefined,
  action: ActionConfig,
): { level: Level; source: "pinned" | "earned" | "start"; capped: boolean } {
  const raw = record?.pinnedLevel ?? record?.earnedLevel ?? action.startLevel;
  const source = record?.pinnedLevel ? "pinned" : record ? "earned" : "start";
  const level = Math.min(raw, action.maxLevel) as Level;
  return { level, source, capped: level < raw };
}
