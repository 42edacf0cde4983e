/**
 * Records of the knowledge base beyond the structured core (accounts, people, signals live in
 * shared/domain/kb.ts): what agents learned about targets, what the system learned from outcomes,
 * and semantic memory. Every record says where it came from, so a context packet can cite it.
 */
import type { CommitteeRole } from "../domain/vocabulary.ts";

/** Where a fact came from: a URL, a decision that recorded it, or a system of record. */
export interface Provenance {
  source: string;
  at: string;
  url?: string;
  decisionId?: string;
}

export const FACT_KINDS = ["about", "product", "news", "hiring", "customer", "funding"] as const;
export type FactKind = (typeof FACT_KINDS)[number];

/** A fact about a company, extracted from a page, always with the page it came from. */
export interface Fact {
  factId: string;
  accountId: string;
  kind: FactKind;
  text: string;
  sourceUrl: string;
  observedAt: string;
  decisionId?: string;
}

export interface Classification {
  personId: string;
  accountId: string;
  persona: string;
  role: CommitteeRole;
  method: "rules" | "model";
  model?: string;
  confidence: number;
  classifiedAt: string;
  decisionId?: string;
}

export interface CommitteeMember {
  personId: string;
  name: string;
  title: string;
  persona: string;
  role: CommitteeRole;
}

export interface Committee {
  accountId: string;
  members: CommitteeMember[];
  /** Roles nobody fills yet (e.g. no decision maker found). */
  gaps: CommitteeRole[];
  builtAt: string;
  decisionId?: string;
}

export interface LeadListEntry {
  listId: string;
  date: string;
  ownerId: string;
  accountId: string;
  rank: number;
  tier: IcpTier;
  intent: number;
  /** Qualified contacts at the account when it was listed (what List Sync puts in the SDR's audience). */
  contacts: { personId: string; email: string }[];
  addedAt: string;
  decisionId?: string;
}

export interface AudienceSnapshot {
  audienceId: string;
  /** Contacts as last synced to the destination: what the next sync proposes the difference from. */
  members: AudienceMember[];
  syncedAt: string;
  decisionId?: string;
  /**
   * The list as the destination holds it, where syncs since the last one that reached it went to an
   * outbox instead (a dry run: ingest.ts): what the next sync that reaches it starts from. Absent,
   * `members` is what it holds.
   */
  live?: AudienceMember[];
}

export interface AudienceMember {
  personId: string;
  email: string;
}

/** Engagement of one message variant for one persona × industry (loop 3: emails teach emails). */
export interface TemplateStat {
  variant: string;
  persona: string;
  industry: string;
  /** The Monday (UTC) of the week the sends went out; absent on cells counted before weeks were kept. */
  week?: string;
  sent: number;
  opened: number;
  replied: number;
  meetings: number;
  negative: number;
}

export type TemplateField = keyof Pick<TemplateStat, "sent" | "opened" | "replied" | "meetings" | "negative">;

/** A loop whose tallies the learned store counts once per event (its markers are keyed by loop). */
export type LearningLoop = "variants";

/** One counter an event adds to: a template stat's field. */
export interface LearnedCount {
  key: { variant: string; persona: string; industry: string; week?: string };
  field: TemplateField;
  /** What is added (default 1); -1 takes back a count whose event turned out wrong (a send SES refused). */
  by?: 1 | -1;
}

/** Loop 2 as agents once kept it (no longer made: repeated rejections become spec drafts in the harness). */
export interface EmergedRule {
  ruleId: string;
  description: string;
  match: { actionType: string; persona?: string; industry?: string };
  evidence: { rejected: number; reviewed: number };
  createdAt: string;
}

export const MEMORY_KINDS = ["transcript", "email_thread", "note", "research"] as const;
export type MemoryKind = (typeof MEMORY_KINDS)[number];

/** The source system of an agent's own note (usecases/add-memory.ts); they share half an account's memory. */
export const AGENT_NOTE_SOURCE = "agent";

/**
 * Semantic memory: unstructured text searchable by meaning. A document added through the API
 * (`POST /v1/memory`) is stored as chunks: each chunk is one MemoryDoc whose `chunk` says which
 * document and which part it is; documents the agents write (research, logged threads) are one piece.
 */
export interface MemoryDoc {
  docId: string;
  accountId: string;
  personId?: string;
  kind: MemoryKind;
  title: string;
  text: string;
  /** The system it came from (a call recorder, a mailbox, "harness"). */
  source: string;
  /** When it happened (the call, the thread's last message), else when it was added. */
  at: string;
  /** Where the original lives, and its id there, when the source system has them. */
  url?: string;
  sourceId?: string;
  /** Who added it: the agent id for an agent's note, the person's subject for an admin's upload. */
  author?: string;
  /** Set on a chunk of a longer document: the document's id, this chunk's index and the count. */
  chunk?: { of: string; index: number; count: number };
}

/** Where a memory hit comes from, so an agent can cite it: the document, the chunk, the source. */
export interface MemoryProvenance {
  docId: string;
  chunkIndex: number;
  chunkCount: number;
  source: string;
  url?: string;
  sourceId?: string;
  author?: string;
  occurredAt: string;
}

export interface MemoryHit {
  doc: MemoryDoc;
  /** BM25 score alone without an embeddings model; the fused rank score with one (kb/hybrid-search.ts). */
  score: number;
  /** The passage that matched, trimmed for a context packet. */
  excerpt: string;
  provenance: MemoryProvenance;
  /** What matched: the keyword score and/or the cosine similarity to the query. */
  match: { keyword?: number; cosine?: number };
}

export type IcpTier = 1 | 2 | 3 | "out";

/** Flags the KB watcher keeps so that edge-triggered events fire once per account. */
export interface AccountFlags {
  inIcpAnnounced?: string;
  highIntentSince?: string;
  targetedAt?: string;
}
