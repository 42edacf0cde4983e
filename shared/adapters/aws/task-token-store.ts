import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { TaskTokenStore } from "../../usecases/workflow.ts";
import { type Db, ttlSeconds } from "../dynamo/db.ts";
import { stateKeys } from "../dynamo/keys.ts";

/** Task tokens in the state table, one per waiting decision; TTL removes those nobody released. */
export class DynamoTaskTokenStore implements TaskTokenStore {
  constructor(private readonly db: Db) {}

  async put(decisionId: string, taskToken: string, expiresAt: number): Promise<void> {
    await this.db.doc.send(
      new PutCommand({
        TableName: this.db.tables.state,
        Item: { ...stateKeys.approvalWait(decisionId), taskToken, ttl: ttlSeconds(expiresAt) },
      }),
    );
  }

  async get(decisionId: string): Promise<string | undefined> {
    const res = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.tables.state,
        Key: stateKeys.approvalWait(decisionId),
        ConsistentRead: true,
      }),
    );
    return res.Item?.taskToken as string | undefined;
  }

  async remove(decisionId: string): Promise<void> {
    await this.db.doc.send(
      new DeleteCommand({ TableName: this.db.tables.state, Key: stateKeys.approvalWait(decisionId) }),
    );
  }
}
