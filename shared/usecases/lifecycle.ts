import { RECORD_PAYLOADS } from "../agents/records.ts";
import { holdoutCheck } from "../domain/arms.ts";
import { liveTouches } from "../domain/checks/coordination.ts";
import { activePauses } from "../domain/checks/kill-switch.ts";
import { planVolume } from "../domain/checks/volume.ts";
import type { Decision } from "../domain/decision.ts";
import type { CheckResult } from "../domain/decision-types.ts";
import { CapReachedError, ConflictError, ContentionError, ValidationError } from "../domain/errors.ts";
import { payloadDigest } from "../domain/ids.ts";
import { addressed } from "../domain/recipients.ts";
import { coordinationClearsAt, failures, revalidate } from "../domain/revalidate.ts";
import { iso, localDate, startOfNextLocalDay } from "../domain/time.ts";
import { payloadShapeIssues } from "../domain/touch-payloads.ts";
import { checkReason } from "../domain/verdict.ts";
import type { OutcomeType } from "../domain/vocabulary.ts";
import { draftFromPattern } from "./drafts.ts";
import { expire, latestSendIfDispatched } from "./execution.ts";
import { SpecVersions } from "./experiments.ts";
import { gateContext } from "./gate.ts";
import { assertMayReview, type Principal } from "./principal.ts";
import { gateReadOf } from "./redrive-checks.ts";
import { currentSpec, type LifecycleDeps, load, MAX_ATTEMPTS, move } from "./transitions.ts";
import { recordTrustOutcome } from "./trust.ts";

/**
 * The reviews and the release of a scheduled decision: the steps that re-check the hard rules on
 * current data before a decision is dispatched (domain/revalidate.ts). Execution, expiry and
 * reconciliation re-check nothing and live in usecases/execution.ts, re-exported here for the callers
 * that drive the whole lifecycle (the local runtime, the review routes).
 */
export { execute, expire, recoverDispatched } from "./execution.ts";

/** Re-read everything the hard rules need and check them again, on the current spec. */
async function recheck(
  deps: LifecycleDeps,
  decision: Decision,
  payload: Record<string, unknown>,
  /** An override window closing: revalidate's `window`. */
  window?: boolean,
) {
  const now = deps.clock.now();
  const read = await deps.decisions.readGateContext(gateReadOf(decision, now));
  // The current spec's experiment, if any, says which version re-checks it (the account's arm's), and a
  // holdout account (the experiment may have changed since) is not contacted.
  const current = read.spec ?? (await currentSpec(deps));
  const choice = await new SpecVersions(deps.specs).choose(current, decision.accountId);
  const spec = choice.spec;
  // A reviewer's edit may leave the address out: it is the person's on file, as at the gate.
  const sent = addressed(decision.actionType, payload, read.person);
  const proposal = {
    proposalId: decision.proposalId,
    agentId: decision.agentId,
    action: { type: decision.actionType },
    target: { accountId: decision.accountId, ...(decision.personId ? { personId: decision.personId } : {}) },
    payload: sent,
    reasoning: decision.reasoning,
    confidence: decision.confidence,
  };
  const ctx = gateContext(read, spec, proposal, now);
  const checks = revalidate(ctx, decision, sent, window);
  if (choice.assignment?.holdout && decision.channel) checks.push(holdoutCheck(choice.assignment));
  // Pauses that all end before the latest the decision may go out once dispatched do not stop it: it
  // waits them out at the executor (redrive-checks.ts), and the reconciler hands it over when they
  // end. Before, a 15-minute pause vetoed every level-2 send whose window closed in it, and made every
  // approval given in it a rejection, for good. A longer one (a reply's days-long stop) stops it here.
  const latest = latestSendIfDispatched(decision, now);
  const paused = activePauses(read.pauses, decision.agentId, decision.channel, decision.accountId, now);
  const waitable = paused.every((p) => p.until !== undefined && Date.parse(p.until) < latest);
  const failed = failures(checks, window).filter((c) => !(waitable && c.check === "kill_switch"));
  // Waited out, it goes out when the pauses end, and the executor then reads only pauses and
  // suppressions: what holds a touch in time (quiet hours, a cooldown, "not at weekends") is read at
  // that end, and clears from it. Before, a touch approved or released in an hour's pause went out
  // when it ended, inside the recipient's quiet hours, with no veto possible meanwhile.
  let from = ctx;
  if (waitable && paused.length > 0) {
    from = { ...ctx, now: Math.max(...paused.map((p) => Date.parse(p.until as string))) };
    const seen = new Set(failed.map(checkReason));
    for (const c of failures(revalidate(from, decision, sent, window), window))
      if (
        (c.check === "coordination" || (c.check === "rule" && c.effect === "defer")) &&
        !seen.has(checkReason(c))
      )
        failed.push({ ...c, detail: `${c.detail} when the pause ends at ${iso(from.now)}` });
  }
  const clearsAt = (rules?: string[]) => coordinationClearsAt(from, decision, rules);
  return { spec, checks, failed, contact: read.contact, now, payload: sent, clearsAt, ctx };
}

/** An approval that cannot go out yet (`why`): the decision stays pending, to approve again from `at`. */
const stillPending = (decision: Decision, why: string, at: number) =>
  new ConflictError(
    `decision ${decision.decisionId} cannot go out ${why}: it stays pending; approve it again from ${iso(at)}${decision.expiresAt ? `, before it expires at ${decision.expiresAt}` : ""}`,
  );

const describeFailures = (failed: CheckResult[]) => failed.map(checkReason).join("; ");

/**
 * What a review teaches trust, after the review's transition committed. Its failure (a throttled
 * write, contention on the trust record) does not fail the review: the review stands and its workflow
 * was released, so answering 500 told the reviewer it had not, and their retry got a 409. It is said
 * in the log (a lost rejection may be a demotion not made) and lost, as when a process dies between a
 * review and its teaching; not tried again here, since a write whose answer was lost may have taught it.
 */
async function teach(deps: LifecycleDeps, decision: Decision, outcome: OutcomeType, cause: string) {
  try {
    const spec = await currentSpec(deps);
    await recordTrustOutcome(deps, spec, decision.agentId, decision.actionType, outcome, cause);
  } catch (err) {
    deps.log?.("trust lesson not recorded", {
      decisionId: decision.decisionId,
      agentId: decision.agentId,
      actionType: decision.actionType,
      outcome,
      error: (err as Error).message,
    });
  }
}

/**
 * A refusal may complete a pattern (the repeated-rejection heuristic, usecases/drafts.ts): the review's
 * transition already counted it in its cell. The review stands whatever happens here (the reviewer's
 * answer is about their review, which succeeded); a draft that could not be made now is made after the
 * cell's next review. Said in the log, as a trust lesson not recorded is: before, nothing told an
 * operator that the rules a team's rejections should grow were not being drafted.
 */
async function draftOnPattern(deps: LifecycleDeps, decision: Decision): Promise<void> {
  try {
    await draftFromPattern(deps, decision);
  } catch (err) {
    deps.log?.("draft from rejections not made", {
      decisionId: decision.decisionId,
      agentId: decision.agentId,
      actionType: decision.actionType,
      error: (err as Error).message,
    });
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
    // Its payload went with an erasure (the person's key, or the account's or audience's that held
    // them): before, the approval was refused for the empty payload's missing fields.
    if (decision.erased)
      throw new ConflictError(
        `decision ${decisionId}: the personal data it holds was erased, so there is nothing left to approve`,
      );
    if (input.digest !== decision.payloadDigest) {
      throw new ConflictError(
        `digest ${input.digest} does not match the payload under review (${decision.payloadDigest}); reload the decision`,
      );
    }
    const edited = input.payload !== undefined && payloadDigest(input.payload) !== decision.payloadDigest;
    const reviewed = edited && input.payload ? input.payload : decision.payload;
    // What its connector could not send is not approved: an edit, or a decision made before the gate
    // checked payloads, which the reviewer can then edit.
    const shape = payloadShapeIssues(decision.actionType, reviewed, RECORD_PAYLOADS);
    if (shape.length > 0) throw new ValidationError(shape);
    const { failed, contact, now, payload, clearsAt, spec, ctx } = await recheck(deps, decision, reviewed);
    // Judged at the instant of the re-check, which is the instant the touch is placed at.
    if (decision.expiresAt && Date.parse(decision.expiresAt) <= now) {
      await expire(deps, decisionId);
      throw new ConflictError(`decision ${decisionId} expired at ${decision.expiresAt}`);
    }
    if (failed.length > 0) {
      // The reviewer's edit alone fails (a link off the allowlist, a body over its length) while the
      // agent's version passes: said, and nothing changes, so they can fix it. Before, the decision was
      // stopped for good on a reviewer's typo, and the prospect got nothing.
      if (edited && (await recheck(deps, decision, decision.payload)).failed.length === 0)
        throw new ValidationError([
          {
            path: "payload",
            message: `the edit does not pass the checks (${describeFailures(failed)}): change it, or approve the agent's version`,
          },
        ]);
      // Only coordination or a rule of weekdays holds it (the recipient's quiet hours, a cooldown
      // after another touch, the day's cap, "not at weekends"): not now, rather than never. It stays
      // pending, its reservation kept, and the reviewer is told when it may go. Before, an approval
      // given at night under quiet hours rejected the action for good.
      // One that would not clear before the decision expires (all-day weekend quiet hours on a
      // Friday evening, a cap that never lifts) is stopped as before, its reservation given back.
      const waits = failed.every(
        (c) => c.check === "coordination" || (c.check === "rule" && c.effect === "defer"),
      );
      const at = waits
        ? clearsAt(failed.flatMap((c) => (c.check === "rule" && c.rule ? [c.rule] : [])))
        : undefined;
      if (at !== undefined && (!decision.expiresAt || at < Date.parse(decision.expiresAt)))
        throw stillPending(decision, `now (${describeFailures(failed)})`, at);
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
    // Its volume counts on the day it goes out: approved on a later day than it was decided (Friday's
    // drafts approved on Monday), it takes today's counters under the caps the spec in force sets
    // today, as the gate would plan them now (the owner's cap only for the account's first touch of
    // the day). Before, it counted on its decision's day, and Monday sent its own cap's worth on top.
    // The decision's day keeps its count: that day is over, and its cap can no longer be exceeded.
    const tz = spec.spec.workspace.timezone;
    const action = spec.spec.autonomy.actions[decision.actionType];
    const later =
      action && decision.reservation.counters.some((c) => c.day < localDate(now, tz))
        ? planVolume(
            ctx,
            spec.spec,
            action,
            ctx.account,
            liveTouches(ctx.touches, now).filter((t) => t.decisionId !== decisionId),
          ).bumps
        : undefined;
    let next: Decision;
    try {
      next = await move(deps, decision, {
        to: "dispatched",
        from: ["pending_approval"],
        event: edited ? "edited" : "approved",
        actor: principal.subject,
        detail: `${edited ? "edited and approved" : "approved"} by ${principal.subject}${input.note ? `: ${input.note}` : ""}`,
        // What the agent proposed, kept in the ledger (sealed as the decision is): the decision's
        // payload becomes what was sent, and before, the agent's version was lost with it.
        ...(edited
          ? { data: { proposed: { payload: decision.payload, payloadDigest: decision.payloadDigest } } }
          : {}),
        patch: {
          review,
          ...(payload !== decision.payload ? { payload, payloadDigest: payloadDigest(payload) } : {}),
          ...(later ? { reservation: { ...decision.reservation, counters: later } } : {}),
        },
        retime: { contact, at: now },
        ...(later?.length ? { addCounters: later } : {}),
      });
    } catch (err) {
      if (err instanceof CapReachedError) {
        const from = startOfNextLocalDay(now, tz);
        const full = `today (${err.counters.join(", ")} full)`;
        throw decision.expiresAt && Date.parse(decision.expiresAt) <= from
          ? new ConflictError(
              `decision ${decisionId} cannot go out ${full}, and it expires at ${decision.expiresAt}, before the caps reset`,
            )
          : stillPending(decision, full, from);
      }
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
  // Past its expiry it is expired, as an approval finds it: a rejection then taught trust a lesson
  // and counted toward the rejections' drafts for a decision nobody could act on any more.
  if (
    decision.status === "pending_approval" &&
    decision.expiresAt &&
    Date.parse(decision.expiresAt) <= deps.clock.now()
  ) {
    await expire(deps, decisionId);
    throw new ConflictError(`decision ${decisionId} expired at ${decision.expiresAt}`);
  }
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

/**
 * How early a release may come: Step Functions' Wait reads a timestamp to the second, dropping its
 * milliseconds, so a workflow started with `…:00.734Z` (before inputs were rounded up, see
 * workflow-start.ts) releases up to a second early; turned away, the decision waited for the
 * reconciler's backstop, 15 minutes and more.
 */
export const RELEASE_EARLY_MS = 1000;

/** The override window closed: re-validate, then dispatch (or cancel) the scheduled action. */
export async function release(deps: LifecycleDeps, decisionId: string): Promise<Decision | undefined> {
  const notYet = (d: Decision) =>
    d.executeAt !== undefined && Date.parse(d.executeAt) > deps.clock.now() + RELEASE_EARLY_MS;
  // The version this process committed is a hint that spares the read (see executeFrom's note): the
  // re-check reads what it needs afresh, and the move is conditioned on the hint's version.
  const hint = deps.decisions.lastKnown?.(decisionId);
  if (hint?.status === "scheduled" && !notYet(hint)) {
    try {
      return await releaseFrom(deps, hint);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      // Moved on by another process since: decide on what the ledger says now.
    }
  }
  const decision = await deps.decisions.getDecision(decisionId);
  if (decision?.status !== "scheduled") return decision;
  if (notYet(decision)) return decision;
  return releaseFrom(deps, decision);
}

async function releaseFrom(deps: LifecycleDeps, decision: Decision): Promise<Decision> {
  const { failed, payload } = await recheck(deps, decision, decision.payload, true);
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
    patch: {
      releasedAt: iso(deps.clock.now()),
      // A decision made before the gate filled addresses goes to the person on file, as re-checked.
      ...(payload !== decision.payload ? { payload, payloadDigest: payloadDigest(payload) } : {}),
    },
  });
}
