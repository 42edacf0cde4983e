import type { CheckResult, CounterBump, IntentReading, ShadowOutcome } from "./decision-types.ts";
import type { DecisionFacts } from "./replay-facts.ts";
import type { ShadowIntent } from "./shadow-intent.ts";
import type { Channel, DecisionStatus, OutcomeType, Verdict } from "./vocabulary.ts";

/** What the harness did with one proposal, plus everything needed to explain it later. */
export interface Decision {
  decisionId: string;
  proposalId: string;
  agentId: string;
  actionType: string;
  actionKind: "touch" | "audience" | "record" | "unknown";
  channel?: Channel;
  accountId: string;
  personId?: string;
  payload: Record<string, unknown>;
  payloadDigest: string;
  reasoning: string;
  confidence: number;
  claimedSignals?: string[];
  retryOf?: string;
  verdict: Verdict;
  status: DecisionStatus;
  checks: CheckResult[];
  reasons: string[];
  /**
   * Per shadow rule that fired or would have changed the verdict: the verdict with that rule enforced.
   * The decision is in a rule's flip set when that verdict differs from `verdict`. Absent when none did.
   */
  shadow?: ShadowOutcome[];
  /** A touch's intent under a refit's weights in shadow (domain/shadow-intent.ts); the verdict ignores it. */
  shadowIntent?: ShadowIntent;
  autonomyLevel: 1 | 2 | 3;
  autonomySource: "pinned" | "earned" | "start" | "review";
  trustScore: number;
  specVersion: number;
  specHash: string;
  /** The experiment arm the account is assigned to (spec `experiments`); specVersion is that arm's. */
  arm?: string;
  /** The knowledge-base facts the gate saw, as they were at decision time. */
  context: DecisionContext;
  /** What the gate read, compactly, so a proposed spec can re-decide it (replay-facts.ts); absent on old decisions. */
  facts?: DecisionFacts;
  decidedAt: string;
  executeAt?: string;
  /**
   * When its release re-checked it and dispatched it (lifecycle.ts release): after `executeAt` when
   * its workflow was restarted late. A turned-away attempt's retry window counts from here (execution.ts).
   */
  releasedAt?: string;
  retryAfter?: string;
  expiresAt?: string;
  idempotencyKey: string;
  reservation: { touch: boolean; counters: CounterBump[] };
  review?: {
    action: "approved" | "edited" | "rejected" | "vetoed";
    by: string;
    at: string;
    digest: string;
    note?: string;
  };
  execution?: {
    at: string;
    idempotencyKey: string;
    externalId?: string;
    error?: string;
    /**
     * The vendor turned the attempt away (rate limited): nothing was done, and the reconciler hands
     * the decision to the executor again from this time (execution.ts).
     */
    retryAt?: string;
    /** An earlier attempt wrote part of the action before it was turned away (a HubSpot engagement). */
    wrote?: boolean;
    /** The people a list sync went without: the suppression list named them at its send (execution.ts). */
    withheld?: string[];
    /**
     * When SES reported the message delivered to the recipient's mail server: a soft bounce after it
     * (an out-of-office reply) does not unsend it (world-outcomes.ts).
     */
    deliveredAt?: string;
  };
  /**
   * `heldUntilClose`: a record's flag or correction heard within its window, taught to trust when the
   * window closes (usecases/trust-evidence.ts). Absent on judgments taught on arrival, including those
   * recorded before judgments were held, so a settle never teaches one twice.
   */
  outcomes: {
    type: OutcomeType;
    at: string;
    outcomeId?: string;
    heldUntilClose?: true;
    /** When the harness recorded it (absent on outcomes recorded before this was kept): usecases/outcomes.ts. */
    recordedAt?: string;
  }[];
  version: number;
  updatedAt: string;
  /** Set when the person's data key was erased: payload, reasoning and the person's details are gone. */
  erased?: true;
}

export interface DecisionContext {
  account?: {
    name: string;
    domain: string;
    industry: string;
    employees: number;
    country: string;
    timezone: string;
    lifecycle: string;
    ownerId?: string;
  };
  person?: { name: string; title: string; persona?: string; role?: string };
  intent?: IntentReading;
  touchesSeen: number;
}

export type DecisionEventType =
  | "decided"
  | "approved"
  | "edited"
  | "rejected"
  | "vetoed"
  | "expired"
  | "dispatched"
  | "executed"
  | "failed"
  | "in_doubt"
  | "revalidation_failed"
  /** The vendor turned the attempt away (rate limited): still dispatched, tried again later. */
  | "turned_away"
  /** SES delivered the email to the recipient's mail server (usecases/world-outcomes.ts). */
  | "delivered"
  | "outcome";

/** One entry of the append-only ledger. `stream` groups events (a decision, an agent × action's trust, the spec). */
export interface LedgerEvent {
  stream: string;
  seq: number;
  type: string;
  at: string;
  actor: string;
  from?: string;
  to?: string;
  detail: string;
  data?: Record<string, unknown>;
}

/**
 * The fields of a decision returned by the API: internal reservation bookkeeping and the replay's
 * facts (up to hundreds of touches and signals; `context` is their readable summary) stay inside.
 */
export function publicDecision(d: Decision) {
  const { reservation: _r, facts: _f, ...rest } = d;
  return rest;
}

/** Names of ledger streams (the pk of their events). */
export const streams = {
  decision: (decisionId: string) => `DECISION#${decisionId}`,
  trust: (agentId: string, actionType: string) => `TRUST#${agentId}#${actionType}`,
  spec: "SPEC",
  pause: (pauseId: string) => `PAUSE#${pauseId}`,
  personOutcomes: (personId: string) => `OUTCOMES#PERSON#${personId}`,
};
