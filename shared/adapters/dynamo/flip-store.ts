import { QueryCommand, type TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { Decision } from "../../domain/decision.ts";
import {
  type Flip,
  type FlipCell,
  type FlipTotals,
  flipDay,
  flipsOf,
  sumFlipCells,
} from "../../domain/drafts.ts";
import { MAX_SHADOW_RULES } from "../../domain/spec-modes.ts";
import type { FlipStore, Page, PageRequest } from "../../ports.ts";
import { PageCursors } from "./cursor.ts";
import { type Db, queryAll } from "./db.ts";
import { steerKeys } from "./keys.ts";

type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]
>[number];

/**
 * Each flip takes two of a transaction's 100 items (the flip and its count cell); a decision's own
 * items take at most ten. Flips beyond this bound (or beyond the room left) are not recorded: the spec
 * should bound its shadow rules below it.
 */
export const MAX_FLIPS_PER_DECISION = MAX_SHADOW_RULES;

/**
 * The items a decision's flips add to its commit transaction: one flip item per shadow rule whose
 * verdict differs from the actual one, and an ADD on the rule's (day, agent, action type) count cell.
 * Written in the decision's own transaction, they count exactly once whatever the retries: a retried
 * commit of the same decision fails on the decision's condition, and nothing of it is written.
 */
export function flipItems(db: Db, decision: Decision, room: number): TransactItem[] {
  return flipsOf(decision)
    .slice(0, Math.min(MAX_FLIPS_PER_DECISION, Math.floor(room / 2)))
    .flatMap((f) => [
      {
        Put: {
          TableName: db.tables.state,
          Item: { ...steerKeys.flip(f.specVersion, f.rule, f.decidedAt, f.decisionId), ...f },
        },
      },
      {
        Update: {
          TableName: db.tables.state,
          Key: steerKeys.flipCount(f.specVersion, f.rule, flipDay(f.decidedAt), f.agentId, f.actionType),
          UpdateExpression: "SET #d = :d, agentId = :a, actionType = :t ADD #c :one",
          ExpressionAttributeNames: { "#c": "count", "#d": "day" },
          ExpressionAttributeValues: {
            ":d": flipDay(f.decidedAt),
            ":a": f.agentId,
            ":t": f.actionType,
            ":one": 1,
          },
        },
      },
    ]);
}

const FLIP_FIELDS = [
  "specVersion",
  "rule",
  "check",
  "decisionId",
  "decidedAt",
  "agentId",
  "actionType",
  "accountId",
  "actual",
  "wouldBe",
] as const;

export class DynamoFlipStore implements FlipStore {
  constructor(
    private readonly db: Db,
    private readonly cursors: PageCursors = PageCursors.ephemeral(),
  ) {}

  async list(specVersion: number, rule: string, page: PageRequest): Promise<Page<Flip>> {
    const pk = steerKeys.flipPartition(specVersion, rule);
    // A cursor is bound to its version and rule: one from another flip set is refused, not run.
    const listing = `flips/${pk}`;
    const startKey = page.cursor ? await this.cursors.decode(listing, page.cursor, ["pk", "sk"]) : undefined;
    const res = await this.db.doc.send(
      new QueryCommand({
        TableName: this.db.tables.state,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": pk },
        ScanIndexForward: false,
        Limit: page.limit,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    const items = (res.Items ?? []).map((i) => {
      const f: Record<string, unknown> = {};
      for (const k of FLIP_FIELDS) f[k] = i[k];
      return f as unknown as Flip;
    });
    return res.LastEvaluatedKey
      ? { items, cursor: await this.cursors.encode(listing, res.LastEvaluatedKey) }
      : { items };
  }

  async totals(specVersion: number, rule: string): Promise<FlipTotals> {
    const items = await queryAll(this.db, {
      TableName: this.db.tables.state,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": steerKeys.flipCountPartition(specVersion, rule) },
      ConsistentRead: true,
    });
    const cells: FlipCell[] = items.map((i) => ({
      day: String(i.day),
      agentId: String(i.agentId),
      actionType: String(i.actionType),
      count: Number(i.count ?? 0),
    }));
    return sumFlipCells(cells);
  }
}
