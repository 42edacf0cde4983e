/**
 * The deployment's backstop for decisions whose workflow never acted: a Step Functions execution
 * drives a scheduled decision's release and a pending one's expiry, and when its start was given up
 * (the starter's stream record in the dead-letter queue) or the execution failed, the decision would
 * stay scheduled or pending for good, holding its reservation. The gate queues a `release` or
 * `expire` item for each (as the local scheduler uses them); the reconciler takes those overdue by a
 * grace period: a pending decision past its expiry is expired here (no re-check needed, an expiry
 * only gives the reservation back); a scheduled one past its time gets a workflow again, whose Release
 * step re-checks it (this module re-checks nothing, so the reconciler carries no gate or patterns).
 * Either is conditional: a decision the workflow did act on is left as it is, and its item cleared.
 */
import type { Decision } from "../domain/decision.ts";
import type { DueItem } from "../ports.ts";
import { expire } from "./execution.ts";
import type { LifecycleDeps } from "./transitions.ts";

/** How far past its time an item must be: the workflow has had every chance to act by then. */
export const OVERDUE_GRACE_MS = 15 * 60_000;

export interface OverdueResult {
  expired: number;
  restarted: number;
  /** Items of decisions their workflow had acted on: only the item is removed. */
  cleared: number;
  failed: number;
}

export async function settleOverdue(
  deps: LifecycleDeps,
  restart: (decision: Decision) => Promise<void>,
  now: number,
  limit = 100,
): Promise<OverdueResult> {
  const r: OverdueResult = { expired: 0, restarted: 0, cleared: 0, failed: 0 };
  let after: DueItem | undefined;
  while (r.expired + r.restarted + r.cleared + r.failed < limit) {
    const due = await deps.decisions.dueItems(now - OVERDUE_GRACE_MS, 25, after);
    if (due.length === 0) break;
    for (const item of due) {
      after = item;
      if (item.kind === "settle") continue; // the trust sweep's (settleDueItems)
      try {
        const d = await deps.decisions.getDecision(item.decisionId);
        if (item.kind === "expire" && d?.status === "pending_approval") {
          await expire(deps, item.decisionId);
          r.expired++;
        } else if (item.kind === "release" && d?.status === "scheduled") {
          await restart(d);
          r.restarted++;
        } else r.cleared++;
        await deps.decisions.deleteDue(item);
      } catch {
        // Left queued: the next run tries again.
        r.failed++;
      }
    }
  }
  return r;
}
