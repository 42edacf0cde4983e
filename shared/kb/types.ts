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
  /** Contacts as last synced to the destination. */
  members: { personId: string; email: string }[];
  syncedAt: string;
  decisionId?: string;
}

/** Engagement of one message variant for one persona × industry (loop 3: emails teach emails). */
export interface TemplateStat {
  variant: string;
  persona: string;
  industry: string;
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
  key: { variant: string; persona: string; industry: string };
  field: TemplateField;
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

/** Semantic memory: unstructured text searchable by meaning (full text locally, embeddings in AWS). */
export interface MemoryDoc {
  docId: string;
  accountId: string;
  personId?: string;
  kind: MemoryKind;
  title: string;
  text: string;
  source: string;
  at: string;
}

export interface MemoryHit {
  doc: MemoryDoc;
  score: number;
  /** The passage that matched, trimmed for a context packet. */
  excerpt: string;
}

export type IcpTier = 1 | 2 | 3 | "out";

/** Flags the KB watcher keeps so that edge-triggered events fire once per account. */
export interface AccountFlags {
  inIcpAnnounced?: string;
  highIntentSince?: string;
  targetedAt?: string;
}
