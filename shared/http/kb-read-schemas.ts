/**
 * The schemas of the knowledge-base reads (kb-read-routes.ts), apart from the routes so the typed
 * client (shared/client/operations.ts) takes the same objects without the route code.
 */
import { CommitteeRole, Id } from "../domain/vocabulary.ts";
import * as z from "../domain/zod-mini.ts";
import { pageQuery } from "../usecases/schemas.ts";
import { AccountOut, PersonOut } from "./api-schemas.ts";

/** At most this many ids per batch read (one request, bounded work on the server). */
export const MAX_BATCH = 100;

const d = <T extends z.ZodMiniType>(schema: T, description: string) => schema.check(z.describe(description));
const Str = z.optional(z.string());
const Cursor = z.nullable(z.string());

const IdList = (what: string) =>
  z.pipe(
    z.pipe(
      d(z.string().check(z.maxLength(MAX_BATCH * 129)), `comma-separated ${what} ids, at most ${MAX_BATCH}`),
      z.transform((s: string) => s.split(",")),
    ),
    z.array(Id).check(z.minLength(1), z.maxLength(MAX_BATCH)),
  );

export const RecordsQuery = z
  .strictObject({ accountIds: z.optional(IdList("account")), personIds: z.optional(IdList("person")) })
  .check(
    z.refine((q) => q.accountIds || q.personIds, {
      message: "give accountIds or personIds",
      path: ["accountIds"],
    }),
  );

export const KbPageQuery = pageQuery(100);

export const TouchesQuery = z.strictObject({ accountIds: IdList("account") });

export const DoNotTargetQuery = z.strictObject({ personIds: IdList("person") });
export const DoNotTargetOut = z.looseObject({
  personIds: d(z.array(z.string()), "those of the people asked about the suppression list names"),
  account: d(z.optional(z.boolean()), "whether it names the account itself (then every one asked about)"),
});

/** A touch the gate counts against an account's coordination rules (decision-types.ts Touch). */
const TouchOut = z.looseObject({
  decisionId: z.string(),
  agentId: z.string(),
  actionType: z.string(),
  channel: z.string(),
  personId: Str,
  from: d(z.string(), "when it happens (or may happen, while awaiting approval): from"),
  to: d(z.string(), "... to"),
  expiresAt: d(Str, "a pending reservation stops counting after this"),
});

export const TouchesOut = z.looseObject({
  items: z.array(z.looseObject({ accountId: z.string(), touches: z.array(TouchOut) })),
});

export const ClassificationOut = z.looseObject({
  personId: z.string(),
  accountId: z.string(),
  persona: z.string(),
  role: CommitteeRole,
  method: z.enum(["rules", "model"]),
  confidence: z.number(),
  classifiedAt: z.string(),
  decisionId: Str,
});

export const RecordsOut = z.looseObject({
  accounts: d(z.array(AccountOut), "the accounts found (an unknown id is left out)"),
  people: d(z.array(PersonOut), "the people found"),
  classifications: d(z.array(ClassificationOut), "the classifications of the people found"),
});

export const PeoplePage = z.looseObject({
  items: z.array(PersonOut),
  classifications: d(z.array(ClassificationOut), "of this page's people, where recorded"),
  doNotTarget: d(
    z.optional(z.array(z.string())),
    "the ids of this page's people the suppression list names (on any channel, or by their account): never on a target list",
  ),
  accountDoNotTarget: d(
    z.optional(z.boolean()),
    "whether the suppression list names the account itself (then no one there is targeted, nobody on file yet included)",
  ),
  cursor: Cursor,
});

export const AccountPage = z.looseObject({ items: z.array(AccountOut), cursor: Cursor });

const Contact = z.looseObject({ personId: z.string(), email: z.string() });
const Int = () => z.number().check(z.int());
export const LeadListEntryOut = z.looseObject({
  listId: z.string(),
  date: z.string(),
  ownerId: z.string(),
  accountId: z.string(),
  rank: Int(),
  tier: z.union([Int(), z.literal("out")]),
  intent: z.number(),
  contacts: z.array(Contact),
  addedAt: z.string(),
  decisionId: Str,
});

export const LeadListPage = z.looseObject({ items: z.array(LeadListEntryOut), cursor: Cursor });

export const AudienceSnapshotOut = z.looseObject({
  audienceId: z.string(),
  members: z.array(Contact),
  syncedAt: z.string(),
  decisionId: Str,
  /** The list as the destination holds it, where syncs since went to an outbox (a dry run). */
  live: z.optional(z.array(Contact)),
});

export const TemplateStatOut = z.looseObject({
  variant: z.string(),
  persona: z.string(),
  industry: z.string(),
  week: z.optional(z.string()),
  sent: z.number(),
  opened: z.number(),
  replied: z.number(),
  meetings: z.number(),
  negative: z.number(),
});

export const ListDate = d(
  z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date such as 2026-03-10")),
  "the list's date in the workspace time zone",
);
