import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { MemoryStore } from "../../kb/ports.ts";
import { searchDocs } from "../../kb/text-search.ts";
import type { MemoryDoc, MemoryHit } from "../../kb/types.ts";
import type { Db } from "./db.ts";
import { agentKeys } from "./keys.ts";

/**
 * Semantic memory kept per account; search reads the account's documents and ranks them with BM25.
 * Context packets are always about one target, so the per-account partition is the unit of search.
 */
export class DynamoMemoryStore implements MemoryStore {
  constructor(private readonly db: Db) {}

  async put(doc: MemoryDoc): Promise<void> {
    await this.db.doc.send(
      new PutCommand({
        TableName: this.db.tables.state,
        Item: { ...agentKeys.memoryDoc(doc.accountId, doc.docId), ...doc },
      }),
    );
  }

  async search(accountId: string, query: string, limit: number): Promise<MemoryHit[]> {
    const res = await this.db.doc.send(
      new QueryCommand({
        TableName: this.db.tables.state,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": agentKeys.memoryPartition(accountId) },
      }),
    );
    const docs = (res.Items ?? []).map((i) => {
      const { pk: _p, sk: _s, ...d } = i;
      return d as MemoryDoc;
    });
    return searchDocs(docs, query, limit);
  }
}
