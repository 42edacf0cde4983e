/**
 * SES event publishing through EventBridge (source aws.ses): the detail is the event-publishing
 * record SES documents (eventType, mail with the send's tags, and one object per event type). Only
 * the fields the harness reads are checked; the rest is let through.
 */
import * as z from "../../domain/zod-mini.ts";
import { SES_TAGS } from "../connectors/ses-tags.ts";

export const SES_DETAIL_TYPES = [
  "Email Bounced",
  "Email Complaint Received",
  "Email Delivered",
  "Email Opened",
  "Email Clicked",
  "Email Rejected",
  // A recipient unsubscribed through SES's subscription management (the List-Unsubscribe header, its page).
  "Email Subscribed",
] as const;

const Stamp = z.looseObject({ timestamp: z.optional(z.string()) });

/** A contact's preferences in the contact list, before or after a Subscription event. */
const TopicPreferences = z.looseObject({
  unsubscribeAll: z._default(z.boolean(), false),
  topicSubscriptionStatus: z._default(
    z.array(z.looseObject({ topicName: z.string(), subscriptionStatus: z.string() })),
    [],
  ),
});

export const SesEventDetail = z.looseObject({
  eventType: z.enum(["Bounce", "Complaint", "Delivery", "Open", "Click", "Reject", "Send", "Subscription"]),
  mail: z.looseObject({
    messageId: z.string().check(z.minLength(1)),
    destination: z._default(z.array(z.string()), []),
    timestamp: z.optional(z.string()),
    /** Email tags of the send, each a list of values (shared/adapters/connectors/ses.ts sets ours). */
    tags: z._default(z.record(z.string(), z.array(z.string())), {}),
  }),
  bounce: z.optional(
    z.extend(Stamp, {
      bounceType: z.enum(["Permanent", "Transient", "Undetermined"]),
      /** `OnAccountSuppressionList`: SES did not send at all, the address being on the account's list. */
      bounceSubType: z.optional(z.string()),
      bouncedRecipients: z._default(z.array(z.looseObject({ emailAddress: z.string() })), []),
    }),
  ),
  complaint: z.optional(
    z.extend(Stamp, {
      /** `OnAccountSuppressionList`: not sent, the address being on the account's list for a complaint. */
      complaintSubType: z.optional(z.nullable(z.string())),
      /** The feedback report's type (abuse, fraud, not-spam, …), when the provider sent one. */
      complaintFeedbackType: z.optional(z.nullable(z.string())),
      complainedRecipients: z._default(z.array(z.looseObject({ emailAddress: z.string() })), []),
    }),
  ),
  delivery: z.optional(Stamp),
  open: z.optional(Stamp),
  click: z.optional(Stamp),
  reject: z.optional(z.looseObject({ reason: z.optional(z.string()) })),
  subscription: z.optional(
    z.extend(Stamp, {
      contactList: z.optional(z.string()),
      newTopicPreferences: z.optional(TopicPreferences),
      oldTopicPreferences: z.optional(TopicPreferences),
    }),
  ),
});
export type SesEventDetail = z.infer<typeof SesEventDetail>;

/** The decision a sent email belongs to: its decision_id tag, else the idempotency key's tag form. */
export function decisionIdOf(detail: SesEventDetail): string | undefined {
  const tags = detail.mail.tags;
  const direct = tags[SES_TAGS.decisionId]?.[0];
  if (direct) return direct;
  // `<decisionId>:exec:<n>` travels as `<decisionId>_exec_<n>` (tag values allow no colon).
  return tags[SES_TAGS.idempotencyKey]?.[0]?.match(/^(.+)_exec_\d+$/)?.[1];
}

/**
 * Whether a Subscription event says the recipient opted out: of the whole list, or of a topic they
 * were not already out of. An email sent on a topic (its `list_topic` tag: ses.ts) asks about that
 * topic only: SES's page lists every topic of the list, and one whose default is opt-out shows OptOut
 * for anyone who never chose, so a recipient who saved the page to opt in read as opting out, was
 * suppressed, and the agent charged an unsubscribe. An email sent on no topic keeps the safe side:
 * leaving any topic reads as an opt-out. Opting back in lifts nothing: a suppression is a person's
 * to lift.
 */
export function optedOut(detail: SesEventDetail): boolean {
  const now = detail.subscription?.newTopicPreferences;
  if (!now) return false;
  if (now.unsubscribeAll) return true;
  const before = new Map(
    (detail.subscription?.oldTopicPreferences?.topicSubscriptionStatus ?? []).map((t) => [
      t.topicName,
      t.subscriptionStatus,
    ]),
  );
  const topic = detail.mail.tags[SES_TAGS.listTopic]?.[0];
  return now.topicSubscriptionStatus.some(
    (t) =>
      (topic === undefined || t.topicName === topic) &&
      t.subscriptionStatus === "OptOut" &&
      before.get(t.topicName) !== "OptOut",
  );
}
