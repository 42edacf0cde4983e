import { holdoutCheck } from "../domain/arms.ts";
import type { Decision, DecisionEventType } from "../domain/decision.ts";
import { ConflictError, ContentionError, NotFoundError } from "../domain/errors.ts";
import { payloadDigest } from "../domain/ids.ts";
import { failures, revalidate } from "../domain/revalidate.ts";
import type { SpecVersion } from "../domain/spec-schema.ts";
import { iso, localDate } from "../domain/time.ts";
import type { DecisionStatus, OutcomeType } from "../domain/vocabulary.ts";
import { ConnectorError, type ContactState, type Deps, type DueItem, type Transition } from "../ports.ts";
import { draftFromPattern } from "./drafts.ts";
import { SpecVersions } from "./experiments.ts";
import { gateContext } from "./gate.ts";
import { assertMayReview, type Principal } from "./principal.ts";
import { recordTrustOutcome } from "./trust.ts";
import { settleDue } from "./trust-evidence.ts";

type LifecycleDeps = Pick<
  Deps,
  "clock" | "decisions" | "specs" | "trust" | "events" | "connector" | "approvals" | "drafts"
>;

const MAX_ATTEMPTS = 10;

async function currentSpec(deps: LifecycleDeps): Promise<SpecVersion> {
  const spec = await deps.specs.current();
  if (!spec) throw new NotFoundError("no spec has been published yet");
  return spec;
}

async function load(deps: LifecycleDeps, decisionId: string): Promise<Decision> {
  const d = await deps.decisions.getDecision(decisionId);
  if (!d) throw new NotFoundError(`decision ${decisionId} does not exist`);
  return d;
}

interface Move {
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
}

/**
 * One status change: decision, ledger event, contact state and counters in one transaction, retried
 * when another writer changed the account's contact state in between.
 */
async function move(deps: LifecycleDeps, decision: Decision, m: Move): Promise<Decision> {
  let current = decision;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const now = deps.clock.now();
    if (!m.from.includes(current.status))
      throw new ConflictError(
        `decision ${current.decisionId} is ${current.status}, not ${m.from.join(" or ")}`,
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
    } else if (m.release && current.reservation.touch) {
      const contact = await deps.decisions.getContactState(current.accountId);
      const touches = contact.touches.filter((x) => x.decisionId !== current.decisionId);
      t.contact = { accountId: current.accountId, expectVersion: contact.version, touches };
    }
    if (m.release) {
      // A past day's cap can no longer be exceeded (and its counter may be gone): give back today's and later only.
      const spec = await deps.specs.current();
      const today = localDate(now, spec?.spec.workspace.timezone ?? "UTC");
      t.releaseCounters = current.reservation.counters.filter((c) => c.day >= today);
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

/** Re-read everything the hard rules need and check them again, on the current spec. */
async function recheck(deps: LifecycleDeps, decision: Decision, payload: Record<string, unknown>) {
  const now = deps.clock.now();
  const read = await deps.decisions.readGateContext({
    decisionId: decision.decisionId,
    agentId: decision.agentId,
    actionType: decision.actionType,
    accountId: decision.accountId,
    day: localDate(now, "UTC"),
    ...(decision.channel ? { channel: decision.channel } : {}),
    ...(decision.personId ? { personId: decision.personId } : {}),
  });
  // The current spec's experiment, if any, says which version re-checks it (the account's arm's), and a
  // holdout account (the experiment may have changed since) is not contacted.
  const current = read.spec ?? (await currentSpec(deps));
  const choice = await new SpecVersions(deps.specs).choose(current, decision.accountId);
  const spec = choice.spec;
  const proposal = {
    proposalId: decision.proposalId,
    agentId: decision.agentId,
    action: { type: decision.actionType },
    target: { accountId: decision.accountId, ...(decision.personId ? { personId: decision.personId } : {}) },
    payload,
    reasoning: decision.reasoning,
    confidence: decision.confidence,
  };
  const ctx = gateContext(read, spec, proposal, now);
  const checks = revalidate(ctx, decision, payload);
  if (choice.assignment?.holdout && decision.channel) checks.push(holdoutCheck(choice.assignment));
  return { spec, checks, failed: failures(checks), contact: read.contact, now };
}

const describeFailures = (failed: { check: string; rule?: string; detail: string }[]) =>
  failed.map((c) => `${c.check}${c.rule ? ` (${c.rule})` : ""}: ${c.detail}`).join("; ");

async function teach(deps: LifecycleDeps, decision: Decision, outcome: OutcomeType, cause: string) {
  const spec = await currentSpec(deps);
  await recordTrustOutcome(deps, spec, decision.agentId, decision.actionType, outcome, cause);
}

/**
 * A refusal may complete a pattern (the repeated-rejection heuristic, usecases/drafts.ts): the review's
 * transition already counted it in its cell. The review stands whatever happens here; a draft that
 * could not be made now is made after the cell's next review.
 */
async function draftOnPattern(deps: LifecycleDeps, decision: Decision): Promise<void> {
  try {
    await draftFromPattern(deps, decision);
  } catch {
    // Deliberately quiet: the reviewer's answer is about their review, which succeeded.
  }
}

export interface ReviewInput {
  /** The digest of the payload the reviewer saw (from the decision's `payloadDigest`). */
  digest: string;
  /** An edited payload: what executes instead, and an "edited" outcome for trust. */
  payload?: Record<string, unknown>;
  note?: string;
}

export async function approve(
  deps: LifecycleDeps,
  decisionId: string,
  input: ReviewInput,
  principal: Principal,
): Promise<Decision> {
  let decision = await load(deps, decisionId);
  assertMayReview(principal, decision.agentId);
  for (let attempt = 0; ; attempt++) {
    if (decision.status !== "pending_approval")
      throw new ConflictError(`decision ${decisionId} is ${decision.status}, not pending_approval`);
    if (input.digest !== decision.payloadDigest) {
      throw new ConflictError(
        `digest ${input.digest} does not match the payload under review (${decision.payloadDigest}); reload the decision`,
      );
    }
    const edited = input.payload !== undefined && payloadDigest(input.payload) !== decision.payloadDigest;
    const payload = edited && input.payload ? input.payload : decision.payload;
    const { failed, contact, now } = await recheck(deps, decision, payload);
    // Judged at the instant of the re-check, which is the instant the touch is placed at.
    if (decision.expiresAt && Date.parse(decision.expiresAt) <= now) {
      await expire(deps, decisionId);
      throw new ConflictError(`decision ${decisionId} expired at ${decision.expiresAt}`);
    }
    if (failed.length > 0) {
      const stopped = await move(deps, decision, {
        to: "rejected",
        from: ["pending_approval"],
        event: "revalidation_failed",
        actor: "harness",
        detail: `approved by ${principal.subject} but re-validation failed: ${describeFailures(failed)}`,
        release: true,
        data: { checks: failed },
      });
      await deps.approvals.resolved(stopped, "rejected");
      return stopped;
    }
    const review = {
      action: edited ? ("edited" as const) : ("approved" as const),
      by: principal.subject,
      at: iso(now),
      digest: input.digest,
      ...(input.note ? { note: input.note } : {}),
    };
    let next: Decision;
    try {
      next = await move(deps, decision, {
        to: "dispatched",
        from: ["pending_approval"],
        event: edited ? "edited" : "approved",
        actor: principal.subject,
        detail: `${edited ? "edited and approved" : "approved"} by ${principal.subject}${input.note ? `: ${input.note}` : ""}`,
        patch: { review, ...(edited ? { payload, payloadDigest: payloadDigest(payload) } : {}) },
        retime: { contact, at: now },
      });
    } catch (err) {
      // Someone reserved on this account after the re-check: check again on what they did.
      if (!(err instanceof ContentionError) || attempt + 1 >= MAX_ATTEMPTS) throw err;
      decision = await load(deps, decisionId);
      continue;
    }
    // The conditional transition above is what makes one approval count once; only then is the
    // workflow waiting on this review released.
    await deps.approvals.resolved(next, "approved");
    await teach(deps, decision, edited ? "edited" : "approved", `review of ${decisionId}`);
    return next;
  }
}

export async function reject(
  deps: LifecycleDeps,
  decisionId: string,
  input: { note?: string },
  principal: Principal,
): Promise<Decision> {
  const decision = await load(deps, decisionId);
  assertMayReview(principal, decision.agentId);
  const next = await move(deps, decision, {
    to: "rejected",
    from: ["pending_approval"],
    event: "rejected",
    actor: principal.subject,
    detail: `rejected by ${principal.subject}${input.note ? `: ${input.note}` : ""}`,
    patch: {
      review: {
        action: "rejected",
        by: principal.subject,
        at: iso(deps.clock.now()),
        digest: decision.payloadDigest,
        ...(input.note ? { note: input.note } : {}),
      },
    },
    release: true,
  });
  await deps.approvals.resolved(next, "rejected");
  await teach(deps, decision, "rejected", `review of ${decisionId}`);
  await draftOnPattern(deps, next);
  return next;
}

export async function veto(
  deps: LifecycleDeps,
  decisionId: string,
  input: { note?: string },
  principal: Principal,
): Promise<Decision> {
  const decision = await load(deps, decisionId);
  assertMayReview(principal, decision.agentId);
  const next = await move(deps, decision, {
    to: "vetoed",
    from: ["scheduled"],
    event: "vetoed",
    actor: principal.subject,
    detail: `vetoed by ${principal.subject} inside the override window${input.note ? `: ${input.note}` : ""}`,
    patch: {
      review: {
        action: "vetoed",
        by: principal.subject,
        at: iso(deps.clock.now()),
        digest: decision.payloadDigest,
        ...(input.note ? { note: input.note } : {}),
      },
    },
    release: true,
  });
  await teach(deps, decision, "vetoed", `veto of ${decisionId}`);
  await draftOnPattern(deps, next);
  return next;
}

/** Approval timeout: the reservation is given back. Idempotent: a decision no longer pending is left alone. */
export async function expire(deps: LifecycleDeps, decisionId: string): Promise<Decision | undefined> {
  const decision = await deps.decisions.getDecision(decisionId);
  if (decision?.status !== "pending_approval") return decision;
  if (decision.expiresAt && Date.parse(decision.expiresAt) > deps.clock.now()) return decision;
  return move(deps, decision, {
    to: "expired",
    from: ["pending_approval"],
    event: "expired",
    actor: "harness",
    detail: `no review before ${decision.expiresAt}; reservation released`,
    release: true,
  });
}

/** The override window closed: re-validate, then dispatch (or cancel) the scheduled action. */
export async function release(deps: LifecycleDeps, decisionId: string): Promise<Decision | undefined> {
  // The version this process committed is a hint that spares the read (see executeFrom's note): the
  // re-check reads what it needs afresh, and the move is conditioned on the hint's version.
  const hint = deps.decisions.lastKnown?.(decisionId);
  if (hint?.status === "scheduled" && !(hint.executeAt && Date.parse(hint.executeAt) > deps.clock.now())) {
    try {
      return await releaseFrom(deps, hint);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      // Moved on by another process since: decide on what the ledger says now.
    }
  }
  const decision = await deps.decisions.getDecision(decisionId);
  if (decision?.status !== "scheduled") return decision;
  if (decision.executeAt && Date.parse(decision.executeAt) > deps.clock.now()) return decision;
  return releaseFrom(deps, decision);
}

async function releaseFrom(deps: LifecycleDeps, decision: Decision): Promise<Decision> {
  const { failed } = await recheck(deps, decision, decision.payload);
  if (failed.length > 0) {
    return move(deps, decision, {
      to: "vetoed",
      from: ["scheduled"],
      event: "revalidation_failed",
      actor: "harness",
      detail: `not dispatched: re-validation failed: ${describeFailures(failed)}`,
      release: true,
      data: { checks: failed },
    });
  }
  return move(deps, decision, {
    to: "dispatched",
    from: ["scheduled"],
    event: "dispatched",
    actor: "harness",
    detail: "override window closed without a veto; re-validation passed",
  });
}

/**
 * Execute a dispatched decision through its connector, with the decision's idempotency key. The
 * attempt is recorded before the call, so a crash in between leaves evidence: a decision found
 * dispatched with an attempt on record is marked in_doubt for a human, never sent again.
 */
export async function execute(deps: LifecycleDeps, decisionId: string): Promise<Decision | undefined> {
  // The version this process last wrote (the gate's commit, an approval, a release) spares the read:
  // the attempt below is claimed by a transition conditioned on that version, so a hint another
  // process has made stale only loses the condition, and the decision is then read as before.
  const hint = deps.decisions.lastKnown?.(decisionId);
  if (hint?.status === "dispatched" && !hint.execution && !hint.erased) {
    const done = await executeFrom(deps, hint, true);
    if (done !== STALE) return done;
  }
  const decision = await deps.decisions.getDecision(decisionId);
  if (decision?.status !== "dispatched") return decision;
  // Someone is already executing it (events are delivered at least once); recovery handles stale attempts.
  if (decision.execution) return decision;
  return executeFrom(deps, decision, false) as Promise<Decision | undefined>;
}

const STALE = Symbol("stale hint");

/** Nothing left to send, nor anyone to send it to: the reservation is given back. */
const failErased = (deps: LifecycleDeps, decision: Decision, now: string) =>
  move(deps, decision, {
    to: "failed",
    from: ["dispatched"],
    event: "failed",
    actor: "harness",
    detail: "not executed: the person's data was erased; reservation released",
    patch: { execution: { at: now, idempotencyKey: decision.idempotencyKey, error: "person erased" } },
    release: true,
  });

async function executeFrom(
  deps: LifecycleDeps,
  decision: Decision,
  fromHint: boolean,
): Promise<Decision | undefined | typeof STALE> {
  const decisionId = decision.decisionId;
  const now = iso(deps.clock.now());
  // The person was erased between dispatch and execution: there is nothing left to send, nor anyone to send it to.
  if (decision.erased) return failErased(deps, decision, now);
  let started: Decision;
  try {
    started = await deps.decisions.transition({
      decisionId,
      expectStatus: ["dispatched"],
      expectVersion: decision.version,
      patch: { execution: { at: now, idempotencyKey: decision.idempotencyKey } },
      event: {
        type: "executing",
        at: now,
        actor: "harness",
        detail: `calling the ${decision.channel ?? decision.actionType} connector with key ${decision.idempotencyKey}`,
      },
    });
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    // From a hint: it may just be old. Read and decide again.
    if (fromHint) return STALE;
    // A concurrent delivery of the same event claimed the attempt first: it executes, this one stops.
    return deps.decisions.getDecision(decisionId);
  }
  // The person was erased after the version this started from was read (the claim read the decision
  // again when its data key had changed): nothing is sent; the attempt on record says why.
  if (started.erased) return failErased(deps, started, now);
  try {
    const result = await deps.connector.execute({
      idempotencyKey: decision.idempotencyKey,
      decision: started,
      payload: started.payload,
    });
    return await move(deps, started, {
      to: "executed",
      from: ["dispatched"],
      event: "executed",
      actor: "harness",
      detail: `executed (${result.externalId})`,
      patch: {
        execution: { at: now, idempotencyKey: decision.idempotencyKey, externalId: result.externalId },
      },
      // When the trust window closes, silence (a touch) or a record that stood becomes evidence. The
      // send happened: a failed spec read must not make it in doubt (the default window is used).
      addDue: settleDue(decisionId, Date.parse(now), await deps.specs.current().catch(() => undefined)),
    });
  } catch (err) {
    if (err instanceof ConnectorError && !err.outcomeUnknown) {
      return move(deps, started, {
        to: "failed",
        from: ["dispatched"],
        event: "failed",
        actor: "harness",
        detail: `connector refused: ${err.message}; reservation released`,
        patch: { execution: { at: now, idempotencyKey: decision.idempotencyKey, error: err.message } },
        release: true,
      });
    }
    return markInDoubt(deps, started, `connector outcome unknown: ${(err as Error).message}`);
  }
}

async function markInDoubt(deps: LifecycleDeps, decision: Decision, why: string): Promise<Decision> {
  return move(deps, decision, {
    to: "in_doubt",
    from: ["dispatched"],
    event: "in_doubt",
    actor: "harness",
    detail: `${why}; a human must check whether it was sent (idempotency key ${decision.idempotencyKey})`,
  });
}

/**
 * Reconcile dispatched decisions that nobody is executing: run at startup and periodically while the
 * harness runs. One whose attempt is older than `staleMs` and not in flight in this process never
 * recorded a result (the process that made it died mid-call) and becomes in_doubt for a human: it may
 * have been sent, so it is never sent again. One never attempted was not sent (the attempt is recorded
 * before the call) and is executed now; the attempt claim is conditional, so a worker executing it at
 * the same moment cannot make it a second send. `inFlight` names the decisions this process is
 * executing right now (default: none, as at startup).
 */
export async function recoverDispatched(
  deps: LifecycleDeps,
  staleMs: number,
  options: {
    inFlight?: (decisionId: string) => boolean;
    /**
     * Start executing a dispatched decision nobody attempted, without waiting for its send: a loop
     * that reconciles must not stall behind a slow connector. Default: execute and wait (startup).
     */
    startExecution?: (decisionId: string) => void;
  } = {},
): Promise<{ executed: number; inDoubt: number }> {
  const inFlight = options.inFlight ?? (() => false);
  let cursor: string | undefined;
  let executed = 0;
  let inDoubt = 0;
  do {
    const page = await deps.decisions.queryDecisions({
      status: "dispatched",
      limit: 100,
      ...(cursor ? { cursor } : {}),
    });
    for (const listed of page.items) {
      if (inFlight(listed.decisionId)) continue;
      // The listing may lag behind the decision: act on the decision as it is now.
      const d = await deps.decisions.getDecision(listed.decisionId);
      if (d?.status !== "dispatched" || inFlight(d.decisionId)) continue;
      try {
        if (d.execution) {
          if (deps.clock.now() - Date.parse(d.execution.at) >= staleMs) {
            await markInDoubt(deps, d, "the process stopped during the connector call");
            inDoubt++;
          }
        } else if (options.startExecution) {
          options.startExecution(d.decisionId);
          executed++;
        } else {
          const after = await execute(deps, d.decisionId);
          if (after?.status !== "dispatched") executed++;
        }
      } catch (err) {
        // Someone else moved it in between (its own execution finished): nothing left to reconcile.
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    cursor = page.cursor;
  } while (cursor);
  return { executed, inDoubt };
}
