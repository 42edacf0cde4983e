import {
  DynamoDBClient,
  type DynamoDBClientConfig,
  PutItemCommand,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { DependencyError } from "../../domain/errors.ts";
import { awsClientConfig } from "../aws/client-config.ts";
import type { DynamoEngine } from "../dynamo-memory/engine.ts";
import { DURABILITY_BARRIER, type Key } from "./keys.ts";
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
  /** DynamoDB Local only: durability barriers written after transactions (see `durabilityBarrier`). */
  barriers: { count: number };
}

export interface DbOptions {
  tables: TableNames;
  /** A DynamoDB Local; unset in AWS. */
  endpoint?: string;
  /** Required with `endpoint`: the key the DynamoDB Local was started with. In AWS, the function's role. */
  credentials?: DynamoCredentials;
  region?: string;
  /**
   * DynamoDB Local only: follow each transaction with a durability barrier (default true). A database
   * started in memory (the simulated workspace) has no disk to reach, so it goes without: one PutItem
   * less per transaction.
   */
  durabilityBarrier?: boolean;
  /**
   * An in-process engine (dynamo-memory/) instead of a database over HTTP: the SDK hands it each
   * request, so every store runs unchanged. For simulated-clock runs only: it keeps nothing on disk.
   */
  engine?: DynamoEngine;
}

/**
 * A request to DynamoDB Local with no answer in 20 s means it is hung: the caller should hear so (a
 * 503) instead of waiting on the SDK's default of minutes. The clock starts when the request queues
 * for a socket, so the limit also has to cover the wait behind other requests on a loaded machine
 * (200 concurrent proposals on two busy cores); a database that is gone refuses the connection at once
 * and fails fast without any timeout.
 */
const LOCAL_TIMEOUTS = { connectionTimeout: 20_000, requestTimeout: 20_000, throwOnRequestTimeout: true };

/** What the SDK signs in-process requests with: nothing checks them, but the SDK wants a key. */
const IN_PROCESS_KEY = { accessKeyId: "in-process", secretAccessKey: "in-process" };

export function createDb(options: DbOptions): Db {
  if (options.endpoint && !options.credentials)
    throw new Error("a DynamoDB Local endpoint needs the credentials it was started with");
  if (options.endpoint && options.engine) throw new Error("a database is either an endpoint or in process");
  const raw = new DynamoDBClient({
    region: options.region ?? (options.endpoint ? LOCAL_REGION : (process.env.AWS_REGION ?? "us-east-1")),
    ...(options.endpoint
      ? { endpoint: options.endpoint, credentials: options.credentials, requestHandler: LOCAL_TIMEOUTS }
      : options.engine
        ? {}
        : awsClientConfig()),
    ...(options.engine
      ? {
          region: LOCAL_REGION,
          endpoint: "http://in-process.invalid",
          credentials: IN_PROCESS_KEY,
          requestHandler: options.engine.requestHandler(),
          // Nothing checks a signature in process: signing (Sigv4, HMACs per request) is skipped.
          httpAuthSchemes: [
            {
              schemeId: "aws.auth#sigv4",
              identityProvider: () => async () => IN_PROCESS_KEY,
              signer: { sign: async (request: unknown) => request },
            },
          ] as unknown as DynamoDBClientConfig["httpAuthSchemes"],
        }
      : {}),
    maxAttempts: 5,
  });
  // The SDK's logger middleware filters every input and output for a logger that is a no-op here:
  // a few percent of the simulation's CPU, for nothing.
  if (options.engine) raw.middlewareStack.remove("loggerMiddleware");
  // Commands' inputs reach the engine, and its answers the caller, without JSON text either way.
  if (options.engine) raw.config.protocol = options.engine.sdkProtocol(raw.config.protocol);
  // Outermost, so it sees what is left after the SDK's own retries.
  raw.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        throw dependencyFailure(err) ?? err;
      }
    },
    { step: "initialize", priority: "high", name: "dependencyErrors" },
  );
  const roundTrips = { count: 0 };
  raw.middlewareStack.add(
    (next) => async (args) => {
      roundTrips.count++;
      return next(args);
    },
    { step: "finalizeRequest", name: "countRoundTrips" },
  );
  const barriers = { count: 0 };
  if (options.endpoint && options.durabilityBarrier !== false) durabilityBarrier(raw, options, barriers);
  const doc = DynamoDBDocumentClient.from(raw, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  // In process, the document client's data-plane commands skip the SDK's middleware stack as well.
  if (options.engine) options.engine.sendDirectly(doc, raw, roundTrips);
  return { doc, raw, tables: options.tables, roundTrips, barriers };
}

/**
 * DynamoDB Local acknowledges a TransactWriteItems before the transaction is on disk: killed with
 * SIGKILL a few milliseconds after answering, it restarts without it (3 of 5 kills lost one in
 * test/faults/db-durability.ts), so a proposal answered 201 could vanish. A PutItem sent after the
 * transaction is only answered once the transaction before it is stored (0 of 5 lost). So, against
 * DynamoDB Local only, every successful transaction is followed by a PutItem of one barrier item before
 * its caller hears of it. It is not a round trip of the product (DynamoDB commits before it answers):
 * it goes through its own client and is counted apart from `roundTrips`.
 */
function durabilityBarrier(raw: DynamoDBClient, options: DbOptions, barriers: { count: number }): void {
  const client = new DynamoDBClient({
    region: options.region ?? LOCAL_REGION,
    endpoint: options.endpoint,
    credentials: options.credentials,
    requestHandler: LOCAL_TIMEOUTS,
    maxAttempts: 5,
  });
  raw.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === "TransactWriteItemsCommand") {
        barriers.count++;
        await client.send(
          new PutItemCommand({
            TableName: options.tables.state,
            Item: { pk: { S: DURABILITY_BARRIER.pk }, sk: { S: DURABILITY_BARRIER.sk } },
          }),
        );
      }
      return result;
    },
    { step: "initialize", priority: "low", name: "durabilityBarrier" },
  );
}

/** An item as a record: without its key attributes (undefined stays undefined). */
export const withoutKeys = <T>(item: Record<string, unknown> | undefined): T | undefined => {
  if (!item) return undefined;
  const { pk: _p, sk: _s, ...rest } = item;
  return rest as T;
};

/** One item of the state table, strongly consistent (what was written a moment ago is read). */
export async function stateItem(db: Db, key: Key): Promise<Record<string, unknown> | undefined> {
  return (await db.doc.send(new GetCommand({ TableName: db.tables.state, Key: key, ConsistentRead: true })))
    .Item;
}

/** How `batchGetAll` names an item: its table's pk and sk. */
export const itemId = (k: Record<string, unknown>) => `${String(k.pk)}\u0000${String(k.sk)}`;

/**
 * BatchGetItem across tables, strongly consistent (a spec published or a touch reserved a moment ago
 * must be seen now), 100 keys per request, following UnprocessedKeys with backoff. Items by `itemId`.
 * Each key is asked for once, however often it is wanted: DynamoDB refuses a whole batch that names a
 * key twice.
 */
export async function batchGetAll(db: Db, asked: { table: string; key: Key }[]): Promise<Map<string, Item>> {
  const out = new Map<string, Item>();
  const wanted = [...new Map(asked.map((w) => [`${w.table}\u0000${itemId(w.key)}`, w])).values()];
  for (let i = 0; i < wanted.length; i += 100) {
    let request: Record<string, { Keys: Key[]; ConsistentRead: boolean }> = {};
    for (const { table, key } of wanted.slice(i, i + 100)) {
      request[table] ??= { Keys: [], ConsistentRead: true };
      request[table].Keys.push(key);
    }
    for (let attempt = 0; Object.keys(request).length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(200, 10 * 2 ** attempt)));
      const res = await db.doc.send(new BatchGetCommand({ RequestItems: request }));
      for (const items of Object.values(res.Responses ?? {}))
        for (const item of items) out.set(itemId(item), item);
      request = (res.UnprocessedKeys ?? {}) as typeof request;
    }
  }
  return out;
}

type Item = Record<string, unknown>;

/**
 * Every item a Query matches, page after page: DynamoDB ends a page at 1 MB and names where it
 * stopped in LastEvaluatedKey, so one request alone silently drops the rest of a large partition. For
 * reads that want the whole set; listings handed to clients page with a cursor (cursor.ts) instead.
 */
export async function queryAll(db: Db, input: Omit<QueryCommandInput, "ExclusiveStartKey">): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const res = await db.doc.send(
      new QueryCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    );
    for (const item of res.Items ?? []) items.push(item);
    startKey = res.LastEvaluatedKey;
  } while (startKey);
  return items;
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

/**
 * The transaction item that marks an event handled: put only when absent, so the transaction fails on
 * it (its index in `failedConditions`) when the event was handled before; kept until `expiresAt` (ms).
 */
export const onceMarker = (table: string, key: Key, expiresAt: number) => ({
  Put: {
    TableName: table,
    Item: { ...key, ttl: ttlSeconds(expiresAt) },
    ConditionExpression: "attribute_not_exists(pk)",
  },
});

/**
 * The transaction item that holds only while `key` is absent (an erasure mark, most often): the
 * transaction fails on it, at its index in `failedConditions`, once the item exists.
 */
export const absentCheck = (table: string, key: Key) => ({
  ConditionCheck: { TableName: table, Key: key, ConditionExpression: "attribute_not_exists(pk)" },
});

/** Connection-level failures: the database is unreachable or dropped the request. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/** Errors that say "not now" (throttled, overloaded, timed out), whatever the request was. */
const TRANSIENT_NAMES = new Set([
  "ThrottlingException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
]);

type SdkError = Error & { code?: unknown; errors?: unknown[]; $metadata?: { httpStatusCode?: number } };

const networkCode = (e: SdkError): string | undefined => {
  if (typeof e.code === "string" && NETWORK_CODES.has(e.code)) return e.code;
  // Node reports a failed connection to several addresses as an AggregateError of the attempts.
  for (const inner of Array.isArray(e.errors) ? e.errors : []) {
    const code = (inner as SdkError)?.code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return code;
  }
  return /socket hang up/i.test(e.message) ? "socket hang up" : undefined;
};

/**
 * The one translation of DynamoDB failures the caller cannot fix into `DependencyError` (HTTP 503 with
 * Retry-After): network errors, timeouts, 5xx and throttling. Everything else passes through as it is:
 * conditional-check failures and cancelled transactions are answers the stores interpret, and a
 * validation error is a bug that must surface. The message names the failure, never request data.
 */
export function dependencyFailure(err: unknown): DependencyError | undefined {
  if (err instanceof DependencyError) return err;
  if (!(err instanceof Error)) return undefined;
  const e = err as SdkError;
  const code = networkCode(e);
  const status = e.$metadata?.httpStatusCode;
  if (code === undefined && !TRANSIENT_NAMES.has(e.name) && !(status !== undefined && status >= 500))
    return undefined;
  return new DependencyError(
    `DynamoDB unavailable: ${e.name}${code ? ` (${code})` : status ? ` (${status})` : ""}`,
    {
      cause: err,
    },
  );
}
