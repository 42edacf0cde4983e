/**
 * Memory's one-piece writes (what the agents record: research, logged threads), apart from the store's
 * documents and search (memory-store.ts, which extends it): the agents' watchers write, never search,
 * and their function need not carry the search.
 */
import { PutCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { ErasedError } from "../../domain/errors.ts";
import type { Embeddings } from "../../kb/ports.ts";
import type { MemoryDoc } from "../../kb/types.ts";
import { quantize } from "../../kb/vectors.ts";
import { absentCheck, type Db, failedConditions } from "./db.ts";
import { agentKeys, stateKeys } from "./keys.ts";

type Item = Record<string, unknown>;

/** What the writer reads of the store's options (memory-store.ts MemoryStoreOptions). */
export interface MemoryWriterOptions {
  embeddings?: Embeddings;
  log?: (msg: string, data?: Record<string, unknown>) => void;
}

export class DynamoMemoryWriter {
  protected readonly embeddings: Embeddings | undefined;

  constructor(
    protected readonly db: Db,
    protected readonly options: MemoryWriterOptions = {},
  ) {
    this.embeddings = options.embeddings;
  }

  async put(doc: MemoryDoc): Promise<void> {
    const [vector] = await this.vectors([doc.text]);
    const put = { TableName: this.db.tables.state, Item: this.item(doc, vector) };
    if (!doc.personId) {
      await this.db.doc.send(new PutCommand(put));
      return;
    }
    try {
      await this.db.doc.send(
        new TransactWriteCommand({ TransactItems: [{ Put: put }, notErased(this.db, doc.personId)] }),
      );
    } catch (err) {
      throw failedAt(err, 1) ? erased(doc.personId) : err;
    }
  }

  protected item(doc: MemoryDoc, vector: number[] | undefined): Item {
    return {
      ...agentKeys.memoryDoc(doc.accountId, doc.docId),
      ...doc,
      ...(vector && this.embeddings ? { vec: quantize(vector), vecModel: this.embeddings.modelId } : {}),
    };
  }

  /**
   * One vector per text, or none for all when no model is configured or the model fails: the chunk is
   * then stored without one (found by keyword) rather than lost, and a query falls back to keyword.
   */
  protected async vectors(texts: string[]): Promise<(number[] | undefined)[]> {
    if (!this.embeddings) return texts.map(() => undefined);
    try {
      const out = await this.embeddings.embed(texts);
      if (out.length !== texts.length) throw new Error(`${out.length} vectors for ${texts.length} texts`);
      return out;
    } catch (err) {
      this.options.log?.("embeddings failed: keyword search only for these texts", {
        model: this.embeddings.modelId,
        texts: texts.length,
        error: (err as Error).message,
      });
      return texts.map(() => undefined);
    }
  }
}

/**
 * The check, in a note's own transaction, that the person it is about is not erased: an erasure runs
 * for minutes over several requests and deletes their profile last, so a note added meanwhile passed
 * every check of the profile, landed in a segment the scrub had read, and kept their name and address
 * after the erasure. The mark is written before the erasure's first step.
 */
export const notErased = (db: Db, personId: string) =>
  absentCheck(db.tables.state, stateKeys.erasedPerson(personId));

/** Whether the transaction failed on its erasure check, its item at `at`. */
export const failedAt = (err: unknown, at: number) => failedConditions(err)?.includes(at) === true;

export const erased = (personId: string) =>
  new ErasedError(`person ${personId} was erased on request: nothing is kept about them`);
