/**
 * SES event publishing through EventBridge (source aws.ses): the detail is the event-publishing
 * record SES documents (eventType, mail with the send's tags, and one object per event type). Only
 * the fields the harness reads are checked; the rest is let through.
 */
import * as z from "zod";

export const SES_DETAIL_TYPES = [
  "Email Bounced",
  "Email Complaint Received",
  "Email Delivered",
  "Email Opened",
  "Email Clicked",
  "Email Rejected",
] as const;

const Stamp = z.object({ timestamp: z.string().optional() }).loose();

export const SesEventDetail = z
  .object({
    eventType: z.enum(["Bounce", "Complaint", "Delivery", "Open", "Click", "Reject", "Send"]),
    mail: z
      .object({
        messageId: z.string().min(1),
        destination: z.array(z.string()).default([]),
        timestamp: z.string().optional(),
        /** Email tags of the send, each a list of values (shared/adapters/connectors/ses.ts sets ours). */
        tags: z.record(z.string(), z.array(z.string())).default({}),
      })
      .loose(),
    bounce: Stamp.extend({
      bounceType: z.enum(["Permanent", "Transient", "Undetermined"]),
      bouncedRecipients: z.array(z.object({ emailAddress: z.string() }).loose()).default([]),
    }).optional(),
    complaint: Stamp.optional(),
    delivery: Stamp.optional(),
    open: Stamp.optional(),
    click: Stamp.optional(),
    reject: z.object({ reason: z.string().optional() }).loose().optional(),
  })
  .loose();
export type SesEventDetail = z.infer<typeof SesEventDetail>;

/** The decision a sent email belongs to: its decision_id tag, else the idempotency key's tag form. */
export function decisionIdOf(detail: SesEventDetail): string | undefined {
  const tags = detail.mail.tags;
  const direct = tags.decision_id?.[0];
  if (direct) return direct;
  // `<decisionId>:exec:<n>` travels as `<decisionId>_exec_<n>` (tag values allow no colon).
  return tags.idempotency_key?.[0]?.match(/^(.+)_exec_\d+$/)?.[1];
}
