/**
 * The lifecycle steps that do not re-check the hard rules: an approval wait timing out (expire), the
 * connector call of a dispatched decision (execute) and the reconciliation of dispatched decisions
 * nobody is executing. A decision is executed as it was dispatched, after the re-check of its approval
 * or release (usecases/lifecycle.ts); an expiry only gives a reservation back; a reconciliation hands
 * a decision to execute or marks it in doubt. So the Expire, Execute and Reconcile functions carry no
 * persona patterns, no RE2 and no gate.
 */
import type { Decision } from "../domain/decision.ts";
import { ConflictError } from "../domain/errors.ts";
import { leaveOut } from "../domain/list-sync-people.ts";
import { iso } from "../domain/time.ts";
import { ConnectorError, type ConnectorResult, type ListedAt } from "../ports.ts";
import { heldBack } from "./redrive-checks.ts";
import { type LifecycleDeps, type Move, move } from "./transitions.ts";
import { recordTrustOutcome } from "./trust.ts";
import { settleDue } from "./trust-evidence.ts";

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

/**
 * Execute a dispatched decision through its connector, with the decision's idempotency key. The
 * attempt is recorded before the call, so a crash in between leaves evidence: a decision found
 * dispatched with an attempt on record is marked in_doubt for a human, never sent again.
 */
export async function execute(
  deps: LifecycleDeps,
  decisionId: string,
  options: ExecuteOptions = {},
): Promise<Decision | undefined> {
  // The version this process last wrote (the gate's commit, an approval, a release) spares the read:
  // the attempt below is claimed by a transition conditioned on that version, so a hint another
  // process has made stale only loses the condition, and the decision is then read as before.
  // Unattempted, or turned away by the vendor and due to be tried again.
  const ready = (d: Decision) =>
    !d.execution ||
    (d.execution.retryAt !== undefined && deps.clock.now() >= Date.parse(d.execution.retryAt));
  const hint = deps.decisions.lastKnown?.(decisionId);
  if (hint?.status === "dispatched" && ready(hint) && !hint.erased) {
    const done = await executeFrom(deps, hint, true, options);
    if (done !== STALE) return done;
  }
  let decision = await deps.decisions.getDecision(decisionId);
  for (let attempt = 0; ; attempt++) {
    if (decision?.status !== "dispatched") return decision;
    // Someone is already executing it (events are delivered at least once); recovery handles stale
    // attempts. One turned away is tried again from its time (handBack).
    if (!ready(decision)) return decision;
    const done = (await executeFrom(deps, decision, false, options)) as Decision | undefined;
    // The claim lost its condition to a write that claimed nothing (an outcome appended, an erasure
    // re-sealing it): what the decision is now is claimed again, a few times. Before, it was left
    // dispatched and unattempted for the reconciler's next run, minutes on.
    if (attempt >= CLAIM_TRIES - 1 || done === undefined || done.version === decision.version) return done;
    decision = done;
  }
}

/** Claims of one execution against writes that claim nothing (execute). */
const CLAIM_TRIES = 3;

export interface ExecuteOptions {
  /**
   * The ms this run may still spend on the connector's calls (a Lambda function's remaining time,
   * less what recording the result needs): a call that could not end in it is not started, and the
   * action is tried again later (turned away) instead of cut off mid-call and left in doubt. None
   * locally, where nothing stops the process mid-call.
   */
  timeLeft?: () => number;
}

const STALE = Symbol("stale hint");

/**
 * How late an action may still go out: the checks it passed (quiet hours, send windows, the spec's
 * rules) were made when it was decided, approved or released; only pauses and suppressions are
 * checked again at the send (redrive-checks.ts). Past this the touch is not sent (overdue.ts vetoes
 * a scheduled one so).
 */
export const MAX_LATE_MS = 2 * 3_600_000;

/**
 * When a decision was dispatched: at the gate (allowed), at its approval, or at its time (released
 * after its override window). Not `updatedAt`, which an outcome recorded on it moves. How late a touch
 * may still go out (MAX_LATE_MS) counts from here, also for one released late: the release's re-check
 * reads no send window or quiet hours, which were checked for this time.
 */
const dispatchedAt = (d: Decision): number =>
  Math.max(
    Date.parse(d.decidedAt),
    d.review?.at ? Date.parse(d.review.at) : 0,
    d.executeAt ? Date.parse(d.executeAt) : 0,
  );

/**
 * Where a turned-away decision's retry window starts: its dispatch, or its release when its workflow
 * was restarted late (the release re-checked pauses, suppressions and the spec's rules then). Before,
 * a touch released 40 minutes late and turned away once was failed at once, its window long over.
 */
const retryFrom = (d: Decision): number =>
  Math.max(dispatchedAt(d), d.releasedAt ? Date.parse(d.releasedAt) : 0);

/**
 * A dispatched decision that will not be sent: failed with why, its reservation given back, so the
 * agent may propose again through the gate. Only while it carries the attempt it was judged on (none,
 * or the same): read again after contention on its account, one another executor claimed meanwhile is
 * that executor's. Before, a touch judged too late was failed under the executor sending it.
 */
const failUnsent = (
  deps: LifecycleDeps,
  decision: Decision,
  now: string,
  error: string,
  why: string,
  still?: (current: Decision) => boolean,
) =>
  move(deps, decision, {
    to: "failed",
    from: ["dispatched"],
    event: "failed",
    actor: "harness",
    detail: `not executed: ${why}; reservation released`,
    patch: { execution: { at: now, idempotencyKey: decision.idempotencyKey, error } },
    release: true,
    still: still ?? ((current) => current.execution?.at === decision.execution?.at),
  });

/** Nothing left to send, nor anyone to send it to. */
const failErased = (deps: LifecycleDeps, decision: Decision, now: string) =>
  failUnsent(deps, decision, now, "person erased", "the person's data was erased");

/**
 * A touch dispatched longer ago than MAX_LATE_MS and never attempted (its executor was throttled,
 * failed or never invoked, and the reconciler hands it over only now): someone who replied or
 * unsubscribed meanwhile would be contacted, at night perhaps. A record action still applies: it
 * reaches nobody.
 */
const failTooLate = (deps: LifecycleDeps, decision: Decision, now: string) =>
  failUnsent(
    deps,
    decision,
    now,
    "too late",
    `dispatched at ${new Date(dispatchedAt(decision)).toISOString()}, too late to send on the checks made then`,
  );

/**
 * How long after its dispatch a decision the vendor keeps turning away is tried again. Only pauses and
 * suppressions are checked again at the send (not a reply's timing, quiet hours or the spec's rules), so a
 * touch or an audience add only while the checks it passed are recent, 30 minutes (a burst limit
 * clears within that); a record action, which reaches nobody, 6 hours. A list sync not at all: the
 * next hourly sync works out its difference from the last synced snapshot, which a held one would
 * overwrite with a stale difference applied (someone who left the audience meanwhile left in it).
 */
const retryWindowMs = (d: Decision): number =>
  d.actionType === "list.sync" ? 0 : d.actionKind === "record" ? 6 * 3_600_000 : 30 * 60_000;
/** The end of a decision's retry window (retryWindowMs), from its dispatch. */
const retryUntil = (d: Decision): number => retryFrom(d) + retryWindowMs(d);

/** What the reconciler's recheck says of a decision it would hand back: nothing holds it, stop, or wait. */
export type Recheck =
  | { stop: string }
  | { wait: string; until: number }
  /** It goes, without these people among a list sync's adds. */
  | { without: string[] }
  | undefined;

/**
 * The latest a dispatched decision may still go out, as far as the reconciler waits for a pause: a
 * turned-away one until its retry window ends, a touch never attempted until MAX_LATE_MS after its
 * dispatch (the executor fails it after), a record action never attempted within its retry window
 * from now (it reaches nobody, so it may go late, but it does not wait out a days-long pause holding
 * its reservation).
 */
const latestSend = (d: Decision, now: number): number =>
  d.execution?.retryAt !== undefined
    ? retryUntil(d)
    : d.actionKind === "touch"
      ? dispatchedAt(d) + MAX_LATE_MS
      : now + retryWindowMs(d);

/** The latest a decision dispatched now may go out, as latestSend will judge it once dispatched. */
export const latestSendIfDispatched = (d: Decision, now: number): number =>
  now + (d.actionKind === "touch" ? MAX_LATE_MS : retryWindowMs(d));

/** The earliest a turned-away decision is tried again, whatever the vendor's hint. */
export const TURNED_AWAY_MIN_MS = 60_000;
/**
 * Spread over this much more, so a burst turned away together does not come due together and meet
 * the same limit again.
 */
const TURNED_AWAY_SPREAD_MS = 60_000;

/**
 * The vendor turned the call away on every attempt (rate limited: a morning burst, a daily limit):
 * nothing was done, so the decision stays `dispatched`, its attempt marked with when to try again,
 * and the reconciler hands it to the executor from then (recoverDispatched). Before, it was `failed`
 * for good, its reservation given back: a burst of HubSpot notes or audience adds was lost. Past its
 * window (retryWindowMs) it is failed as before.
 */
const handBack = async (deps: LifecycleDeps, started: Decision, now: string, err: ConnectorError) => {
  const retryAt = iso(
    Date.parse(now) +
      Math.max(err.retryAfterMs ?? 0, TURNED_AWAY_MIN_MS) +
      Math.floor(Math.random() * TURNED_AWAY_SPREAD_MS),
  );
  // The decision may have moved on during the call (an outcome appended): recorded on it as it is
  // now, if it still carries this attempt; else the reconciler finds an attempt with no result.
  return recordResult(deps, started, now, {
    to: "dispatched",
    from: ["dispatched"],
    event: "turned_away",
    actor: "harness",
    detail: `the connector was turned away (${err.message}); nothing was done, tried again from ${retryAt}`,
    patch: {
      execution: {
        at: now,
        idempotencyKey: started.idempotencyKey,
        error: err.message,
        retryAt,
        ...(err.afterWrite || started.execution?.wrote ? { wrote: true } : {}),
      },
    },
  });
};

async function executeFrom(
  deps: LifecycleDeps,
  decision: Decision,
  fromHint: boolean,
  options: ExecuteOptions,
): Promise<Decision | undefined | typeof STALE> {
  const decisionId = decision.decisionId;
  const now = iso(deps.clock.now());
  // The person was erased between dispatch and execution: there is nothing left to send, nor anyone to send it to.
  if (decision.erased) return failErased(deps, decision, now);
  // A retry of a turned-away decision runs only inside its window, however late the reconciler gets
  // to it: nothing re-checked it since its dispatch. One that wrote part of the action is in doubt.
  const lateRetry = decision.execution?.retryAt !== undefined && deps.clock.now() > retryUntil(decision);
  if (
    lateRetry ||
    (decision.actionKind === "touch" && deps.clock.now() - dispatchedAt(decision) > MAX_LATE_MS)
  ) {
    try {
      if (lateRetry && decision.execution?.wrote)
        return await markInDoubt(deps, decision, "turned away after a write, and its retry window is over");
      return await (lateRetry
        ? failUnsent(
            deps,
            decision,
            now,
            decision.execution?.error ?? "turned away",
            "the vendor turned it away until its retry window was over",
          )
        : failTooLate(deps, decision, now));
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      // As for the claim below: a stale hint is read again; else someone else moved it first.
      return fromHint ? STALE : deps.decisions.getDecision(decisionId);
    }
  }
  // A pause put on, or a suppression added, since its dispatch: a kill switch hit while a burst's sends
  // wait in the executors' queue (throttled, retried) stops them there, as the reconciler would stop
  // them. Before, only the reconciler re-checked, so everything already queued went out. A read that
  // fails fails the invocation, before any attempt is recorded: it is retried.
  let without: string[] | undefined;
  try {
    const verdict = await heldBack(deps.decisions, decision, deps.clock.now());
    const held = await holdBack(deps, decision, verdict);
    if (held === "left") return decision;
    if (held !== "go") return held;
    if (verdict && "without" in verdict) without = verdict.without;
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    return fromHint ? STALE : deps.decisions.getDecision(decisionId);
  }
  // What the call needs read is read before the attempt is recorded: its failure is retried.
  await deps.connector.prepare?.(decision);
  let started: Decision;
  try {
    started = await deps.decisions.transition({
      decisionId,
      expectStatus: ["dispatched"],
      expectVersion: decision.version,
      // A retry keeps that an earlier attempt wrote part of the action (handBack).
      patch: {
        execution: {
          at: now,
          idempotencyKey: decision.idempotencyKey,
          ...(decision.execution?.wrote ? { wrote: true } : {}),
          ...(without ? { withheld: without } : {}),
        },
      },
      event: {
        type: "executing",
        at: now,
        actor: "harness",
        detail: `calling the ${decision.channel ?? decision.actionType} connector with key ${decision.idempotencyKey}${
          without
            ? `, without ${without.length} of the people it adds: the suppression list names them since it was proposed (${without.slice(0, 20).join(", ")}${without.length > 20 ? `, and ${without.length - 20} more` : ""})`
            : ""
        }`,
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
  let executed: Decision;
  // Read before the call: the send happened once it returns, and a failed spec read must not make it
  // in doubt (the default window is used, and no trust is taught).
  const spec = await deps.specs.current().catch(() => undefined);
  let result: ConnectorResult;
  try {
    result = await deps.connector.execute({
      idempotencyKey: decision.idempotencyKey,
      decision: started,
      payload: without ? leaveOut(started.payload, without) : started.payload,
      ...(options.timeLeft ? { timeLeft: options.timeLeft } : {}),
    });
  } catch (err) {
    if (
      err instanceof ConnectorError &&
      !err.outcomeUnknown &&
      err.retryAfterMs !== undefined &&
      // The latest its retry may be set for (handBack) is still inside the window: else it would be
      // parked only to be failed when it comes due.
      deps.clock.now() + Math.max(err.retryAfterMs, TURNED_AWAY_MIN_MS) + TURNED_AWAY_SPREAD_MS <
        retryUntil(decision)
    )
      return handBack(deps, started, now, err);
    // Turned away after part of the action was written (a HubSpot engagement): past its window it is
    // not nothing done, and made again it would be written twice.
    if (err instanceof ConnectorError && (err.afterWrite || started.execution?.wrote))
      return markInDoubt(deps, started, `connector turned away after a write: ${err.message}`, now);
    if (err instanceof ConnectorError && !err.outcomeUnknown) {
      return recordResult(deps, started, now, {
        to: "failed",
        from: ["dispatched"],
        event: "failed",
        actor: "harness",
        detail: `connector refused: ${err.message}; reservation released`,
        patch: { execution: { at: now, idempotencyKey: decision.idempotencyKey, error: err.message } },
        release: true,
      });
    }
    return markInDoubt(deps, started, `connector outcome unknown: ${(err as Error).message}`, now);
  }
  try {
    executed = await recordResult(deps, started, now, {
      to: "executed",
      from: ["dispatched"],
      event: "executed",
      actor: "harness",
      detail: `executed (${result.externalId})`,
      patch: {
        execution: {
          at: now,
          idempotencyKey: decision.idempotencyKey,
          externalId: result.externalId,
          ...(without || result.withheld
            ? { withheld: [...(without ?? []), ...(result.withheld ?? [])] }
            : {}),
        },
      },
      // When the trust window closes, silence (a touch) or a record that stood becomes evidence.
      addDue: settleDue(decisionId, Date.parse(now), spec),
    });
  } catch (err) {
    // The vendor's own word recorded the outcome first (an SES event for this send, world-outcomes.ts
    // settle): it stands, and this call's record gives way.
    if (err instanceof ConflictError) {
      const settled = await deps.decisions.getDecision(decisionId);
      if (settled && settled.status !== "dispatched") return settled;
    }
    // It went out; only its record failed (a throttled write). Before, this read "connector outcome
    // unknown" and the external id was lost: whoever settles it now finds what was sent, and where.
    return markInDoubt(
      deps,
      started,
      `sent (${result.externalId}), but its result could not be recorded: ${(err as Error).message}`,
      now,
      "its record: it went out as that",
    );
  }
  // A touch no person reviewed went out on the gate's checks alone: what they said of the draft is its
  // only review (learning/trust.ts). Outside the try, and its failure swallowed: the send is recorded,
  // and a caller retrying on an error would find it executed and teach nothing anyway. The evidence is
  // taught at most once, as a review's is when a process dies between its transition and its teaching.
  if (spec && executed.status === "executed" && executed.actionKind === "touch" && !executed.review)
    await recordTrustOutcome(
      deps,
      spec,
      executed.agentId,
      executed.actionType,
      "draft_passed",
      `draft_passed on ${decisionId}: went out unreviewed, every check passed`,
    ).catch(() => undefined);
  return executed;
}

/**
 * What a recheck of a dispatched decision (redrive-checks.ts) makes of it: nothing holds it back
 * ("go"); a pause that ends before the latest it may go out leaves it for later ("left": the
 * reconciler hands it over then); anything else stops it: failed, its reservation given back, or in
 * doubt if an attempt wrote part of it.
 */
async function holdBack(
  deps: LifecycleDeps,
  d: Decision,
  verdict: Recheck,
): Promise<"go" | "left" | Decision> {
  if (verdict === undefined || "without" in verdict) return "go";
  // A pause that ends before the latest the decision may go out: a later run hands it over. One that
  // ends after (a reply's stop-on-reply pause, days long) stops it now.
  if ("wait" in verdict && verdict.until < latestSend(d, deps.clock.now())) return "left";
  const why = "wait" in verdict ? verdict.wait : verdict.stop;
  if (d.execution?.wrote) return markInDoubt(deps, d, `held back after a write (${why})`);
  // Only as the recheck saw it: a move retried after contention on the account does not fail one an
  // executor has claimed since.
  const still = (c: Decision) => c.execution?.at === d.execution?.at;
  return failUnsent(deps, d, iso(deps.clock.now()), "held back", `held back before its send (${why})`, still);
}

/** In doubt; `attempt`: the time of this process's attempt, whose result it records (recordResult). */
async function markInDoubt(
  deps: LifecycleDeps,
  decision: Decision,
  why: string,
  attempt?: string,
  check = "whether it was sent",
): Promise<Decision> {
  const m: Move = {
    to: "in_doubt",
    from: ["dispatched"],
    event: "in_doubt",
    actor: "harness",
    detail: `${why}; a human must check ${check} (idempotency key ${decision.idempotencyKey})`,
  };
  return attempt ? recordResult(deps, decision, attempt, m) : move(deps, decision, m);
}

/**
 * The move that records what became of this process's attempt (made at `attempt`). An outcome
 * appended to the decision during the call (a reply the webhook attributed to the touch in flight, an
 * outcome posted by hand) moves its version, not its status or its attempt: the result is recorded on
 * the decision as it is now. Before, the move failed on the version, the executor's invocation
 * failed, and the reconciler later made a send that went out `in_doubt` (its external id, its trust
 * window and its lesson lost), or held a refused call's reservation.
 */
async function recordResult(deps: LifecycleDeps, started: Decision, attempt: string, m: Move) {
  try {
    return await move(deps, started, m);
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    const current = await deps.decisions.getDecision(started.decisionId);
    if (!current || !carriesAttempt(current, attempt)) throw err;
    return move(deps, current, m);
  }
}

/** Still dispatched on this attempt: no other result recorded, not handed back for a retry. */
const carriesAttempt = (d: Decision, attempt: string) =>
  d.status === "dispatched" && d.execution?.at === attempt && !d.execution.retryAt;

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
    /**
     * Whether there is time for one more decision (a Lambda run's remaining time): a backlog larger
     * than a run is left to the next one, which goes on after `stoppedAfter` (resumeAfter). Default:
     * always.
     */
    timeLeft?: () => boolean;
    /**
     * Why a decision about to be handed back may no longer go (usecases/redrive-checks.ts: a pause,
     * the suppression list), checked before each hand-back: `stop`, it is failed, its reservation given
     * back (in doubt if an attempt wrote part of it); `wait` (a pause that ends), it is left for a later
     * run. Default: nothing is re-checked.
     */
    recheck?: (decision: Decision) => Promise<Recheck>;
    /** A decision that could not be reconciled this run (counted in `unchecked`), for the log. */
    onError?: (decisionId: string, err: unknown) => void;
    /**
     * Go on after this decision (the last run's `stoppedAfter`) instead of from the oldest: a backlog
     * that outlasts a run (decisions held by a long pause, say) is read on by the next run, so every
     * dispatched decision is reached, not only the oldest ones each run reads again.
     */
    resumeAfter?: ListedAt;
  } = {},
): Promise<{
  executed: number;
  inDoubt: number;
  heldBack: number;
  unchecked: number;
  /** The last decision this run reached when its time ran out; undefined once it read the listing to its end. */
  stoppedAfter?: ListedAt;
}> {
  const inFlight = options.inFlight ?? (() => false);
  let cursor: string | undefined;
  let executed = 0;
  let inDoubt = 0;
  let heldBack = 0;
  let unchecked = 0;
  let reached = options.resumeAfter;
  /** Whether the decision was stopped or left for now instead of handed back. */
  const stopped = async (d: Decision): Promise<boolean> => {
    // A touch already past the latest it may go out is the executor's to fail as too late (as is a
    // turned-away one past its window), whatever a recheck would read.
    if (d.actionKind === "touch" && deps.clock.now() > latestSend(d, deps.clock.now())) return false;
    let verdict: Recheck;
    try {
      verdict = await options.recheck?.(d);
    } catch {
      // Its checks could not be read (a throttled read, a key that would not open): left for the next
      // run, and counted, rather than handed over unchecked or ending the run for every other one.
      unchecked++;
      return true;
    }
    const held = await holdBack(deps, d, verdict);
    if (held === "go") return false;
    if (held !== "left") heldBack++;
    return true;
  };
  do {
    // Oldest decided first: under a backlog larger than one run reaches, the decisions waiting
    // longest are reached first, not last (newest first, the oldest waited for a run with no backlog).
    const page = await deps.decisions.queryDecisions({
      status: "dispatched",
      oldestFirst: true,
      limit: 100,
      ...(cursor ? { cursor } : options.resumeAfter ? { after: options.resumeAfter } : {}),
    });
    for (const listed of page.items) {
      if (options.timeLeft && !options.timeLeft())
        return { executed, inDoubt, heldBack, unchecked, ...(reached ? { stoppedAfter: reached } : {}) };
      reached = { decidedAt: listed.decidedAt, decisionId: listed.decisionId };
      if (inFlight(listed.decisionId)) continue;
      try {
        // The listing may lag behind the decision: act on the decision as it is now.
        const d = await deps.decisions.getDecision(listed.decisionId);
        if (d?.status !== "dispatched" || inFlight(d.decisionId)) continue;
        // Turned away by the vendor (nothing done): tried again from its time, not marked in doubt.
        if (d.execution?.retryAt) {
          if (deps.clock.now() < Date.parse(d.execution.retryAt)) continue;
          if (await stopped(d)) continue;
          if (options.startExecution) options.startExecution(d.decisionId);
          else await execute(deps, d.decisionId);
          executed++;
        } else if (d.execution) {
          if (deps.clock.now() - Date.parse(d.execution.at) >= staleMs) {
            await markInDoubt(deps, d, "the process stopped during the connector call");
            inDoubt++;
          }
        } else if (await stopped(d)) {
          // Never attempted, and held back: failed above, nothing handed over.
        } else if (options.startExecution) {
          options.startExecution(d.decisionId);
          executed++;
        } else {
          const after = await execute(deps, d.decisionId);
          if (after?.status !== "dispatched") executed++;
        }
      } catch (err) {
        // Someone else moved it in between (its own execution finished): nothing left to reconcile.
        if (err instanceof ConflictError) continue;
        // A throttled read or write, contention past its retries, a key that would not open: this one
        // is left for a later run (the next, or under a backlog longer than a run the one whose scan
        // comes round to it again) and counted (the run fails at its end, after its sweeps). Before,
        // it ended the run: the rest of the listing and the sweeps waited for a run with no such error.
        unchecked++;
        options.onError?.(listed.decisionId, err);
      }
    }
    cursor = page.cursor;
  } while (cursor);
  return { executed, inDoubt, heldBack, unchecked };
}
