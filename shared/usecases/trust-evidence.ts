/**
 * Trust evidence the harness records itself (learning/trust.ts explains how it is weighed):
 *
 * - When an executed action's window (`trust.silenceDays`) closes, a due item of kind `settle` (written
 *   in the same transaction as the execution) fires here. A touch nobody answered becomes `silence`, a
 *   weak failure of its agent; a record or audience add nobody corrected or flagged becomes
 *   `record_kept`, a weak success. The outcome is appended to the decision with a conditional write on
 *   its version and a fixed outcome id, so it is recorded at most once whatever the redelivery, and
 *   never after an answer (a reply that lands first changes the version: the write fails, the
 *   decision is read again and the reply seen). An answer arriving after the window still counts, next
 *   to the silence: the window did pass unanswered.
 * - A record is judged when its window closes, as a kept record is: a flag or correction heard within
 *   the window is appended to the decision at once but taught to trust only then, with `record_judged`
 *   marking the window closed (same conditional write, so a redelivered settle counts nothing twice).
 *   Counted on arrival, flags (hours) ran a week ahead of "kept" (silenceDays), so a record agent
 *   whose volume came late looked worse than one whose volume came early. A judgment heard after the
 *   window closed counts on arrival. Whether a judgment waits is decided on the decision version the
 *   judgment was appended to, so a judgment racing the settle is counted exactly once either way.
 * - Bounces and meetings of a touch also teach the record agent that created the person (the KB keeps
 *   who created each person, `Person.createdBy`): a bounce is the address's fault, not the writer's. A
 *   meeting is taught to the creator as `contact_met`, weighed as a record that stood: it shows the
 *   contact was real and right, but whether they meet is the signals', the writer's and the message's
 *   doing. Taught at a writer's weight (+2, as `meeting_booked`), it paid a record agent for how many of
 *   its people the writers chose: one whose records were wrong half the time outscored a better peer
 *   that creates accounts, not people (seed 102: persona-finder, quality 0.50, market stream 0.67
 *   against 0.63 for lead-list-builder, 0.58).
 * - The gate's word on a draft is review evidence (learning/trust.ts). A touch it blocks for a fault of
 *   the draft itself (`DRAFT_CHECKS`: its content, or whom it addresses; not a cap, a cooldown or the
 *   account's intent, which are the world's state) carries a due item of kind `settle` due at once,
 *   written in the decision's own transaction, so the request path pays no round trip for it; settling
 *   it appends `draft_blocked` with a fixed outcome id and teaches it, once whatever the redelivery. A
 *   touch no person reviewed teaches `draft_passed` when it executes (usecases/execution.ts).
 */

import { blockedDraft, DRAFT_CHECKS } from "../domain/blocked-draft.ts";
import type { Decision } from "../domain/decision.ts";
import { ConflictError } from "../domain/errors.ts";
import type { SpecVersion } from "../domain/spec-schema.ts";
import { DAY, iso } from "../domain/time.ts";
import type { OutcomeType } from "../domain/vocabulary.ts";
import { WINDOW_CLOSERS } from "../learning/trust.ts";
import type { Deps, DueItem } from "../ports.ts";
import { recordTrustOutcome } from "./trust.ts";

/** Outcomes that answer a touch: after any of them the touch was not met with silence. */
const TOUCH_ANSWERS: ReadonlySet<OutcomeType> = new Set([
  "replied",
  "meeting_booked",
  "deal_created",
  "bounced",
  "unsubscribed",
  "complaint",
  "flagged_bad_lead",
  "silence",
]);
/** Outcomes that judge a record: after any of them it did not simply stand. */
const RECORD_ANSWERS: ReadonlySet<OutcomeType> = new Set([
  "flagged_bad_lead",
  "record_corrected",
  "bounced",
  "record_kept",
]);

/** A person's verdict on a record: taught to trust when the record's window closes. */
const RECORD_JUDGMENTS: ReadonlySet<OutcomeType> = new Set(["flagged_bad_lead", "record_corrected"]);
/** The harness's marks that a record's window closed. */
const RECORD_CLOSED: ReadonlySet<OutcomeType> = new Set(["record_kept", "record_judged"]);

/**
 * Whether a judgment appended to `before` (the decision as it was just before the append landed) waits
 * for the record's window to close before it is taught to trust.
 */
export function judgmentWaits(before: Decision, type: OutcomeType): boolean {
  return (
    before.actionKind !== "touch" &&
    before.status === "executed" &&
    RECORD_JUDGMENTS.has(type) &&
    !before.outcomes.some((o) => RECORD_CLOSED.has(o.type))
  );
}

/** Outcomes of a touch that also teach the agent that created the person touched, and as what. */
const CREATOR_OUTCOMES: ReadonlyMap<OutcomeType, OutcomeType> = new Map([
  ["bounced", "bounced"],
  ["meeting_booked", "contact_met"],
]);

const MAX_ATTEMPTS = 10;

/** The due item that settles an action executed at `executedAt`, under the spec in force. */
export function settleDue(decisionId: string, executedAt: number, spec: SpecVersion | undefined): DueItem {
  const days = spec?.spec.trust.silenceDays ?? 7;
  return { decisionId, kind: "settle", at: executedAt + days * DAY };
}

type SettleDeps = Pick<Deps, "clock" | "decisions" | "specs" | "trust" | "events">;

/**
 * Append an outcome the harness records itself, on the decision's version as read and in its status
 * (so a redelivered or concurrent settle appends nothing twice). False: the decision moved meanwhile.
 */
async function appendOutcome(
  deps: SettleDeps,
  d: Decision,
  outcome: { type: OutcomeType; at: string; outcomeId: string },
  detail: string,
): Promise<boolean> {
  try {
    await deps.decisions.transition({
      decisionId: d.decisionId,
      expectStatus: [d.status],
      expectVersion: d.version,
      patch: { outcomes: [...d.outcomes, outcome] },
      event: { type: "outcome", at: outcome.at, actor: "harness", detail, data: outcome },
    });
    return true;
  } catch (err) {
    if (err instanceof ConflictError) return false;
    throw err;
  }
}

/**
 * The window of an executed action closed: record `silence` or `record_kept` unless something was
 * heard; for a record that was judged, `record_judged`, and teach the judgments. Returns the outcome
 * recorded, or undefined when there was nothing to record.
 */
export async function settleExecuted(
  deps: SettleDeps,
  decisionId: string,
  /** The decision as just read by the caller: the first attempt decides on it. */
  read?: Decision,
): Promise<OutcomeType | undefined> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const d = attempt === 0 && read ? read : await deps.decisions.getDecision(decisionId);
    if (d?.status !== "executed") return undefined;
    const touch = d.actionKind === "touch";
    // Closed by an earlier settle that may have failed before teaching all of it (a throttled trust
    // write, a timeout): the due item is still queued, so teach again; each piece counts once.
    const closed = d.outcomes.find(
      (o) => WINDOW_CLOSERS.has(o.type) && o.outcomeId === closerId(o.type, decisionId),
    );
    if (closed) {
      const spec = await deps.specs.current();
      if (spec) await teachClosed(deps, spec, d, closed.type, closed.outcomeId as string);
      return undefined;
    }
    let type: OutcomeType = touch ? "silence" : "record_kept";
    if (
      touch
        ? d.outcomes.some((o) => TOUCH_ANSWERS.has(o.type))
        : d.outcomes.some((o) => RECORD_CLOSED.has(o.type))
    )
      return undefined;
    if (!touch && d.outcomes.some((o) => RECORD_ANSWERS.has(o.type))) type = "record_judged";
    const spec = await deps.specs.current();
    if (!spec) return undefined;
    const at = iso(deps.clock.now());
    const outcome = { type, at, outcomeId: closerId(type, decisionId) };
    const days = spec.spec.trust.silenceDays;
    const held = heldJudgments(d);
    const appended = await appendOutcome(
      deps,
      d,
      outcome,
      touch
        ? `silence: no answer within ${days} days of the touch`
        : type === "record_judged"
          ? `record_judged: its window of ${days} days closed; ${held.map((o) => o.type).join(", ") || "no judgment"} taught to trust now`
          : `record_kept: nobody corrected or flagged it within ${days} days`,
    );
    if (!appended) continue;
    await teachClosed(deps, spec, d, type, outcome.outcomeId);
    return type;
  }
  throw new ConflictError(`decision ${decisionId} is too contended to settle; it is retried`);
}

/** The fixed id the harness records a window's close (and `draft_blocked`) under. */
const closerId = (type: OutcomeType, decisionId: string) => `${type}-${decisionId}`;

/**
 * Only judgments held for the close: one taught on arrival (after a window, or recorded before
 * judgments were held) has counted already.
 */
const heldJudgments = (d: Decision) =>
  d.actionKind === "touch"
    ? []
    : d.outcomes.filter(
        // The first of its type only: a record flagged twice in its window is one judgment, as an
        // outcome taught on arrival is (outcomes.ts).
        (o) =>
          RECORD_JUDGMENTS.has(o.type) && o.heldUntilClose && d.outcomes.find((x) => x.type === o.type) === o,
      );

/**
 * Teach what a window's close says: the judgments held for it, then the closing outcome, each under its
 * outcome id (so a retried settle teaches nothing twice), and tell the learning loops.
 */
async function teachClosed(
  deps: SettleDeps,
  spec: SpecVersion,
  d: Decision,
  type: OutcomeType,
  outcomeId: string,
): Promise<void> {
  const decisionId = d.decisionId;
  for (const j of heldJudgments(d))
    await recordTrustOutcome(
      deps,
      spec,
      d.agentId,
      d.actionType,
      j.type,
      `${j.type} on ${decisionId}, counted when its window closed`,
      j.outcomeId,
    );
  await recordTrustOutcome(deps, spec, d.agentId, d.actionType, type, `${type} on ${decisionId}`, outcomeId);
  await deps.events.publish([
    { type: "outcome.recorded", detail: { outcomeId, type, decisionId, accountId: d.accountId } },
  ]);
}

/**
 * A touch the gate blocked for a fault of its draft: append `draft_blocked` (fixed outcome id, on the
 * version read) and teach it. Returns the outcome recorded, or undefined when there was nothing to do.
 */
export async function settleBlocked(
  deps: SettleDeps,
  decisionId: string,
  read?: Decision,
): Promise<OutcomeType | undefined> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const d = attempt === 0 && read ? read : await deps.decisions.getDecision(decisionId);
    if (!d || !blockedDraft(d)) return undefined;
    const spec = await deps.specs.current();
    if (!spec) return undefined;
    const outcomeId = closerId("draft_blocked", decisionId);
    // No outcome.recorded: nothing reached anyone, so no loop but trust has anything to learn.
    const teach = () =>
      recordTrustOutcome(
        deps,
        spec,
        d.agentId,
        d.actionType,
        "draft_blocked",
        `draft_blocked on ${decisionId}`,
        outcomeId,
      );
    // Recorded by an earlier settle that may have failed before teaching it: teach again, once.
    if (d.outcomes.some((o) => o.type === "draft_blocked")) {
      if (d.outcomes.some((o) => o.outcomeId === outcomeId)) await teach();
      return undefined;
    }
    const outcome = { type: "draft_blocked" as const, at: iso(deps.clock.now()), outcomeId };
    const failed = d.checks
      .filter((c) => c.result === "fail" && !c.shadow && DRAFT_CHECKS.has(c.check))
      .map((c) => c.detail);
    const detail = `draft_blocked: the gate blocked the draft itself (${failed.join("; ")})`;
    if (!(await appendOutcome(deps, d, outcome, detail))) continue;
    await teach();
    return "draft_blocked";
  }
  throw new ConflictError(`decision ${decisionId} is too contended to settle; it is retried`);
}

/** A due `settle` item: a blocked draft now, an executed action when its window closes. */
export async function settleDecision(deps: SettleDeps, decisionId: string): Promise<OutcomeType | undefined> {
  const d = await deps.decisions.getDecision(decisionId);
  if (!d) return undefined;
  return d.status === "blocked" ? settleBlocked(deps, decisionId, d) : settleExecuted(deps, decisionId, d);
}

/**
 * Settle every action whose trust window has closed by `now`, at most `limit`: the sweep for a runtime
 * without the local scheduler (in AWS, a scheduled function calling this; Step Functions drive release
 * and expiry there, so other kinds in the due-queue are left alone). A failing item stays queued.
 */
export async function settleDueItems(
  deps: SettleDeps,
  now: number,
  limit = 100,
): Promise<{ settled: number; recorded: number; failed: number }> {
  let settled = 0;
  let recorded = 0;
  let failed = 0;
  let after: DueItem | undefined;
  while (settled + failed < limit) {
    const due = await deps.decisions.dueItems(now, 25, after);
    if (due.length === 0) break;
    for (const item of due) {
      after = item;
      if (item.kind !== "settle") continue;
      try {
        if (await settleDecision(deps, item.decisionId)) recorded++;
        await deps.decisions.deleteDue(item);
        settled++;
      } catch {
        failed++;
      }
    }
  }
  return { settled, recorded, failed };
}

/**
 * A touch's bounce or meeting also teaches the agent whose record created the person. Returns the
 * creating agent when it was taught (the caller then leaves a bounce off the writer's trust).
 */
export async function teachCreator(
  deps: Pick<Deps, "clock" | "trust" | "kb">,
  spec: SpecVersion,
  decision: Decision,
  type: OutcomeType,
  /** The outcome's id: taught once to the creator whatever the retries. */
  outcomeId?: string,
): Promise<string | undefined> {
  const taught = CREATOR_OUTCOMES.get(type);
  if (decision.actionKind !== "touch" || !decision.personId || !taught) return undefined;
  const creator = (await deps.kb.getPerson(decision.personId))?.createdBy;
  if (!creator) return undefined;
  await recordTrustOutcome(
    deps,
    spec,
    creator.agentId,
    creator.actionType,
    taught,
    `${type} of a person created by ${creator.decisionId} (touch ${decision.decisionId})`,
    // Its own mark: the creator may be the writer's own agent × action.
    outcomeId && `${outcomeId}#creator`,
  );
  return creator.agentId;
}
