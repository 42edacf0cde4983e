/**
 * SES event publishing through EventBridge (source aws.ses): the detail is the event-publishing
 * record SES documents (eventType, mail with the send's tags, and one object per event type). Only
 * the fields the harness reads are checked; the rest is let through.
 */
import * as z from "../../domain/zod-mini.ts";

export const SES_DETAIL_TYPES = [
  "Email Bounced",
  "Email Complaint Received",
  "Email Delivered",
  "Email Opened",
  "Email Clicked",
  "Email Rejected",
] as const;

const Stamp = z.looseObject({ timestamp: z.optional(z.string()) });

export const SesEventDetail = z.looseObject({
  eventType: z.enum(["Bounce", "Complaint", "Delivery", "Open", "Click", "Reject", "Send"]),
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
      complainedRecipients: z._default(z.array(z.looseObject({ emailAddress: z.string() })), []),
    }),
  ),
  delivery: z.optional(Stamp),
  open: z.optional(Stamp),
  click: z.optional(Stamp),
  reject: z.optional(z.looseObject({ reason: z.optional(z.string()) })),
});
export type SesEventDetail = z.infer<typeof SesEventDetail>;

/** The decision a sent email belongs to: its decision_id tag, else the idempotency key's tag form. */
export function decisionIdOf(detail: SesEventDetail): string | undefined {
  const tags = detail.mail.tags;
  const direct = tags.decision_id?.[0];
  if (direct) return direct;
  // `<decisionId>:exec:<n>` travels as `<decisionId>_exec_<n>` (tag values allow no colon).
  return tags.idempotency_key?.[0]?.match(/^(.+)_exec_\d+$/)?.[1];
}
