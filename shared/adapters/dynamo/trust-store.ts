import { GetCommand, PutCommand, ScanCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { LedgerEvent } from "../../domain/decision.ts";
import { ConflictError } from "../../domain/errors.ts";
import type { TrustRecord } from "../../domain/trust.ts";
import type { TrustStore } from "../../ports.ts";
import { type Db, failedConditions } from "./db.ts";
import { ledgerKeys, stateKeys, trustStream } from "./keys.ts";

const strip = (item: Record<string, unknown> | undefined): TrustRecord | undefined => {
  if (!item) return undefined;
  const { pk: _p, sk: _s, ...rest } = item;
  return rest as unknown as TrustRecord;
};

export class DynamoTrustStore implements TrustStore {
  constructor(private readonly db: Db) {}

  async get(agentId: string, actionType: string): Promise<TrustRecord | undefined> {
    const res = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.tables.state,
        Key: stateKeys.trust(agentId, actionType),
        ConsistentRead: true,
      }),
    );
    return strip(res.Item);
  }

  async list(): Promise<TrustRecord[]> {
    // Trust records are few (agents × action types); a filtered scan keeps the key design simple.
    const out: TrustRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const res = await this.db.doc.send(
        new ScanCommand({
          TableName: this.db.tables.state,
          FilterExpression: "begins_with(pk, :p)",
          ExpressionAttributeValues: { ":p": stateKeys.trustPrefix },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const i of res.Items ?? []) out.push(strip(i) as TrustRecord);
      startKey = res.LastEvaluatedKey;
    } while (startKey);
    return out.sort((a, b) => `${a.agentId}${a.actionType}`.localeCompare(`${b.agentId}${b.actionType}`));
  }

  async save(
    record: TrustRecord,
    expectVersion: number,
    event?: Omit<LedgerEvent, "stream" | "seq">,
  ): Promise<void> {
    const next = { ...record, version: expectVersion + 1 };
    const put = {
      TableName: this.db.tables.state,
      Item: { ...stateKeys.trust(record.agentId, record.actionType), ...next },
      ...(expectVersion === 0
        ? { ConditionExpression: "attribute_not_exists(pk)" }
        : { ConditionExpression: "version = :v", ExpressionAttributeValues: { ":v": expectVersion } }),
    };
    try {
      if (!event) {
        await this.db.doc.send(new PutCommand(put));
        return;
      }
      const stream = trustStream(record.agentId, record.actionType);
      await this.db.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: put },
            {
              Put: {
                TableName: this.db.tables.ledger,
                Item: { ...ledgerKeys.event(stream, next.version), ...event, stream, seq: next.version },
              },
            },
          ],
        }),
      );
    } catch (err) {
      if (failedConditions(err) || (err as Error).name === "ConditionalCheckFailedException") {
        throw new ConflictError(`trust of ${record.agentId} × ${record.actionType} changed concurrently`, {
          cause: err,
        });
      }
      throw err;
    }
  }
}
