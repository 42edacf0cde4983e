/**
 * Outcomes reported by the world, recorded through the same use case as POST /v1/outcomes: SES's
 * events here, HubSpot's webhook events and polls in hubspot-outcomes.ts. Each outcome's id is derived
 * from what the vendor reports (message id and event kind; contact, property and value), so the same
 * event delivered twice, or seen by the webhook and again by the poll, counts once.
 */
import { decisionIdOf, optedOut, type SesEventDetail } from "../adapters/aws/ses-events.ts";
import type { Decision } from "../domain/decision.ts";
import { iso } from "../domain/time.ts";
import type { Deps } from "../ports.ts";
import { recordOutcomeOn } from "./outcomes.ts";
import type { Principal } from "./principal.ts";
import type { OutcomeBody } from "./schemas.ts";
import { markDelivered, settle } from "./ses-settle.ts";

export type WorldOutcomeResult =
  | {
      recorded: true;
      outcomeId: string;
      /**
       * `not_sent`: SES says the message never reached the person; the decision is failed. `sent`: SES
       * says it went out; the decision in doubt is executed (settle).
       */
      type: OutcomeBody["type"] | "not_sent" | "sent" | "delivered" | "suppressed" | "merged";
      duplicate: boolean;
      decisionId: string | null;
    }
  | { recorded: false; reason: string };

const SES: Principal = { subject: "ses", roles: ["admin"] };
/**
 * An address SES cannot deliver to (a hard bounce, a suppression list) is suppressed on email only:
 * the person may still be reached on LinkedIn. Before, on every channel.
 */
export const EMAIL: ["email"] = ["email"];
/** Outcomes that say an email reached its person. */
const REACHED = new Set(["opened", "replied", "meeting_booked"]);

/** A soft bounce (SES stopped retrying) or an undetermined one: the message did not reach the person. */
export const isSoftBounce = (
  detail: SesEventDetail,
): detail is SesEventDetail & { bounce: NonNullable<SesEventDetail["bounce"]> } =>
  detail.eventType === "Bounce" &&
  (detail.bounce?.bounceType === "Transient" || detail.bounce?.bounceType === "Undetermined");

/** Why a soft bounce leaves the email sent: it reached the person (delivered, opened or answered). */
export const reachedWhy = (d: Decision): string | undefined =>
  d.execution?.deliveredAt
    ? "soft bounce after SES delivered it (an automatic reply)"
    : d.outcomes.some((o) => REACHED.has(o.type))
      ? "soft bounce after it was opened or answered"
      : undefined;
const ON_ACCOUNT_LIST = "OnAccountSuppressionList";
/** A hard bounce SES answers itself, sending nothing: the address bounced recently for any sender. */
const ON_GLOBAL_LIST = "Suppressed";

/** Outcome ids allow letters, digits and . _ : @ - only. */
export const idPart = (s: string) => s.replace(/[^A-Za-z0-9._@-]/g, "-").slice(0, 80);

/**
 * One SES event. A hard bounce suppresses the address and teaches trust as a bounce; a complaint
 * suppresses the address and the person (recordOutcome) on every channel and counts against the agent; an open or a click is one
 * `opened` per message; an unsubscribe through SES's subscription management (a Subscription event
 * opting out) is `unsubscribed`, which suppresses the person on email.
 *
 * Some events say the message never reached the person (settle, with the reason): a reject (SES
 * accepted the send, then found a virus and sent nothing), a bounce or complaint of subtype
 * OnAccountSuppressionList
 * (SES refusing an address already on the account's suppression list, for an earlier bounce or
 * complaint, perhaps another sender's: the address is suppressed here too, but no agent is taught a
 * bounce or complaint this send did not cause), a hard bounce of subtype Suppressed (the same, from
 * SES's global list of addresses that bounced recently for any sender), and a soft bounce before the
 * delivery (SES publishes one once it has stopped retrying; after the delivery, one is an automatic
 * reply such as out of office, and the email stays sent). The others say it went out: they settle a
 * decision in doubt as sent (settle). A delivery teaches nothing more; it is written on the decision
 * (markDelivered).
 */
export async function recordSesEvent(deps: Deps, detail: SesEventDetail): Promise<WorldOutcomeResult> {
  const decisionId = decisionIdOf(detail);
  if (!decisionId) return { recorded: false, reason: "not sent by the harness (no decision tag)" };
  const decision = await deps.decisions.getDecision(decisionId);
  if (!decision) return { recorded: false, reason: "the tagged decision does not exist" };
  const msg = idPart(detail.mail.messageId);
  // With a reason, settle always answers.
  const notSent = (why: string) => settle(deps, decision, detail, msg, why) as Promise<WorldOutcomeResult>;
  const global = detail.bounce?.bounceSubType === ON_GLOBAL_LIST;
  const listed =
    global ||
    detail.bounce?.bounceSubType === ON_ACCOUNT_LIST ||
    detail.complaint?.complaintSubType === ON_ACCOUNT_LIST;
  if (listed && (detail.eventType === "Bounce" || detail.eventType === "Complaint")) {
    const list = `SES's ${global ? "global" : "account"} suppression list`;
    const addresses =
      detail.eventType === "Bounce"
        ? (detail.bounce?.bouncedRecipients ?? []).map((r) => r.emailAddress)
        : complained(detail);
    await suppress(
      deps,
      addresses.length ? addresses : detail.mail.destination,
      `on ${list} (SES ${msg})`,
      EMAIL,
    );
    return notSent(`${SES_NOT_SENT}: the address is on ${list}`);
  }
  if (detail.eventType === "Reject")
    return notSent(`${SES_REJECTED}: ${detail.reject?.reason ?? "no reason given"}`);
  // An Undetermined bounce did not reach the person either (SES could not tell why): as a soft one,
  // not sent and nobody suppressed. Before, it settled the decision as sent, its touch held.
  if (isSoftBounce(detail)) {
    // A soft bounce can follow the delivery: an out-of-office reply comes back as one (Transient,
    // General), as does a mailbox that filled up later. An email SES delivered, opened or answered
    // reached the person, and stays sent, its touch and reservation held and no soft bounce counted.
    // Before, a delivered email an out-of-office reply answered was failed, its touch given back (the
    // person open to another agent's email at once), and the third such reply suppressed the address.
    const reached = reachedWhy(decision);
    if (reached) return { recorded: false, reason: reached };
    const result = await notSent(
      `${SES_NOT_SENT}: ${detail.bounce.bounceType === "Transient" ? SOFT : "SES could not tell why (undetermined"} bounce${detail.bounce.bounceSubType ? `: ${detail.bounce.bounceSubType}` : ""})`,
    );
    // Not where it reached the person after all (a Delivery handled at once with it).
    if (detail.bounce.bounceType === "Transient" && result.recorded)
      await suppressIfSoftAgain(deps, decision, detail, msg);
    return result;
  }
  // From here on SES says the message went out (a Send, that SES took it): a decision whose executor
  // stopped before recording SES's answer is settled as sent first.
  const settled = await settle(deps, decision, detail, msg);
  /** Nothing to learn from this event: its settle, if it settled the decision, is what is said. */
  const only = (reason: string): WorldOutcomeResult => settled ?? { recorded: false, reason };
  if (detail.eventType === "Delivery") return settled ?? markDelivered(deps, decision, detail, msg);
  let type: OutcomeBody["type"];
  let at: string | undefined;
  switch (detail.eventType) {
    case "Complaint":
      // The recipient's provider saying it is not spam (a feedback report of type not-spam) is no complaint.
      if (detail.complaint?.complaintFeedbackType === "not-spam") return only("a not-spam report");
      type = "complaint";
      at = detail.complaint?.timestamp;
      // The address on every channel, before the outcome (as a hard bounce): the person is suppressed
      // too, but a person record written later with this address (a duplicate, a merge, a re-import)
      // carries the address's suppression only.
      await suppress(deps, complained(detail), `spam complaint (SES ${msg})`);
      break;
    case "Bounce": {
      if (detail.bounce?.bounceType !== "Permanent")
        return {
          recorded: false,
          reason: `${detail.bounce?.bounceType ?? "unknown"} bounce: nothing to learn`,
        };
      type = "bounced";
      at = detail.bounce.timestamp;
      // Suppressed before the outcome is recorded: a retry after a crash between the two still suppresses.
      await suppress(
        deps,
        detail.bounce.bouncedRecipients.map((r) => r.emailAddress),
        `hard bounce (SES ${msg})`,
        EMAIL,
      );
      break;
    }
    case "Subscription":
      // The recipient used the unsubscribe link or header SES added (config `ses.listManagement`): as
      // POST /v1/outcomes `unsubscribed`, the person is suppressed on email and the agent is taught.
      if (!optedOut(detail)) return only("Subscription: not an opt-out, nothing to learn");
      type = "unsubscribed";
      at = detail.subscription?.timestamp;
      // The address too, before the outcome (as a hard bounce): it may be another person's on file.
      await suppress(deps, detail.mail.destination, `unsubscribed through SES's link (SES ${msg})`, EMAIL);
      // Out of the whole list before this email's link was used (from another agent's email): the
      // address stays suppressed (above, in case that first event was lost), and this email's agent is
      // not charged an unsubscribe it did not cause.
      if (detail.subscription?.oldTopicPreferences?.unsubscribeAll) {
        // The person too, on email (as an unsubscribe does), in case the first event was lost.
        if (decision.personId)
          await deps.kb.addSuppression(
            {
              kind: "person",
              value: decision.personId,
              channels: EMAIL,
              reason: `unsubscribed (SES ${msg})`,
            },
            iso(deps.clock.now()),
          );
        return only("Subscription: already unsubscribed from the list");
      }
      break;
    case "Open":
    case "Click":
      // A click implies the open: both are the one `opened` of this message.
      type = "opened";
      at = (detail.open ?? detail.click)?.timestamp;
      break;
    default:
      return only(`${detail.eventType}: nothing to learn`);
  }
  const body: OutcomeBody = {
    outcomeId: `ses:${msg}:${type}`,
    decisionId,
    type,
    ...(at && !Number.isNaN(Date.parse(at)) ? { occurredAt: new Date(Date.parse(at)).toISOString() } : {}),
  };
  const res = await recordOutcomeOn(deps, decision, body, SES);
  return {
    recorded: true,
    outcomeId: res.outcomeId,
    type,
    duplicate: res.duplicate === true,
    decisionId: res.attributedTo,
  };
}

const SOFT = "SES stopped retrying (soft";
/** Soft bounces of one person's emails within SOFT_BOUNCE_DAYS (this one counted) that suppress the address. */
export const SOFT_BOUNCES = 3;
const SOFT_BOUNCE_DAYS = 30;

/**
 * A mailbox that soft-bounces again and again (full, disabled, a server that keeps deferring) is as
 * unreachable as a hard bounce, and each send to it waits out SES's retries before its reservation comes
 * back. The SOFT_BOUNCES-th of the person's emails within SOFT_BOUNCE_DAYS to soft-bounce, none of them
 * opened or answered since, suppresses the address on email. Before, an address soft-bounced forever.
 * Counted from the person's decisions (their newest 50), so an event delivered twice counts once.
 */
async function suppressIfSoftAgain(deps: Deps, decision: Decision, detail: SesEventDetail, msg: string) {
  if (!decision.personId) return;
  const since = deps.clock.now() - SOFT_BOUNCE_DAYS * 86_400_000;
  const { items } = await deps.decisions.queryDecisions({ personId: decision.personId, limit: 50 });
  // This one counted as read, not as listed: the person index lags the write that just failed it.
  let soft = 1;
  for (const d of items) {
    // Newest first: an email that reached the person since ends the run of soft bounces.
    if (d.outcomes.some((o) => REACHED.has(o.type))) break;
    const e = d.execution;
    if (
      d.decisionId !== decision.decisionId &&
      d.status === "failed" &&
      e?.error?.startsWith(`${SES_NOT_SENT}: ${SOFT}`) &&
      Date.parse(e.at) >= since
    )
      soft++;
  }
  if (soft >= SOFT_BOUNCES)
    await suppress(
      deps,
      detail.bounce?.bouncedRecipients.map((r) => r.emailAddress) ?? detail.mail.destination,
      `${soft} soft bounces (SES ${msg})`,
      EMAIL,
    );
}

/** Suppresses each address (on `channels`, else every channel). */
async function suppress(deps: Deps, addresses: string[], reason: string, channels?: typeof EMAIL) {
  for (const a of addresses)
    await deps.kb.addSuppression(
      { kind: "email", value: a.toLowerCase(), reason, ...(channels ? { channels } : {}) },
      iso(deps.clock.now()),
    );
}

/** The addresses a complaint names (some providers' reports name none: then the message's). */
const complained = (detail: SesEventDetail) => {
  const named = (detail.complaint?.complainedRecipients ?? []).map((r) => r.emailAddress);
  return named.length ? named : detail.mail.destination;
};

/** The start of a decision's execution error when SES rejected its message (a Reject event). */
export const SES_REJECTED = "SES rejected the message";
/** The start of a decision's execution error when SES says nothing reached the person (settle). */
export const SES_NOT_SENT = "SES did not deliver it";
