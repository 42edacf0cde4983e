import { isHeldOut } from "../domain/arms.ts";
import { type Decision, streams } from "../domain/decision.ts";
import { ConflictError, NotFoundError } from "../domain/errors.ts";
import { newId, outcomeIdFor, pauseIdForOutcome } from "../domain/ids.ts";
import type { Spec, SpecVersion } from "../domain/spec-schema.ts";
import { DAY, iso, REDELIVERY_MS } from "../domain/time.ts";
import type { Channel } from "../domain/vocabulary.ts";
import type { Deps } from "../ports.ts";
import type { Principal } from "./principal.ts";
import type { OutcomeBody } from "./schemas.ts";
import { recordTrustOutcome } from "./trust.ts";
import { judgmentWaits, teachCreator } from "./trust-evidence.ts";

const CONTACTED = new Set(["executed", "dispatched", "in_doubt"]);

/**
 * Whether the action reached the world: executed, in doubt, or dispatched with an attempt on record
 * (its executor stopped before recording the answer; SES settles it as sent). An outcome on one that
 * never went out (pending, blocked, rejected, failed, or turned away and waiting) is kept on it but
 * teaches nobody: before, a meeting an integration forwarded by decision id to a draft awaiting
 * approval raised its writer's trust.
 */
const wentOut = (d: Decision) =>
  d.status === "executed" ||
  d.status === "in_doubt" ||
  (d.status === "dispatched" && d.execution !== undefined && !d.execution.retryAt);

/** How many pages of 50 of a person's decisions an outcome's attribution reads at most. */
const ATTRIBUTION_PAGES = 4;

/**
 * The touch of the person's an outcome at `at` answers: the last one sent (an attempt on record, not
 * turned away) within the spec's attribution window before it, on `channel` if the outcome says (an
 * email reply answers an email); a holdout account, never touched, gets it on the touch the holdout
 * blocked (arms.ts). A touch is matched by when it went out, not when it was decided: a follow-up
 * decided before a reply and sent after it did not get that reply. One of the person's decisions that
 * already carries the outcome (`idOn`) keeps it, so a redelivery (a webhook, then the poll) finds the same
 * decision, and the outcome counts once, even when a later touch has since gone out.
 */
export async function touchAnswered(
  deps: Deps,
  spec: Spec,
  personId: string,
  at: number,
  /** The id the outcome has, or would have, on a decision (given, or derived from it: outcomeIdFor). */
  idOn?: (d: Decision) => string | undefined,
  channel?: Channel,
): Promise<Decision | undefined> {
  const since = at - spec.outcomes.attributionWindowDays * DAY;
  // Newest first, on while the window reaches back: a person with many record actions (classified,
  // researched) had their touches pushed out of the newest 50, and their replies went unattributed.
  const items: Decision[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < ATTRIBUTION_PAGES; pages++) {
    const page = await deps.decisions.queryDecisions({ personId, limit: 50, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    const oldest = page.items.at(-1);
    if (!page.cursor || !oldest || Date.parse(oldest.decidedAt) < since) break;
    cursor = page.cursor;
  }
  const within = (t: number) => t >= since && t <= at;
  const sentAt = (d: Decision) =>
    d.execution && !d.execution.retryAt ? Date.parse(d.execution.at) : Number.NaN;
  let touch = idOn
    ? items.find((d) => {
        const id = idOn(d);
        return id !== undefined && d.outcomes.some((o) => o.outcomeId === id);
      })
    : undefined;
  let latest = Number.NEGATIVE_INFINITY;
  for (const d of touch ? [] : items) {
    const t = sentAt(d);
    if (
      d.actionKind === "touch" &&
      CONTACTED.has(d.status) &&
      (!channel || d.channel === channel) &&
      within(t) &&
      t > latest
    ) {
      touch = d;
      latest = t;
    }
  }
  return touch ?? items.find((d) => isHeldOut(d) && within(Date.parse(d.decidedAt)));
}

/**
 * touchAnswered across several people who are one human to the outcome: the knowledge base may hold
 * two records with one address (an agent's and the CRM's: kb-store.ts co-holders), and a reply from
 * that address answers whichever of them was touched. The one already carrying the outcome keeps it;
 * else the touch sent last; else a held-out one.
 */
export async function touchAnsweredAmong(
  deps: Deps,
  spec: Spec,
  personIds: readonly string[],
  at: number,
  idOn?: (d: Decision) => string | undefined,
  channel?: Channel,
): Promise<Decision | undefined> {
  const found = (
    await Promise.all(personIds.map((p) => touchAnswered(deps, spec, p, at, idOn, channel)))
  ).filter((d): d is Decision => d !== undefined);
  const carries = (d: Decision) => {
    const id = idOn?.(d);
    return id !== undefined && d.outcomes.some((o) => o.outcomeId === id);
  };
  const sent = (d: Decision) => (d.execution ? Date.parse(d.execution.at) : Number.NEGATIVE_INFINITY);
  return (
    found.find(carries) ?? found.filter((d) => !isHeldOut(d)).sort((a, b) => sent(b) - sent(a))[0] ?? found[0]
  );
}

/**
 * Record something that happened after a decision. It is attributed to the decision given, or to the
 * person's last touch within the attribution window; it teaches trust, and a reply or meeting pauses
 * every agent on the account (stop-on-reply). Unsubscribes and complaints become suppressions.
 */
export async function recordOutcome(deps: Deps, body: OutcomeBody, principal: Principal) {
  const spec = await deps.specs.current();
  if (!spec) throw new NotFoundError("no spec has been published yet");
  const at = body.occurredAt ?? iso(deps.clock.now());
  // Nothing is written about someone the knowledge base does not know (a typo or an erased person).
  if (body.personId && !(await deps.kb.getPerson(body.personId)))
    throw new NotFoundError(`person ${body.personId} does not exist`);
  let personId = body.personId;
  if (!personId && body.email) {
    personId = await deps.kb.personIdByEmail(body.email);
    if (!personId) throw new NotFoundError("no person with that email is in the knowledge base");
  }
  let decision: Decision | undefined;
  if (body.decisionId) {
    decision = await deps.decisions.getDecision(body.decisionId);
    if (!decision) throw new NotFoundError(`decision ${body.decisionId} does not exist`);
    personId ??= decision.personId;
  } else if (personId) {
    // The id it has, or the one it took on a decision from its instant: a retry finds where it went.
    const { outcomeId, occurredAt } = body;
    const idOn = outcomeId
      ? () => outcomeId
      : occurredAt
        ? (d: Decision) => outcomeIdFor(d.decisionId, body.type, occurredAt)
        : undefined;
    decision = await touchAnswered(deps, spec.spec, personId, Date.parse(at), idOn, channelOf(body));
  }
  return recordResolved(deps, spec, body, principal, at, decision, personId);
}

/** What only an email can get: a bounce, a spam complaint. */
const EMAIL_ONLY = new Set<OutcomeBody["type"]>(["bounced", "complaint"]);

/**
 * The channel an outcome reported without its decision answers: email for a bounce or a complaint, or
 * one reported by the address it came to; else any (a reply, a meeting). Before, an email's spam
 * complaint reported by address went on the person's latest touch of any channel: a LinkedIn message
 * sent since took it, its agent was demoted and the email writer kept its level, and an unsubscribe so
 * placed suppressed the person on LinkedIn only, leaving them open to the next email.
 */
const channelOf = (body: OutcomeBody): Channel | undefined =>
  EMAIL_ONLY.has(body.type) || (body.email && !body.personId) ? "email" : undefined;

/**
 * An outcome on the decision its caller read and attributed it to (an SES event names its decision;
 * a HubSpot reply is attributed by touchAnswered): recordOutcome without reading it again, and without
 * its attribution, which an SES events function does not carry.
 */
export async function recordOutcomeOn(
  deps: Deps,
  /**
   * Undefined for a person the harness did not touch in the window (a reply to a rep's own email, a
   * meeting a colleague booked): kept in the person's outcomes, teaching no agent, and pausing every
   * agent on their account where the spec's stop-on-reply says, since a person is talking with them.
   */
  decision: Decision | undefined,
  body: OutcomeBody,
  principal: Principal,
  personId = decision?.personId,
) {
  const spec = await deps.specs.current();
  if (!spec) throw new NotFoundError("no spec has been published yet");
  return recordResolved(
    deps,
    spec,
    body,
    principal,
    body.occurredAt ?? iso(deps.clock.now()),
    decision,
    personId,
  );
}

async function recordResolved(
  deps: Deps,
  spec: SpecVersion,
  body: OutcomeBody,
  principal: Principal,
  at: string,
  decision: Decision | undefined,
  personId: string | undefined,
) {
  const now = deps.clock.now();
  // Without an id, one with its instant is named by what it is (a retry is then recognised); one
  // without either can only be a new outcome each time.
  const subject = decision?.decisionId ?? personId;
  const outcomeId =
    body.outcomeId ??
    (body.occurredAt && subject ? outcomeIdFor(subject, body.type, body.occurredAt) : newId("o"));
  // A redelivery, or a retry after a failure part-way (a throttled trust write, a timeout), finds the
  // outcome on the decision already. Everything after the append is idempotent and runs again: trust
  // is taught once per outcome id (the trust store marks it), the pause has an id derived from the
  // outcome's, a suppression is an overwrite, and the learning watchers count an event id once.
  // Returning early there lost a complaint's suppression for good whenever the first delivery failed
  // after its append.
  const effects: string[] = [];
  // The person's wish first: a delivery that fails after this (a contended trust record, a throttle)
  // still leaves them suppressed, whether or not the event is ever redelivered.
  if (personId && (body.type === "unsubscribed" || body.type === "complaint")) {
    const channels = body.type === "unsubscribed" && decision?.channel ? [decision.channel] : undefined;
    const where = channels ? ` on ${channels.join(", ")}` : " on every channel";
    const why = { ...(channels ? { channels } : {}), reason: `${body.type} (outcome ${outcomeId})` };
    await deps.kb.addSuppression({ kind: "person", value: personId, ...why }, iso(now));
    effects.push(`person ${personId} suppressed${where}`);
    // Reported by address: the address too, which reaches every person on file with it (an agent's
    // record and the CRM's of one buyer), not only the one its index names.
    if (body.email) {
      const { appliedTo } = await deps.kb.addSuppression(
        { kind: "email", value: body.email, ...why },
        iso(now),
      );
      for (const other of appliedTo.filter((a) => a !== `person:${personId}`))
        effects.push(`${other.replace(":", " ")} (same address) suppressed${where}`);
    }
  }
  let duplicate = false;
  /** Kept, neither taught nor announced again: appendToDecision's `late`. */
  let late: boolean | undefined;
  if (decision) {
    const appended = await appendToDecision(
      deps,
      decision,
      { type: body.type, at, outcomeId },
      principal.subject,
      body.note,
    );
    duplicate = appended.duplicate;
    late = appended.late;
    const teach = !isHeldOut(decision) && appended.teach;
    // A bounce is the fault of whoever created the address (trust-evidence.ts), not of the writer.
    const creator = teach ? await teachCreator(deps, spec, decision, body.type, outcomeId) : undefined;
    // A record's flag or correction within its window is taught when the window closes (trust-evidence.ts).
    if (teach && !(creator && body.type === "bounced") && !appended.held)
      await recordTrustOutcome(
        deps,
        spec,
        decision.agentId,
        decision.actionType,
        body.type,
        `outcome ${body.type} on ${decision.decisionId}`,
        outcomeId,
      );
  } else {
    // Once per outcome id in the person's stream: HubSpot's webhook and its poll both see a reply.
    const stream = streams.personOutcomes(personId ?? "unknown");
    const seen = (await deps.decisions.events(stream)).some(
      (e) => (e.data as { outcomeId?: string } | undefined)?.outcomeId === outcomeId,
    );
    duplicate = seen;
    if (!seen)
      await deps.decisions.appendEvent({
        stream,
        type: "outcome",
        at,
        actor: principal.subject,
        detail: `${body.type} with no touch to attribute it to`,
        data: { outcomeId, type: body.type },
      });
  }
  const accountId =
    decision?.accountId ?? (personId ? (await deps.kb.getPerson(personId))?.accountId : undefined);
  if (accountId && spec.spec.stopOnReply.outcomes.includes(body.type)) {
    const until = iso(Date.parse(at) + spec.spec.stopOnReply.pauseDays * DAY);
    await deps.pauses.create({
      pauseId: pauseIdForOutcome(outcomeId),
      scope: "account",
      target: accountId,
      reason: `stop-on-reply: ${body.type}${personId ? ` from person ${personId}` : ""}`,
      createdBy: "harness",
      createdAt: iso(now),
      until,
    });
    effects.push(`account ${accountId} paused until ${until}`);
  }
  if (!late)
    await deps.events.publish([
      {
        type: "outcome.recorded",
        detail: {
          outcomeId,
          type: body.type,
          decisionId: decision?.decisionId ?? null,
          accountId: accountId ?? null,
        },
      },
    ]);
  return {
    outcomeId,
    attributedTo: decision?.decisionId ?? null,
    ...(duplicate ? { duplicate: true as const } : {}),
    effects,
  };
}

async function appendToDecision(
  deps: Deps,
  decision: Decision,
  outcome: { type: OutcomeBody["type"]; at: string; outcomeId: string },
  actor: string,
  note?: string,
): Promise<{
  duplicate: boolean;
  held: boolean;
  /**
   * Whether it teaches: the first of its type on a decision that went out (wentOut), and not a
   * redelivery past REDELIVERY_MS. An action earns a reply (a meeting, a bounce) or it does not: the
   * second reply in a thread, or a client's report under a fresh id, is kept on the decision but
   * teaches nobody again. Before, each later reply in a thread counted one more success for the same
   * email, and a talkative prospect raised the writer's autonomy. (The learning loop counts the same
   * way: learning.ts.)
   */
  teach: boolean;
  /**
   * A redelivery past REDELIVERY_MS, or of one recorded before the decision went out: kept, neither
   * taught nor announced again.
   */
  late?: boolean;
}> {
  const teaches = (d: Decision) =>
    wentOut(d) && d.outcomes.find((o) => o.type === outcome.type)?.outcomeId === outcome.outcomeId;
  let current = decision;
  for (let attempt = 0; attempt < 10; attempt++) {
    // Checked again on every version read: a concurrent delivery of the same outcome may be the
    // write this one conflicted with. Whether it was held is what the first append decided.
    const already = current.outcomes.find((o) => o.outcomeId === outcome.outcomeId);
    if (already) {
      // Recorded before `recordedAt` was kept: its own time, which is no later.
      const recorded = Date.parse(already.recordedAt ?? already.at);
      // Past any redelivery, or recorded before the decision went out (a meeting reported on a draft
      // awaiting approval, retried once it was sent): kept, and neither taught nor announced again.
      const late =
        deps.clock.now() - recorded > REDELIVERY_MS || recorded < Date.parse(current.execution?.at ?? "");
      return { duplicate: true, held: !!already.heldUntilClose, teach: !late && teaches(current), late };
    }
    // Whether a judgment waits for the record's window is decided on the version it is appended to
    // (the write is conditional on it), and stored with it: the settle teaches only what was held.
    const held = judgmentWaits(current, outcome.type);
    const recordedAt = iso(deps.clock.now());
    const entry = { ...outcome, recordedAt, ...(held ? { heldUntilClose: true as const } : {}) };
    try {
      const next = { ...current, outcomes: [...current.outcomes, entry] };
      await deps.decisions.transition({
        decisionId: current.decisionId,
        expectStatus: [current.status],
        expectVersion: current.version,
        patch: { outcomes: next.outcomes },
        event: {
          type: "outcome",
          at: recordedAt,
          actor,
          detail: `${outcome.type}${note ? `: ${note}` : ""}${held ? " (taught to trust when the record's window closes)" : ""}`,
          data: entry,
        },
      });
      return { duplicate: false, held, teach: teaches(next) };
    } catch (err) {
      if ((err as Error).name !== "ConflictError") throw err;
      const fresh = await deps.decisions.getDecision(current.decisionId);
      if (!fresh) throw err;
      current = fresh;
    }
  }
  // Never taught without being appended: the caller's retry (same outcome id) tries again.
  throw new ConflictError(`decision ${decision.decisionId} is too contended; outcome not recorded`);
}
