import type { TrustRecord } from "../learning/trust.ts";
import type { Account, Person, SuppressionEntry } from "./kb.ts";
import type { Proposal } from "./proposal.ts";
import type { ShadowIntent } from "./shadow-intent.ts";
import type { SpecVersion } from "./spec-schema.ts";
import type { Channel, DecisionStatus, Verdict } from "./vocabulary.ts";

export type CheckName =
  | "kill_switch"
  | "suppression"
  | "icp"
  | "persona"
  | "intent"
  | "content_quality"
  | "confidence"
  | "volume"
  | "coordination"
  | "autonomy"
  /** A conditional rule of the spec's `rules` section. */
  | "rule"
  /** The spec's experiment: a holdout account gets no outreach (domain/arms.ts). */
  | "experiment";

export type CheckResultValue = "pass" | "fail" | "n/a";

/** What a failing check does to the verdict. */
export type CheckEffect = "block" | "defer" | "review";

export interface CheckResult {
  check: CheckName;
  /** The spec rule that produced this entry, when the check has several rules. */
  rule?: string;
  result: CheckResultValue;
  /** Shadow rules are evaluated and recorded but never change the verdict. */
  shadow?: boolean;
  effect?: CheckEffect;
  detail: string;
}

/**
 * A reserved touch on an account's contact state. It occupies the interval [from, to]: a point for
 * executed or scheduled touches; for touches waiting for approval, the whole approval window, since
 * the approver may release them at any moment until they expire.
 */
export interface Touch {
  decisionId: string;
  agentId: string;
  actionType: string;
  channel: Channel;
  personId?: string;
  from: number;
  to: number;
  /** A pending reservation that was never resolved is treated as absent after this instant. */
  expiresAt?: number;
}

export interface Pause {
  pauseId: string;
  scope: "global" | "agent" | "channel" | "account";
  target?: string;
  reason: string;
  createdBy: string;
  createdAt: string;
  until?: string;
}

export interface VolumeCounts {
  agent: number;
  channel?: number;
  actionType: number;
}

/** Everything the gate knows when it decides: read in one batch, never taken from the proposal. */
export interface GateContext {
  now: number;
  spec: SpecVersion;
  proposal: Proposal;
  account?: Account;
  person?: Person;
  touches: Touch[];
  counts: VolumeCounts;
  /** Counters a reservation attempt found already at their cap (the read may have been stale). */
  fullCounters?: string[];
  trust?: TrustRecord;
  pauses: Pause[];
  suppressions: SuppressionEntry[];
  /**
   * Why the payload would reach someone other than the person (domain/recipients.ts), as the gate
   * read it from the person's full record; a replay keeps the decision's own reading (it has no
   * address to compare, and no spec changes whom a payload goes to).
   */
  misaddressed?: string;
}

/** A counter bumped by a reservation, with the cap its conditional write enforces. */
export interface CounterBump {
  counter: string;
  day: string;
  cap: number;
}

export interface Reservation {
  touch?: Touch;
  counters: CounterBump[];
}

export interface IntentReading {
  score: number;
  /**
   * `count`: occurrences counted (at most the type's `maxCount`); `seen`: how many occurred in the
   * window, when more than counted.
   */
  counted: { type: string; count: number; weight: number; windowDays: number; seen?: number }[];
}

/**
 * What one shadow rule would have done: the verdict the decision would have had with that rule alone
 * enforced (everything else as it was). Present when the rule fired or would have changed the verdict.
 */
export interface ShadowOutcome {
  rule: string;
  check: CheckName;
  verdict: Verdict;
}

export interface Evaluation {
  verdict: Verdict;
  status: DecisionStatus;
  checks: CheckResult[];
  reasons: string[];
  autonomyLevel: 1 | 2 | 3;
  /** Where the level came from: an admin's pin, earned trust, the spec's starting level, or review forced by low confidence. */
  autonomySource: "pinned" | "earned" | "start" | "review";
  trustScore: number;
  retryAfter?: number;
  executeAt?: number;
  expiresAt?: number;
  reservation: Reservation;
  intent?: IntentReading;
  /** Intent under a refit's weights in shadow (shadow-intent.ts); never changes the verdict. */
  shadowIntent?: ShadowIntent;
  persona?: { name: string; role: string };
  /** One entry per shadow rule that fired or would have changed the verdict; absent when none did. */
  shadow?: ShadowOutcome[];
}
