import { DynamoDBClient, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { TableNames } from "./tables.ts";

/** The access key of a DynamoDB Local: it selects the database (one per access key id and region). */
export interface DynamoCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Where a DynamoDB Local listens and the key that opens its database. */
export interface DynamoLocalConnection {
  endpoint: string;
  credentials: DynamoCredentials;
}

/** DynamoDB Local keeps one database per region too: the local runtime always uses this one. */
export const LOCAL_REGION = "us-east-1";

export interface Db {
  doc: DynamoDBDocumentClient;
  raw: DynamoDBClient;
  tables: TableNames;
  /** Round trips sent to DynamoDB, for the benchmark's "round trips per decision" figure. */
  roundTrips: { count: number };
}

export interface DbOptions {
  tables: TableNames;
  /** A DynamoDB Local; unset in AWS. */
  endpoint?: string;
  /** Required with `endpoint`: the key the DynamoDB Local was started with. In AWS, the function's role. */
  credentials?: DynamoCredentials;
  region?: string;
}

export function createDb(options: DbOptions): Db {
  if (options.endpoint && !options.credentials)
    throw new Error("a DynamoDB Local endpoint needs the credentials it was started with");
  const raw = new DynamoDBClient({
    region: options.region ?? (options.endpoint ? LOCAL_REGION : (process.env.AWS_REGION ?? "us-east-1")),
    ...(options.endpoint ? { endpoint: options.endpoint, credentials: options.credentials } : {}),
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
