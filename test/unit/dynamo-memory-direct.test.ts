/**
 * The in-process engine's direct path (shared/adapters/dynamo-memory/sdk-protocol.ts): data-plane
 * commands reach the engine as the SDK's input objects and come back without JSON text, while errors,
 * binaries and control-plane commands keep the SDK's own deserialiser. The engine's semantics through
 * this path are tested in dynamo-memory.test.ts and against DynamoDB Local in the differential test;
 * here, that the path is the one taken and that what callers get does not depend on it.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { beforeEach, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../shared/adapters/dynamo/db.ts";
import { ensureTables, tableNames } from "../../shared/adapters/dynamo/tables.ts";
import { DynamoEngine } from "../../shared/adapters/dynamo-memory/engine.ts";
import { DirectAnswer } from "../../shared/adapters/dynamo-memory/sdk-protocol.ts";

let db: Db;
let T: string;
/** What the engine handed back per operation: a DirectAnswer object or JSON bytes. */
let bodies: { operation: string; direct: boolean }[];

beforeEach(async () => {
  db = createDb({ tables: tableNames("direct"), engine: new DynamoEngine() });
  await ensureTables(db.raw, db.tables, { ttl: true });
  T = db.tables.state;
  bodies = [];
  db.raw.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      const body = (out.response as { body?: unknown }).body;
      bodies.push({ operation: String(context.commandName), direct: body instanceof DirectAnswer });
      return out;
    },
    { step: "deserialize", priority: "low", name: "seeBodies" },
  );
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: Error & Record<string, unknown>) => e,
  );

describe("the in-process engine's direct path", () => {
  it("answers reads and writes without JSON, with the SDK's metadata and fresh objects for the caller", async () => {
    await db.doc.send(new PutCommand({ TableName: T, Item: { pk: "a", sk: "1", tags: ["x"], n: 2 } }));
    const first = await db.doc.send(new GetCommand({ TableName: T, Key: { pk: "a", sk: "1" } }));
    expect(first.Item).toEqual({ pk: "a", sk: "1", tags: ["x"], n: 2 });
    expect(first.$metadata.httpStatusCode).toBe(200);
    expect(first.$metadata.requestId).toMatch(/^in-process-/);
    // A caller editing its answer must not edit what the engine stores.
    const tags = first.Item?.tags as string[];
    tags.push("y");
    const q = await db.doc.send(
      new QueryCommand({
        TableName: T,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": "a" },
      }),
    );
    expect(q.Items).toEqual([{ pk: "a", sk: "1", tags: ["x"], n: 2 }]);
    expect(bodies).toEqual([
      { operation: "PutItemCommand", direct: true },
      { operation: "GetItemCommand", direct: true },
      { operation: "QueryCommand", direct: true },
    ]);
  });

  it("raises the SDK's own exception classes, with the fields the stores read", async () => {
    await db.doc.send(new PutCommand({ TableName: T, Item: { pk: "a", sk: "1", n: 1 } }));
    const e = await failure(
      db.doc.send(
        new PutCommand({
          TableName: T,
          Item: { pk: "a", sk: "1", n: 2 },
          ConditionExpression: "attribute_not_exists(pk)",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      ),
    );
    expect(e).toBeInstanceOf(ConditionalCheckFailedException);
    expect((e as unknown as ConditionalCheckFailedException).Item).toEqual({
      pk: { S: "a" },
      sk: { S: "1" },
      n: { N: "1" },
    });
    const t = await failure(
      db.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: T, Item: { pk: "b", sk: "1" } } },
            {
              ConditionCheck: {
                TableName: T,
                Key: { pk: "a", sk: "1" },
                ConditionExpression: "n = :n",
                ExpressionAttributeValues: { ":n": 5 },
              },
            },
          ],
        }),
      ),
    );
    expect(t).toBeInstanceOf(TransactionCanceledException);
    expect((t as unknown as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual([
      "None",
      "ConditionalCheckFailed",
    ]);
    const v = await failure(db.doc.send(new GetCommand({ TableName: T, Key: { pk: "a" } })));
    expect(v?.name).toBe("ValidationException");
    expect(v?.$metadata).toMatchObject({ httpStatusCode: 400 });
  });

  it("hands binaries back as bytes, as the SDK does over JSON", async () => {
    const vec = new Uint8Array([0, 1, 2, 250, 255]);
    await db.doc.send(new PutCommand({ TableName: T, Item: { pk: "v", sk: "1", vec, s: "t" } }));
    const got = await db.doc.send(new GetCommand({ TableName: T, Key: { pk: "v", sk: "1" } }));
    expect(got.Item?.vec).toBeInstanceOf(Uint8Array);
    expect(Array.from(got.Item?.vec as Uint8Array)).toEqual(Array.from(vec));
    expect(got.Item?.s).toBe("t");
    // From the first binary on, answers take the SDK's JSON path.
    expect(bodies.at(-1)).toEqual({ operation: "GetItemCommand", direct: false });
  });
});
