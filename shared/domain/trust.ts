import type { ActionConfig, TrustPolicy } from "./spec-schema.ts";
import { DAY } from "./time.ts";
import type { OutcomeType } from "./vocabulary.ts";

export type Level = 1 | 2 | 3;

/**
 * Trust of one agent for one action type: a Beta posterior over "this agent's actions of this type turn
 * out well", with exponential decay so that old evidence fades. `successes` and `failures` are the
 * decayed pseudo-counts on top of a Beta(1, 1) prior.
 */
export interface TrustRecord {
  agentId: string;
  actionType: string;
  successes: number;
  failures: number;
  /** The level earned from outcomes (before pins and the spec's maximum). */
  earnedLevel: Level;
  pinnedLevel?: Level;
  pinnedBy?: string;
  /** No promotion before this instant after a severe outcome. */
  noPromotionUntil?: number;
  updatedAt: number;
  version: number;
}

export interface LevelChange {
  from: Level;
  to: Level;
  reason: string;
}

const PROMOTION_FREEZE_AFTER_SEVERE = 7 * DAY;

export function newTrust(agentId: string, actionType: string, startLevel: Level, now: number): TrustRecord {
  return {
    agentId,
    actionType,
    successes: 0,
    failures: 0,
    earnedLevel: startLevel,
    updatedAt: now,
    version: 0,
  };
}

export function decayed(record: TrustRecord, now: number, policy: TrustPolicy): TrustRecord {
  const elapsed = Math.max(0, now - record.updatedAt);
  const factor = 0.5 ** (elapsed / (policy.halfLifeDays * DAY));
  return {
    ...record,
    successes: record.successes * factor,
    failures: record.failures * factor,
    updatedAt: now,
  };
}

export interface TrustStats {
  score: number;
  lowerBound: number;
  sample: number;
}

export function trustStats(record: Pick<TrustRecord, "successes" | "failures">, z: number): TrustStats {
  const a = 1 + record.successes;
  const b = 1 + record.failures;
  const n = a + b;
  const mean = a / n;
  const variance = (a * b) / (n * n * (n + 1));
  return {
    score: mean,
    lowerBound: Math.max(0, mean - z * Math.sqrt(variance)),
    sample: record.successes + record.failures,
  };
}

function qualifies(
  stats: TrustStats,
  promo: { minSample: number; minLowerBound: number },
  margin = 0,
): boolean {
  return stats.sample >= promo.minSample && stats.lowerBound >= promo.minLowerBound - margin;
}

/** The level the evidence supports, with hysteresis so a level does not flap on one outcome. */
export function earnedLevelFor(
  record: TrustRecord,
  policy: TrustPolicy,
  now: number,
): { level: Level; why: string } {
  const stats = trustStats(record, policy.confidenceZ);
  const frozen = record.noPromotionUntil !== undefined && now < record.noPromotionUntil;
  const current = record.earnedLevel;
  const m = policy.demotionMargin;
  const describe = `lower bound ${stats.lowerBound.toFixed(2)} on ${stats.sample.toFixed(1)} weighted outcomes`;
  // Too little evidence to judge either way: keep the level the spec starts the agent at.
  if (stats.sample < policy.level2.minSample && current > 1)
    return { level: current, why: `${describe}: too few outcomes to move` };
  if (current === 3) {
    if (qualifies(stats, policy.level3, m)) return { level: 3, why: describe };
    if (qualifies(stats, policy.level2, m))
      return { level: 2, why: `${describe} fell below the level 3 bar` };
    return { level: 1, why: `${describe} fell below the level 2 bar` };
  }
  if (current === 2) {
    if (!frozen && qualifies(stats, policy.level3))
      return { level: 3, why: `${describe} cleared the level 3 bar` };
    if (qualifies(stats, policy.level2, m)) return { level: 2, why: describe };
    return { level: 1, why: `${describe} fell below the level 2 bar` };
  }
  if (frozen) return { level: 1, why: "promotion frozen after a severe outcome" };
  if (qualifies(stats, policy.level3)) return { level: 3, why: `${describe} cleared the level 3 bar` };
  if (qualifies(stats, policy.level2)) return { level: 2, why: `${describe} cleared the level 2 bar` };
  return { level: 1, why: describe };
}

/** Fold one outcome into the posterior; severe outcomes demote to level 1 at once. */
export function applyOutcome(
  record: TrustRecord,
  outcome: OutcomeType,
  now: number,
  policy: TrustPolicy,
): { record: TrustRecord; change?: LevelChange } {
  const weight = policy.outcomes[outcome];
  const base = decayed(record, now, policy);
  if (!weight || (weight.success === 0 && weight.failure === 0 && !weight.severe)) return { record: base };
  const next: TrustRecord = {
    ...base,
    successes: base.successes + weight.success,
    failures: base.failures + weight.failure,
  };
  let level: Level;
  let reason: string;
  if (weight.severe) {
    level = 1;
    reason = `severe outcome "${outcome}" demotes at once`;
    next.noPromotionUntil = now + PROMOTION_FREEZE_AFTER_SEVERE;
  } else {
    const earned = earnedLevelFor(next, policy, now);
    level = earned.level;
    reason = `outcome "${outcome}": ${earned.why}`;
  }
  next.earnedLevel = level;
  const change = level !== record.earnedLevel ? { from: record.earnedLevel, to: level, reason } : undefined;
  return change ? { record: next, change } : { record: next };
}

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
