import { isBuiltinAgent } from "../agents/builtin.ts";
import { ConflictError, NotFoundError, ValidationError } from "../domain/errors.ts";
import type { SpecVersion, TrustPolicy } from "../domain/spec-schema.ts";
import { HOUR, iso } from "../domain/time.ts";
import type { OutcomeType } from "../domain/vocabulary.ts";
import {
  applyOutcome,
  decayed,
  effectiveLevel,
  evidenceOf,
  type Level,
  newTrust,
  REVIEW_OUTCOMES,
  type TrustRecord,
  teaches,
  trustStats,
} from "../learning/trust.ts";
import { type PeerMarket, peerPool, peerSnapshot } from "../learning/trust-peers.ts";
import type { Clock, DecisionStore, TokenStore, TrustStore } from "../ports.ts";

/** How long an agent's read of its peers, and its own published snapshot, stand (see recordTrustOutcome). */
const PEER_REFRESH_MS = HOUR;
const marketSample = (r: TrustRecord) => (r.market?.success ?? 0) + (r.market?.failure ?? 0);
/**
 * A read with other agents in it that comparePeers could not yet compare with (too thin, or not
 * settled: trust-peers.ts's own test); an agent alone on its action is not.
 */
const tooThin = (peers: readonly PeerMarket[], self: string, now: number, policy: TrustPolicy) =>
  peers.some((p) => p.agentId !== self) && !peerPool(peers, self, now, policy).comparable;

export interface TrustDeps {
  clock: Clock;
  trust: TrustStore;
}

/**
 * Fold an outcome or review into agent × action trust; a level change is a ledger event with its reason
 * and, in `data.evidence`, the counts behind it (reviews and market streams, silences, lower bounds).
 * With `evidenceId` (the outcome's id) it is folded in once whatever the retries: the store marks it in
 * the save's transaction, so a caller that failed after recording the outcome and before teaching it
 * can always teach again (usecases/outcomes.ts, trust-evidence.ts).
 */
export async function recordTrustOutcome(
  deps: TrustDeps,
  spec: SpecVersion,
  agentId: string,
  actionType: string,
  outcome: OutcomeType,
  cause: string,
  evidenceId?: string,
): Promise<TrustRecord | undefined> {
  const action = spec.spec.autonomy.actions[actionType];
  if (!action) return undefined;
  // Nothing to fold in: no write. Each open (a privacy proxy opens every message as it is delivered)
  // was a versioned write of the record the bounces and complaints of the same sends must win.
  if (!teaches(spec.spec.trust, outcome)) return undefined;
  for (let attempt = 0; attempt < 10; attempt++) {
    const now = deps.clock.now();
    const current =
      (await deps.trust.get(agentId, actionType)) ?? newTrust(agentId, actionType, action.startLevel, now);
    const policy = spec.spec.trust;
    let applied = applyOutcome(current, outcome, now, policy);
    // The peers can only stand between an agent and level 3 (trust-peers.ts): read them only then, and
    // reuse a read for an hour once it holds enough peer evidence to compare with (snapshots are decayed
    // to now when compared; an hour is nothing next to a 30-day half-life, and an agent at level 3 may
    // hear thousands of outcomes a day). A read whose peers are too thin to compare with is not reused:
    // the absolute bars alone would then judge an agent whose peers have meanwhile shown what the market
    // pays (an agent alone on its action reuses its read: a newcomer is seen within the hour).
    let cache = current.peerCache;
    if (applied.record.earnedLevel === 3) {
      const stale = !cache || now - cache.at >= PEER_REFRESH_MS || tooThin(cache.peers, agentId, now, policy);
      if (stale) cache = { at: now, peers: await deps.trust.peers(actionType) };
      applied = applyOutcome(current, outcome, now, policy, cache?.peers);
    }
    // Its own snapshot: published after a market outcome when an hour has passed or its market sample
    // grew a tenth since the last one, so what peers read is never far behind.
    const sample = marketSample(applied.record);
    const shared = current.peerShared;
    const share =
      !REVIEW_OUTCOMES.has(outcome) &&
      (!shared || now - shared.at >= PEER_REFRESH_MS || sample >= 1.1 * shared.sample + 1);
    const record = {
      ...applied.record,
      ...(cache ? { peerCache: cache } : {}),
      ...(share ? { peerShared: { at: now, sample } } : {}),
    };
    const { change } = applied;
    try {
      const saved = await deps.trust.save(
        record,
        current.version,
        change
          ? {
              type: "trust.level_changed",
              at: iso(now),
              actor: "harness",
              from: String(change.from),
              to: String(change.to),
              detail: `${agentId} × ${actionType}: level ${change.from} → ${change.to}; ${change.reason} (${cause})`,
              data: { outcome, evidence: change.evidence },
            }
          : undefined,
        evidenceId,
      );
      // Taught before (a retry or redelivery of the same outcome): nothing changes.
      if (!saved) return current;
      if (share) await deps.trust.sharePeer(actionType, peerSnapshot(record));
      return record;
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }
  throw new ConflictError(`trust of ${agentId} × ${actionType} is too contended; outcome not applied`);
}

export interface KnownAgentDeps extends TrustDeps {
  decisions: Pick<DecisionStore, "hasDecisionBy">;
  tokens: Pick<TokenStore, "list">;
}

/**
 * Whether the harness knows this agent id: one of its own agents (agents/builtin.ts), the holder of an
 * agent credential (local tokens; in AWS agents sign with IAM and this source is empty), or an agent
 * with a trust record or a decision. Cheapest sources first.
 */
export async function isKnownAgent(
  deps: KnownAgentDeps,
  spec: SpecVersion,
  agentId: string,
): Promise<boolean> {
  if (isBuiltinAgent(agentId)) return true;
  const role = `agent:${agentId}`;
  if ((await deps.tokens.list?.())?.some((t) => t.roles.includes(role))) return true;
  for (const actionType of Object.keys(spec.spec.autonomy.actions))
    if (await deps.trust.get(agentId, actionType)) return true;
  // Key-only: listing the agent's decisions would open their sealed personal fields (a data key, and
  // kms:Decrypt in AWS) just to count them.
  return deps.decisions.hasDecisionBy(agentId);
}

/**
 * PUT /v1/trust/{agentId}/{actionType}: an admin's pin, for an action type the spec declares and an
 * agent the harness knows. A mistyped agent id would otherwise be pinned silently while the real
 * agent kept its level.
 */
export async function pinKnownAgent(
  deps: KnownAgentDeps,
  spec: SpecVersion,
  agentId: string,
  actionType: string,
  level: Level | null,
  reason: string,
  by: string,
): Promise<TrustRecord> {
  requireDeclared(spec, actionType);
  if (!(await isKnownAgent(deps, spec, agentId)))
    throw new NotFoundError(
      `agent ${agentId} is unknown: not one of the harness's agents, holds no agent credential, has no trust record and has made no proposals`,
    );
  return pinTrust(deps, spec, agentId, actionType, level, reason, by);
}

function requireDeclared(spec: SpecVersion, actionType: string) {
  const action = spec.spec.autonomy.actions[actionType];
  if (!action)
    throw new ValidationError([
      { path: "actionType", message: `${actionType} is not declared in spec v${spec.version}` },
    ]);
  return action;
}

/**
 * Pin (or unpin with `level: null`); always a ledger event. Unchecked agent id: for the harness's own
 * callers (tests, benchmarks); the API goes through `pinKnownAgent`.
 */
export async function pinTrust(
  deps: TrustDeps,
  spec: SpecVersion,
  agentId: string,
  actionType: string,
  level: Level | null,
  reason: string,
  by: string,
): Promise<TrustRecord> {
  const action = requireDeclared(spec, actionType);
  for (let attempt = 0; attempt < 10; attempt++) {
    const now = deps.clock.now();
    const current =
      (await deps.trust.get(agentId, actionType)) ?? newTrust(agentId, actionType, action.startLevel, now);
    const before = effectiveLevel(current, action).level;
    // Decayed to now as any save is: `updatedAt` is the instant the counts are as of, and moving it
    // without decaying them would make all the evidence since the last outcome count as fresh.
    const next: TrustRecord = decayed(current, now, spec.spec.trust);
    if (level === null) {
      delete next.pinnedLevel;
      delete next.pinnedBy;
    } else {
      next.pinnedLevel = level;
      next.pinnedBy = by;
    }
    const after = effectiveLevel(next, action).level;
    try {
      await deps.trust.save(next, current.version, {
        type: level === null ? "trust.unpinned" : "trust.pinned",
        at: iso(now),
        actor: by,
        from: String(before),
        to: String(after),
        detail: `${agentId} × ${actionType}: ${level === null ? "pin removed" : `pinned at level ${level}`}${after < (level ?? after) ? ` (capped at the spec's max ${action.maxLevel})` : ""}: ${reason}`,
      });
      return next;
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }
  throw new ConflictError(`trust of ${agentId} × ${actionType} is too contended`);
}

/**
 * A trust record as the API shows it, its evidence decayed to `now`: stored counts are as of the last
 * outcome, and an agent idle for a month would otherwise show all of that month's faded evidence.
 */
export function describeTrust(stored: TrustRecord, spec: SpecVersion, now: number) {
  const record = decayed(stored, now, spec.spec.trust);
  const action = spec.spec.autonomy.actions[record.actionType];
  const stats = trustStats(record, spec.spec.trust);
  const evidence = evidenceOf(record, spec.spec.trust);
  return {
    agentId: record.agentId,
    actionType: record.actionType,
    score: Number(stats.score.toFixed(4)),
    lowerBound: Number(stats.lowerBound.toFixed(4)),
    sample: Number(stats.sample.toFixed(2)),
    evidence: {
      reviews: evidence.reviews,
      market: evidence.market,
      silence: evidence.silence,
      marketLowerBound: evidence.marketLowerBound,
    },
    earnedLevel: record.earnedLevel,
    pinnedLevel: record.pinnedLevel ?? null,
    effectiveLevel: action ? effectiveLevel(record, action).level : null,
    maxLevel: action?.maxLevel ?? null,
    updatedAt: iso(stored.updatedAt),
  };
}
