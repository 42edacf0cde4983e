import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { LearnedStore } from "../../kb/ports.ts";
import type { EmergedRule, LearnedWeights, TemplateStat } from "../../kb/types.ts";
import type { Db } from "./db.ts";
import { agentKeys } from "./keys.ts";

const strip = <T>(item: Record<string, unknown>): T => {
  const { pk: _p, sk: _s, ...rest } = item;
  return rest as T;
};

/** The learned ring: counters are atomic ADDs so concurrent outcomes never lose a count. */
export class DynamoLearnedStore implements LearnedStore {
  constructor(private readonly db: Db) {}

  private get table() {
    return this.db.tables.state;
  }

  async intentWeights(): Promise<LearnedWeights | undefined> {
    const res = await this.db.doc.send(
      new GetCommand({ TableName: this.table, Key: agentKeys.intentWeights(), ConsistentRead: true }),
    );
    return res.Item ? strip<LearnedWeights>(res.Item) : undefined;
  }

  async putIntentWeights(w: LearnedWeights): Promise<void> {
    await this.db.doc.send(
      new PutCommand({ TableName: this.table, Item: { ...agentKeys.intentWeights(), ...w } }),
    );
  }

  async templateStats(): Promise<TemplateStat[]> {
    const res = await this.db.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": agentKeys.templatePartition },
        ConsistentRead: true,
      }),
    );
    return (res.Items ?? []).map((i) => {
      const s = strip<TemplateStat>(i);
      return {
        variant: s.variant,
        persona: s.persona,
        industry: s.industry,
        sent: s.sent ?? 0,
        opened: s.opened ?? 0,
        replied: s.replied ?? 0,
        meetings: s.meetings ?? 0,
        negative: s.negative ?? 0,
      };
    });
  }

  async bumpTemplateStat(
    key: { variant: string; persona: string; industry: string },
    field: "sent" | "opened" | "replied" | "meetings" | "negative",
  ): Promise<void> {
    await this.db.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: agentKeys.templateStat(key.variant, key.persona, key.industry),
        UpdateExpression: "SET variant = :v, persona = :p, industry = :i ADD #f :one",
        ExpressionAttributeNames: { "#f": field },
        ExpressionAttributeValues: {
          ":v": key.variant,
          ":p": key.persona,
          ":i": key.industry.toLowerCase(),
          ":one": 1,
        },
      }),
    );
  }

  async rules(): Promise<EmergedRule[]> {
    const res = await this.db.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": agentKeys.rulesPartition },
        ConsistentRead: true,
      }),
    );
    return (res.Items ?? []).map((i) => strip<EmergedRule>(i));
  }
}
