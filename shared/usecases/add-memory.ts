/**
 * Adding to an account's memory (POST /v1/memory): a call transcript, an email thread or a note,
 * split into chunks (kb/chunking.ts) that each carry their provenance — the document, the chunk's
 * place in it, the source system, the author and when it happened — and stored whole or not at all.
 *
 * Who may add what: a person with the admin role adds any kind, for any author. An agent credential
 * adds its own notes only: kind "note", source "agent", authored by the token's agent (the default); transcripts and
 * threads come from systems of record, and a note in another agent's name is refused. The document id
 * is the client's, or derived from the content: the same document sent twice is stored once.
 */
import { createHash } from "node:crypto";
import { ForbiddenError, NotFoundError, ValidationError } from "../domain/errors.ts";
import { iso } from "../domain/time.ts";
import { Id } from "../domain/vocabulary.ts";
import * as z from "../domain/zod-mini.ts";
import { chunkText } from "../kb/chunking.ts";
import { MAX_CHUNKS_PER_DOCUMENT, type MemoryStore } from "../kb/ports.ts";
import { AGENT_NOTE_SOURCE, type MemoryDoc } from "../kb/types.ts";
import type { Clock, KnowledgeStore } from "../ports.ts";
import { agentIdsOf, hasRole, type Principal } from "./principal.ts";

/** About an hour of a call's transcript (~15,000 tokens): at most ~60 chunks of 300 tokens. */
export const MAX_MEMORY_TEXT_CHARS = 60_000;

export const MEMORY_INPUT_KINDS = ["transcript", "email_thread", "note"] as const;

const d = <T extends z.ZodMiniType>(schema: T, description: string) => schema.check(z.describe(description));

export const MemoryInput = z.strictObject({
  accountId: Id,
  personId: d(z.optional(Id), "the person it is about, if one (erasing them deletes it)"),
  kind: z.enum(MEMORY_INPUT_KINDS),
  id: d(
    z.optional(Id),
    "your id for the document: the same id and content again is a replay; default: derived from the content",
  ),
  title: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
  text: z.string().check(
    z.maxLength(MAX_MEMORY_TEXT_CHARS),
    z.refine((t) => t.trim().length > 0, { message: "must not be empty" }),
  ),
  source: z.strictObject({
    system: d(
      z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
      "where it comes from: gong, gmail, crm, agent, ...",
    ),
    // Shown as a link in provenance: web links only (no javascript: or data: URLs).
    url: z.optional(z.url({ protocol: /^https?$/ }).check(z.maxLength(2000))),
    id: d(z.optional(z.string().check(z.minLength(1), z.maxLength(200))), "its id in that system"),
  }),
  occurredAt: d(z.optional(z.iso.datetime({ offset: true })), "when it happened; default: now"),
  author: d(z.optional(Id), "who wrote it; an agent credential: its own agent id (the default)"),
});
export type MemoryInput = z.infer<typeof MemoryInput>;

export interface AddMemoryDeps {
  clock: Clock;
  kb: Pick<KnowledgeStore, "getAccount" | "getPerson">;
  memory: MemoryStore;
}

export interface AddedMemory {
  docId: string;
  accountId: string;
  chunks: number;
  /** Whether vectors were stored (an embeddings model is configured and answered). */
  embedded: boolean;
  /** The same document was already stored: nothing was written. */
  replay: boolean;
}

export async function addMemory(
  deps: AddMemoryDeps,
  input: MemoryInput,
  principal: Principal,
): Promise<AddedMemory> {
  const author = authorOf(input, principal);
  if (!(await deps.kb.getAccount(input.accountId)))
    throw new NotFoundError(`account ${input.accountId} is unknown to the harness`);
  // About someone the knowledge base holds, at that account: a note tagged with an erased person's id
  // (a run that began before the erasure) stayed searchable, naming them, after their erasure.
  if (input.personId) {
    const person = await deps.kb.getPerson(input.personId);
    if (person?.accountId !== input.accountId)
      throw new NotFoundError(
        `person ${input.personId} is not in the knowledge base at account ${input.accountId} (erased, or another account's)`,
      );
  }
  // The request as given (never the defaulted time), so a retry hashes the same.
  const contentHash = sha256(JSON.stringify({ ...input, id: undefined, author }));
  const docId = input.id ?? `mem-${contentHash.slice(0, 24)}`;
  const texts = chunksOf(input.text);
  const at = input.occurredAt ?? iso(deps.clock.now());
  const title = input.title ?? defaultTitle(input);
  const chunks: MemoryDoc[] = texts.map((text, index) => ({
    docId: `${docId}#${index}`,
    accountId: input.accountId,
    ...(input.personId ? { personId: input.personId } : {}),
    kind: input.kind,
    title,
    text,
    source: input.source.system,
    at,
    ...(input.source.url ? { url: input.source.url } : {}),
    ...(input.source.id ? { sourceId: input.source.id } : {}),
    author,
    chunk: { of: docId, index, count: texts.length },
  }));
  const r = await deps.memory.addDocument(chunks, contentHash);
  return {
    docId,
    accountId: input.accountId,
    chunks: chunks.length,
    embedded: r.embedded,
    replay: !r.created,
  };
}

/**
 * ~300-token chunks. Within the text limit that is at most ~100 (sentences just over half a chunk
 * each pack one per chunk); should a text still need more than one transaction holds, larger chunks.
 */
function chunksOf(text: string): string[] {
  for (const maxTokens of [300, 600, 1200]) {
    const texts = chunkText(text, { maxTokens });
    if (texts.length <= MAX_CHUNKS_PER_DOCUMENT) return texts;
  }
  throw new ValidationError([
    {
      path: "text",
      message: `splits into more than ${MAX_CHUNKS_PER_DOCUMENT} chunks: send it as several documents`,
    },
  ]);
}

/** The author the document is stored under, or why this caller may not add it. */
function authorOf(input: MemoryInput, p: Principal): string {
  if (hasRole(p, "admin")) return input.author ?? p.subject;
  const own = agentIdsOf(p);
  if (own.length === 0) throw new ForbiddenError("adding memory requires role admin or an agent credential");
  if (input.kind !== "note")
    throw new ForbiddenError(
      `an agent credential adds its own notes only (kind "note"), not a ${input.kind}: transcripts and threads come from an admin's credential`,
    );
  // An agent's note is the agent's: it may cite where it read something (source.url), but not pass as
  // a system of record's (a "gong" note with a Gong link showed in every agent's context as a call).
  if (input.source.system !== AGENT_NOTE_SOURCE)
    throw new ForbiddenError(
      `an agent credential's notes are its own: source.system must be "${AGENT_NOTE_SOURCE}", not "${input.source.system}"`,
    );
  if (input.author && !own.includes(input.author))
    throw new ForbiddenError(`an agent credential writes only its own notes, not ${input.author}'s`);
  const author = input.author ?? (own.length === 1 ? own[0] : undefined);
  if (!author)
    throw new ValidationError([
      { path: "author", message: `this credential holds several agents: say which (${own.join(", ")})` },
    ]);
  return author;
}

function defaultTitle(input: MemoryInput): string {
  const first = input.text.trim().split(/(?<=[.!?])\s+|\n/)[0] ?? "";
  const label = { transcript: "Call transcript", email_thread: "Email thread", note: "Note" }[input.kind];
  return `${label}: ${first.length > 80 ? `${first.slice(0, 77)}...` : first}`;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
