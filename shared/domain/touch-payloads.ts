/**
 * The payloads of the actions that reach a person through a built-in connector: email.send through
 * SES, linkedin.message and linkedin.audience.add through LinkedIn. The gate checks a proposal's shape
 * before anything is reserved (`payloadShapeIssues`: a 400 naming the field), so what it lets through is
 * what the connector can send; whom it goes to is recipients.ts's.
 */
import type { FieldIssue } from "./errors.ts";
import { LinkedInProfileUrl } from "./urls.ts";
import { toIssues } from "./validation.ts";
import { Id } from "./vocabulary.ts";
import * as z from "./zod-mini.ts";

export const Email = z.email().check(z.toLowerCase());

/**
 * How a drafted message was made (variant, facts, persona, model): the harness's own writer fills them
 * and the learning loop reads them (agents/watchers/learning.ts), but an agent of your own need not.
 */
const DraftFields = {
  body: z.string().check(z.minLength(1)),
  variant: z.optional(z.string()),
  companyName: z.optional(z.string()),
  groundedOn: z.optional(z.array(z.string())),
  persona: z.optional(z.string()),
  model: z.optional(z.string()),
};

export const EmailPayload = z.object({
  to: Email,
  // A header is one line of at most 998 characters (RFC 5322): a line break is refused here, naming the
  // field, rather than by SES after a person approved, or folded into a subject nobody reviewed.
  subject: z.string().check(z.minLength(1), z.maxLength(998), z.regex(/^[^\r\n]*$/, "must be one line")),
  ...DraftFields,
});
export type EmailPayload = z.infer<typeof EmailPayload>;

export const LinkedInMessagePayload = z.object({ linkedinUrl: LinkedInProfileUrl, ...DraftFields });
export type LinkedInMessagePayload = z.infer<typeof LinkedInMessagePayload>;

export const AudienceAddPayload = z.object({
  audienceId: z.string().check(z.minLength(1)),
  personId: Id,
  email: Email,
  firstName: z.string(),
  lastName: z.string(),
  companyName: z.string(),
  persona: z.string(),
});
export type AudienceAddPayload = z.infer<typeof AudienceAddPayload>;

/** The payload's shape without its address, which the gate fills (below). */
const SHAPES: Readonly<Record<string, z.ZodMiniType>> = {
  "email.send": z.object({ ...EmailPayload.shape, to: z.optional(Email) }),
  "linkedin.message": z.object({
    ...LinkedInMessagePayload.shape,
    linkedinUrl: z.optional(LinkedInProfileUrl),
  }),
  "linkedin.audience.add": z.object({
    ...AudienceAddPayload.shape,
    email: z.optional(Email),
    personId: z.optional(Id),
  }),
};

/**
 * Why the payload cannot be sent by its built-in connector, each issue naming its field
 * (`payload.subject`); none for other types, whose payloads are their connectors' or tools' to read.
 * `records`: the record actions' shapes (agents/records.ts RECORD_PAYLOADS), where the caller checks them.
 */
export function payloadShapeIssues(
  actionType: string,
  payload: Record<string, unknown>,
  records: Readonly<Record<string, z.ZodMiniType>> = {},
): FieldIssue[] {
  const shape = SHAPES[actionType] ?? records[actionType];
  if (!shape) return [];
  const result = z.safeParse(shape, payload);
  return result.success ? [] : toIssues(result.error, "payload");
}
