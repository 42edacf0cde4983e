/**
 * Payloads of the record and audience actions agents propose. Agents build them, the record ingest
 * (watchers/ingest.ts) applies executed ones to the knowledge base, and the HubSpot and LinkedIn
 * connectors turn them into API calls: one schema, three readers, parsed with zod at each.
 */

import { Email } from "../domain/touch-payloads.ts";
import { HttpsUrl, LinkedInProfileUrl } from "../domain/urls.ts";
import { CommitteeRole, Id } from "../domain/vocabulary.ts";
import * as z from "../domain/zod-mini.ts";
import { FACT_KINDS } from "../kb/types.ts";

export const UpsertContact = z.object({
  operation: z.literal("upsert_contact"),
  personId: Id,
  contact: z.object({
    accountId: Id,
    email: Email,
    firstName: z.string().check(z.minLength(1)),
    lastName: z.string().check(z.minLength(1)),
    title: z.string().check(z.minLength(1)),
    linkedinUrl: z.optional(LinkedInProfileUrl),
  }),
  companyDomain: z.string(),
  source: z.string(),
});

export const ClassifyContact = z.object({
  operation: z.literal("classify_contact"),
  personId: Id,
  email: Email,
  persona: z.string(),
  role: CommitteeRole,
  method: z.enum(["rules", "model"]),
  model: z.optional(z.string()),
  confidence: z.number().check(z.gte(0), z.lte(1)),
});

export const CommitteeMemberRecord = z.object({
  personId: Id,
  email: Email,
  name: z.string(),
  title: z.string(),
  persona: z.string(),
  role: CommitteeRole,
});

export const BuyingCommittee = z.object({
  operation: z.literal("buying_committee"),
  accountId: Id,
  domain: z.string(),
  members: z.array(CommitteeMemberRecord),
  gaps: z.array(CommitteeRole),
});

export const ResearchNote = z.object({
  operation: z.literal("research_note"),
  accountId: Id,
  domain: z.string(),
  facts: z
    .array(
      z.object({ kind: z.enum(FACT_KINDS), text: z.string().check(z.minLength(1)), sourceUrl: HttpsUrl }),
    )
    .check(z.minLength(1)),
});

export const LeadListRecord = z.object({
  operation: z.literal("lead_list"),
  accountId: Id,
  domain: z.string(),
  listId: z.string(),
  date: z.string(),
  ownerId: z.string(),
  rank: z.number().check(z.int(), z.positive()),
  tier: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  intent: z.number(),
  contacts: z.array(z.object({ personId: Id, email: Email })),
});

export const LogEngagement = z.object({
  operation: z.literal("log_engagement"),
  decisionId: Id,
  channel: z.enum(["email", "linkedin"]),
  personId: z.optional(Id),
  email: z.optional(Email),
  companyDomain: z.optional(z.string()),
  subject: z.optional(z.string()),
  body: z.string(),
  occurredAt: z.string(),
  externalId: z.optional(z.string()),
});

export const CrmUpdate = z.discriminatedUnion("operation", [
  UpsertContact,
  ClassifyContact,
  BuyingCommittee,
  ResearchNote,
  LeadListRecord,
  LogEngagement,
]);
export type CrmUpdate = z.infer<typeof CrmUpdate>;

const Member = z.object({ personId: Id, email: Email });

export const ListSyncPayload = z.object({
  audienceId: z.string().check(z.minLength(1)),
  listName: z.string().check(z.minLength(1)),
  add: z.array(Member),
  remove: z.array(Member),
  /**
   * The whole audience once this sync is done, where it fits in the payload; without it (an audience
   * too large, synced in parts) the snapshot is the last one less `remove`, plus `add` (ingest.ts).
   */
  members: z.optional(z.array(Member)),
});
export type ListSyncPayload = z.infer<typeof ListSyncPayload>;

/**
 * The record actions' payloads as their connector (HubSpot) reads them: the gate refuses another
 * shape with a 400 naming the field (domain/touch-payloads.ts payloadShapeIssues), as it does a
 * touch's, instead of deciding an action that fails when it executes.
 */
export const RECORD_PAYLOADS: Readonly<Record<string, z.ZodMiniType>> = {
  "crm.update": CrmUpdate,
  "list.sync": ListSyncPayload,
};

/** The touches' payloads are the gate's to check (domain/touch-payloads.ts), whom they address included (recipients.ts). */
export {
  AudienceAddPayload,
  EmailPayload,
  LinkedInMessagePayload,
} from "../domain/touch-payloads.ts";
