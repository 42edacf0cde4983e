/**
 * The key design, declared once. Nothing else in the code base composes a pk, sk or GSI key.
 *
 * state table  (pk, sk; TTL attribute `ttl`): knowledge base, contact state, counters, trust, specs,
 *              pauses, suppressions, the local due-queue and API tokens.
 * ledger table (pk, sk; stream; GSIs byAccount, byPerson, byAgent, byStatus): decisions and events.
 */
import { streams } from "../../domain/decision.ts";
import type { KeyOwner } from "../../domain/personal-data.ts";
import { emailHash } from "../../domain/redact.ts";
import type { DueItem } from "../../ports.ts";

const pad = (n: number, width = 8) => String(n).padStart(width, "0");

export type Key = { pk: string; sk: string };

export const stateKeys = {
  specCurrent: (): Key => ({ pk: "SPEC", sk: "CURRENT" }),
  specVersion: (version: number): Key => ({ pk: "SPEC", sk: `V#${pad(version)}` }),
  account: (accountId: string): Key => ({ pk: `ACCOUNT#${accountId}`, sk: "PROFILE" }),
  person: (personId: string): Key => ({ pk: `PERSON#${personId}`, sk: "PROFILE" }),
  email: (email: string): Key => ({ pk: `EMAIL#${email.toLowerCase()}`, sk: "PERSON" }),
  domainAccount: (domain: string, accountId: string): Key => ({
    pk: `DOMAIN#${domain}`,
    sk: `ACCOUNT#${accountId}`,
  }),
  domainPartition: (domain: string) => `DOMAIN#${domain}`,
  contact: (accountId: string): Key => ({ pk: `CONTACT#${accountId}`, sk: "STATE" }),
  counter: (counter: string, day: string): Key => ({ pk: `COUNTER#${counter}`, sk: `DAY#${day}` }),
  trust: (agentId: string, actionType: string): Key => ({
    pk: `TRUST#${agentId}`,
    sk: `ACTION#${actionType}`,
  }),
  /**
   * The trust directory: one item per agent × action type that has a trust record, in one partition,
   * so listing trust is a Query of that partition (in agent, then action order) instead of a Scan of
   * the whole state table. Written with the record (TrustStore.save), never on its own.
   */
  trustListing: (agentId: string, actionType: string): Key => ({
    pk: "TRUSTDIR",
    sk: `${agentId}#${actionType}`,
  }),
  /** How far the one-time fill of the directory from records saved before it existed has got. */
  trustDirectoryFill: (): Key => ({ pk: "TRUSTDIR#FILL", sk: "STATE" }),
  trustPrefix: "TRUST#",
  trustSortPrefix: "ACTION#",
  /**
   * A piece of evidence (an outcome's id) folded into one agent's trust, written in the trust save's
   * transaction so a retried or redelivered outcome is taught once (TrustStore.save's `evidenceId`).
   */
  trustEvidence: (agentId: string, actionType: string, evidenceId: string): Key => ({
    pk: `TRUSTED#${agentId}#${actionType}#${evidenceId}`,
    sk: "TAUGHT",
  }),
  /** Each agent's market snapshot for one action type, read by its peers (learning/trust-peers.ts). */
  trustPeers: (actionType: string): Key => ({ pk: `PEERS#${actionType}`, sk: "MARKET" }),
  /** The attribute of one agent in the trustPeers item. */
  trustPeerAttr: (agentId: string) => `peer#${agentId}`,
  pauses: (scope: string, target?: string): Key => ({ pk: "PAUSE", sk: `${scope}#${target ?? "*"}` }),
  pauseIndex: (pauseId: string): Key => ({ pk: `PAUSEID#${pauseId}`, sk: "PAUSE" }),
  /** Email suppressions are keyed by the address's hash: a suppression must outlive an erasure. */
  suppression: (kind: string, value: string): Key => ({
    pk: `SUPPRESS#${kind}#${kind === "email" ? emailHash(value) : value.toLowerCase()}`,
    sk: "ENTRIES",
  }),
  due: (item: DueItem): Key => ({
    pk: "DUE",
    sk: `${new Date(item.at).toISOString()}#${item.decisionId}#${item.kind}`,
  }),
  dueUpTo: (at: number) => `${new Date(at).toISOString()}#~`,
  parseDue: (sk: string): DueItem => {
    const [at, decisionId, kind] = sk.split("#");
    return { at: Date.parse(at ?? ""), decisionId: decisionId ?? "", kind: kind as DueItem["kind"] };
  },
  token: (tokenHash: string): Key => ({ pk: `TOKEN#${tokenHash}`, sk: "TOKEN" }),
  /** A person's wrapped data key (crypto-shredding: deleting it erases every sealed copy). */
  personKey: (personId: string): Key => ({ pk: `PKEY#${personId}`, sk: "KEY" }),
  /** An account's data key, sealing its account-level decisions (which may name several people). */
  accountKey: (accountId: string): Key => ({ pk: `AKEY#${accountId}`, sk: "KEY" }),
  dataKey: (owner: KeyOwner): Key =>
    owner.kind === "person" ? stateKeys.personKey(owner.id) : stateKeys.accountKey(owner.id),
  /** Marks that a person was erased (no personal data: the id and the date), for explain and re-imports. */
  erasedPerson: (personId: string): Key => ({ pk: `ERASED#PERSON#${personId}`, sk: "ERASURE" }),
  /** The same mark under a hash of the email, so a re-imported address is recognised without storing it. */
  erasedEmail: (emailHash: string): Key => ({ pk: `ERASED#EMAIL#${emailHash}`, sk: "ERASURE" }),
  /** And under a hash of their LinkedIn profile (redact.ts linkedinHash), which identifies them as well. */
  erasedLinkedIn: (linkedinHash: string): Key => ({ pk: `ERASED#LINKEDIN#${linkedinHash}`, sk: "ERASURE" }),
  /** The Step Functions task token a level-1 decision's workflow waits on (AWS only). */
  approvalWait: (decisionId: string): Key => ({ pk: `APPROVALWAIT#${decisionId}`, sk: "TASKTOKEN" }),
  /** A CRM record's link to what it was imported as (KB id and the CRM's modified time), per system. */
  crmLink: (system: string, objectType: string, id: string): Key => ({
    pk: `CRMLINK#${system}#${objectType}#${id}`,
    sk: "LINK",
  }),
  /**
   * A CRM company some of whose contacts were skipped or placed by their email's domain (or deals
   * skipped) while it had no account yet: they are read again once it gets one (usecases/crm-import.ts). Beside the
   * company's link, in the partitions the import may write.
   */
  crmPending: (system: string, companyId: string, type: "contacts" | "deals"): Key => ({
    pk: `CRMLINK#${system}#companies#${companyId}`,
    sk: type === "contacts" ? "PENDING_CONTACTS" : "PENDING_DEALS",
  }),
  /** The companies whose follow of contacts or deals stopped part way: the next run goes on with them. */
  crmUnfinishedFollows: (system: string): Key => ({ pk: `CRMLINK#${system}#follows`, sk: "UNFINISHED" }),
  /** Where a poller or a sweep got to (checkpoint-store.ts), one item per poller or sweep. */
  checkpoint: (name: string): Key => ({ pk: `CHECKPOINT#${name}`, sk: "STATE" }),
  /** A deal imported from the CRM, under the account it belongs to (listed with the account). */
  accountDeal: (accountId: string, dealId: string): Key => ({
    pk: `ACCOUNTDEALS#${accountId}`,
    sk: `DEAL#${dealId}`,
  }),
  accountDealsPartition: (accountId: string) => `ACCOUNTDEALS#${accountId}`,
};

/**
 * Steering (issue 8), in the state table, ids only. A shadow rule's flip set: one item per decision the
 * rule would have changed, under its spec version and rule name, newest last; and its counts, one item
 * per (day, agent, action type) cell, summed into totals on read. Drafts: one item each, plus review
 * tallies per (action type, persona, industry) cell for the repeated-rejection heuristic (bumped in
 * the review's own transition, so each review counts once).
 */
export const steerKeys = {
  flip: (version: number, rule: string, decidedAt: string, decisionId: string): Key => ({
    pk: `FLIP#V#${pad(version)}#${rule}`,
    sk: `${decidedAt}#${decisionId}`,
  }),
  flipPartition: (version: number, rule: string) => `FLIP#V#${pad(version)}#${rule}`,
  flipCount: (version: number, rule: string, day: string, agentId: string, actionType: string): Key => ({
    pk: `FLIPCOUNT#V#${pad(version)}#${rule}`,
    sk: `${day}#${agentId}#${actionType}`,
  }),
  flipCountPartition: (version: number, rule: string) => `FLIPCOUNT#V#${pad(version)}#${rule}`,
  draft: (draftId: string): Key => ({ pk: "DRAFTS", sk: `DRAFT#${draftId}` }),
  draftsPartition: "DRAFTS",
  draftPrefix: "DRAFT#",
  /** What a draft came from (a decision's correction, a review cell's n-th pattern): one draft each. */
  draftSource: (source: string): Key => ({ pk: `DRAFTSRC#${source}`, sk: "DRAFT" }),
  reviewCell: (cell: string): Key => ({ pk: "REVIEWCELLS", sk: `CELL#${cell}` }),
};

/** DynamoDB Local only: the item written after each transaction so the transaction is on disk (db.ts). */
export const DURABILITY_BARRIER: Key = { pk: "DURABILITY", sk: "BARRIER" };

export const LEDGER_INDEXES = ["byAccount", "byPerson", "byAgent", "byStatus"] as const;
export type LedgerIndex = (typeof LEDGER_INDEXES)[number];

export const ledgerKeys = {
  decision: (decisionId: string): Key => ({ pk: decisionStream(decisionId), sk: "DECISION" }),
  event: (stream: string, seq: number): Key => ({ pk: stream, sk: `EVENT#${pad(seq)}` }),
  eventPrefix: "EVENT#",
  /** The chain head (seq and hash of the last event) of a stream with no state item of its own. */
  head: (stream: string): Key => ({ pk: stream, sk: "HEAD" }),
  /** The seq an event key holds (undefined for any other sort key). */
  seqOfEventKey: (sk: string): number | undefined =>
    sk.startsWith("EVENT#") && /^\d+$/.test(sk.slice(6)) ? Number(sk.slice(6)) : undefined,
  /** GSI attributes written on a decision item so it can be listed by account, person, agent and status. */
  decisionIndexes: (d: {
    decisionId: string;
    accountId: string;
    personId?: string;
    agentId: string;
    status: string;
    decidedAt: string;
  }) => {
    const sort = `${d.decidedAt}#${d.decisionId}`;
    return {
      byAccountPk: `ACCOUNT#${d.accountId}`,
      byAccountSk: sort,
      ...(d.personId ? { byPersonPk: `PERSON#${d.personId}`, byPersonSk: sort } : {}),
      byAgentPk: `AGENT#${d.agentId}`,
      byAgentSk: sort,
      byStatusPk: `STATUS#${d.status}`,
      byStatusSk: sort,
    };
  },
  /** byStatusSk bounds of the decisions decided in [since, until] (ISO instants, as decidedAt is written). */
  statusSortFrom: (since: string) => `${since}#`,
  statusSortTo: (until: string) => `${until}#\uffff`,
  /**
   * byStatus sort-key bounds of the decisions decided in [from, to) (ISO instants): the sort key is
   * `decidedAt#decisionId`, so BETWEEN from AND to takes every key at or after `from` and none at `to`.
   */
  statusWindow: (fromIso: string, toIso: string) => ({ low: fromIso, high: toIso }),
  statusIndex: (status: string, decidedAt: string, decisionId: string) => ({
    byStatusPk: `STATUS#${status}`,
    byStatusSk: `${decidedAt}#${decisionId}`,
  }),
  indexPk: {
    byAccount: (id: string) => `ACCOUNT#${id}`,
    byPerson: (id: string) => `PERSON#${id}`,
    byAgent: (id: string) => `AGENT#${id}`,
    byStatus: (s: string) => `STATUS#${s}`,
  } satisfies Record<LedgerIndex, (v: string) => string>,
};

export const decisionStream = streams.decision;
export const trustStream = streams.trust;
export const SPEC_STREAM = streams.spec;
export const pauseStream = streams.pause;

/**
 * Where a ledger stream's chain head is kept: beside the state its writer already conditions on (the
 * decision item, the trust record, the spec's CURRENT item, the pause's index item), and for streams
 * with no state of their own (appendEvent), in a head item of the stream's own partition.
 */
export function ledgerHeadLocation(stream: string): { table: "ledger" | "state"; key: Key } {
  const decisionPrefix = streams.decision("");
  const pausePrefix = streams.pause("");
  if (stream.startsWith(decisionPrefix))
    return { table: "ledger", key: ledgerKeys.decision(stream.slice(decisionPrefix.length)) };
  if (stream === SPEC_STREAM) return { table: "state", key: stateKeys.specCurrent() };
  const trustPrefix = streams.trust("", "").slice(0, -1);
  if (stream.startsWith(trustPrefix)) {
    // Agent ids and action types cannot contain "#" (vocabulary.ts): the last "#" splits them.
    const rest = stream.slice(trustPrefix.length);
    const cut = rest.lastIndexOf("#");
    if (cut > 0) return { table: "state", key: stateKeys.trust(rest.slice(0, cut), rest.slice(cut + 1)) };
  }
  if (stream.startsWith(pausePrefix))
    return { table: "state", key: stateKeys.pauseIndex(stream.slice(pausePrefix.length)) };
  return { table: "ledger", key: ledgerKeys.head(stream) };
}

/**
 * Keys of the agents' side of the knowledge base (directory, learned ring, semantic memory) and of the
 * agent runtime's retry queue, all in the state table. Items hang off the same ACCOUNT#/PERSON#
 * partitions as the structured records they describe, so one Query reads an account's extras.
 */
export const agentKeys = {
  /** One partition listing every account, so agents can enumerate without a table scan. */
  directoryAccount: (accountId: string): Key => ({ pk: "DIRECTORY#ACCOUNTS", sk: `ACCOUNT#${accountId}` }),
  directoryPartition: "DIRECTORY#ACCOUNTS",
  personAtAccount: (accountId: string, personId: string): Key => ({
    pk: `ACCOUNT#${accountId}`,
    sk: `PERSON#${personId}`,
  }),
  accountPartition: (accountId: string) => `ACCOUNT#${accountId}`,
  personPrefix: "PERSON#",
  fact: (accountId: string, factId: string): Key => ({ pk: `ACCOUNT#${accountId}`, sk: `FACT#${factId}` }),
  factPrefix: "FACT#",
  committee: (accountId: string): Key => ({ pk: `ACCOUNT#${accountId}`, sk: "COMMITTEE" }),
  accountFlags: (accountId: string): Key => ({ pk: `ACCOUNT#${accountId}`, sk: "AGENTFLAGS" }),
  classification: (personId: string): Key => ({ pk: `PERSON#${personId}`, sk: "CLASSIFICATION" }),
  leadListEntry: (date: string, accountId: string): Key => ({
    pk: `LEADLIST#${date}`,
    sk: `ACCOUNT#${accountId}`,
  }),
  leadListPartition: (date: string) => `LEADLIST#${date}`,
  audienceSynced: (audienceId: string): Key => ({ pk: "AUDIENCE", sk: `SYNCED#${audienceId}` }),
  audiencePartition: "AUDIENCE",
  /**
   * An audience a list sync added the person to (ingest, when it executes): an erasure finds every
   * audience whose syncs named them here, also ones they have left since. Ids only; an erasure's
   * scrub keeps it, so a second run finds them too.
   */
  audienceMember: (personId: string, audienceId: string): Key => ({
    pk: `AUDMEMBER#${personId}`,
    sk: `AUDIENCE#${audienceId}`,
  }),
  audienceMemberPartition: (personId: string) => `AUDMEMBER#${personId}`,
  templateStat: (variant: string, persona: string, industry: string, week?: string): Key => ({
    pk: "LEARNED#TEMPLATES",
    sk: `${variant}#${persona}#${industry.toLowerCase()}${week ? `#${week}` : ""}`,
  }),
  templatePartition: "LEARNED#TEMPLATES",
  /** Marks that a learning loop counted an event (carries a TTL: redeliveries come within hours). */
  learnedEvent: (loop: string, eventId: string): Key => ({
    pk: `LEARNED#EVENT#${loop}#${eventId}`,
    sk: "COUNTED",
  }),
  rulesPartition: "LEARNED#RULES",
  memoryDoc: (scope: string, docId: string): Key => ({ pk: `MEMORY#${scope}`, sk: `DOC#${docId}` }),
  memoryPartition: (scope: string) => `MEMORY#${scope}`,
  agentRetry: (agentId: string, at: number, proposalId: string): Key => ({
    pk: `AGENTRETRY#${agentId}`,
    sk: `${new Date(at).toISOString()}#${proposalId}`,
  }),
  agentRetryPartition: (agentId: string) => `AGENTRETRY#${agentId}`,
  agentRetryUpTo: (at: number) => `${new Date(at).toISOString()}#~`,
};

/**
 * One run of an agent's schedule (its cron) firing (`triggeredAt`, ms) and of each continuation of it
 * (agent-run-claims.ts): the agent's own partition, which only its role may write. Apart from
 * agentKeys, whose every key is in each bundle that reads one: only the agent functions claim runs.
 */
export const agentRunKey = (
  agentId: string,
  schedule: string,
  triggeredAt: number,
  continuation: number,
): Key => ({
  pk: `AGENTRUN#${agentId}`,
  sk: `${new Date(triggeredAt).toISOString()}#${schedule}#${pad(continuation, 2)}`,
});

/** Every continuation's key of one run (agentRunKey without the continuation), as a Query's values. */
export const agentRunPrefix = (agentId: string, schedule: string, triggeredAt: number) => ({
  ":pk": `AGENTRUN#${agentId}`,
  ":prefix": `${new Date(triggeredAt).toISOString()}#${schedule}#`,
});
