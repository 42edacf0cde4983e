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
 * millisecond's records included: usecases/crm-paging.ts, which the opt-out sweep shares. One record's
 * write: crm-import-records.ts; what the import reads and writes through: crm-import-ports.ts.
 */

import { ValidationError } from "../domain/errors.ts";
import { iso } from "../domain/time.ts";
import { absorbMergedCompanies } from "./crm-company-merge.ts";
import { absorbMergedContacts } from "./crm-contact-merge.ts";
import type {
  CrmImportDeps,
  CrmImportOptions,
  FollowedType,
  ImportReport,
  TypeReport,
} from "./crm-import-ports.ts";
import { RUN_MARGIN_MS } from "./crm-import-ports.ts";
import {
  importCompany,
  importContact,
  importDeal,
  type Outcome,
  sourceOf,
  suppressOptOut,
} from "./crm-import-records.ts";
import { pageThrough, savedCheckpoint } from "./crm-paging.ts";
import { CRM_OBJECT_TYPES, type CrmObjectType, type CrmRecord } from "./crm-records.ts";

export * from "./crm-import-ports.ts";

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
            : await importDeal(deps, o, rec, companies.get(rec.id), source, at);
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
      await absorbMergedCompanies(deps, o, rec, source, at, r);
      await followPending(deps, o, "contacts", rec.id, at, r);
      await followPending(deps, o, "deals", rec.id, at, r);
    }
  }
}

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
      // A contact or deal is kept under its primary company's account (else the company it is
      // associated with, as its own import reads it): the search finds any associated with this one.
      const primary = page.records.length
        ? await deps.crm.companiesOf(
            type,
            page.records.map((x) => x.id),
          )
        : undefined;
      for (const rec of page.records) {
        const source = sourceOf(deps.crm, type, rec);
        // Another company's contact, associated with this one too: its own company places it.
        if (type === "contacts" && primary?.get(rec.id) !== companyId) continue;
        const outcome =
          type === "contacts"
            ? await importContact(deps, rec, companyId, source, at, own, { reassociate: true })
            : await importDeal(deps, o, rec, primary?.get(rec.id), source, at);
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

/** What the crm-import agent is given where a CRM is configured (AgentContext.crm). */
export interface CrmImporter {
  importChanges(options: CrmImportOptions): Promise<ImportReport>;
}

export const crmImporter = (deps: CrmImportDeps): CrmImporter => ({
  importChanges: (options) => importFromCrm(deps, options),
});
