import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { ListedAt } from "../../ports.ts";
import type { Db } from "./db.ts";
import { stateKeys } from "./keys.ts";

/** Where a poller got to (epoch ms), one item per poller in the state table (DynamoResumePoint's beside them). */
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

/** The reconciler's (functions/workflow/reconcile.ts); infra/service-stack.ts grants its write. */
export const RECONCILE_RESUME_POINT = "reconcile-dispatched";

/**
 * Where a sweep of a listing goes on at its next run (recoverDispatched's `stoppedAfter`), one item
 * per sweep beside the pollers' checkpoints. Unlike a poller's, it moves back: to the start, once a
 * run has read the listing to its end.
 */
export class DynamoResumePoint {
  constructor(
    private readonly db: Db,
    private readonly name: string,
  ) {}

  async get(): Promise<ListedAt | undefined> {
    const res = await this.db.doc.send(
      new GetCommand({ TableName: this.db.tables.state, Key: stateKeys.checkpoint(this.name) }),
    );
    const after = res.Item?.after as Partial<ListedAt> | undefined;
    return typeof after?.decidedAt === "string" && typeof after.decisionId === "string"
      ? { decidedAt: after.decidedAt, decisionId: after.decisionId }
      : undefined;
  }

  async set(after: ListedAt | undefined): Promise<void> {
    await this.db.doc.send(
      new PutCommand({
        TableName: this.db.tables.state,
        Item: { ...stateKeys.checkpoint(this.name), ...(after ? { after } : {}) },
      }),
    );
  }
}
