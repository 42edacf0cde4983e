/**
 * The deployment's backstop for decisions whose workflow never acted: a Step Functions execution
 * drives a scheduled decision's release and a pending one's expiry, and when its start was given up
 * (the starter's stream record in the dead-letter queue) or the execution failed, the decision would
 * stay scheduled or pending for good, holding its reservation. The gate queues a `release` or
 * `expire` item for each (as the local scheduler uses them); the reconciler takes those overdue by a
 * grace period: a pending decision past its expiry is expired here (no re-check needed, an expiry
 * only gives the reservation back); a scheduled one past its time gets a workflow again, whose Release
 * step re-checks it (this module re-checks nothing, so the reconciler carries no gate or patterns), or,
 * later than MAX_LATE_MS, is vetoed with its reservation given back.
 * Either is conditional: a decision the workflow did act on is left as it is, and its item cleared.
 */
import type { Decision } from "../domain/decision.ts";
import { iso } from "../domain/time.ts";
import type { DueItem } from "../ports.ts";
import { expire, MAX_LATE_MS } from "./execution.ts";
import { type LifecycleDeps, move } from "./transitions.ts";

/** How far past its time an item must be: the workflow has had every chance to act by then. */
export const OVERDUE_GRACE_MS = 15 * 60_000;
/**
 * How late a scheduled action may still go out (MAX_LATE_MS, execution.ts, which holds a dispatched
 * touch to it too). The Release step re-checks the hard rules but not a send window or quiet hours,
 * so a send hours late could reach someone at night; past this the decision is vetoed and its
 * reservation given back, and the agent may propose again.
 */
export { MAX_LATE_MS };

export interface OverdueResult {
  expired: number;
  /** Scheduled decisions given a new workflow this run (at most one an hour each). */
  restarted: number;
  /** Scheduled decisions too late to send: vetoed, their reservation given back. */
  vetoed: number;
  /** Items of decisions their workflow had acted on: only the item is removed. */
  cleared: number;
  failed: number;
}

export interface OverdueOptions {
  /** Items handled at most (failures do not count: an item that always fails must not starve the rest). */
  limit: number;
  /** Whether there is time for one more item (the function's remaining time). */
  timeLeft: () => boolean;
}

/**
 * `restart` starts a workflow for the decision, named by the hour (`<id>-r<hour>`), so a scheduled
 * decision whose restarted workflow failed too is tried again the next hour, until it is too late.
 */
export async function settleOverdue(
  deps: LifecycleDeps,
  restart: (decision: Decision, attempt: string) => Promise<void>,
  now: number,
  o: OverdueOptions,
): Promise<OverdueResult> {
  const r: OverdueResult = { expired: 0, restarted: 0, vetoed: 0, cleared: 0, failed: 0 };
  let after: DueItem | undefined;
  const done = () => r.expired + r.restarted + r.vetoed + r.cleared;
  while (done() < o.limit && o.timeLeft()) {
    const due = await deps.decisions.dueItems(now - OVERDUE_GRACE_MS, 25, after);
    if (due.length === 0) break;
    for (const item of due) {
      after = item;
      if (item.kind === "settle") continue; // the trust sweep's (settleDueItems)
      if (!o.timeLeft()) break;
      try {
        const d = await deps.decisions.getDecision(item.decisionId);
        if (item.kind === "expire" && d?.status === "pending_approval") {
          await expire(deps, item.decisionId);
          r.expired++;
        } else if (item.kind === "release" && d?.status === "scheduled") {
          if (now - item.at > MAX_LATE_MS) {
            await tooLate(deps, d, now);
            r.vetoed++;
          } else {
            // The item stays: if this workflow fails too, the next hour's run starts another.
            await restart(d, `r${Math.floor(now / 3_600_000)}`);
            r.restarted++;
            continue;
          }
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

const tooLate = (deps: LifecycleDeps, d: Decision, now: number) =>
  move(deps, d, {
    to: "vetoed",
    from: ["scheduled"],
    event: "revalidation_failed",
    actor: "harness",
    detail: `not dispatched: its workflow never released it, and ${Math.round((now - Date.parse(d.executeAt ?? iso(now))) / 60_000)} minutes after its time it is too late to send; reservation released`,
    release: true,
  });
