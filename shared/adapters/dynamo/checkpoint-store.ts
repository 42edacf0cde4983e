import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Db } from "./db.ts";
import { stateKeys } from "./keys.ts";

/** Where a poller got to (epoch ms), one item per poller in the state table. */
export class DynamoCheckpointStore {
  constructor(private readonly db: Db) {}

  async get(name: string): Promise<number | undefined> {
    const res = await this.db.doc.send(
      new GetCommand({ TableName: this.db.tables.state, Key: stateKeys.checkpoint(name) }),
    );
    const at = res.Item?.at;
    return typeof at === "number" ? at : undefined;
  }

  /** Never moves back: two overlapping polls leave the later checkpoint. */
  async advance(name: string, at: number): Promise<void> {
    try {
      await this.db.doc.send(
        new PutCommand({
          TableName: this.db.tables.state,
          Item: { ...stateKeys.checkpoint(name), at },
          ConditionExpression: "attribute_not_exists(pk) OR #at < :at",
          ExpressionAttributeNames: { "#at": "at" },
          ExpressionAttributeValues: { ":at": at },
        }),
      );
    } catch (err) {
      if ((err as Error).name !== "ConditionalCheckFailedException") throw err;
    }
  }
}
