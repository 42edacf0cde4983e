import { GetCommand, QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { ConflictError, ContentionError } from "../../domain/errors.ts";
import { DEFAULT_MIN_COSINE, hybridSearch, placeExcerpts, sentencesToPlace } from "../../kb/hybrid-search.ts";
import { type Embeddings, MAX_CHUNKS_PER_DOCUMENT, type MemoryStore } from "../../kb/ports.ts";
import { searchDocs } from "../../kb/text-search.ts";
import { AGENT_NOTE_SOURCE, type MemoryDoc, type MemoryHit } from "../../kb/types.ts";
import { cosine, quantize } from "../../kb/vectors.ts";
import { type Db, failedConditions, queryAll } from "./db.ts";
import { agentKeys } from "./keys.ts";
import { DynamoMemoryWriter, erased, failedAt, notErased } from "./memory-writer.ts";

/** @see MemoryStoreOptions.maxChunksPerAccount */
export const DEFAULT_MAX_CHUNKS_PER_ACCOUNT = 2000;

export interface MemoryStoreOptions {
  /** Search by meaning too; without it, memory search is keyword search alone. */
  embeddings?: Embeddings;
  /**
   * Chunks one account's memory may hold; a document that would pass it is refused (ConflictError).
   * Search reads the whole partition: 2000 chunks of ~1.2 KB text and a 1 KiB vector is ~5 MB, five
   * Query pages (bench/memory-search.ts: 5000 chunks took 12 pages and 3.3 s p50 on a loaded DynamoDB
   * Local). About forty hour-long call transcripts per account. @default 2000
   */
  maxChunksPerAccount?: number;
  /** @default 0.2 (kb/hybrid-search.ts) */
  minCosine?: number;
  /** Where an embeddings failure is reported (never with the texts or the key). */
  log?: (msg: string, data?: Record<string, unknown>) => void;
}

type Item = Record<string, unknown>;
/** What the store adds to a MemoryDoc in its item: the vector, its model, the document's hash. */
const STORE_FIELDS = ["pk", "sk", "vec", "vecModel", "contentHash"] as const;

/**
 * Semantic memory kept per account, in the account's MEMORY# partition of the state table: one item
 * per chunk, its vector (kb/vectors.ts, int8) beside its text. Search is one Query of the partition
 * and cosine + BM25 in process (kb/hybrid-search.ts): no vector index, no new server, and it runs the
 * same on DynamoDB Local. Context packets are always about one target, so the account is the unit of
 * search; the cap keeps that Query bounded.
 */
export class DynamoMemoryStore extends DynamoMemoryWriter implements MemoryStore {
  private readonly cap: number;
  private readonly minCosine: number;

  constructor(db: Db, options: MemoryStoreOptions = {}) {
    super(db, options);
    this.cap = options.maxChunksPerAccount ?? DEFAULT_MAX_CHUNKS_PER_ACCOUNT;
    this.minCosine = options.minCosine ?? DEFAULT_MIN_COSINE;
  }

  async addDocument(
    chunks: MemoryDoc[],
    contentHash: string,
  ): Promise<{ created: boolean; embedded: boolean }> {
    const first = chunks[0];
    if (!first) throw new Error("a document has at least one chunk");
    if (chunks.length > MAX_CHUNKS_PER_DOCUMENT)
      throw new Error(`a document has at most ${MAX_CHUNKS_PER_DOCUMENT} chunks`);
    // A replay answers before any embedding is paid for.
    const existing = await this.hashOf(first);
    if (existing !== undefined) return this.replay(first, existing, contentHash);
    const held = await this.count(first.accountId);
    if (held.all + chunks.length > this.cap)
      throw new ConflictError(
        `the memory of account ${first.accountId} holds ${held.all} chunks; this document adds ${chunks.length} and the limit is ${this.cap}: delete or erase older memory first`,
      );
    // Agents' own notes share half of it: an agent writing notes without end filled an account's
    // memory for good, and an admin's call transcript was refused there.
    const agentsMost = Math.floor(this.cap / 2);
    if (first.source === AGENT_NOTE_SOURCE && held.agents + chunks.length > agentsMost)
      throw new ConflictError(
        `agents' notes in the memory of account ${first.accountId} hold ${held.agents} chunks; this note adds ${chunks.length} and agents' notes may hold ${agentsMost} (the rest is kept for transcripts and threads)`,
      );
    const vectors = await this.vectors(chunks.map((c) => c.text));
    // All chunks in one transaction, the first only if absent: a document is stored whole or not at
    // all, and two writers of the same id never mix their chunks.
    try {
      await this.db.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            ...chunks.map((c, i) => ({
              Put: {
                TableName: this.db.tables.state,
                Item: { ...this.item(c, vectors[i]), contentHash },
                ...(i === 0 ? { ConditionExpression: "attribute_not_exists(pk)" } : {}),
              },
            })),
            ...(first.personId ? [notErased(this.db, first.personId)] : []),
          ],
        }),
      );
    } catch (err) {
      if (first.personId && failedAt(err, chunks.length)) throw erased(first.personId);
      // Our first chunk's condition failed, or another transaction touched the same items: whoever
      // got there first decides between replay and conflict.
      if (!failedConditions(err)) throw err;
      const now = await this.hashOf(first);
      if (now === undefined)
        throw new ContentionError(
          `memory document ${first.chunk?.of ?? first.docId}: a concurrent write, try again`,
        );
      return this.replay(first, now, contentHash);
    }
    return { created: true, embedded: vectors.some((v) => v !== undefined) };
  }

  async search(accountId: string, query: string, limit: number): Promise<MemoryHit[]> {
    const items = await this.partition(accountId);
    const docs = items.map(toDoc);
    const queryVector = this.embeddings ? (await this.vectors([query]))[0] : undefined;
    if (!queryVector || !this.embeddings) return searchDocs(docs, query, limit);
    const model = this.embeddings.modelId;
    const cosines = items.map((i) =>
      i.vecModel === model && i.vec instanceof Uint8Array ? cosine(i.vec, queryVector) : undefined,
    );
    const hits = hybridSearch(docs, query, cosines, limit, {
      minCosine: this.minCosine,
    });
    return this.excerptsByMeaning(hits, queryVector);
  }

  /** One more embeddings call, only when some hit matched by meaning alone; on failure, as they are. */
  private async excerptsByMeaning(hits: MemoryHit[], queryVector: number[]): Promise<MemoryHit[]> {
    const places = sentencesToPlace(hits);
    const sentences = [...new Set(places.flatMap(([, s]) => s))];
    if (sentences.length === 0) return hits;
    const vectors = await this.vectors(sentences);
    const bySentence = new Map(sentences.map((s, i) => [s, vectors[i]]));
    return placeExcerpts(hits, places, (s) => {
      const v = bySentence.get(s);
      return v ? cosine(quantize(v), queryVector) : undefined;
    });
  }

  private replay(first: MemoryDoc, stored: string, contentHash: string) {
    if (stored !== contentHash)
      throw new ConflictError(
        `memory document ${first.chunk?.of ?? first.docId} already exists with other content: give the new one another id`,
      );
    return { created: false, embedded: false };
  }

  private async hashOf(first: MemoryDoc): Promise<string | undefined> {
    const res = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.tables.state,
        Key: agentKeys.memoryDoc(first.accountId, first.docId),
        ProjectionExpression: "contentHash",
        ConsistentRead: true,
      }),
    );
    return res.Item ? String(res.Item.contentHash ?? "") : undefined;
  }

  /** The account's chunks, and those of them agents' own notes. */
  private async count(accountId: string): Promise<{ all: number; agents: number }> {
    const n = { all: 0, agents: 0 };
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.db.doc.send(
        new QueryCommand({
          TableName: this.db.tables.state,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": agentKeys.memoryPartition(accountId) },
          ProjectionExpression: "#s",
          ExpressionAttributeNames: { "#s": "source" },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of res.Items ?? []) {
        n.all++;
        if (item.source === AGENT_NOTE_SOURCE) n.agents++;
      }
      start = res.LastEvaluatedKey;
    } while (start);
    return n;
  }

  private async partition(accountId: string): Promise<Item[]> {
    return queryAll(this.db, {
      TableName: this.db.tables.state,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": agentKeys.memoryPartition(accountId) },
    });
  }
}

function toDoc(item: Item): MemoryDoc {
  const doc = { ...item };
  for (const f of STORE_FIELDS) delete doc[f];
  return doc as unknown as MemoryDoc;
}
