import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { DecisionStatus, OutcomeType, Verdict } from "../../domain/vocabulary.ts";
import type { ScheduledReader, ScheduledRow } from "../../usecases/console.ts";
import type { DailyRow, DailyRowReader } from "../../usecases/daily-report.ts";
import type { Db } from "./db.ts";
import { ledgerKeys } from "./keys.ts";

/**
 * The console's index reads (the override-window queue, the daily overview): key-range Queries of one
 * byStatus partition projecting only plain fields, so no sealed attribute is read and no data key is
 * opened. Served by the decisions group's function with the index access it already has.
 */
export class DynamoConsoleReader implements ScheduledReader, DailyRowReader {
  constructor(private readonly db: Db) {}

  private async query<T>(
    input: {
      status: DecisionStatus;
      window?: { low: string; high: string };
      fields: string[];
      max: number;
    },
    map: (item: Record<string, unknown>) => T,
  ): Promise<T[]> {
    const names = Object.fromEntries(input.fields.map((f) => [`#${f}`, f]));
    const rows: T[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const res = await this.db.doc.send(
        new QueryCommand({
          TableName: this.db.tables.ledger,
          IndexName: "byStatus",
          KeyConditionExpression: input.window
            ? "byStatusPk = :pk AND byStatusSk BETWEEN :low AND :high"
            : "byStatusPk = :pk",
          ProjectionExpression: Object.keys(names).join(", "),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ":pk": ledgerKeys.indexPk.byStatus(input.status),
            ...(input.window ? { ":low": input.window.low, ":high": input.window.high } : {}),
          },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of res.Items ?? []) {
        rows.push(map(item));
        if (rows.length > input.max) throw new RangeError(`more than ${input.max} decisions`);
      }
      startKey = res.LastEvaluatedKey;
    } while (startKey);
    return rows;
  }

  async scheduledRows(max: number): Promise<ScheduledRow[]> {
    const rows = await this.query({ status: "scheduled", fields: ["decisionId", "executeAt"], max }, (i) => ({
      decisionId: String(i.decisionId),
      executeAt: String(i.executeAt ?? ""),
    }));
    // A transition moves an item between status partitions; an index read during one may see it twice.
    return [...new Map(rows.map((r) => [r.decisionId, r])).values()];
  }

  async dailyRows(status: DecisionStatus, fromIso: string, toIso: string, max: number): Promise<DailyRow[]> {
    return this.query(
      {
        status,
        window: ledgerKeys.statusWindow(fromIso, toIso),
        fields: ["decidedAt", "verdict", "actionKind", "checks", "outcomes"],
        max,
      },
      (i) => ({
        decidedAt: String(i.decidedAt),
        verdict: i.verdict as Verdict,
        actionKind: String(i.actionKind),
        // Only what the report counts: a check's detail may quote the knowledge base.
        checks: (Array.isArray(i.checks) ? (i.checks as Record<string, unknown>[]) : []).map((c) => ({
          check: String(c.check),
          result: String(c.result),
          ...(c.shadow === true ? { shadow: true } : {}),
        })),
        outcomes: (Array.isArray(i.outcomes) ? (i.outcomes as { type: OutcomeType }[]) : []).map((o) => ({
          type: o.type,
        })),
      }),
    );
  }
}
