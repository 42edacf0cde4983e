/**
 * One CRM record into the knowledge base (crm-import.ts reads them page by page, and again for a
 * company that got its account): a company as an account, a contact as a person at its company's
 * account, a deal under its company's account. Each is written only when `mayOverwrite` says so, cites
 * its source, publishes its change event and is linked, in that order (finish).
 */
import { AGENT_EVENTS } from "../agents/events.ts";
import { ErasedError } from "../domain/errors.ts";
import { AccountInput, type Person, PersonInput } from "../domain/kb.ts";
import { iso } from "../domain/time.ts";
import { applyDealLifecycle, LIFECYCLE_RANK, withDeals } from "./crm-deal-lifecycle.ts";
import type {
  CrmImportDeps,
  CrmImportOptions,
  CrmImportStore,
  CrmLink,
  CrmSource,
  FollowedType,
  Source,
  TypeReport,
} from "./crm-import-ports.ts";
import {
  accountInputOf,
  type CrmObjectType,
  type CrmRecord,
  companyDomain,
  crmFields,
  dealOf,
  emailOptedOut,
  mayOverwrite,
  optOutReason,
  personInputOf,
  sameAsImported,
} from "./crm-records.ts";

export type Outcome = "written" | "unchanged" | "newer_in_kb" | { skipped: string };

const emailDomain = (email: string) => email.slice(email.lastIndexOf("@") + 1).toLowerCase();

export const contactEmail = (rec: CrmRecord) => rec.properties.email?.trim().toLowerCase() || undefined;

/**
 * A contact unsubscribed from all email in the CRM: its address suppressed on email, and the person
 * it was imported as (whose address on file may be another: corrected since in one place or the
 * other). Whether it was.
 */
export async function suppressOptOut(
  store: CrmImportStore,
  rec: CrmRecord,
  at: string,
  /** The contact's link, where the caller has read it already. */
  linkOf: () => Promise<CrmLink | undefined> = () => store.link("contacts", rec.id),
): Promise<boolean> {
  if (!emailOptedOut(rec)) return false;
  const email = contactEmail(rec);
  if (email) await store.suppressEmail(email, optOutReason(rec.id), at);
  // Linked or not, with an address in HubSpot or not (one removed there since the import).
  const link = await linkOf();
  if (link) await store.suppressPerson(link.kbId, optOutReason(rec.id), at);
  return email !== undefined || link !== undefined;
}

/** What an imported record cites: the CRM record and its version. */
export function sourceOf(crm: CrmSource, type: CrmObjectType, rec: CrmRecord): Source {
  const url = crm.recordUrl?.(type, rec.id);
  return {
    system: crm.system,
    objectType: type,
    id: rec.id,
    ...(url ? { url } : {}),
    modifiedAt: iso(rec.modifiedAt),
  };
}

export async function importCompany(
  deps: CrmImportDeps,
  o: CrmImportOptions,
  rec: CrmRecord,
  source: Source,
  at: string,
  r: TypeReport,
): Promise<Outcome> {
  const { store, crm } = deps;
  const domain = companyDomain(rec.properties.domain);
  // The account it became before, else one of the same domain (put there by hand or by an agent).
  const linked = await store.link("companies", rec.id);
  const accountId =
    linked?.kbId ??
    (domain ? await store.accountIdByDomain(domain) : undefined) ??
    `hubspot-company-${rec.id}`;
  const existing = await store.getAccount(accountId);
  const may = mayOverwrite(existing, rec, crm.system);
  /** Written by a run that stopped before its link: finish what it started, the event and the link. */
  const unchanged = async () => {
    if (!linked)
      await finish(deps, "companies", rec.id, accountId, {
        type: AGENT_EVENTS.accountPut,
        // Its own id only this import gives, to an account it creates: so the stopped run created it.
        detail: { accountId, created: accountId === `hubspot-company-${rec.id}` },
      });
    return "unchanged" as const;
  };
  if (!may.write) {
    if (may.why === "unchanged") return unchanged();
    if (existing && !linked) await deps.store.putLink("companies", rec.id, { kbId: accountId });
    return may.why;
  }
  const input = accountInputOf(rec, existing, o.workspaceTimezone, o.lifecycleStages, o.owners);
  if (!input.ok) {
    if (existing && !linked) await deps.store.putLink("companies", rec.id, { kbId: accountId });
    return { skipped: input.reason };
  }
  // What the company alone says, kept beside the CRM's words for a lost deal to lower it back to.
  const words = { ...crmFields(rec), stageLifecycle: input.value.lifecycle };
  // Its deals raise what its stage says (an open deal: an open opportunity; a won one: a customer).
  if (existing && input.value.lifecycle !== "customer")
    input.value.lifecycle = withDeals(input.value.lifecycle, await store.dealsOf(accountId));
  const stage = input.unmappedStage;
  if (stage !== undefined && !r.unmappedStages?.includes(stage))
    r.unmappedStages = [...(r.unmappedStages ?? []), stage];
  const s = existing?.source;
  const ownRecord = s?.system === crm.system && s.objectType === "companies" && s.id === rec.id;
  // Changed in HubSpot, but in nothing the account holds: not rewritten, no event.
  if (existing && ownRecord && sameAsImported(existing, input.value, AccountInput, words)) return unchanged();
  // Only the record that last wrote the account lowers what it is. Not a company record of the same
  // domain (a duplicate in HubSpot): a customer's stale "lead" duplicate, edited, made the account a
  // prospect, open to cold outreach. Nor any record over an account a person or an agent wrote last
  // (their writes carry no source): someone in the harness said "customer", and a CRM record still
  // at "lead" made it a prospect again. It is not written at all, so the account stays the other
  // writer's and its next edit is held back too; it is linked, and said. Raising it (a deal opened on
  // either) goes, and the account is then that record's.
  if (existing && !ownRecord && LIFECYCLE_RANK[input.value.lifecycle] < LIFECYCLE_RANK[existing.lifecycle]) {
    if (!linked) await deps.store.putLink("companies", rec.id, { kbId: accountId });
    const lower = `would lower the account from ${existing.lifecycle} to ${input.value.lifecycle}`;
    return {
      skipped:
        s?.objectType === "companies"
          ? `a duplicate of company ${s.id} (same domain): ${lower}`
          : `${lower}, which ${s ? `${s.system} ${s.objectType} ${s.id}` : "a person or an agent"} set`,
    };
  }
  const written = await store.putAccount(accountId, input.value, at, source, words);
  // Not linked yet under its own id: created by this import, this run or one that stopped before its event.
  const created = written || (!linked && accountId === `hubspot-company-${rec.id}`);
  await finish(deps, "companies", rec.id, accountId, {
    type: AGENT_EVENTS.accountPut,
    detail: { accountId, created },
  });
  return "written";
}

/**
 * After a record is written: its change event, then its link, in that order, so the link says the
 * record is done. A run stopped between the write and the link (a killed function, a failed event)
 * finds the record unchanged and no link, and finishes it (the event may then go out twice: kb.*
 * events say what is, so agents reading one twice read the same). Without it, agents never heard of
 * that account or person, and a company's deals, which find it through its link, were skipped for good.
 */
async function finish(
  deps: CrmImportDeps,
  type: "companies" | "contacts",
  crmId: string,
  kbId: string,
  event: Parameters<CrmImportDeps["events"]["publish"]>[0][number],
): Promise<void> {
  await deps.events.publish([event]);
  await deps.store.putLink(type, crmId, { kbId });
}

/** The account of a contact: its company's, else the one of its email's domain. */
/** The account of an email's domain, for a contact whose company has none. */
const domainAccountOf = (store: CrmImportStore, email: string): Promise<string | undefined> =>
  email.includes("@") ? store.accountIdByDomain(emailDomain(email)) : Promise.resolve(undefined);

/**
 * The account of a contact's company, if it has one. If not, the company is marked, so that its
 * contacts (or deals) are read again once it has one (followPending), and its link read again after the
 * mark: a run overlapping this one may have linked it in between, and followed it before the mark.
 */
async function companyAccountOf(store: CrmImportStore, type: FollowedType, companyId: string, at: string) {
  const link = await store.link("companies", companyId);
  if (link) return link.kbId;
  await store.markPending(type, companyId, at);
  return (await store.link("companies", companyId))?.kbId;
}

const ERASED = "erased on request: not re-imported";

/**
 * Whether the contact is a person erased on request, by its address or its link. Found by address, it
 * is linked to that person (ids only, as an erasure leaves a link): the contact then stays out under
 * any later address. Before, a contact first read after its person's erasure (a person an agent or
 * the API had added) was skipped unlinked, and once its address changed in HubSpot it was imported
 * again, name, title and new address, as `hubspot-contact-<id>`.
 */
async function erasedAs(
  store: CrmImportStore,
  contactId: string,
  email: string,
  linked: { kbId: string } | undefined,
): Promise<boolean> {
  const personId = await store.erased(email, linked?.kbId);
  if (personId === undefined) return false;
  if (!linked) await store.putLink("contacts", contactId, { kbId: personId });
  return true;
}

export async function importContact(
  deps: CrmImportDeps,
  rec: CrmRecord,
  companyId: string | undefined,
  source: Source,
  at: string,
  r: TypeReport,
  /** Read again for its company's new account: a person the import placed elsewhere is moved to it. */
  o: { reassociate?: boolean } = {},
): Promise<Outcome> {
  const { store, crm } = deps;
  const email = contactEmail(rec);
  if (!email) return { skipped: "email: required" };
  // Whatever becomes of the record (kept, skipped for a missing title, erased): an address that
  // unsubscribed in HubSpot is not emailed from here either, and before the person is written.
  const linked = await store.link("contacts", rec.id);
  if (await suppressOptOut(store, rec, at, async () => linked)) r.optedOut++;
  if (await erasedAs(store, rec.id, email, linked)) return { skipped: ERASED };
  const personId = linked?.kbId ?? (await store.personIdByEmail(email)) ?? `hubspot-contact-${rec.id}`;
  const existing = await store.getPerson(personId);
  let may = mayOverwrite(existing, rec, crm.system);
  // Its company's account, read where it decides something: the write, or a reassociation.
  const companyAccount =
    companyId && (may.write || (o.reassociate && may.why === "unchanged"))
      ? await companyAccountOf(store, "contacts", companyId, at)
      : undefined;
  // As the import last wrote them, but at another account than their company's now.
  if (!may.write && companyAccount && existing?.accountId !== companyAccount) may = { write: true };
  /** Written by a run that stopped before its link: finish what it started, the event and the link. */
  const unchanged = async (kept: Person) => {
    if (!linked)
      await finish(deps, "contacts", rec.id, personId, {
        type: AGENT_EVENTS.personPut,
        detail: { personId, accountId: kept.accountId, created: personId === `hubspot-contact-${rec.id}` },
      });
    return "unchanged" as const;
  };
  if (!may.write) {
    if (may.why === "unchanged" && existing) return unchanged(existing);
    // Kept as the harness has it, but the same person: linked, so HubSpot's deletion or merge of the
    // contact (the webhook finds people by link) and its later changes reach them.
    if (existing && !linked) await deps.store.putLink("contacts", rec.id, { kbId: personId });
    return may.why;
  }
  const accountId = companyAccount ?? (await domainAccountOf(store, email)) ?? existing?.accountId;
  if (!accountId)
    return {
      skipped: companyId
        ? `company ${companyId} is not in the knowledge base`
        : "no associated company and no account with the email's domain",
    };
  const input = personInputOf(rec, accountId, existing);
  if (!input.ok) {
    if (existing && !linked) await deps.store.putLink("contacts", rec.id, { kbId: personId });
    return { skipped: input.reason };
  }
  // Changed in HubSpot, but in nothing the person holds (an email opened, a page visited): not
  // rewritten, no event.
  const s = existing?.source;
  if (
    existing &&
    s?.system === crm.system &&
    s.id === rec.id &&
    sameAsImported(existing, input.value, PersonInput, crmFields(rec))
  )
    return unchanged(existing);
  let written: boolean;
  try {
    written = await store.putPerson(personId, input.value, at, source, crmFields(rec));
  } catch (err) {
    // Erased while this run read the record (the check above came first).
    if (err instanceof ErasedError) {
      await erasedAs(store, rec.id, email, linked);
      return { skipped: ERASED };
    }
    throw err;
  }
  const created = written || (!linked && personId === `hubspot-contact-${rec.id}`);
  await finish(deps, "contacts", rec.id, personId, {
    type: AGENT_EVENTS.personPut,
    detail: { personId, accountId: input.value.accountId, created },
  });
  return "written";
}

export async function importDeal(
  deps: CrmImportDeps,
  o: Pick<CrmImportOptions, "lifecycleStages">,
  rec: CrmRecord,
  companyId: string | undefined,
  source: Source,
  at: string,
): Promise<Outcome> {
  const { store, crm } = deps;
  const accountId = companyId ? await companyAccountOf(store, "deals", companyId, at) : undefined;
  if (!accountId)
    return {
      skipped: companyId ? `company ${companyId} is not in the knowledge base` : "no associated company",
    };
  const before = (await store.link("deals", rec.id))?.kbId;
  const existing = before ? await store.getDeal(before, rec.id) : undefined;
  const may = mayOverwrite(existing, rec, crm.system);
  if (!may.write && before === accountId) return may.why;
  const deal = dealOf(rec, accountId, source, at);
  if (!deal.ok) return { skipped: deal.reason };
  const movedFrom = before && before !== accountId ? before : undefined;
  await store.putDeal(deal.value, movedFrom);
  // Before the link, which says the deal is done: a run stopped in between writes a deal new to the
  // account again, with its lifecycle (one already linked there is read as unchanged: its account's
  // lifecycle waits for the deal's, or the company's, next change).
  await applyDealLifecycle(deps, o, accountId, source, at);
  if (movedFrom) await applyDealLifecycle(deps, o, movedFrom, source, at);
  await store.putLink("deals", rec.id, { kbId: accountId });
  return "written";
}
