import { DynamoDBClient, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { TableNames } from "./tables.ts";

export interface Db {
  doc: DynamoDBDocumentClient;
  raw: DynamoDBClient;
  tables: TableNames;
  /** Round trips sent to DynamoDB, for the benchmark's "round trips per decision" figure. */
  roundTrips: { count: number };
}

export interface DbOptions {
  tables: TableNames;
  endpoint?: string;
  region?: string;
}

export function createDb(options: DbOptions): Db {
  const raw = new DynamoDBClient({
    region: options.region ?? process.env.AWS_REGION ?? "us-east-1",
    ...(options.endpoint
      ? {
          endpoint: options.endpoint,
          // DynamoDB Local accepts any credentials; real ones come from the Lambda role.
          credentials: { accessKeyId: "local", secretAccessKey: "local" },
        }
      : {}),
    maxAttempts: 5,
  });
  const roundTrips = { count: 0 };
  raw.middlewareStack.add(
    (next) => async (args) => {
      roundTrips.count++;
      return next(args);
    },
    { step: "finalizeRequest", name: "countRoundTrips" },
  );
  const doc = DynamoDBDocumentClient.from(raw, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return { doc, raw, tables: options.tables, roundTrips };
}

/** Index of the first item whose condition failed in a cancelled transaction, if any. */
export function failedConditions(err: unknown): number[] | undefined {
  if (!(err instanceof TransactionCanceledException)) return undefined;
  const reasons = err.CancellationReasons ?? [];
  const failed = reasons.flatMap((r, i) => (r.Code === "ConditionalCheckFailed" ? [i] : []));
  if (failed.length > 0) return failed;
  // A TransactionConflict means another transaction touched the same item: treat it as contention.
  if (reasons.some((r) => r.Code === "TransactionConflict")) return [-1];
  return undefined;
}

export const ttlSeconds = (at: number) => Math.ceil(at / 1000);
