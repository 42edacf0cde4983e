/**
 * What agents use besides the knowledge base and the gate: a model, an enrichment source and the web.
 * Adapters: shared/adapters/model/* (Bedrock Converse, the deterministic local model), the simulated
 * market's enrichment and websites (sim/*), and plain fetch for the web.
 */
import type { CommitteeRole } from "../domain/vocabulary.ts";

/** A model call failed or answered something that does not parse. */
export class ModelError extends Error {
  override readonly name = "ModelError";
  /**
   * A failure that may pass (throttled, timed out, the server down or unreachable), unlike an answer
   * the harness cannot read: worth the run's retry (outreach-writer.ts).
   */
  readonly transient: boolean;
  constructor(message: string, options?: { cause?: unknown; transient?: boolean }) {
    super(message, options);
    this.transient = options?.transient ?? false;
  }
}

export interface PersonaOption {
  name: string;
  role: CommitteeRole;
  /** What the persona looks like, for the model (the spec's title patterns, humanised). */
  hint: string;
}

export interface ClassifyInput {
  title: string;
  company: string;
  industry: string;
  personas: PersonaOption[];
  /** Anything else known about the person (from enrichment or memory). */
  context?: string;
}

export interface ClassifyOutput {
  persona: string;
  role: CommitteeRole;
  confidence: number;
  rationale: string;
}

export const VARIANTS = ["signal-led", "fact-led", "peer-proof", "short-question"] as const;
export type Variant = (typeof VARIANTS)[number];

export interface DraftInput {
  channel: "email" | "linkedin";
  variant: Variant;
  recipient: { firstName: string; lastName: string; title: string; persona: string; role: CommitteeRole };
  company: { name: string; industry: string; employees: number };
  /** Research facts the message may use; it must only state facts from this list. */
  facts: { text: string; sourceUrl: string }[];
  /** Human-readable intent signals (e.g. "pricing page visit ×3 in 7 days"). */
  signals: string[];
  sender: { name: string; company: string; product: string };
  maxLength: number;
}

export interface DraftOutput {
  subject?: string;
  body: string;
  /** Source URLs of the facts the draft relies on. */
  groundedOn: string[];
}

export interface ModelClient {
  /** e.g. "bedrock:global.anthropic.claude-haiku-4-5-20251001-v1:0" or "local-deterministic-model/v1". */
  readonly modelId: string;
  classifyPersona(input: ClassifyInput): Promise<ClassifyOutput>;
  draftMessage(input: DraftInput): Promise<DraftOutput>;
}

export interface EnrichedPerson {
  firstName: string;
  lastName: string;
  title: string;
  email: string;
  linkedinUrl?: string;
  source: string;
}

/** A people-data provider (Apollo, ZoomInfo, Clearbit...): who works at a company. */
export interface EnrichmentSource {
  readonly name: string;
  findPeople(domain: string): Promise<EnrichedPerson[]>;
}

export class EnrichmentError extends Error {
  override readonly name = "EnrichmentError";
}

export interface WebPage {
  url: string;
  status: number;
  contentType: string;
  body: string;
}

export interface WebFetcher {
  get(url: string): Promise<WebPage>;
}

export class FetchError extends Error {
  override readonly name = "FetchError";
}

/**
 * A run that cannot succeed on this trigger however often it is delivered again: a site that
 * refuses the fetcher (a 4xx), a domain that does not resolve. In AWS it is logged, not retried into
 * the dead-letter queue, whose alarm is for failures a person must look at.
 */
export class PermanentRunError extends Error {
  override readonly name = "PermanentRunError";
}
