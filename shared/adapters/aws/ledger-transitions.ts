import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { DependencyError } from "../../domain/errors.ts";
import type { TransitionReader } from "../../usecases/decision-events.ts";
import type { Db } from "../dynamo/db.ts";
import { decisionStream, ledgerKeys } from "../dynamo/keys.ts";

/** One ledger event's from/to, by key (both are plaintext: only detail and data are ever sealed). */
export class DynamoTransitionReader implements TransitionReader {
  constructor(private readonly db: Db) {}

  async transitionAt(decisionId: string, version: number) {
    try {
      const res = await this.db.doc.send(
        new GetCommand({
          TableName: this.db.tables.ledger,
          Key: ledgerKeys.event(decisionStream(decisionId), version),
          ProjectionExpression: "#f, #t",
          ExpressionAttributeNames: { "#f": "from", "#t": "to" },
          ConsistentRead: true,
        }),
      );
      const item = res.Item as { from?: unknown; to?: unknown } | undefined;
      if (!item) return undefined;
      return {
        ...(typeof item.from === "string" ? { from: item.from } : {}),
        ...(typeof item.to === "string" ? { to: item.to } : {}),
      };
    } catch (err) {
      throw new DependencyError(`reading ledger event ${decisionId}#${version} failed`, { cause: err });
    }
  }
}
