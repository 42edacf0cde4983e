/**
 * What the MCP tools answer about a decision: the fields an agent acts on (is it going out, when, and
 * if not, why and when to try again), not the whole trace. The full decision stays a get away.
 */
import type { ResultOf } from "../client/client.ts";
import type { Operations } from "../client/operations.ts";

type Decision = ResultOf<Operations["agentDecision"]>;

/** Statuses a decision can still leave on its own: a waiter keeps waiting while it holds one. */
export const WAITING_STATUSES: readonly string[] = ["scheduled", "pending_approval", "dispatched"];

export function decisionView(d: Decision) {
  return {
    decisionId: d.decisionId,
    proposalId: d.proposalId,
    agentId: d.agentId,
    actionType: d.actionType,
    accountId: d.accountId,
    ...(d.personId ? { personId: d.personId } : {}),
    verdict: d.verdict,
    status: d.status,
    reasons: d.reasons,
    autonomyLevel: d.autonomyLevel,
    // null rather than absent: the tools' callers read these fields by name (the issue lists them).
    retryAfter: d.retryAfter ?? null,
    executeAt: d.executeAt ?? null,
    ...(d.expiresAt ? { expiresAt: d.expiresAt } : {}),
    ...(d.review ? { review: { action: d.review.action, at: d.review.at } } : {}),
    ...(d.execution ? { execution: d.execution } : {}),
    ...(d.outcomes.length ? { outcomes: d.outcomes.map((o) => ({ type: o.type, at: o.at })) } : {}),
  };
}
export type DecisionView = ReturnType<typeof decisionView>;
