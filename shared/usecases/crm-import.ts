/**
 * The CRM fills the knowledge base: companies, contacts and deals modified since a checkpoint, page by
 * page, oldest first. Importing what the system of record already holds touches nobody, so it is not
 * a proposal through the gate (nothing leaves; no trust to earn): the import writes the KB itself and
 * publishes the same kb.* change events as any other KB write, so the agents react to new accounts
 * and people as to any other.
 *
 * Incremental and idempotent: one checkpoint per object type (the CRM's modified time, epoch ms),
 * advanced only after a page's writes all succeeded; each record is written only when `mayOverwrite`
 * says so, so a re-run from the same checkpoint writes nothing new. A search index lags behind writes,
 * so the checkpoint is what is surely read: the last record read, but no later than `overlapMs` before
 * the run's first query. A run at the live edge is read again from there by the next; a run cut short
 * in a backlog resumes at its last record, re-reading nothing. (Subtracting the overlap from every
 * checkpoint made a run that stopped at its cap inside a burst of more records than a run reads in
 * those minutes re-read the same records every run, for good.) How pages and checkpoints go, one
 * millisecond's records included: usecases/crm-paging.ts, which the opt-out sweep shares.
 */

import { AGENT_EVENTS } from "../agents/events.ts";
import { ErasedError, ValidationError } from "../domain/errors.ts";
import { type Account, AccountInput, type Person, PersonInput } from "../domain/kb.ts";
import { iso } from "../domain/time.ts";
import type { Clock, EventPublisher } from "../ports.ts";
import { absorbMergedCompanies } from "./crm-company-merge.ts";
import { absorbMergedContacts } from "./crm-contact-merge.ts";
import { type Checkpoints, type CrmPage, pageThrough, savedCheckpoint } from "./crm-paging.ts";
import {
  accountInputOf,
  CRM_OBJECT_TYPES,
  type CrmObjectType,
  type CrmRecord,
  companyDomain,
  crmFields,
  type Deal,
  dealOf,
  emailOptedOut,
  mayOverwrite,
  optOutReason,
  personInputOf,
  sameAsImported,
} from "./crm-records.ts";

/** The CRM as the import reads it (shared/adapters/connectors/hubspot-crm-search.ts). */
export interface CrmSource {
  readonly system: "hubspot";
  /**
   * Records modified at or after `since` (epoch ms), oldest first. With `tieAfter`, only those
   * modified at `since` itself, by id, after that id ("": from the first): one millisecond's records,
   * paged by id (nextQuery).
   */
  modifiedSince(objectType: CrmObjectType, since: number, tieAfter?: string): Promise<CrmPage>;
  /** Contacts unsubscribed from all email, as modifiedSince (sweepOptOuts). */
  optedOutSince?(since: number, tieAfter?: string): Promise<CrmPage>;
  /** A company's contacts (its primary ones) or deals (any associated), by id, after `afterId` (followPending). */
  ofCompany?(type: FollowedType, companyId: string, afterId?: string): Promise<CrmPage>;
  /** The company each contact or deal is (primarily) associated with. */
  companiesOf(objectType: "contacts" | "deals", ids: string[]): Promise<Map<string, string>>;
  recordUrl?(objectType: CrmObjectType, id: string): string | undefined;
}

export type Source = NonNullable<Account["source"]>;
/** What is read again for a company once it has its account (followPending). */
export type FollowedType = "contacts" | "deals";
export interface CrmLink {
  kbId: string;
  /**
   * A record merged in the CRM into this other one, taken in: a company's account
   * (crm-company-merge.ts), a contact's person (crm-contact-merge.ts, and the webhook's hubspot-merge.ts).
   */
  mergedInto?: string;
}

/** The knowledge base as the import writes it (shared/adapters/dynamo/crm-import-store.ts). */
export interface CrmImportStore {
  link(objectType: CrmObjectType, id: string): Promise<CrmLink | undefined>;
  putLink(objectType: CrmObjectType, id: string, link: CrmLink): Promise<void>;
  accountIdByDomain(domain: string): Promise<string | undefined>;
  personIdByEmail(email: string): Promise<string | undefined>;
  /**
   * Whether the address, or the person a contact is linked to, belongs to a person erased on request
   * (never re-imported: an erasure leaves the link, and the contact may come back under another address).
   */
  erased(email: string, personId?: string): Promise<boolean>;
  /** Suppress an address on email (the person it is, or becomes, included: the KB's suppressions). */
  suppressEmail(email: string, reason: string, at: string): Promise<void>;
  /** Suppress a person on email, whatever their address. */
  suppressPerson(personId: string, reason: string, at: string): Promise<void>;
  /** Of these people, those the suppression list names (on any channel). */
  suppressedPeople(personIds: string[]): Promise<Set<string>>;
  /** Suppress a person on every channel (a contact merged into another in the CRM: crm-contact-merge.ts). */
  suppressPersonEverywhere(personId: string, reason: string, at: string): Promise<void>;
  /** Suppress an account on every channel (a company merged away in the CRM). */
  suppressAccount(accountId: string, reason: string, at: string): Promise<void>;
  /** The deals under an account. */
  dealsOf(accountId: string): Promise<Deal[]>;
  /**
   * A company whose contacts (or deals) were read while it had no account: read them again once it
   * has one. With `afterId`: the records up to that id are read again already.
   */
  markPending(type: FollowedType, companyId: string, at: string, afterId?: string): Promise<void>;
  pending(type: FollowedType, companyId: string): Promise<{ afterId?: string } | undefined>;
  clearPending(type: FollowedType, companyId: string, at: string): Promise<void>;
  /** Companies whose follow of contacts or deals stopped part way (the run's time, a failed search). */
  unfinishedFollows(): Promise<string[]>;
  setUnfinishedFollow(companyId: string, unfinished: boolean): Promise<void>;
  getAccount(accountId: string): Promise<Account | undefined>;
  getPerson(personId: string): Promise<Person | undefined>;
  getDeal(accountId: string, dealId: string): Promise<Deal | undefined>;
  putAccount(
    id: string,
    input: AccountInput,
    at: string,
    source: Source,
    crm: Account["crm"],
  ): Promise<boolean>;
  putPerson(id: string, input: PersonInput, at: string, source: Source, crm: Person["crm"]): Promise<boolean>;
  /** Put the deal, removing it from `movedFrom` (the account it was under before) in the same write. */
  putDeal(deal: Deal, movedFrom?: string): Promise<void>;
}

export interface CrmImportDeps {
  clock: Clock;
  crm: CrmSource;
  store: CrmImportStore;
  checkpoints: Checkpoints;
  events: EventPublisher;
}

export interface CrmImportOptions {
  /** Defaults for an account the CRM leaves without a time zone. */
  workspaceTimezone: string;
  /** The spec's `crm.lifecycleStages`: the portal's own lifecycle stages (crm-records.ts lifecycleOf). */
  lifecycleStages?: Readonly<Record<string, AccountInput["lifecycle"]>>;
  /** How far behind a query the search index may be: the checkpoint stays this far back. Default 5 minutes. */
  overlapMs?: number;
  /** Stop after this many records per object type (the rest is the next run's): one run must fit the agent function's 5 minutes. Default 2,000. */
  maxRecords?: number;
  /**
   * The run's time left, in ms (AgentContext.timeLeft: a Lambda function's remaining time): no page is
   * read with less than RUN_MARGIN_MS left, and what is left is the next run's. Default: unbounded.
   */
  timeLeft?: () => number;
}

/** The time a page's writes and the report may take after the last page is read. */
export const RUN_MARGIN_MS = 45_000;

export interface TypeReport {
  seen: number;
  written: number;
  unchanged: number;
  /** Changed in the harness after the CRM's change: kept (see mayOverwrite). */
  keptNewer: number;
  /** Contacts unsubscribed from all email in the CRM: their addresses suppressed on email. */
  optedOut: number;
  skipped: { id: string; reason: string }[];
  checkpoint?: number;
  /** Everything modified up to now was read (false: the run's cap or a spent window stopped it). */
  caughtUp: boolean;
  /** Not read in this run, and why. */
  deferred?: string;
  /**
   * Contacts written when their company got its account, read again for it: they had been skipped, or
   * placed by their email's domain, while it had none (followPending).
   */
  contactsFollowed?: number;
  /** Deals written when their company got its account: they had been skipped while it had none. */
  dealsFollowed?: number;
  /**
   * Records the CRM merged into one read here. Companies: their accounts suppressed, deals and contacts
   * moved. Contacts: their people suppressed, or linked to the remaining contact if it had none.
   */
  merged?: number;
  /**
   * Lifecycle stages neither the spec nor HubSpot's defaults name: their accounts kept their lifecycle,
   * or were taken for customers (not prospected). Map them under the spec's `crm.lifecycleStages`.
   */
  unmappedStages?: string[];
}

export type ImportReport = Record<CrmObjectType, TypeReport> & {
  /** The sweep of contacts unsubscribed from all email (sweepOptOuts). */
  optOuts?: {
    suppressed: number;
    caughtUp: boolean;
    /** Opted-out contacts of one millisecond the CRM would not page by id (crm-paging.ts): gone past. */
    skipped?: { id: string; reason: string }[];
  };
};

/** Each object type's checkpoint: what was surely read (safeCheckpoint). */
export const checkpointName = (system: string, objectType: CrmObjectType) =>
  `crm-import:${system}:${objectType}:v2`;
/**
 * Where the checkpoint was kept while it was the last record read, the lag being subtracted when it was
 * read back: a deployment that upgrades reads it once, less the lag, so nothing the index showed late
 * before the upgrade is skipped.
 */
const legacyCheckpointName = (system: string, objectType: CrmObjectType) =>
  `crm-import:${system}:${objectType}`;

/** How far along an account is: only the record that last wrote an account moves it back (importCompany). */
const LIFECYCLE_RANK: Record<Account["lifecycle"], number> = {
  prospect: 0,
  open_opportunity: 1,
  customer: 2,
};

const emailDomain = (email: string) => email.slice(email.lastIndexOf("@") + 1).toLowerCase();

/** Companies first: contacts and deals find their account through the companies' links. */
export async function importFromCrm(deps: CrmImportDeps, options: CrmImportOptions): Promise<ImportReport> {
  const report = {} as ImportReport;
  // First: whom not to email weighs more than whom to know about.
  if (deps.crm.optedOutSince && !outOfTime(options)) report.optOuts = await sweepOptOuts(deps, options);
  // The follows earlier runs left unfinished, read before this run lists its own: a follow that first
  // stops in this run is gone on with by the next one, not at this one's end.
  const unfinished = deps.crm.ofCompany ? await deps.store.unfinishedFollows() : [];
  for (const type of CRM_OBJECT_TYPES) {
    // A contact or deal whose company is not imported yet would be skipped, and the checkpoint would
    // move past it for good: while companies are still catching up, the others wait for a later run.
    if (type !== "companies" && report.companies && !report.companies.caughtUp) {
      report[type] = {
        ...emptyReport(),
        deferred: "companies are still being imported; contacts and deals follow once they caught up",
      };
      continue;
    }
    if (outOfTime(options)) {
      report[type] = { ...emptyReport(), deferred: "the run's time ran out; the next run goes on" };
      continue;
    }
    report[type] = await importType(deps, options, type);
  }
  // Last, in the time left: the records HubSpot changed come first.
  if (unfinished.length && report.companies) await resumeFollows(deps, options, unfinished, report.companies);
  return report;
}

/**
 * Companies whose follow of contacts or deals stopped part way in an earlier run go on, whether or
 * not HubSpot changed the company since: before, a follow cut short went on only when the company was
 * next edited, and a large account imported late kept most of its contacts out until then. Each goes
 * on from the record it stopped after (followPending), after the run's records, in its time left.
 * (One read again in this run's companies, and stopped there again, is tried once more here.)
 */
async function resumeFollows(
  deps: CrmImportDeps,
  o: CrmImportOptions,
  companies: string[],
  r: TypeReport,
): Promise<void> {
  for (const companyId of companies) {
    if (outOfTime(o)) return;
    // Finished since it was listed (the company read again this run, or a run before), or its account
    // gone: off the list. A follow takes itself off when it finishes.
    const at = iso(deps.clock.now());
    const contacts = await followPending(deps, o, "contacts", companyId, at, r);
    const deals = await followPending(deps, o, "deals", companyId, at, r);
    if (contacts === "none" && deals === "none") await deps.store.setUnfinishedFollow(companyId, false);
  }
}

const contactEmail = (rec: CrmRecord) => rec.properties.email?.trim().toLowerCase() || undefined;

/**
 * A contact unsubscribed from all email in the CRM: its address suppressed on email, and the person
 * it was imported as (whose address on file may be another: corrected since in one place or the
 * other). Whether it was.
 */
async function suppressOptOut(
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

/** The opt-out sweep's checkpoint: what was surely read, as the import's. */
export const optOutCheckpointName = (system: string) => `crm-import:${system}:contacts-optouts:v1`;

/**
 * Contacts unsubscribed from all email in the CRM, searched for as such, from the sweep's own
 * checkpoint: the import reads `hs_email_optout` only on contacts modified since its checkpoint, so a
 * contact who unsubscribed before the import asked for it (an existing deployment's whole history)
 * was never read again, and stayed open to email. The first run reads them all (a filtered search:
 * the opted-out only), later runs what changed; each address is suppressed on email, the person
 * included. At most 20 pages a run (one more when the 20th found a millisecond's records to page by
 * id); a run that stops inside one millisecond's records leaves its place there (crm-paging.ts).
 * Before, they were paged by position, and a tie of 2,000 or more opted-out contacts held the sweep
 * there for good.
 */
async function sweepOptOuts(
  deps: CrmImportDeps,
  o: CrmImportOptions,
): Promise<NonNullable<ImportReport["optOuts"]>> {
  const source = deps.crm.optedOutSince?.bind(deps.crm);
  if (!source) return { suppressed: 0, caughtUp: true };
  const name = optOutCheckpointName(deps.crm.system);
  const at = iso(deps.clock.now());
  let suppressed = 0;
  let pages = 0;
  // A record read again (a page's last millisecond, a tie from its start) is counted once.
  const counted = new Set<string>();
  const saved = await deps.checkpoints.get(name);
  const run = await pageThrough(deps, {
    name,
    ...(saved !== undefined ? { saved } : {}),
    lagMs: o.overlapMs ?? 5 * 60_000,
    more: (tie) => (pages++ < 20 || tie) && !outOfTime(o),
    read: source,
    onPage: async (records) => {
      for (const rec of records)
        if ((await suppressOptOut(deps.store, rec, at)) && !counted.has(rec.id)) {
          counted.add(rec.id);
          suppressed++;
        }
    },
    caughtUpToQuery: true,
  });
  // Opt-outs the CRM would not page: said, as they are people who unsubscribed.
  return { suppressed, caughtUp: run.caughtUp, ...(run.skipped.length ? { skipped: run.skipped } : {}) };
}

/** Too little of the run left to read another page (a Lambda function killed at its timeout is retried, overlapping the next run). */
const outOfTime = (o: CrmImportOptions) => (o.timeLeft?.() ?? Number.POSITIVE_INFINITY) < RUN_MARGIN_MS;

const emptyReport = (): TypeReport => ({
  seen: 0,
  written: 0,
  unchanged: 0,
  keptNewer: 0,
  optedOut: 0,
  skipped: [],
  caughtUp: false,
});

async function importType(
  deps: CrmImportDeps,
  o: CrmImportOptions,
  type: CrmObjectType,
): Promise<TypeReport> {
  const name = checkpointName(deps.crm.system, type);
  const r = emptyReport();
  const lag = o.overlapMs ?? 5 * 60_000;
  const saved = await savedCheckpoint(
    deps.checkpoints,
    name,
    legacyCheckpointName(deps.crm.system, type),
    lag,
  );
  const run = await pageThrough(deps, {
    name,
    ...(saved !== undefined ? { saved } : {}),
    lagMs: lag,
    more: (tie) => (r.seen < (o.maxRecords ?? 2000) || tie) && !outOfTime(o),
    read: (since, tieAfter) => deps.crm.modifiedSince(type, since, tieAfter),
    onPage: (records) => importPage(deps, o, type, records, r),
  });
  r.caughtUp = run.caughtUp;
  if (run.checkpoint !== undefined) r.checkpoint = run.checkpoint;
  r.skipped.push(...run.skipped);
  return r;
}

async function importPage(
  deps: CrmImportDeps,
  o: CrmImportOptions,
  type: CrmObjectType,
  records: CrmRecord[],
  r: TypeReport,
): Promise<void> {
  const companies =
    type === "companies" || records.length === 0
      ? new Map<string, string>()
      : await deps.crm.companiesOf(
          type,
          records.map((x) => x.id),
        );
  const at = iso(deps.clock.now());
  for (const rec of records) {
    r.seen++;
    const source = sourceOf(deps.crm, type, rec);
    let outcome: Outcome;
    try {
      // A contact's merged contacts' people first: one may become this contact's (crm-contact-merge.ts).
      if (type === "contacts") await absorbMergedContacts(deps.store, rec, at, r);
      outcome =
        type === "companies"
          ? await importCompany(deps, o, rec, source, at, r)
          : type === "contacts"
            ? await importContact(deps, rec, companies.get(rec.id), source, at, r)
            : await importDeal(deps, rec, companies.get(rec.id), source, at);
    } catch (err) {
      // A record the store refuses (a field past its limits, a pasted list of domains making a key
      // over DynamoDB's 2 KB) is refused the same way every run: skipped, named, and the import goes
      // on. Before, it stopped every run at that record, and contacts and deals were never reached.
      // Anything else (a throttle, a timeout) holds the checkpoint, for the next run.
      const refused = refusedRecord(err);
      if (!refused) throw err;
      outcome = { skipped: refused };
    }
    if (outcome === "written") r.written++;
    else if (outcome === "unchanged") r.unchanged++;
    else if (outcome === "newer_in_kb") r.keptNewer++;
    else r.skipped.push({ id: rec.id, reason: outcome.skipped });
    if (type === "companies") {
      await absorbMergedCompanies(deps, rec, at, r);
      await followPending(deps, o, "contacts", rec.id, at, r);
      await followPending(deps, o, "deals", rec.id, at, r);
    }
  }
}

type Outcome = "written" | "unchanged" | "newer_in_kb" | { skipped: string };

/** Why the store will never take this record, or undefined for a failure that may pass. */
function refusedRecord(err: unknown): string | undefined {
  if (err instanceof ValidationError) return `refused: ${err.message}`;
  // DynamoDB refusing this record's size (an item over 400 KB, a key over 2 KB; its text names no
  // value, only the limit). Any other ValidationException is a fault of the code or the table, which
  // every record would meet: it stops the run, rather than skip them all.
  const e = err as Error;
  if (e?.name === "ValidationException" && /size|exceed/i.test(e.message))
    return `refused by the store: ${e.message.slice(0, 200)}`;
  return undefined;
}

/** What an imported record cites: the CRM record and its version. */
function sourceOf(crm: CrmSource, type: CrmObjectType, rec: CrmRecord): Source {
  const url = crm.recordUrl?.(type, rec.id);
  return {
    system: crm.system,
    objectType: type,
    id: rec.id,
    ...(url ? { url } : {}),
    modifiedAt: iso(rec.modifiedAt),
  };
}

/**
 * A company with its account, some of whose contacts were read while it had none (skipped, "company …
 * is not in the knowledge base", or placed at the account of their email's domain): its contacts are
 * read again and imported under it. The import reads a contact again only when HubSpot changes it, so
 * before, a company imported late (a domain added to it) left its contacts out of the knowledge base,
 * or at another account, until each was edited. Asked of every company record read, whichever way it
 * got its account (written, kept, linked as a duplicate); where a follow stopped (the run's time, a
 * failed search) is kept with the mark, and the company listed: the next run goes on from there
 * (resumeFollows). The same for its deals, which were skipped while it had none (their company's
 * account is where a deal is kept): before, they stayed out until each was edited.
 */
async function followPending(
  deps: CrmImportDeps,
  o: CrmImportOptions,
  type: FollowedType,
  companyId: string,
  at: string,
  r: TypeReport,
): Promise<"none" | "finished" | "unfinished"> {
  const read = deps.crm.ofCompany?.bind(deps.crm);
  if (!read) return "none";
  const pending = await deps.store.pending(type, companyId);
  if (!pending || !(await deps.store.link("companies", companyId))) return "none";
  // The records' own report: their outcomes are not the company page's.
  const own = emptyReport();
  let afterId = pending.afterId;
  try {
    // Listed while it runs, off the list when it finishes: a follow stopped any way (the run's time,
    // a failed search, a killed function) is gone on with by the next run.
    await deps.store.setUnfinishedFollow(companyId, true);
    for (;;) {
      if (outOfTime(o)) {
        r.skipped.push({
          id: companyId,
          reason: `its ${type} not all read again yet: the run's time ran out`,
        });
        return "unfinished";
      }
      const page = await read(type, companyId, afterId);
      // A deal is kept under its primary company's account: the search finds any associated one.
      const primary =
        type === "deals" && page.records.length
          ? await deps.crm.companiesOf(
              "deals",
              page.records.map((x) => x.id),
            )
          : undefined;
      for (const rec of page.records) {
        const source = sourceOf(deps.crm, type, rec);
        const outcome =
          type === "contacts"
            ? await importContact(deps, rec, companyId, source, at, own, { reassociate: true })
            : await importDeal(deps, rec, primary?.get(rec.id), source, at);
        if (outcome !== "written") continue;
        if (type === "contacts") r.contactsFollowed = (r.contactsFollowed ?? 0) + 1;
        else r.dealsFollowed = (r.dealsFollowed ?? 0) + 1;
      }
      const last = page.records.at(-1);
      if (!page.after || !last) {
        await deps.store.clearPending(type, companyId, at);
        // Off the list unless its other follow is still to go on (it lists the company itself).
        const other = type === "contacts" ? "deals" : "contacts";
        if (!(await deps.store.pending(other, companyId)))
          await deps.store.setUnfinishedFollow(companyId, false);
        return "finished";
      }
      afterId = last.id;
      await deps.store.markPending(type, companyId, at, afterId);
    }
  } catch (err) {
    // The company is written; its records are tried again from here by the next run.
    r.skipped.push({
      id: companyId,
      reason: `its ${type} not all read again yet: ${(err as Error).message}`,
    });
    return "unfinished";
  }
}

async function importCompany(
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
  const input = accountInputOf(rec, existing, o.workspaceTimezone, o.lifecycleStages);
  if (!input.ok) {
    if (existing && !linked) await deps.store.putLink("companies", rec.id, { kbId: accountId });
    return { skipped: input.reason };
  }
  const stage = input.unmappedStage;
  if (stage !== undefined && !r.unmappedStages?.includes(stage))
    r.unmappedStages = [...(r.unmappedStages ?? []), stage];
  const s = existing?.source;
  const ownRecord = s?.system === crm.system && s.objectType === "companies" && s.id === rec.id;
  // Changed in HubSpot, but in nothing the account holds: not rewritten, no event.
  if (existing && ownRecord && sameAsImported(existing, input.value, AccountInput, crmFields(rec)))
    return unchanged();
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
  const written = await store.putAccount(accountId, input.value, at, source, crmFields(rec));
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

async function importContact(
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
  if (await store.erased(email, linked?.kbId)) return { skipped: "erased on request: not re-imported" };
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
    if (err instanceof ErasedError) return { skipped: "erased on request: not re-imported" };
    throw err;
  }
  const created = written || (!linked && personId === `hubspot-contact-${rec.id}`);
  await finish(deps, "contacts", rec.id, personId, {
    type: AGENT_EVENTS.personPut,
    detail: { personId, accountId: input.value.accountId, created },
  });
  return "written";
}

async function importDeal(
  deps: CrmImportDeps,
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
  await store.putDeal(deal.value, before && before !== accountId ? before : undefined);
  await store.putLink("deals", rec.id, { kbId: accountId });
  return "written";
}

/** What the crm-import agent is given where a CRM is configured (AgentContext.crm). */
export interface CrmImporter {
  importChanges(options: CrmImportOptions): Promise<ImportReport>;
}

export const crmImporter = (deps: CrmImportDeps): CrmImporter => ({
  importChanges: (options) => importFromCrm(deps, options),
});
