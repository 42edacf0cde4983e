/**
 * The in-process engine's direct paths: the document client's data-plane commands go straight to the
 * engine (shared/adapters/dynamo-memory/direct-client.ts), and commands that do go through the SDK
 * reach it without JSON (sdk-protocol.ts). The engine's semantics are tested in dynamo-memory.test.ts
 * and against DynamoDB Local in the differential test; here, that the paths are the ones taken and
 * that what callers get (answers, exception classes and their fields, binaries) does not depend on
 * the path.
 */
import {
  ConditionalCheckFailedException,
  PutItemCommand,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { beforeEach, describe, expect, it } from "vitest";
import { createDb } from "../../shared/adapters/dynamo/db.ts";
import { ensureTables, tableNames } from "../../shared/adapters/dynamo/tables.ts";
import { DynamoEngine } from "../../shared/adapters/dynamo-memory/engine.ts";
import { DirectAnswer } from "../../shared/adapters/dynamo-memory/sdk-protocol.ts";

/** A client on its own engine; `sdk`: through the SDK's stack (a middleware added after creation). */
async function client(sdk: boolean) {
  const db = createDb({ tables: tableNames("direct"), engine: new DynamoEngine() });
  await ensureTables(db.raw, db.tables, { ttl: true });
  const seen: { operation: string; body: "direct" | "json" }[] = [];
  const handler = db.raw.config.requestHandler as { handle: (r: unknown) => Promise<{ response: unknown }> };
  const handle = handler.handle.bind(handler);
  handler.handle = async (request) => {
    const out = await handle(request);
    const body = (out.response as { body?: unknown }).body;
    seen.push({
      operation: (request as { operation?: string }).operation ?? "?",
      body: body instanceof DirectAnswer ? "direct" : "json",
    });
    return out;
  };
  if (sdk) db.raw.middlewareStack.add((next) => (args) => next(args), { step: "initialize", name: "spy" });
  // Round trips of the scenario alone, not of creating the tables.
  db.roundTrips.count = 0;
  return { db, seen, T: db.tables.state };
}

let direct: Awaited<ReturnType<typeof client>>;
let viaSdk: Awaited<ReturnType<typeof client>>;
beforeEach(async () => {
  direct = await client(false);
  viaSdk = await client(true);
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error & Record<string, unknown>,
  );

/** What a caller can see of an error, but the request id. */
const shape = (e: (Error & Record<string, unknown>) | undefined) => ({
  class: e?.constructor.name,
  name: e?.name,
  message: e?.message,
  fault: e?.$fault,
  metadata: { ...(e?.$metadata as object), requestId: undefined },
  Item: e?.Item,
  reasons: e?.CancellationReasons,
});

async function scenario(c: Awaited<ReturnType<typeof client>>) {
  const { db, T } = c;
  await db.doc.send(new PutCommand({ TableName: T, Item: { pk: "a", sk: "1", tags: ["x"], n: 2 } }));
  const first = await db.doc.send(new GetCommand({ TableName: T, Key: { pk: "a", sk: "1" } }));
  // A caller editing its answer must not edit what the engine stores.
  const tags = first.Item?.tags as string[];
  tags.push("y");
  const updated = await db.doc.send(
    new UpdateCommand({
      TableName: T,
      Key: { pk: "a", sk: "1" },
      UpdateExpression: "ADD n :one",
      ExpressionAttributeValues: { ":one": 1 },
      ReturnValues: "ALL_NEW",
    }),
  );
  const q = await db.doc.send(
    new QueryCommand({
      TableName: T,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": "a" },
    }),
  );
  return { first, updated, q };
}

describe("the in-process engine's direct paths", () => {
  it("sends document commands straight to the engine, counted, with the answers the SDK path gives", async () => {
    const a = await scenario(direct);
    const b = await scenario(viaSdk);
    expect(a.first.Item).toEqual({ pk: "a", sk: "1", tags: ["x", "y"], n: 2 });
    expect(a.updated.Attributes).toEqual({ pk: "a", sk: "1", tags: ["x"], n: 3 });
    expect(a.q.Items).toEqual([{ pk: "a", sk: "1", tags: ["x"], n: 3 }]);
    expect(a.q.$metadata).toMatchObject({ httpStatusCode: 200, attempts: 1, totalRetryDelay: 0 });
    expect(a.q.$metadata.requestId).toMatch(/^in-process-/);
    for (const k of ["first", "updated", "q"] as const) {
      const { $metadata: ma, ...ra } = a[k];
      const { $metadata: mb, ...rb } = b[k];
      expect(ra).toEqual(rb);
      expect({ ...ma, requestId: undefined }).toEqual({ ...mb, requestId: undefined });
    }
    // The direct client never reaches the SDK's request handler; the SDK path reaches it without JSON.
    expect(direct.seen).toEqual([]);
    expect(direct.db.roundTrips.count).toBe(4);
    expect(viaSdk.seen.map((s) => s.body)).toEqual(["direct", "direct", "direct", "direct"]);
    expect(viaSdk.db.roundTrips.count).toBe(4);
  });

  it("raises the SDK's own exception classes with the same fields on both paths", async () => {
    const errors = async ({ db, T }: Awaited<ReturnType<typeof client>>) => {
      await db.doc.send(new PutCommand({ TableName: T, Item: { pk: "a", sk: "1", n: 1 } }));
      const conditional = await failure(
        db.doc.send(
          new PutCommand({
            TableName: T,
            Item: { pk: "a", sk: "1", n: 2 },
            ConditionExpression: "attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        ),
      );
      const cancelled = await failure(
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
                  ReturnValuesOnConditionCheckFailure: "ALL_OLD",
                },
              },
            ],
          }),
        ),
      );
      const invalid = await failure(db.doc.send(new GetCommand({ TableName: T, Key: { pk: "a" } })));
      return [conditional, cancelled, invalid].map(shape);
    };
    const [conditional, cancelled, invalid] = await errors(direct);
    expect(conditional?.class).toBe(ConditionalCheckFailedException.name);
    expect(conditional?.Item).toEqual({ pk: { S: "a" }, sk: { S: "1" }, n: { N: "1" } });
    expect(cancelled?.class).toBe(TransactionCanceledException.name);
    expect((cancelled?.reasons as { Code: string }[] | undefined)?.map((r) => r.Code)).toEqual([
      "None",
      "ConditionalCheckFailed",
    ]);
    expect(invalid).toMatchObject({ name: "ValidationException", fault: "client" });
    expect(invalid?.metadata).toMatchObject({ httpStatusCode: 400 });
    expect([conditional, cancelled, invalid]).toEqual(await errors(viaSdk));
  });

  it("hands binaries back as bytes on both paths", async () => {
    for (const { db, T, seen } of [direct, viaSdk]) {
      const vec = new Uint8Array([0, 1, 2, 250, 255]);
      await db.doc.send(new PutCommand({ TableName: T, Item: { pk: "v", sk: "1", vec, s: "t" } }));
      const got = await db.doc.send(new GetCommand({ TableName: T, Key: { pk: "v", sk: "1" } }));
      expect(got.Item?.vec).toBeInstanceOf(Uint8Array);
      expect(Array.from(got.Item?.vec as Uint8Array)).toEqual(Array.from(vec));
      expect(got.Item?.s).toBe("t");
      // Through the SDK, from the first binary on, answers take the SDK's JSON path.
      if (seen.length > 0) expect(seen.at(-1)?.body).toBe("json");
    }
  });

  it("leaves commands of the raw client to the SDK", async () => {
    const { db, T, seen } = direct;
    await db.raw.send(new PutItemCommand({ TableName: T, Item: { pk: { S: "r" }, sk: { S: "1" } } }));
    // Its body is a DirectAnswer until a binary is stored in this process (values.ts), JSON after.
    expect(seen.map((s) => s.operation)).toEqual(["PutItem"]);
    expect(db.roundTrips.count).toBe(1);
  });
});
