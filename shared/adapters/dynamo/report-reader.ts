import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { DecisionStatus } from "../../domain/vocabulary.ts";
import type { OutcomeRow, OutcomeRowReader } from "../../usecases/reports.ts";
import type { Db } from "./db.ts";
import { ledgerKeys } from "./keys.ts";

/**
 * The outcomes report's reads: one status partition of the ledger's byStatus index, by a key range on
 * decidedAt, projecting only the fields the report counts. No sealed attribute is read, so no data key
 * is needed: the decisions group's function reads it with the index access it already has.
 */
export class DynamoOutcomeRowReader implements OutcomeRowReader {
  constructor(private readonly db: Db) {}

  async decided(
    status: DecisionStatus,
    fromIso: string,
    toIso: string,
    opts: { armOnly: boolean; max: number },
  ): Promise<OutcomeRow[]> {
    const { low, high } = ledgerKeys.statusWindow(fromIso, toIso);
    const rows: OutcomeRow[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const res = await this.db.doc.send(
        new QueryCommand({
          TableName: this.db.tables.ledger,
          IndexName: "byStatus",
          KeyConditionExpression: "byStatusPk = :pk AND byStatusSk BETWEEN :low AND :high",
          // Decisions without an arm are skipped server-side when the report is by arm.
          ...(opts.armOnly ? { FilterExpression: "attribute_exists(#arm)" } : {}),
          ProjectionExpression: "#id, #account, #kind, #version, #arm, #outcomes",
          ExpressionAttributeNames: {
            "#id": "decisionId",
            "#account": "accountId",
            "#kind": "actionKind",
            "#version": "specVersion",
            "#arm": "arm",
            "#outcomes": "outcomes",
          },
          ExpressionAttributeValues: {
            ":pk": ledgerKeys.indexPk.byStatus(status),
            ":low": low,
            ":high": high,
          },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of res.Items ?? []) {
        rows.push({
          decisionId: String(item.decisionId),
          accountId: String(item.accountId),
          actionKind: String(item.actionKind),
          specVersion: Number(item.specVersion),
          ...(typeof item.arm === "string" ? { arm: item.arm } : {}),
          outcomes: Array.isArray(item.outcomes)
            ? (item.outcomes as { type: OutcomeRow["outcomes"][number]["type"] }[]).map((o) => ({
                type: o.type,
              }))
            : [],
        });
        if (rows.length > opts.max) throw new RangeError(`more than ${opts.max} decisions in the window`);
      }
      startKey = res.LastEvaluatedKey;
    } while (startKey);
    return rows;
  }
}
