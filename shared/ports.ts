/**
 * Ports: what the use cases need from the outside world. The core depends only on these; adapters
 * for AWS and for the embedded default implement them, and the runtime wiring picks one set.
 */
import type { Decision, LedgerEvent } from "./domain/decision.ts";
import type { CounterBump, Pause, Touch, VolumeCounts } from "./domain/decision-types.ts";
import type { DraftStatus, Flip, FlipTotals, ReviewTally, SpecDraft } from "./domain/drafts.ts";
import type {
  Account,
  AccountInput,
  Person,
  PersonInput,
  RecordProvenance,
  Signal,
  SuppressionEntry,
  SuppressionInput,
} from "./domain/kb.ts";
import type { KeyOwner } from "./domain/personal-data.ts";
import type { Spec, SpecVersion } from "./domain/spec-schema.ts";
import type { DecisionStatus, Verdict } from "./domain/vocabulary.ts";
import type { TrustRecord } from "./learning/trust.ts";
import type { PeerMarket } from "./learning/trust-peers.ts";

export interface Clock {
  now(): number;
}

export interface ContactState {
  touches: Touch[];
  /** Compare-and-swap token: 0 when the item does not exist yet. */
  version: number;
}

/** Everything the gate reads, in one batched round trip. */
export interface GateReadRequest {
  decisionId: string;
  agentId: string;
  actionType: string;
  channel?: string;
  accountId: string;
  personId?: string;
  /** The workspace day the volume counters are read for. */
  day: string;
  /** The people a list sync would add: whether the suppression list names each, or their account, is read too. */
  members?: string[];
}

export interface GateReadResult {
  spec?: SpecVersion;
  existing?: Decision;
  account?: Account;
  person?: Person;
  contact: ContactState;
  trust?: TrustRecord;
  pauses: Pause[];
  suppressions: SuppressionEntry[];
  counts: VolumeCounts;
  /** How the decision will be sealed, opaque to the core: handed back to commitDecision. */
  sealing?: Sealing;
  /** Of the request's `members`, those the suppression list names, by themselves or by their account. */
  suppressedMembers?: string[];
}

/** The data key of the decision's person (or account), and whether that person was erased. */
export interface Sealing {
  key?: Buffer;
  ownerErased?: boolean;
}

/** settle: an executed action's trust window closed (usecases/trust-evidence.ts). */
export type DueKind = "release" | "expire" | "settle";

export interface DueItem {
  decisionId: string;
  kind: DueKind;
  at: number;
}

export interface DecisionCommit {
  decision: Decision;
  event: LedgerEvent;
  /** The touch to add to the account's contact state, with the version it was read at. */
  touch?: { accountId: string; expectVersion: number; touches: Touch[] };
  counters: CounterBump[];
  due?: DueItem;
  /** From GateReadResult.sealing; without a key (and no erasure), a key is created in the transaction. */
  sealing?: Sealing;
}

/** Why a reservation transaction was cancelled. */
export type CommitConflict = { kind: "exists" } | { kind: "contention" } | { kind: "cap"; counter: string };

export interface Transition {
  decisionId: string;
  expectStatus: DecisionStatus[];
  expectVersion: number;
  patch: Partial<Decision>;
  event: Omit<LedgerEvent, "stream" | "seq">;
  /** Replace the account's touches (release or re-time a reservation), compare-and-swap on version. */
  contact?: { accountId: string; expectVersion: number; touches: Touch[] };
  releaseCounters?: CounterBump[];
  /**
   * Counters to add one to, each under its cap: an approval given on a later day than its decision
   * counts on the day it goes out (lifecycle.ts approve). Only with a review (the checking stores).
   */
  addCounters?: CounterBump[];
  /**
   * Counters to add one to whatever their caps: a send that went out after all, its reservation given
   * back too soon (a soft bounce SES reported before the delivery, ses-settle.ts). It happened, so it
   * counts, also past a cap that later touches filled meanwhile.
   */
  restoreCounters?: CounterBump[];
  clearDue?: DueItem[];
  addDue?: DueItem;
}

export interface DecisionQuery {
  accountId?: string;
  personId?: string;
  agentId?: string;
  status?: DecisionStatus;
  /** Narrow the listing further (a filter on the chosen index, so a page may hold fewer than `limit`). */
  verdict?: Verdict;
  specVersion?: number;
  limit: number;
  cursor?: string;
  /** Oldest decided first (default: newest first, as people read a listing): see recoverDispatched. */
  oldestFirst?: true;
  /**
   * Only the decisions listed after this one (by `status`, oldest first): where a reconciler's run
   * goes on from the last one's stop, a position that outlives the process (a cursor does not).
   */
  after?: ListedAt;
}

/** A decision's place in a listing by status: when it was decided, then its id. */
export interface ListedAt {
  decidedAt: string;
  decisionId: string;
}

/** What `decisionsBetween` reads, beyond the window: see there. */
export interface DecisionsBetweenFilter {
  actionKind: Decision["actionKind"];
  personalData?: false;
  /** Only these statuses' decisions (default: every status). */
  statuses?: readonly DecisionStatus[];
  /**
   * Newest first within each status, so that a read stopped at `limit` leaves out the oldest of the
   * window, not the newest (the signals loop's shadow touches are the newest).
   */
  newestFirst?: true;
}

export interface DecisionStore {
  readGateContext(req: GateReadRequest): Promise<GateReadResult>;
  /** One transaction: decision + event + contact-state CAS + counters + due item. */
  commitDecision(commit: DecisionCommit): Promise<{ ok: true } | { ok: false; conflict: CommitConflict }>;
  getDecision(decisionId: string): Promise<Decision | undefined>;
  /**
   * The newest version of the decision this process wrote or read, without a read: possibly behind
   * (another process may have moved it on), so only a hint for a transition conditioned on its
   * version, which fails if the hint was stale. Undefined when this process does not know it.
   */
  lastKnown?(decisionId: string): Decision | undefined;
  queryDecisions(q: DecisionQuery): Promise<{ items: Decision[]; cursor?: string }>;
  /**
   * Whether the agent has made any decision: a key-only question (no decision is read or opened, no
   * data key is needed), for checks such as "is this an agent the harness knows?".
   */
  hasDecisionBy(agentId: string): Promise<boolean>;
  /**
   * Decisions decided in [since, until] (ISO instants), opened, in no particular order: at most
   * `limit`, with `more` set when the window holds more. For the what-if replay; never a table scan.
   */
  decisionsBetween?(
    since: string,
    until: string,
    limit: number,
    /**
     * Only decisions of this kind: the others are neither returned nor counted against `limit`.
     * `personalData: false` reads them without opening anyone's data key (personal-data.ts
     * `withheldDecision`): for readers of counts, signals and outcomes only, such as the signals refit.
     */
    only?: DecisionsBetweenFilter,
  ): Promise<{ items: Decision[]; more: boolean }>;
  /** Conditional transition (status + version) with its ledger event and side writes, in one transaction. */
  transition(t: Transition): Promise<Decision>;
  events(stream: string): Promise<LedgerEvent[]>;
  appendEvent(event: Omit<LedgerEvent, "seq">): Promise<void>;
  getContactState(accountId: string): Promise<ContactState>;
  /** Due items up to `now`, oldest first, starting after `after` when given. */
  dueItems(now: number, limit: number, after?: DueItem): Promise<DueItem[]>;
  deleteDue(item: DueItem): Promise<void>;
}

/**
 * What a function that only reads decisions asks of them (adapters/dynamo/decision-reader.ts): the
 * agents' knowledge view, the decisions and knowledge APIs, the signals refit and the replay.
 */
export type DecisionReads = Pick<
  DecisionStore,
  | "getDecision"
  | "lastKnown"
  | "getContactState"
  | "queryDecisions"
  | "hasDecisionBy"
  | "decisionsBetween"
  | "events"
>;

export interface SpecStore {
  current(): Promise<SpecVersion | undefined>;
  get(version: number): Promise<SpecVersion | undefined>;
  /** Publish as the next version; fails with ConflictError if another publish won the race. */
  publish(spec: Spec, hash: string, by: string, at: string, expectCurrent: number): Promise<SpecVersion>;
}

/** A shadow rule's flip set, written with each decision (DecisionStore.commitDecision), read here. */
export interface FlipStore {
  /** Newest first. */
  list(specVersion: number, rule: string, page: PageRequest): Promise<Page<Flip>>;
  totals(specVersion: number, rule: string): Promise<FlipTotals>;
}

/** A spec version to publish together with a draft change (see DraftStore). */
export interface DraftPublish {
  spec: Spec;
  hash: string;
  by: string;
  at: string;
  expectCurrent: number;
  /** Why, for the spec stream's event (its actor is `by`). */
  why: string;
}

/**
 * Drafts (domain/drafts.ts). Every change publishes a spec version and writes the draft in one
 * transaction, so a draft and its version never exist one without the other; each is conditional, and
 * a lost race is a ConflictError the caller resolves by reading again.
 */
export interface DraftStore {
  get(draftId: string): Promise<SpecDraft | undefined>;
  /** The draft made from `source` (a decision's correction, a review cell's n-th pattern), if any. */
  bySource(source: string): Promise<SpecDraft | undefined>;
  /** Newest first. */
  list(q: PageRequest & { status?: DraftStatus }): Promise<Page<SpecDraft>>;
  /** Publish `publish` (current + the rule in shadow) and store the draft; one draft per source. */
  create(draft: SpecDraft, source: string, publish: DraftPublish, cell?: string): Promise<SpecVersion>;
  /** Move a draft out of shadow (conditional on it still being in shadow), publishing when given. */
  close(
    draft: SpecDraft,
    to: "confirmed" | "discarded",
    closed: { at: string; by: string; reason?: string },
    publish: DraftPublish | undefined,
    cell?: string,
  ): Promise<SpecDraft>;
  /** The review tally of a cell (domain/drafts.ts cellId). */
  tally(cell: string): Promise<ReviewTally | undefined>;
}

/** A page of a listing: at most `limit` items, after the page `cursor` (opaque, signed) ended. */
export interface PageRequest {
  limit: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  cursor?: string;
}

export interface TrustStore {
  get(agentId: string, actionType: string): Promise<TrustRecord | undefined>;
  /** One page, in the store's order; `cursor` is absent on the last page. */
  list(page: PageRequest): Promise<Page<TrustRecord>>;
  /**
   * Conditional on version; writes the ledger event in the same transaction when given. With an
   * `evidenceId` (the outcome's id), also marks that evidence taught to this agent × action in the same
   * transaction, and saves nothing when it was taught before: returns false then.
   */
  save(
    record: TrustRecord,
    expectVersion: number,
    event?: Omit<LedgerEvent, "stream" | "seq">,
    evidenceId?: string,
  ): Promise<boolean>;
  /** Every agent's latest market snapshot on this action type (learning/trust-peers.ts). */
  peers(actionType: string): Promise<PeerMarket[]>;
  /** Publishes an agent's snapshot to its peers; an older one than the stored snapshot changes nothing. */
  sharePeer(actionType: string, snapshot: PeerMarket): Promise<void>;
}

export interface PauseStore {
  /** A pause whose id exists already (even lifted) is left as it is: creating it again changes nothing. */
  create(pause: Pause): Promise<void>;
  remove(pauseId: string, by: string, at: string): Promise<Pause>;
  list(): Promise<Pause[]>;
}

export interface KnowledgeStore {
  putAccount(accountId: string, input: AccountInput, at: string): Promise<Account>;
  getAccount(accountId: string): Promise<Account | undefined>;
  /** `createdBy`: the record action creating the person; kept only by the write that creates it. */
  putPerson(personId: string, input: PersonInput, at: string, createdBy?: RecordProvenance): Promise<Person>;
  getPerson(personId: string): Promise<Person | undefined>;
  /** Optional: a person and an account in one read (agents handling a person's event need both). */
  getPersonAndAccount?(personId: string, accountId: string): Promise<{ person?: Person; account?: Account }>;
  personIdByEmail(email: string): Promise<string | undefined>;
  /** Everyone on file with the address (two records of one buyer may share it). */
  peopleWithEmail(email: string): Promise<string[]>;
  addSignals(accountId: string, signals: Signal[], keepSince: string): Promise<void>;
  addSuppression(input: SuppressionInput, at: string): Promise<{ appliedTo: string[] }>;
  /** Whether the account has suppressions, and which of these people do: one batched read. */
  suppressedAmong(accountId: string, personIds: string[]): Promise<{ account: boolean; people: Set<string> }>;
  /** Optional: putAccount saying whether the account is new (spares the change feed a read first). */
  upsertAccount?(
    accountId: string,
    input: AccountInput,
    at: string,
  ): Promise<{ account: Account; created: boolean }>;
  /** Optional: putPerson saying whether the person is new. */
  upsertPerson?(
    personId: string,
    input: PersonInput,
    at: string,
    createdBy?: RecordProvenance,
  ): Promise<{ person: Person; created: boolean }>;
}

/** What the agents' knowledge view asks of the knowledge base (kb/view.ts): their functions may write none of it. */
export type KnowledgeReads = Pick<
  KnowledgeStore,
  "getAccount" | "getPerson" | "getPersonAndAccount" | "suppressedAmong"
>;

export interface TokenRecord {
  tokenHash: string;
  subject: string;
  roles: string[];
  createdAt: string;
  /** ISO instant from which the server refuses the token (see checkToken in adapters/local/token-store.ts). */
  expiresAt: string;
  /** Set by `harness token revoke`: refused from then on. */
  revokedAt?: string;
}

export interface TokenStore {
  put(record: TokenRecord): Promise<void>;
  get(tokenHash: string): Promise<TokenRecord | undefined>;
  /** Every token (hashes, never secrets); absent where credentials live elsewhere (IAM, Cognito). */
  list?(): Promise<TokenRecord[]>;
}

/**
 * Wraps each data key (a person's or an account's, see domain/personal-data.ts) for storage: KMS in
 * AWS, a master key file in the embedded default. `owner` is the key's owner ref ("person:<id>"),
 * bound into the wrapping. The wrapped key sits in the state table; deleting it is the erasure.
 */
export interface KeyWrapper {
  wrap(dataKey: Buffer, owner: string): Promise<string>;
  unwrap(wrapped: string, owner: string): Promise<Buffer>;
}

/** Who is being erased: the id, and the strings that identify them wherever agents copied them. */
export interface ErasureTarget {
  personId: string;
  email?: string;
  /** First and last name. */
  names: string[];
}

/** What stays after an erasure: no personal data, only that it happened (the email only as a hash). */
export interface ErasureRecord {
  personId: string;
  emailHash?: string;
  /** Their LinkedIn profile's (redact.ts linkedinHash): found again under it, they stay out. */
  linkedinHash?: string;
  erasedAt: string;
  by: string;
  /**
   * The others on file with the person's address when the erasure began (ids): records of the same
   * buyer, erased with them, first.
   */
  coHolders?: string[];
  /** How far an erasure that ran out of its time got: the next run goes on from here. */
  progress?: ErasureProgress;
}

/** Which of the state table scan's segments are done (no key of where one stood: keys hold addresses). */
export interface ScrubProgress {
  total: number;
  done: number[];
}

export interface ErasureProgress {
  /** The account's and the audiences' decisions were searched (and their keys destroyed if named). */
  shredded?: boolean;
  /** The audiences that search looked at (ids): looked at again when the scrub is done. */
  audiences?: string[];
  /** Where the account's decisions' search stopped (the listing's opaque cursor). */
  accountFrom?: string;
  scrub?: ScrubProgress;
  /** What the requests so far found and did (counts only). */
  found?: { accountKeyDestroyed: boolean; audienceKeysDestroyed: number; deleted: number; redacted: number };
}

export interface ScrubResult {
  deleted: number;
  redacted: number;
  /** Set when the scan stopped at `stopAt` before its end: where to go on from. */
  progress?: ScrubProgress;
}

export interface ErasureStore {
  /**
   * Delete the person's data key and knowledge-base items; redact their name and email elsewhere.
   * From `from` (a run that stopped), reading no page after `stopAt` (wall-clock ms).
   */
  scrub(target: ErasureTarget, run?: { from?: ScrubProgress; stopAt?: number }): Promise<ScrubResult>;
  /** Keep how far an erasure got on its record (undefined: it is complete). */
  saveProgress(personId: string, progress: ErasureProgress | undefined): Promise<void>;
  /**
   * The person's profile (and the audiences a sync added them to), deleted last of all: a run that
   * dies before still knows whom to match.
   */
  deleteProfile(personId: string): Promise<boolean>;
  /** One run of a person's erasure at a time: false while another holds it (until `until`, wall ms). */
  claimRun(personId: string, until: number, now: number): Promise<boolean>;
  releaseRun(personId: string): Promise<void>;
  /** Destroy a data key (an account's, when one of its account-level decisions names the person). */
  destroyKey(owner: KeyOwner): Promise<void>;
  /** Audiences a sync added the person to, or whose last synced snapshot lists them (by id, which the scrub leaves). */
  audiencesNaming(personId: string): Promise<string[]>;
  mark(record: ErasureRecord): Promise<void>;
  find(q: { personId?: string; email?: string }): Promise<ErasureRecord | undefined>;
}

export interface DomainEvent {
  type: string;
  detail: Record<string, unknown>;
}

/** The shared event stream (EventBridge in AWS, an in-process bus locally). */
export interface EventPublisher {
  publish(events: DomainEvent[]): Promise<void>;
}

export interface ConnectorRequest {
  idempotencyKey: string;
  decision: Decision;
  payload: Record<string, unknown>;
  /**
   * The ms the action may still take (a Lambda executor's remaining time, less what recording its
   * result needs); none where nothing stops the process mid-call (locally). A call that could not end
   * within it is not started (connectors/retry.ts).
   */
  timeLeft?: () => number;
}

export interface ConnectorResult {
  externalId: string;
  /**
   * Of the people a list sync adds, those the vendor did not take (an address it refuses, a contact
   * its list could not find): recorded with the decision's `execution.withheld`, so ingest does not
   * count them synced and the next sync adds them again.
   */
  withheld?: string[];
}

/** A failed side effect. `outcomeUnknown` means it may or may not have happened (timeouts, crashes). */
export class ConnectorError extends Error {
  override readonly name = "ConnectorError";
  /**
   * The vendor turned the call away (429, a 503 that means so) on every attempt: nothing was done,
   * and the call may be made again after this long. The executor hands such a decision back to be
   * tried later instead of failing it (execution.ts).
   */
  readonly retryAfterMs?: number;
  /** Turned away after part of the action was written: it may be tried again, not failed as nothing done. */
  readonly afterWrite?: boolean;
  constructor(
    message: string,
    readonly outcomeUnknown: boolean,
    options?: { cause?: unknown; retryAfterMs?: number; afterWrite?: boolean },
  ) {
    super(message, options);
    if (options?.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options?.afterWrite) this.afterWrite = true;
  }
}

export interface Connector {
  execute(req: ConnectorRequest): Promise<ConnectorResult>;
  /**
   * What a call needs read before its attempt is recorded (a downstream tool's spec version): a
   * failure here leaves the decision unattempted, so it is tried again, not failed or in doubt.
   */
  prepare?(decision: Decision): Promise<void>;
  /**
   * Erasure: remove the person's personal data from whatever the connector itself keeps (the sandbox
   * outbox). Real systems of record (HubSpot, SES) are erased through their own APIs and policies.
   */
  forget?(target: ErasureTarget): Promise<number>;
}

/**
 * The workflow engine holding level-1 decisions while a human reviews them. In AWS a Step Functions
 * execution waits on a task token and the approve/reject routes release it after their conditional
 * transition; the embedded default polls its due-queue instead and needs no signal.
 */
export interface ApprovalSignal {
  resolved(decision: Decision, result: "approved" | "rejected"): Promise<void>;
}

export const noApprovalSignal: ApprovalSignal = { resolved: async () => {} };

export interface Deps {
  clock: Clock;
  decisions: DecisionStore;
  specs: SpecStore;
  trust: TrustStore;
  pauses: PauseStore;
  kb: KnowledgeStore;
  tokens: TokenStore;
  events: EventPublisher;
  connector: Connector;
  approvals: ApprovalSignal;
  /** Erasure of a person (right to be forgotten); absent where the deployment does not offer it. */
  erasure?: ErasureStore;
  /** Steering (flip sets, drafts); absent where the deployment does not offer it. */
  flips?: FlipStore;
  drafts?: DraftStore;
  /**
   * Where a use case says what it could not do without failing its caller (a review's trust lesson
   * that could not be written after the review committed). Ids and reasons only, never personal data.
   */
  log?: (msg: string, data: Record<string, unknown>) => void;
}
