/**
 * What the CRM import reads and writes through, and what it reports (crm-import.ts): its source (the
 * CRM's search), its store (the knowledge base as the import writes it), its options and its report.
 */
import type { Account, AccountInput, Person, PersonInput } from "../domain/kb.ts";
import type { Clock, EventPublisher } from "../ports.ts";
import type { Checkpoints, CrmPage } from "./crm-paging.ts";
import type { CrmObjectType, Deal } from "./crm-records.ts";

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
   * The person erased on request whose address this is, or who the contact is linked to (never
   * re-imported: an erasure leaves the link, and the contact may come back under another address);
   * undefined when neither was erased.
   */
  erased(email: string, personId?: string): Promise<string | undefined>;
  /** Suppress an address on email (the person it is, or becomes, included: the KB's suppressions). */
  suppressEmail(email: string, reason: string, at: string): Promise<void>;
  /** Suppress a person on email, whatever their address. */
  suppressPerson(personId: string, reason: string, at: string): Promise<void>;
  /** Of these people, those suppressed as a merged contact's duplicate (crm-contact-merge.ts isMergeReason). */
  mergedAway(personIds: string[]): Promise<Set<string>>;
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
  /** The spec's `crm.owners`: the CRM's owner ids → the owners accounts get (crm-records.ts ownerFromCrm). */
  owners?: Readonly<Record<string, string>>;
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
