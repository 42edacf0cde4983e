/**
 * A decision's status changes, the part every lifecycle step shares: the transaction that moves a
 * decision, its ledger event, contact state and counters (usecases/lifecycle.ts re-validates before
 * some of them; usecases/execution.ts executes, expires and reconciles without re-validating). Apart
 * so that a step that never re-checks the hard rules does not carry them (persona patterns and RE2
 * among them) into its Lambda function.
 */
import type { Decision, DecisionEventType } from "../domain/decision.ts";
import type { CounterBump } from "../domain/decision-types.ts";
import { ConflictError, ContentionError, NotFoundError } from "../domain/errors.ts";
import type { SpecVersion } from "../domain/spec-schema.ts";
import { iso, localDate } from "../domain/time.ts";
import type { DecisionStatus } from "../domain/vocabulary.ts";
import type { ContactState, Deps, DueItem, Transition } from "../ports.ts";

export type LifecycleDeps = Pick<
  Deps,
  "clock" | "decisions" | "specs" | "trust" | "events" | "connector" | "approvals" | "drafts" | "log"
>;

export const MAX_ATTEMPTS = 10;

export async function currentSpec(deps: LifecycleDeps): Promise<SpecVersion> {
  const spec = await deps.specs.current();
  if (!spec) throw new NotFoundError("no spec has been published yet");
  return spec;
}

export async function load(deps: LifecycleDeps, decisionId: string): Promise<Decision> {
  const d = await deps.decisions.getDecision(decisionId);
  if (!d) throw new NotFoundError(`decision ${decisionId} does not exist`);
  return d;
}

export interface Move {
  to: DecisionStatus;
  from: DecisionStatus[];
  event: DecisionEventType;
  actor: string;
  detail: string;
  patch?: Partial<Decision>;
  /** Give the reserved touch and counters back (veto, reject, expiry, a send that failed). */
  release?: boolean;
  /**
   * Re-time a pending-approval reservation to the moment it is approved, on the contact state the
   * approval re-checked: the write is conditioned on that snapshot's version, so a touch reserved after
   * the re-check makes the write fail (ContentionError, to the caller, which re-checks) instead of being
   * overlooked.
   */
  retime?: { contact: ContactState; at: number };
  data?: Record<string, unknown>;
  /** A due item written with the move (an execution's trust window, usecases/trust-evidence.ts). */
  addDue?: DueItem;
  /** Counters to add one to under their caps (an approval on a later day: lifecycle.ts approve). */
  addCounters?: CounterBump[];
  /**
   * Take the touch and counters back that a `release` gave away, the touch at `at` (a send SES
   * delivered after a soft bounce had failed it: ses-settle.ts). Counters of past days stay given back.
   */
  restore?: { at: number };
  /**
   * Whether the decision, read again after contention on its account, is still the one the move was
   * decided on (the reconciler's hold-back: not one an executor has since claimed). Else ConflictError.
   */
  still?: (current: Decision) => boolean;
}

/**
 * One status change: decision, ledger event, contact state and counters in one transaction, retried
 * when another writer changed the account's contact state in between.
 */
export async function move(deps: LifecycleDeps, decision: Decision, m: Move): Promise<Decision> {
  let current = decision;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const now = deps.clock.now();
    if (!m.from.includes(current.status) || (attempt > 0 && m.still && !m.still(current)))
      throw new ConflictError(
        `decision ${current.decisionId} is ${current.status}, not ${m.from.join(" or ")}, or moved on`,
      );
    const t: Transition = {
      decisionId: current.decisionId,
      expectStatus: m.from,
      expectVersion: current.version,
      patch: { status: m.to, ...m.patch },
      event: {
        type: m.event,
        at: iso(now),
        actor: m.actor,
        from: current.status,
        to: m.to,
        detail: m.detail,
        ...(m.data ? { data: m.data } : {}),
      },
    };
    if (m.retime && current.reservation.touch) {
      const { contact, at } = m.retime;
      const touches = contact.touches.map((x) => {
        if (x.decisionId !== current.decisionId) return x;
        const { expiresAt: _e, ...rest } = x;
        return { ...rest, from: at, to: at };
      });
      t.contact = { accountId: current.accountId, expectVersion: contact.version, touches };
    } else if ((m.release || m.restore) && current.reservation.touch) {
      const contact = await deps.decisions.getContactState(current.accountId);
      const touches = contact.touches.filter((x) => x.decisionId !== current.decisionId);
      // The touch as the gate reserved it (gate.ts), at the moment it went out.
      if (m.restore && current.channel)
        touches.push({
          decisionId: current.decisionId,
          agentId: current.agentId,
          actionType: current.actionType,
          channel: current.channel,
          ...(current.personId ? { personId: current.personId } : {}),
          from: m.restore.at,
          to: m.restore.at,
        });
      t.contact = { accountId: current.accountId, expectVersion: contact.version, touches };
    }
    if (m.release || m.restore) {
      // A past day's cap can no longer be exceeded (and its counter may be gone): give back today's and later only.
      const spec = await deps.specs.current();
      const today = localDate(now, spec?.spec.workspace.timezone ?? "UTC");
      const counters = current.reservation.counters.filter((c) => c.day >= today);
      if (m.release) t.releaseCounters = counters;
      else t.restoreCounters = counters;
    }
    if (m.release || m.to === "dispatched") {
      const due: DueItem[] = [];
      if (current.executeAt)
        due.push({ decisionId: current.decisionId, kind: "release", at: Date.parse(current.executeAt) });
      if (current.expiresAt)
        due.push({ decisionId: current.decisionId, kind: "expire", at: Date.parse(current.expiresAt) });
      t.clearDue = due;
    }
    if (m.addDue) t.addDue = m.addDue;
    if (m.addCounters) t.addCounters = m.addCounters;
    try {
      const next = await deps.decisions.transition(t);
      await deps.events.publish([
        {
          type: "decision.transitioned",
          detail: {
            decisionId: next.decisionId,
            from: current.status,
            to: next.status,
            agentId: next.agentId,
            actionType: next.actionType,
            accountId: next.accountId,
          },
        },
      ]);
      return next;
    } catch (err) {
      // A re-timed approval was checked on one snapshot: only the caller may decide again.
      if (!(err instanceof ContentionError) || m.retime) throw err;
      current = await load(deps, current.decisionId);
    }
  }
  throw new ContentionError(`decision ${decision.decisionId}: the account's contact state is too contended`);
}
