/**
 * What a CRM record becomes in the knowledge base: HubSpot's property bags (every value a string or
 * null, as its CRM v3 API returns them) checked with zod and mapped onto the harness's own inputs.
 * Pure; a record that cannot be mapped yields the reason, naming the property, never a throw.
 */

import { canonicalJson } from "../domain/canonical-json.ts";
import {
  type Account,
  AccountInput,
  type CrmFields,
  type Person,
  PersonInput,
  TEXT_MAX,
} from "../domain/kb.ts";
import { isValidTimeZone } from "../domain/time.ts";
import { LinkedInProfileUrl } from "../domain/urls.ts";
import { formatPath } from "../domain/validation.ts";
import * as z from "../domain/zod-mini.ts";

export const CRM_OBJECT_TYPES = ["companies", "contacts", "deals"] as const;
export type CrmObjectType = (typeof CRM_OBJECT_TYPES)[number];

/** One record as the CRM's search returns it. */
export interface CrmRecord {
  id: string;
  properties: Record<string, string | null | undefined>;
  /** The CRM's last-modified time (epoch ms). */
  modifiedAt: number;
}

/** The properties the import asks for, per object type. */
export const CRM_PROPERTIES: Record<CrmObjectType, string[]> = {
  companies: [
    "name",
    "domain",
    "industry",
    "numberofemployees",
    "country",
    "timezone",
    "lifecyclestage",
    "hubspot_owner_id",
    // The companies merged into this one ("1;2"): their accounts are this one's now (crm-company-merge.ts).
    "hs_merged_object_ids",
  ],
  contacts: [
    "email",
    "firstname",
    "lastname",
    "jobtitle",
    "hs_linkedin_url",
    "lifecyclestage",
    "hubspot_owner_id",
    // "Unsubscribed from all email": set by HubSpot when the contact opted out of its emails.
    "hs_email_optout",
    // The contacts merged into this one ("1;2"): their people are this one's now (crm-contact-merge.ts).
    "hs_merged_object_ids",
  ],
  deals: [
    "dealname",
    "dealstage",
    "pipeline",
    "amount",
    "deal_currency_code",
    "closedate",
    "hubspot_owner_id",
    // Closed, and won, in any pipeline (a portal's own stages have their own ids): crm-deal-lifecycle.ts.
    "hs_is_closed",
    "hs_is_closed_won",
  ],
};

/** A deal imported from the CRM: the KB keeps it under its account. */
export interface Deal {
  dealId: string;
  accountId: string;
  name: string;
  stage: string;
  pipeline?: string;
  amount?: number;
  currency?: string;
  closeDate?: string;
  ownerId?: string;
  /** HubSpot's `hs_is_closed` and `hs_is_closed_won`; absent on deals imported before they were read. */
  closed?: boolean;
  won?: boolean;
  source: NonNullable<Account["source"]>;
  updatedAt: string;
}

export type Mapped<T> = { ok: true; value: T } | { ok: false; reason: string };

type Lifecycle = AccountInput["lifecycle"];

/**
 * HubSpot's default lifecycle stages (their internal values) in the harness's three words; the CRM's
 * own word is kept beside it (CrmFields). A portal's own stages have other values: the spec maps them
 * (`crm.lifecycleStages`, over these).
 */
const HUBSPOT_STAGES: Readonly<Record<string, Lifecycle>> = {
  subscriber: "prospect",
  lead: "prospect",
  marketingqualifiedlead: "prospect",
  salesqualifiedlead: "prospect",
  opportunity: "open_opportunity",
  customer: "customer",
  evangelist: "customer",
};

/**
 * A company's lifecycle from its stage. A stage neither the spec nor HubSpot's defaults name ("other",
 * a portal's own stage) is `unmapped`: the account keeps what it was, and a new one is taken for a
 * customer, which the suppression rules keep from outreach. Before, any such stage read as a
 * prospect, so a customer in a stage of the portal's own was open to cold outreach.
 */
export function lifecycleOf(
  stage: string | undefined,
  existing: Lifecycle | undefined,
  stages: Readonly<Record<string, Lifecycle>> = {},
): { lifecycle: Lifecycle; unmapped?: string } {
  if (!stage) return { lifecycle: existing ?? "prospect" };
  const known = Object.hasOwn(stages, stage)
    ? stages[stage]
    : Object.hasOwn(HUBSPOT_STAGES, stage.toLowerCase())
      ? HUBSPOT_STAGES[stage.toLowerCase()]
      : undefined;
  return known ? { lifecycle: known } : { lifecycle: existing ?? "customer", unmapped: stage };
}

const text = (v: string | null | undefined) => (v?.trim() ? v.trim() : undefined);

/**
 * A descriptive field cut to what the knowledge base takes (kb.ts TEXT_MAX), never inside a surrogate
 * pair. The CRM is the system of record: a company name or job title longer than the KB's field is
 * imported cut, not refused. Before, the whole record was skipped, and an account already imported
 * refused every later change of the CRM (a stage moved to customer, a new owner) for that one field.
 */
function clip(v: string | null | undefined, max: number): string | undefined {
  const t = text(v);
  if (t === undefined || t.length <= max) return t;
  const cut = t.slice(0, max);
  return (/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut).trimEnd();
}

/**
 * A head count as HubSpot may hold it in a text field ("1,200", "12.5", " 40 "): the nearest whole
 * number, or nothing for what is not a count (the account keeps what it had). Before, such a value
 * refused the record, as an over-long name did (clip).
 */
function headCount(v: string | null | undefined): number | undefined {
  const t = text(v)?.replace(/[,_\s]/g, "");
  if (t === undefined || !/^\d+(\.\d+)?$/.test(t)) return undefined;
  const n = Math.round(Number(t));
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Whether the contact unsubscribed from all email in HubSpot (`hs_email_optout`, "true" or "false"). */
export const emailOptedOut = (r: CrmRecord) => r.properties.hs_email_optout?.trim().toLowerCase() === "true";

/** Why an address is suppressed on email for a HubSpot opt-out (the import, its sweep and the webhook). */
export const optOutReason = (contactId: string) =>
  `unsubscribed from all email in HubSpot (contact ${contactId})`;

const reasonOf = (error: z.core.$ZodError, names: Record<string, string>) =>
  error.issues
    .map((i) => {
      const field = formatPath(i.path);
      return `${names[field] ?? field}: ${i.message}`;
    })
    .join("; ");

/**
 * A company's domain as the knowledge base keeps it, for the lookup of an account by domain and for
 * the account written alike: lowercase, without scheme, path or `www.`, an internationalised name in
 * its ASCII form (as URL hosts are). Before, the lookup used the CRM's text as typed
 * (`https://acme.com/`), missed the account, and the import made a second one.
 */
export function companyDomain(raw: string | null | undefined): string | undefined {
  const t = text(raw)
    ?.toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, "")
    .replace(/[/?#].*$/, "");
  if (!t) return undefined;
  let host = t;
  try {
    host = new URL(`http://${t}`).hostname;
  } catch {
    // Not a host name: kept as typed, for the account's validation to name.
  }
  return host.replace(/^www\./, "") || undefined;
}

export function crmFields(r: CrmRecord): CrmFields | undefined {
  const lifecycleStage = text(r.properties.lifecyclestage);
  const ownerId = text(r.properties.hubspot_owner_id);
  if (!lifecycleStage && !ownerId) return undefined;
  return { ...(lifecycleStage ? { lifecycleStage } : {}), ...(ownerId ? { ownerId } : {}) };
}

/** The property each account field comes from, so a reason names what to fix in the CRM. */
const COMPANY_FIELDS = {
  name: "name",
  domain: "domain",
  industry: "industry",
  employees: "numberofemployees",
  country: "country",
  timezone: "timezone",
  ownerId: "hubspot_owner_id",
};

/**
 * The owner an account gets from its CRM owner: the spec's `crm.owners` names it, else
 * `hubspot-owner-<id>`. Before, the CRM's owner was kept only under `crm.ownerId`: imported accounts
 * had no owner, so `accountsPerOwnerPerDay` never applied to them and the lead list builder filed
 * them all under "unassigned".
 */
export const ownerFromCrm = (crmOwnerId: string, owners: Readonly<Record<string, string>> = {}): string =>
  Object.hasOwn(owners, crmOwnerId) ? (owners[crmOwnerId] as string) : `hubspot-owner-${crmOwnerId}`;

/**
 * A company as an account. What the CRM leaves empty keeps the account's current value, then a
 * neutral default (industry "unknown", 0 employees, country "ZZ" = ISO's "unknown", the workspace's
 * time zone): an account needs them, and no CRM requires them. Name and domain are required.
 */
export function accountInputOf(
  r: CrmRecord,
  existing: Account | undefined,
  workspaceTimezone: string,
  /** The spec's `crm.lifecycleStages`: a portal's own stages (lifecycleOf). */
  stages?: Readonly<Record<string, Lifecycle>>,
  /** The spec's `crm.owners` (ownerFromCrm). */
  owners?: Readonly<Record<string, string>>,
): Mapped<AccountInput> & { unmappedStage?: string } {
  const p = r.properties;
  const employees = headCount(p.numberofemployees);
  const country = text(p.country);
  const timezone = text(p.timezone);
  const stage = text(p.lifecyclestage);
  // The CRM's owner where it names one (the CRM is where accounts are assigned). Where it names none:
  // none, if the owner the account has came from the CRM (it unassigned the company, e.g. from a rep
  // who left, who would otherwise go on owning it and counting toward accountsPerOwnerPerDay); else
  // the one a person or an agent gave it.
  const crmOwner = text(p.hubspot_owner_id);
  const ownerId = crmOwner
    ? ownerFromCrm(crmOwner, owners)
    : existing?.crm?.ownerId
      ? undefined
      : existing?.ownerId;
  // A lifecycle an earlier import read from this same stage is not kept: before unmapped stages were
  // taken for customers, such a stage was read as a prospect.
  // With no stage, what the company alone made it last time, not what its deals raised it to since (a
  // lost deal would otherwise never lower it): for an account this import wrote before that was kept,
  // nothing (a prospect, as a stageless company was read then); for one a person or an agent wrote,
  // what they said.
  const kept =
    stage !== undefined
      ? existing?.crm?.lifecycleStage === stage
        ? undefined
        : existing?.lifecycle
      : (existing?.crm?.stageLifecycle ??
        (existing?.source?.objectType === "companies" ? undefined : existing?.lifecycle));
  const { lifecycle, unmapped } = lifecycleOf(stage, kept, stages);
  const candidate = {
    name: clip(p.name, TEXT_MAX.name),
    domain: companyDomain(p.domain),
    industry: clip(p.industry, TEXT_MAX.industry) ?? existing?.industry ?? "unknown",
    employees: employees ?? existing?.employees ?? 0,
    country: country && /^[A-Za-z]{2}$/.test(country) ? country : (existing?.country ?? "ZZ"),
    timezone: timezone && isValidTimeZone(timezone) ? timezone : (existing?.timezone ?? workspaceTimezone),
    ...(existing?.techStack ? { techStack: existing.techStack } : {}),
    ...(existing?.fundingStage ? { fundingStage: existing.fundingStage } : {}),
    ...(ownerId ? { ownerId } : {}),
    lifecycle,
  };
  const parsed = AccountInput.safeParse(candidate);
  return parsed.success
    ? { ok: true, value: parsed.data, ...(unmapped ? { unmappedStage: unmapped } : {}) }
    : { ok: false, reason: reasonOf(parsed.error, COMPANY_FIELDS) };
}

const CONTACT_FIELDS = { email: "email", firstName: "firstname", lastName: "lastname", title: "jobtitle" };

/** A contact as a person of `accountId`. Email, first and last name and job title are required. */
export function personInputOf(
  r: CrmRecord,
  accountId: string,
  existing: Person | undefined,
): Mapped<PersonInput> {
  const p = r.properties;
  const linkedin = LinkedInProfileUrl.safeParse(text(p.hs_linkedin_url));
  const candidate = {
    accountId,
    email: text(p.email),
    firstName: clip(p.firstname, TEXT_MAX.firstName),
    lastName: clip(p.lastname, TEXT_MAX.lastName),
    title: clip(p.jobtitle, TEXT_MAX.title),
    // An unusable profile URL is left out rather than refusing the contact.
    ...(linkedin.success
      ? { linkedinUrl: linkedin.data }
      : existing?.linkedinUrl
        ? { linkedinUrl: existing.linkedinUrl }
        : {}),
    ...(existing?.timezone ? { timezone: existing.timezone } : {}),
  };
  const parsed = PersonInput.safeParse(candidate);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, reason: reasonOf(parsed.error, CONTACT_FIELDS) };
}

const Trimmed = () => z.string().check(z.trim(), z.minLength(1));
// z.number() refuses Infinity already (classic zod's .finite() was a no-op).
const DealProps = z.object({
  dealname: Trimmed(),
  dealstage: Trimmed(),
  pipeline: z.optional(Trimmed()),
  amount: z.optional(z.coerce.number().check(z.nonnegative())),
  deal_currency_code: z.optional(z.string().check(z.regex(/^[A-Z]{3}$/))),
  closedate: z.optional(z.iso.datetime({ offset: true })),
  hubspot_owner_id: z.optional(Trimmed()),
  hs_is_closed: z.optional(z.string()),
  hs_is_closed_won: z.optional(z.string()),
});

/** The deal's fields it is imported without when their value does not parse (dealOf). */
const DEAL_OPTIONAL = new Set(
  Object.keys(DealProps.shape).filter((k) => !["dealname", "dealstage"].includes(k)),
);

/** HubSpot's boolean property ("true" or "false"); anything else, unknown. */
const flag = (v: string | undefined) => {
  const t = v?.trim().toLowerCase();
  return t === "true" ? true : t === "false" ? false : undefined;
};

/** A deal of `accountId`. Name and stage are required; amount, if given, a number. */
export function dealOf(r: CrmRecord, accountId: string, source: Deal["source"], at: string): Mapped<Deal> {
  const present = Object.fromEntries(
    Object.entries(r.properties).filter(([, v]) => v !== null && v !== undefined && v !== ""),
  );
  // A value the deal's optional fields cannot take (a negative amount: a credit or refund deal; a
  // currency or close date HubSpot holds in another form) is left out, not the deal: before, such a
  // deal was skipped, and never raised its account's lifecycle.
  for (const [k, v] of Object.entries(present))
    if (DEAL_OPTIONAL.has(k) && !DealProps.shape[k as keyof typeof DealProps.shape].safeParse(v).success)
      delete present[k];
  const parsed = DealProps.safeParse(present);
  if (!parsed.success) return { ok: false, reason: reasonOf(parsed.error, {}) };
  const d = parsed.data;
  return {
    ok: true,
    value: {
      dealId: r.id,
      accountId,
      name: d.dealname,
      stage: d.dealstage,
      ...(d.pipeline ? { pipeline: d.pipeline } : {}),
      ...(d.amount !== undefined ? { amount: d.amount } : {}),
      ...(d.deal_currency_code ? { currency: d.deal_currency_code } : {}),
      ...(d.closedate ? { closeDate: d.closedate } : {}),
      ...(d.hubspot_owner_id ? { ownerId: d.hubspot_owner_id } : {}),
      ...(flag(d.hs_is_closed) !== undefined ? { closed: flag(d.hs_is_closed) } : {}),
      ...(flag(d.hs_is_closed_won) !== undefined ? { won: flag(d.hs_is_closed_won) } : {}),
      source,
      updatedAt: at,
    },
  };
}

/**
 * Whether writing a record's mapped fields over what its own last import left would change nothing
 * the knowledge base holds: each field of the input's schema, and the CRM's own words beside them.
 * HubSpot modifies a record for much the import does not read (an email opened, a page visited, a
 * score recomputed), and each such change was a rewrite and a kb.* event the agents reacted to.
 */
export function sameAsImported(
  existing: object & { crm?: CrmFields | undefined },
  input: object,
  schema: { shape: object },
  crm: CrmFields | undefined,
): boolean {
  const kept = existing as Record<string, unknown>;
  const next = input as Record<string, unknown>;
  // Key order aside: a record read back from the store need not keep the order it was written in.
  const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);
  return Object.keys(schema.shape).every((k) => same(kept[k], next[k])) && same(existing.crm, crm);
}

/**
 * Whether an import may replace what the KB holds (the rule for records changed on both sides):
 * - nothing there: write;
 * - the KB's version is this CRM record as last imported (its `source` stands, so nobody wrote it
 *   since: any other write replaces the record without a source): write only if the CRM changed it
 *   since, else it is unchanged;
 * - someone else wrote it last (a person through the API, an agent's executed record action): the
 *   later change wins, so the CRM's version is written only if the CRM changed it after that write.
 */
export function mayOverwrite(
  existing: { updatedAt: string; source?: { system: string; id: string; modifiedAt: string } } | undefined,
  r: CrmRecord,
  system: string,
): { write: true } | { write: false; why: "unchanged" | "newer_in_kb" } {
  if (!existing) return { write: true };
  const s = existing.source;
  if (s && s.system === system && s.id === r.id)
    return r.modifiedAt > Date.parse(s.modifiedAt) ? { write: true } : { write: false, why: "unchanged" };
  return r.modifiedAt > Date.parse(existing.updatedAt)
    ? { write: true }
    : { write: false, why: "newer_in_kb" };
}
