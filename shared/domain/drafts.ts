/**
 * Steering by drafts (issue 8, DESIGN §4b): a correction or a repeated-rejection pattern becomes a
 * draft, i.e. a published spec version with one new conditional rule in shadow; its flip set accumulates
 * while it is in shadow, and an admin confirms it (a new version with the rule enforced) or discards it
 * (a new version without it). Pure: what a draft is and which decisions flip. Which review cell a
 * decision falls in and when a cell's evidence is enough for a draft is the rules loop's
 * (shared/learning/rules.ts).
 */
import type { ReviewCell, ReviewTally } from "../learning/rules.ts";
import type { Decision } from "./decision.ts";
import type { SpecRule } from "./spec-schema.ts";
import type { Verdict } from "./vocabulary.ts";

export const DRAFT_STATUSES = ["shadow", "confirmed", "discarded"] as const;
export type DraftStatus = (typeof DRAFT_STATUSES)[number];

/** Why a draft exists: a reviewer's correction of one decision, or the harness's review tally of a cell. */
export type DraftCorrection =
  | {
      kind: "review";
      decisionId: string;
      /** The review the correction is about. */
      action: "rejected" | "edited" | "vetoed";
      by: string;
      at: string;
      /**
       * The reviewer's note, with the decision's person's name and email taken out and trimmed: the
       * note is free text about a person, and drafts and the spec stream are not sealed per person.
       */
      reason: string;
      /** Whether the reviewer gave the rule's conditions or effect themselves. */
      explicit: boolean;
    }
  | {
      kind: "pattern";
      cell: ReviewCell;
      rejected: number;
      reviewed: number;
    }
  | {
      /** The signals loop's refit of the intent weights (learning/signals.ts, usecases/signals-refit.ts). */
      kind: "refit";
      touches: number;
      meetings: number;
    };

/**
 * A weights draft's amendment: the intent weights a refit proposes, per signal type, next to those in
 * force when it was made, with each fitted weight's uncertainty. Ids and numbers only.
 */
export interface WeightsAmendment {
  /** Points per occurrence in force when the draft was made. */
  from: Record<string, number>;
  /** Points per occurrence proposed (in shadow until the draft is confirmed). */
  to: Record<string, number>;
  /** The fit: log-odds of a meeting per occurrence and its Laplace standard error. */
  fitted: Record<string, { logOdds: number; se: number }>;
  /** The decided-at window of the touches fitted on. */
  since: string;
  until: string;
  /**
   * How the log-odds became points (learning/signals.ts, "The spec's scale"): kept `accountsOver` of
   * the `icpAccounts` read from the directory over minIntent; absent when scaled to the touches' mean.
   */
  scaledBy?: {
    accountsOver: number;
    icpAccounts: number;
    /** How many clear it under the weights in force (fewer kept when the fit allows no more); absent on older drafts. */
    inForceOver?: number;
  };
}

export interface SpecDraft {
  draftId: string;
  status: DraftStatus;
  /** What the draft amends: a conditional rule (absent `kind`) or the intent weights. */
  kind?: "rule" | "weights";
  /** The rule as drafted (mode shadow); absent on a weights draft. */
  rule?: SpecRule;
  /** The intent weights proposed (`learning.signals.shadow` of the shadow version); weights drafts only. */
  weights?: WeightsAmendment;
  /** The current version the draft was made on. */
  baseVersion: number;
  /** The version published with the rule in shadow. */
  shadowVersion: number;
  confirmedVersion?: number;
  discardedVersion?: number;
  correction: DraftCorrection;
  createdAt: string;
  createdBy: string;
  /** Set by confirm or discard: who, when and (optionally) why. */
  closedAt?: string;
  closedBy?: string;
  closedReason?: string;
}

/** One decision a shadow rule would have changed: ids and verdicts only, never personal data. */
export interface Flip {
  specVersion: number;
  rule: string;
  check: string;
  decisionId: string;
  decidedAt: string;
  agentId: string;
  actionType: string;
  accountId: string;
  actual: Verdict;
  wouldBe: Verdict;
}

/** A decision's shadow entries (Decision.shadow, part of the shared contract), structurally. */
type ShadowEntries = { shadow?: { rule: string; check: string; verdict: Verdict }[] };

/**
 * The flips a committed decision adds: one per shadow entry whose verdict differs from the actual one.
 * A rule named twice (it cannot be, names are unique) would still count once.
 */
export function flipsOf(d: Decision): Flip[] {
  const seen = new Set<string>();
  const out: Flip[] = [];
  for (const s of (d as Decision & ShadowEntries).shadow ?? []) {
    if (s.verdict === d.verdict || seen.has(s.rule)) continue;
    seen.add(s.rule);
    out.push({
      specVersion: d.specVersion,
      rule: s.rule,
      check: s.check,
      decisionId: d.decisionId,
      decidedAt: d.decidedAt,
      agentId: d.agentId,
      actionType: d.actionType,
      accountId: d.accountId,
      actual: d.verdict,
      wouldBe: s.verdict,
    });
  }
  return out;
}

/** The UTC day a flip is counted under. */
export const flipDay = (decidedAt: string) => decidedAt.slice(0, 10);

/** Flip counts summed by agent, action type and day. */
export interface FlipTotals {
  total: number;
  byAgent: Record<string, number>;
  byActionType: Record<string, number>;
  byDay: Record<string, number>;
}

export interface FlipCell {
  day: string;
  agentId: string;
  actionType: string;
  count: number;
}

export function sumFlipCells(cells: FlipCell[]): FlipTotals {
  const t: FlipTotals = { total: 0, byAgent: {}, byActionType: {}, byDay: {} };
  for (const c of cells) {
    t.total += c.count;
    t.byAgent[c.agentId] = (t.byAgent[c.agentId] ?? 0) + c.count;
    t.byActionType[c.actionType] = (t.byActionType[c.actionType] ?? 0) + c.count;
    t.byDay[c.day] = (t.byDay[c.day] ?? 0) + c.count;
  }
  return t;
}

export function addTotals(a: FlipTotals, b: FlipTotals): FlipTotals {
  const merge = (x: Record<string, number>, y: Record<string, number>) => {
    const out = { ...x };
    for (const [k, v] of Object.entries(y)) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  return {
    total: a.total + b.total,
    byAgent: merge(a.byAgent, b.byAgent),
    byActionType: merge(a.byActionType, b.byActionType),
    byDay: merge(a.byDay, b.byDay),
  };
}

/** The review cell and tally shapes the draft store and its port speak (defined by the rules loop). */
export type { ReviewCell, ReviewTally };
