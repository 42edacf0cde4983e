/**
 * Ports of the learned and semantic rings and of the agents' view of the structured ring. The
 * DynamoDB adapters implement them (shared/adapters/dynamo/agent-kb-store.ts, learned-store.ts,
 * memory-store.ts); tests may pass in-memory fakes.
 */
import type { Account, Person } from "../domain/kb.ts";
import type {
  AccountFlags,
  AudienceSnapshot,
  Classification,
  Committee,
  EmergedRule,
  Fact,
  LeadListEntry,
  LearnedCount,
  LearningLoop,
  MemoryDoc,
  MemoryHit,
  TemplateStat,
} from "./types.ts";

/** The agents' side of the structured ring: directory, per-account extras, lead lists, audiences. */
export interface AgentKnowledgeStore {
  indexAccount(accountId: string): Promise<void>;
  listAccountIds(): Promise<string[]>;
  getAccounts(accountIds: string[]): Promise<Account[]>;
  indexPerson(accountId: string, personId: string): Promise<void>;
  peopleAt(accountId: string): Promise<Person[]>;
  putFacts(facts: Fact[]): Promise<void>;
  facts(accountId: string): Promise<Fact[]>;
  putClassification(c: Classification): Promise<void>;
  classification(personId: string): Promise<Classification | undefined>;
  classifications(personIds: string[]): Promise<Map<string, Classification>>;
  putCommittee(c: Committee): Promise<void>;
  committee(accountId: string): Promise<Committee | undefined>;
  putLeadListEntry(e: LeadListEntry): Promise<void>;
  leadList(date: string): Promise<LeadListEntry[]>;
  /** An audience's snapshot changed from the one read, written only if nobody wrote it since (retried). */
  updateAudienceSnapshot(
    audienceId: string,
    next: (last: AudienceSnapshot | undefined) => AudienceSnapshot,
  ): Promise<void>;
  /** The people an executed list sync added to an audience (agentKeys.audienceMember). */
  recordAudienceMembers(audienceId: string, personIds: string[]): Promise<void>;
  audienceSnapshots(): Promise<AudienceSnapshot[]>;
  flags(accountId: string): Promise<AccountFlags>;
  /** Set a flag only if unset; true when this call set it (edge-triggered events fire once). */
  setFlagOnce(accountId: string, flag: keyof AccountFlags, at: string): Promise<boolean>;
  clearFlag(accountId: string, flag: keyof AccountFlags): Promise<void>;
}

export interface LearnedStore {
  templateStats(): Promise<TemplateStat[]>;
  /**
   * Count one event's evidence for one loop exactly once, whatever the redeliveries, retries and
   * concurrent lanes: a marker for (loop, eventId) is written only if absent, in the same transaction
   * as the counters' atomic adds. A redelivered event fails the marker's condition and counts nothing.
   * Resolves true when this call counted, false for a duplicate.
   */
  countOnce(
    loop: LearningLoop,
    eventId: string,
    counts: LearnedCount[],
    /** Another event of the loop whose marker must not exist (a take-back's): else nothing is counted. */
    unless?: string,
  ): Promise<boolean>;
  /**
   * Take back what the event `countedBy` counted (counts of -1; or give back, +1, what a take-back
   * took), once: true when taken. If it was not counted (yet), nothing is taken and it never will be:
   * `countOnce(..., unless: eventId)` counts nothing, and neither does a take-back `unless` this event.
   */
  takeBackOnce(
    loop: LearningLoop,
    eventId: string,
    counts: LearnedCount[],
    countedBy: string,
    /**
     * An event whose marker, once there, makes this take nothing and leave no mark (a restore of the
     * send the take-back would take: it was handled first, and the send stands).
     */
    unless?: string,
  ): Promise<boolean>;
  /** Rules emerged by the agents' former heuristic (none are made now: reviews feed spec drafts). */
  rules(): Promise<EmergedRule[]>;
}

/**
 * A document's chunks are stored in one DynamoDB transaction, which holds at most 100 items: one is
 * kept for the check that the person the document is about is not erased.
 */
export const MAX_CHUNKS_PER_DOCUMENT = 99;

export interface MemoryStore {
  /** One document as one piece (what the agents record: research, logged threads); overwrites. */
  put(doc: MemoryDoc): Promise<void>;
  /**
   * A document's chunks (kb/chunking.ts), all at once, only if the document is new: the same id with
   * the same `contentHash` again is a replay (nothing written); with another, a ConflictError.
   */
  addDocument(chunks: MemoryDoc[], contentHash: string): Promise<{ created: boolean; embedded: boolean }>;
  /** One account's memory by keyword, and by meaning where an embeddings model is configured. */
  search(accountId: string, query: string, limit: number): Promise<MemoryHit[]>;
}

/**
 * Turns texts into vectors for search by meaning: Bedrock Titan Text Embeddings v2 or any
 * OpenAI-compatible `/v1/embeddings` server (shared/adapters/embeddings/). One vector per text, in order.
 */
export interface Embeddings {
  /** The model and its vector size: vectors of another model are never compared with this one's. */
  readonly modelId: string;
  embed(texts: string[]): Promise<number[][]>;
}
