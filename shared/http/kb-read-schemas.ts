/**
 * The schemas of the knowledge-base reads (kb-read-routes.ts), apart from the routes so the typed
 * client (shared/client/operations.ts) takes the same objects without the route code.
 */
import * as z from "zod";
import { CommitteeRole, Id } from "../domain/vocabulary.ts";
import { pageQuery } from "../usecases/schemas.ts";
import { AccountOut, PersonOut } from "./api-schemas.ts";

/** At most this many ids per batch read (one request, bounded work on the server). */
export const MAX_BATCH = 100;

const IdList = (what: string) =>
  z
    .string()
    .max(MAX_BATCH * 129)
    .describe(`comma-separated ${what} ids, at most ${MAX_BATCH}`)
    .transform((s) => s.split(","))
    .pipe(z.array(Id).min(1).max(MAX_BATCH));

export const RecordsQuery = z
  .object({ accountIds: IdList("account").optional(), personIds: IdList("person").optional() })
  .strict()
  .refine((q) => q.accountIds || q.personIds, {
    message: "give accountIds or personIds",
    path: ["accountIds"],
  });

export const KbPageQuery = pageQuery(100);

export const TouchesQuery = z.object({ accountIds: IdList("account") }).strict();

/** A touch the gate counts against an account's coordination rules (decision-types.ts Touch). */
const TouchOut = z
  .object({
    decisionId: z.string(),
    agentId: z.string(),
    actionType: z.string(),
    channel: z.string(),
    personId: z.string().optional(),
    from: z.string().describe("when it happens (or may happen, while awaiting approval): from"),
    to: z.string().describe("... to"),
    expiresAt: z.string().optional().describe("a pending reservation stops counting after this"),
  })
  .loose();

export const TouchesOut = z
  .object({
    items: z.array(z.object({ accountId: z.string(), touches: z.array(TouchOut) }).loose()),
  })
  .loose();

export const ClassificationOut = z
  .object({
    personId: z.string(),
    accountId: z.string(),
    persona: z.string(),
    role: CommitteeRole,
    method: z.enum(["rules", "model"]),
    confidence: z.number(),
    classifiedAt: z.string(),
    decisionId: z.string().optional(),
  })
  .loose();

export const RecordsOut = z
  .object({
    accounts: z.array(AccountOut).describe("the accounts found (an unknown id is left out)"),
    people: z.array(PersonOut).describe("the people found"),
    classifications: z.array(ClassificationOut).describe("the classifications of the people found"),
  })
  .loose();

export const PeoplePage = z
  .object({
    items: z.array(PersonOut),
    classifications: z.array(ClassificationOut).describe("of this page's people, where recorded"),
    cursor: z.string().nullable(),
  })
  .loose();

export const AccountPage = z.object({ items: z.array(AccountOut), cursor: z.string().nullable() }).loose();

const Contact = z.object({ personId: z.string(), email: z.string() }).loose();
export const LeadListEntryOut = z
  .object({
    listId: z.string(),
    date: z.string(),
    ownerId: z.string(),
    accountId: z.string(),
    rank: z.number().int(),
    tier: z.union([z.number().int(), z.literal("out")]),
    intent: z.number(),
    contacts: z.array(Contact),
    addedAt: z.string(),
    decisionId: z.string().optional(),
  })
  .loose();

export const LeadListPage = z
  .object({ items: z.array(LeadListEntryOut), cursor: z.string().nullable() })
  .loose();

export const AudienceSnapshotOut = z
  .object({
    audienceId: z.string(),
    members: z.array(Contact),
    syncedAt: z.string(),
    decisionId: z.string().optional(),
  })
  .loose();

export const TemplateStatOut = z
  .object({
    variant: z.string(),
    persona: z.string(),
    industry: z.string(),
    sent: z.number(),
    opened: z.number(),
    replied: z.number(),
    meetings: z.number(),
    negative: z.number(),
  })
  .loose();

export const ListDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date such as 2026-03-10")
  .describe("the list's date in the workspace time zone");
