/**
 * SES's word on whether an email went out, written on its decision: settled as sent or not sent (a
 * decision whose executor did not record SES's answer, or whose message never reached the person),
 * and the delivery kept, so that a soft bounce after it (an out-of-office reply) leaves it sent.
 * Apart from world-outcomes.ts, which reads each SES event and decides which of these it is.
 */
import type { SesEventDetail } from "../adapters/aws/ses-events.ts";
import type { Decision } from "../domain/decision.ts";
import { ConflictError } from "../domain/errors.ts";
import type { Deps } from "../ports.ts";
import { move } from "./transitions.ts";
import { recordTrustOutcome } from "./trust.ts";
import { settleDue } from "./trust-evidence.ts";
import { isSoftBounce, reachedWhy, SES_NOT_SENT, type WorldOutcomeResult } from "./world-outcomes.ts";

/**
 * Settle the decision on SES's word, once (a redelivered event finds it settled).
 *
 * `why` given: nothing reached the person. The decision, `executed`, `in_doubt` or `dispatched` (its
 * executor not done), is `failed` with SES's reason in its execution and ledger, its touch and counters
 * given back (a later touch is not held back by one that never happened), and nobody is taught
 * anything: the refusal is SES's.
 *
 * `why` absent: the message went out (delivered, bounced hard, complained of, opened). A decision
 * `in_doubt` or `dispatched` (its executor stopped, or has not yet recorded SES's answer) is
 * `executed`, with the trust window an execution opens and, for a touch nobody reviewed, its
 * `draft_passed`; so is one a soft bounce of this very message failed (SES's events come in any
 * order, and a Delivery whose handling failed is retried a minute later, behind an out-of-office
 * reply's bounce), its touch and today's counters taken back; any other is left as it is (undefined).
 */
export async function settle(
  deps: Deps,
  decision: Decision,
  detail: SesEventDetail,
  msg: string,
  why?: string,
): Promise<WorldOutcomeResult | undefined> {
  const type = why ? "not_sent" : "sent";
  const result = (duplicate: boolean): WorldOutcomeResult => ({
    recorded: true,
    outcomeId: `ses:${msg}:${type}`,
    type,
    duplicate,
    decisionId: decision.decisionId,
  });
  // `dispatched` with its attempt on record: SES's event says how the call its executor is making (or
  // was making when it was killed) ended, before the executor records it (execution.ts gives way).
  const from: Decision["status"][] = why
    ? ["executed", "in_doubt", "dispatched"]
    : ["in_doubt", "dispatched"];
  const soft = why !== undefined && isSoftBounce(detail);
  const sentAt = Date.parse(detail.mail.timestamp ?? "") || deps.clock.now();
  const spec =
    why || decision.status === "executed" ? undefined : await deps.specs.current().catch(() => undefined);
  let d: Decision | undefined = decision;
  for (let attempt = 0; d && attempt < 5; attempt++) {
    const bouncedSoft = !why && softBounced(d, detail.mail.messageId);
    // A soft bounce read again after a conflict: the Delivery, an open or a reply landed meanwhile
    // (handled at once with it), so it reached the person and stays sent.
    const reached = soft && attempt > 0 ? reachedWhy(d) : undefined;
    if (reached) return { recorded: false, reason: reached };
    if (!bouncedSoft && (!from.includes(d.status) || (d.status === "dispatched" && !d.execution))) {
      if (!why) return attempt ? result(true) : undefined;
      if (d.status === "failed" && d.execution?.error?.startsWith("SES ")) return result(true);
      return { recorded: false, reason: `${detail.eventType}: the decision is ${d.status}, not sent` };
    }
    const execution = {
      at: d.execution?.at ?? new Date(sentAt).toISOString(),
      idempotencyKey: d.execution?.idempotencyKey ?? d.idempotencyKey,
      externalId: `ses:${detail.mail.messageId}`,
      ...(!why && detail.eventType === "Delivery" ? { deliveredAt: deliveredAt(detail, deps) } : {}),
    };
    try {
      await move(deps, d, {
        to: why ? "failed" : "executed",
        from: bouncedSoft ? ["failed"] : from,
        event: why ? "failed" : "executed",
        actor: "ses",
        ...(why
          ? {
              detail: `${why}: it was not sent; reservation released`,
              patch: { execution: { ...execution, error: why } },
              release: true,
            }
          : {
              detail: `SES reported ${detail.eventType} of message ${msg}: it was sent`,
              patch: { execution },
              addDue: settleDue(d.decisionId, sentAt, spec),
              ...(bouncedSoft ? { restore: { at: Date.parse(execution.at) } } : {}),
            }),
      });
      // As the executor would have on recording the send: a touch no person reviewed went out on the
      // gate's checks alone (execution.ts).
      // (Not again for one a soft bounce had failed: taught when it was first recorded sent.)
      if (!why && !bouncedSoft && spec && d.actionKind === "touch" && !d.review)
        await recordTrustOutcome(
          deps,
          spec,
          d.agentId,
          d.actionType,
          "draft_passed",
          `draft_passed on ${d.decisionId}`,
        ).catch(() => undefined);
      return result(false);
    } catch (err) {
      // Another writer moved it on (an outcome appended, this event delivered twice): read it again.
      if (!(err instanceof ConflictError)) throw err;
      d = await deps.decisions.getDecision(decision.decisionId);
    }
  }
  throw new ConflictError(`decision ${decision.decisionId} is too contended; SES's event was not recorded`);
}

/**
 * Failed by a soft (or undetermined) bounce of this message, which SES may report before the
 * delivery: world-outcomes.ts writes those reasons.
 */
const softBounced = (d: Decision, messageId: string) =>
  d.status === "failed" &&
  d.execution?.externalId === `ses:${messageId}` &&
  d.execution.error?.startsWith(`${SES_NOT_SENT}: SES `) === true &&
  / bounce/.test(d.execution.error);

const notSentYet = (d: Decision): WorldOutcomeResult => ({
  recorded: false,
  reason: `Delivery: the decision is ${d.status}, not sent`,
});

/** When SES delivered the message, by its Delivery record (else now). */
const deliveredAt = (detail: SesEventDetail, deps: Deps) => {
  const at = Date.parse(detail.delivery?.timestamp ?? "");
  return new Date(Number.isNaN(at) ? deps.clock.now() : at).toISOString();
};

/**
 * A Delivery for a decision already executed: the delivery written on its execution (and its ledger),
 * once, so that a soft bounce after it (an out-of-office reply) leaves the email sent. Nothing is taught.
 */
export async function markDelivered(
  deps: Deps,
  decision: Decision,
  detail: SesEventDetail,
  msg: string,
): Promise<WorldOutcomeResult> {
  let d: Decision | undefined = decision;
  for (let attempt = 0; d && attempt < 5; attempt++) {
    // A soft bounce of it failed it since it was read (the two handled at once): sent after all.
    if (softBounced(d, detail.mail.messageId)) return (await settle(deps, d, detail, msg)) ?? notSentYet(d);
    if (d.status !== "executed" || !d.execution) return notSentYet(d);
    if (d.execution.deliveredAt) return { recorded: false, reason: "Delivery: already recorded" };
    const at = deliveredAt(detail, deps);
    try {
      await deps.decisions.transition({
        decisionId: d.decisionId,
        expectStatus: ["executed"],
        expectVersion: d.version,
        patch: { execution: { ...d.execution, deliveredAt: at } },
        event: {
          type: "delivered",
          at: new Date(deps.clock.now()).toISOString(),
          actor: "ses",
          detail: `SES delivered message ${msg} to the recipient's mail server at ${at}`,
        },
      });
      return {
        recorded: true,
        outcomeId: `ses:${msg}:delivered`,
        type: "delivered",
        duplicate: false,
        decisionId: d.decisionId,
      };
    } catch (err) {
      // Another writer moved it on (an outcome appended, this event delivered twice): read it again.
      if (!(err instanceof ConflictError)) throw err;
      d = await deps.decisions.getDecision(decision.decisionId);
    }
  }
  throw new ConflictError(
    `decision ${decision.decisionId} is too contended; SES's delivery was not recorded`,
  );
}
