/**
 * An in-process DynamoDB: the operations the stores use, answered from memory with DynamoDB's
 * conditional semantics. Each request runs to completion synchronously, so a condition and the write
 * it guards are atomic with respect to every other request, as DynamoDB makes them per item (and per
 * transaction).
 *
 * It backs simulated-clock runs (the demo, the simulated workspace, the fast variant of the invariant
 * tests); `harness serve` keeps DynamoDB Local, which is durable on disk. Not implemented: streams
 * (nothing local reads them), TTL sweeping (UpdateTimeToLive is accepted and remembered only: with a
 * simulated clock sweeping by the wall clock would delete live state), local secondary indexes,
 * parallel scans, TransactGetItems, PartiQL, the legacy non-expression parameters, capacity and
 * item-collection metrics, reserved-word checks, and the idempotency of ClientRequestToken (a request
 * here never fails after applying, so the SDK never retries one that did).
 */

import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { sendDirectly } from "./direct-client.ts";
import { DynamoError, validation } from "./errors.ts";
import { inProcessHandler } from "./handler.ts";
import { batchGetItem, getItem, query, scan, type Tables, tableOf } from "./reads.ts";
import { type Input, requireString } from "./requests.ts";
import { directProtocol } from "./sdk-protocol.ts";
import { type IndexDef, type KeySchema, type ScalarType, Table } from "./table.ts";
import { batchWriteItem, transactWriteItems, writeItem } from "./writes.ts";

function keySchema(raw: unknown, types: Record<string, ScalarType>): KeySchema {
  const list = Array.isArray(raw) ? (raw as { AttributeName?: string; KeyType?: string }[]) : [];
  const hash = list.find((k) => k.KeyType === "HASH")?.AttributeName;
  const range = list.find((k) => k.KeyType === "RANGE")?.AttributeName;
  if (!hash || list.length > 2 || (list.length === 2 && !range))
    throw validation("Invalid KeySchema: exactly one HASH and at most one RANGE key");
  for (const a of [hash, range])
    if (a && !types[a])
      throw validation(
        `One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [${a}]`,
      );
  return range ? { hash, range } : { hash };
}

export class DynamoEngine {
  private readonly tables: Tables = new Map();

  /**
   * The SDK's `requestHandler` for a client backed by this engine. A method, so createDb (which every
   * Lambda bundles) needs only the engine's type and no function ever carries the engine.
   */
  requestHandler(): ReturnType<typeof inProcessHandler> {
    return inProcessHandler(this);
  }

  /**
   * The client's protocol with the JSON leg cut out for this engine (sdk-protocol.ts). A method for
   * the same reason as `requestHandler`.
   */
  sdkProtocol<P extends object>(sdk: P): P {
    return directProtocol(sdk);
  }

  /**
   * The document client's commands straight to this engine, past the SDK's middleware stack
   * (direct-client.ts). `roundTrips` is the client's counter.
   */
  sendDirectly(doc: DynamoDBDocumentClient, raw: DynamoDBClient, roundTrips: { count: number }): void {
    sendDirectly(this, doc, raw, roundTrips);
  }

  /** One request, as DynamoDB's JSON protocol names it (`X-Amz-Target: DynamoDB_20120810.<operation>`). */
  handle(operation: string, input: Input): unknown {
    switch (operation) {
      case "GetItem":
        return getItem(this.tables, input);
      case "BatchGetItem":
        return batchGetItem(this.tables, input);
      case "Query":
        return query(this.tables, input);
      case "Scan":
        return scan(this.tables, input);
      case "PutItem":
        return writeItem(this.tables, "Put", input);
      case "UpdateItem":
        return writeItem(this.tables, "Update", input);
      case "DeleteItem":
        return writeItem(this.tables, "Delete", input);
      case "TransactWriteItems":
        return transactWriteItems(this.tables, input);
      case "BatchWriteItem":
        return batchWriteItem(this.tables, input);
      case "CreateTable":
        return this.createTable(input);
      case "DescribeTable":
        return { Table: this.describe(tableOf(this.tables, requireString(input, "TableName"))) };
      case "DeleteTable": {
        const t = tableOf(this.tables, requireString(input, "TableName"));
        this.tables.delete(t.name);
        return { TableDescription: this.describe(t) };
      }
      case "ListTables":
        return this.listTables(input);
      case "UpdateTimeToLive": {
        const t = tableOf(this.tables, requireString(input, "TableName"));
        const spec = input.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean };
        t.ttlAttribute = spec?.Enabled ? spec.AttributeName : undefined;
        return { TimeToLiveSpecification: spec };
      }
      case "DescribeTimeToLive": {
        const t = tableOf(this.tables, requireString(input, "TableName"));
        return {
          TimeToLiveDescription: t.ttlAttribute
            ? { TimeToLiveStatus: "ENABLED", AttributeName: t.ttlAttribute }
            : { TimeToLiveStatus: "DISABLED" },
        };
      }
      default:
        throw new DynamoError(
          "UnknownOperationException",
          `The in-process engine does not implement ${operation}`,
        );
    }
  }

  private createTable(input: Input) {
    const name = requireString(input, "TableName");
    if (this.tables.has(name))
      throw new DynamoError("ResourceInUseException", `Table already exists: ${name}`);
    const types: Record<string, ScalarType> = {};
    for (const d of (input.AttributeDefinitions ?? []) as {
      AttributeName: string;
      AttributeType: ScalarType;
    }[]) {
      if (!["S", "N", "B"].includes(d.AttributeType))
        throw validation(`Invalid AttributeType for ${d.AttributeName}`);
      types[d.AttributeName] = d.AttributeType;
    }
    const schema = keySchema(input.KeySchema, types);
    if (input.LocalSecondaryIndexes)
      throw validation("Local secondary indexes are not implemented by the in-process engine");
    const indexes: IndexDef[] = ((input.GlobalSecondaryIndexes ?? []) as Input[]).map((g) => {
      if (g.Projection?.ProjectionType !== "ALL")
        throw validation(
          "The in-process engine implements global secondary indexes with ProjectionType ALL only",
        );
      return { name: requireString(g, "IndexName"), schema: keySchema(g.KeySchema, types) };
    });
    const table = new Table(name, schema, types, indexes, input);
    this.tables.set(name, table);
    return { TableDescription: this.describe(table) };
  }

  private describe(t: Table) {
    const d = t.definition;
    return {
      TableName: t.name,
      TableArn: `arn:aws:dynamodb:ddblocal:000000000000:table/${t.name}`,
      TableStatus: "ACTIVE",
      CreationDateTime: t.createdAt,
      AttributeDefinitions: d.AttributeDefinitions,
      KeySchema: d.KeySchema,
      ItemCount: t.count,
      TableSizeBytes: 0,
      BillingModeSummary: { BillingMode: d.BillingMode ?? "PROVISIONED" },
      ...(d.GlobalSecondaryIndexes
        ? {
            GlobalSecondaryIndexes: (d.GlobalSecondaryIndexes as Input[]).map((g) => ({
              ...g,
              IndexStatus: "ACTIVE",
              IndexArn: `arn:aws:dynamodb:ddblocal:000000000000:table/${t.name}/index/${g.IndexName}`,
            })),
          }
        : {}),
      ...(d.StreamSpecification ? { StreamSpecification: d.StreamSpecification } : {}),
    };
  }

  private listTables(input: Input) {
    const names = [...this.tables.keys()].sort();
    const start =
      typeof input.ExclusiveStartTableName === "string" ? input.ExclusiveStartTableName : undefined;
    const from = start === undefined ? 0 : names.findIndex((n) => n > start);
    const limit = typeof input.Limit === "number" ? input.Limit : 100;
    const page = (from < 0 ? [] : names.slice(from)).slice(0, limit);
    const more = from >= 0 && names.length > from + limit;
    return { TableNames: page, ...(more ? { LastEvaluatedTableName: page[page.length - 1] } : {}) };
  }
}
