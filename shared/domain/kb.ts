import { parseInstant } from "./instant.ts";
import { isValidTimeZone } from "./time.ts";
import { LinkedInProfileUrl } from "./urls.ts";
import { Channel, Id, Lifecycle } from "./vocabulary.ts";
import * as z from "./zod-mini.ts";

const TimeZone = z
  .string()
  .check(z.refine(isValidTimeZone, "expected an IANA time zone such as Europe/Berlin"));
const Domain = z
  .string()
  .check(z.toLowerCase(), z.regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, "expected a domain such as acme.com"));
const bounded = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
/** The longest text each descriptive field takes (a CRM import cuts what is longer: crm-records.ts). */
export const TEXT_MAX = { name: 200, industry: 100, firstName: 100, lastName: 100, title: 200 } as const;
const IsoTime = z.iso.datetime({ offset: true });

/** PUT /v1/accounts/{id} body. */
export const AccountInput = z.strictObject({
  name: bounded(TEXT_MAX.name),
  domain: Domain,
  industry: bounded(TEXT_MAX.industry),
  employees: z.number().check(z.int(), z.nonnegative()),
  country: z.string().check(z.length(2, "expected an ISO 3166 alpha-2 country code"), z.toUpperCase()),
  timezone: TimeZone,
  techStack: z.optional(z.array(bounded(100)).check(z.maxLength(200))),
  fundingStage: z.optional(bounded(50)),
  ownerId: z.optional(Id),
  lifecycle: z._default(Lifecycle, "prospect"),
});
export type AccountInput = z.infer<typeof AccountInput>;

/**
 * PUT /v1/accounts/{id} body: an omitted `lifecycle` keeps the account's (prospect for a new one).
 * Before, it defaulted to prospect: a PUT that meant to fix a customer's industry made it a prospect,
 * and the lifecycle suppression that kept agents away from customers let them email it.
 */
export const AccountPut = z.extend(AccountInput, {
  lifecycle: z.optional(Lifecycle),
});

export interface Signal {
  type: string;
  occurredAt: string;
  /**
   * `occurredAt` in epoch ms, written next to it when the signal is stored (storedSignal): the gate
   * reads ~20 signal times per decision, and parsing their text each time was the largest part of
   * computing intent (issue 8). Absent on signals stored before it existed: read from the text then.
   */
  occurredAtMs?: number;
  personId?: string;
  source?: string;
}

/** A signal as the knowledge base stores it: with its time also as a number (read once, here). */
export function storedSignal(s: Signal): Signal {
  const { occurredAtMs: _, ...rest } = s;
  // Always from the text, so the two never disagree. An unreadable time stays unreadable (no NaN in DynamoDB).
  const at = parseInstant(s.occurredAt);
  return Number.isFinite(at) ? { ...rest, occurredAtMs: at } : rest;
}

/**
 * The system of record a record was imported from (shared/usecases/crm-import.ts), as of its last
 * import. Any other write replaces the record without it: present means the CRM's version stands.
 */
export interface RecordSource {
  system: "hubspot";
  objectType: "companies" | "contacts" | "deals";
  id: string;
  url?: string;
  /** The CRM's own last-modified time of the version imported. */
  modifiedAt: string;
}

/** What the CRM says beyond the harness's own fields (its stage and owner are the CRM's words). */
export interface CrmFields {
  lifecycleStage?: string;
  ownerId?: string;
  /**
   * What the company alone made the account when last imported, before its deals raised it (its
   * stage's lifecycle, or with no stage what the account was): what a lost deal lowers it back to
   * (crm-deal-lifecycle.ts), never below.
   */
  stageLifecycle?: z.infer<typeof Lifecycle>;
}

export interface Account extends AccountInput {
  accountId: string;
  /** Recent signals, newest first, trimmed to what any spec window can use. */
  signals: Signal[];
  updatedAt: string;
  source?: RecordSource;
  crm?: CrmFields;
}

/** PUT /v1/people/{id} body. */
export const PersonInput = z.strictObject({
  accountId: Id,
  email: z.email().check(z.toLowerCase()),
  firstName: bounded(TEXT_MAX.firstName),
  lastName: bounded(TEXT_MAX.lastName),
  title: bounded(TEXT_MAX.title),
  linkedinUrl: z.optional(LinkedInProfileUrl),
  timezone: z.optional(TimeZone),
});
export type PersonInput = z.infer<typeof PersonInput>;

/** Which executed record action first put a person in the knowledge base (ids only, no personal data). */
export interface RecordProvenance {
  decisionId: string;
  agentId: string;
  actionType: string;
}

export interface Person extends PersonInput {
  personId: string;
  updatedAt: string;
  /** The record action that created the person: its bounces and meetings teach that agent's trust. */
  createdBy?: RecordProvenance;
  source?: RecordSource;
  crm?: CrmFields;
}

export const SignalInput = z.strictObject({
  accountId: Id,
  personId: z.optional(Id),
  type: z
    .string()
    .check(z.regex(/^[a-z][a-z0-9_]*$/, "expected a snake_case signal type such as pricing_page_visit")),
  occurredAt: IsoTime,
  source: z.optional(z.string().check(z.maxLength(200))),
});

export const SignalsBody = z.strictObject({
  signals: z.array(SignalInput).check(z.minLength(1), z.maxLength(500)),
});

export const SUPPRESSION_KINDS = ["person", "email", "domain", "account"] as const;

const suppressionOf = <K extends (typeof SUPPRESSION_KINDS)[number]>(kind: K, value: z.ZodMiniType<string>) =>
  z.strictObject({
    kind: z.literal(kind),
    value,
    channels: z.optional(z.array(Channel).check(z.minLength(1))),
    reason: bounded(500),
  });

/** Trimmed first: a line of a CSV export ends with a carriage return. */
const trimmed = () => z.string().check(z.trim(), z.toLowerCase());

/**
 * POST /v1/suppressions body. `channels` omitted means every channel (do-not-contact). The value is
 * what its kind says: an address, a bare domain, an id. Before, any text was taken: "jane@acme.io\r"
 * or "https://acme.io" answered 201 and suppressed nobody, the opt-out looking enforced.
 */
export const SuppressionInput = z.discriminatedUnion("kind", [
  suppressionOf("person", Id),
  suppressionOf("email", z.pipe(trimmed(), z.email().check(z.maxLength(320)))),
  suppressionOf("domain", z.pipe(trimmed(), Domain)),
  suppressionOf("account", Id),
]);
export type SuppressionInput = z.infer<typeof SuppressionInput>;

/** One suppression as it applies to a person or account the gate reads. */
export interface SuppressionEntry {
  kind: (typeof SUPPRESSION_KINDS)[number];
  value: string;
  channels?: Channel[];
  reason: string;
  createdAt: string;
}
