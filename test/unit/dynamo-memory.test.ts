/**
 * The in-process DynamoDB engine through the AWS SDK, as the stores use it: conditions, updates,
 * transactions, queries over the ledger's indexes, and the errors the stores interpret. The same
 * operations run against DynamoDB Local in test/integration/dynamo-memory-differential.test.ts.
 */
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  NumberValue,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { beforeEach, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../shared/adapters/dynamo/db.ts";
import { ensureTables, tableNames } from "../../shared/adapters/dynamo/tables.ts";
import { DynamoEngine } from "../../shared/adapters/dynamo-memory/engine.ts";

let db: Db;
let T: string;
let L: string;

beforeEach(async () => {
  db = createDb({ tables: tableNames("mem"), engine: new DynamoEngine() });
  await ensureTables(db.raw, db.tables, { ttl: true });
  T = db.tables.state;
  L = db.tables.ledger;
});

const get = async (pk: string, sk = "S") =>
  (await db.doc.send(new GetCommand({ TableName: T, Key: { pk, sk }, ConsistentRead: true }))).Item;
const put = (Item: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  db.doc.send(new PutCommand({ TableName: T, Item: { sk: "S", ...Item }, ...extra }));
const update = (pk: string, input: Record<string, unknown>) =>
  db.doc.send(new UpdateCommand({ TableName: T, Key: { pk, sk: "S" }, ...input } as never));
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: Error & Record<string, unknown>) => e,
  );

describe("the in-process engine through the AWS SDK", () => {
  it("creates tables idempotently and describes them", async () => {
    await ensureTables(db.raw, db.tables, { ttl: true });
    const d = await db.raw.send(new DescribeTableCommand({ TableName: L }));
    expect(d.Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName).sort()).toEqual(
      ["byAccount", "byAgent", "byPerson", "byStatus"].sort(),
    );
  });

  it("answers a conditional write that fails with ConditionalCheckFailedException, and the old item when asked", async () => {
    await put({ pk: "a", n: 1 });
    const e = await failure(
      put(
        { pk: "a", n: 2 },
        { ConditionExpression: "attribute_not_exists(pk)", ReturnValuesOnConditionCheckFailure: "ALL_OLD" },
      ),
    );
    expect(e?.name).toBe("ConditionalCheckFailedException");
    expect(e?.Item).toEqual({ pk: { S: "a" }, sk: { S: "S" }, n: { N: "1" } });
    expect(await get("a")).toEqual({ pk: "a", sk: "S", n: 1 });
  });

  it("caps a counter: ADD under `attribute_not_exists(#c) OR #c < :cap` succeeds exactly cap times", async () => {
    const bump = () =>
      update("c", {
        UpdateExpression: "ADD #c :one SET #ttl = :ttl",
        ConditionExpression: "attribute_not_exists(#c) OR #c < :cap",
        ExpressionAttributeNames: { "#c": "count", "#ttl": "ttl" },
        ExpressionAttributeValues: { ":one": 1, ":cap": 3, ":ttl": 99 },
      });
    const results = await Promise.allSettled(Array.from({ length: 10 }, bump));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    expect((await get("c"))?.count).toBe(3);
  });

  it("evaluates every right-hand side of an update on the item as it was", async () => {
    await put({ pk: "u", rejected: 4, drafts: 1 });
    const r = await update("u", {
      UpdateExpression:
        "SET openDraftId = :id, rejectedAtLastDraft = rejected, total = rejected + drafts ADD drafts :one",
      ExpressionAttributeValues: { ":id": "d1", ":one": 1 },
      ReturnValues: "ALL_NEW",
    });
    expect(r.Attributes).toEqual({
      pk: "u",
      sk: "S",
      rejected: 4,
      drafts: 2,
      openDraftId: "d1",
      rejectedAtLastDraft: 4,
      total: 5,
    });
  });

  it("sets and removes nested paths, if_not_exists and list_append, and refuses a missing parent", async () => {
    await update("p", {
      UpdateExpression: "SET #p = if_not_exists(#p, :empty), l = list_append(if_not_exists(l, :nil), :x)",
      ExpressionAttributeNames: { "#p": "pauses" },
      ExpressionAttributeValues: { ":empty": {}, ":nil": [], ":x": [1, 2, 3] },
    });
    await update("p", {
      UpdateExpression: "SET #p.#id = :v REMOVE l[0], l[2]",
      ExpressionAttributeNames: { "#p": "pauses", "#id": "p1" },
      ExpressionAttributeValues: { ":v": { at: 5 } },
    });
    expect(await get("p")).toEqual({ pk: "p", sk: "S", pauses: { p1: { at: 5 } }, l: [2] });
    const e = await failure(
      update("p", {
        UpdateExpression: "SET #a.#b = :v",
        ExpressionAttributeNames: { "#a": "missing", "#b": "x" },
        ExpressionAttributeValues: { ":v": 1 },
      }),
    );
    expect(e?.name).toBe("ValidationException");
    const removed = await update("p", {
      UpdateExpression: "REMOVE #p.#id",
      ConditionExpression: "attribute_exists(#p.#id)",
      ExpressionAttributeNames: { "#p": "pauses", "#id": "p1" },
      ReturnValues: "UPDATED_OLD",
    });
    expect(removed.Attributes).toEqual({ pauses: { p1: { at: 5 } } });
  });

  it("refuses unused or undefined expression names and values, overlapping paths and key updates", async () => {
    const cases: Record<string, unknown>[] = [
      { UpdateExpression: "SET a = :v", ExpressionAttributeValues: { ":v": 1, ":w": 2 } },
      {
        UpdateExpression: "SET a = :v",
        ExpressionAttributeValues: { ":v": 1 },
        ExpressionAttributeNames: { "#x": "x" },
      },
      { UpdateExpression: "SET a = :v" },
      { UpdateExpression: "SET #a = :v", ExpressionAttributeValues: { ":v": 1 } },
      { UpdateExpression: "SET a = :v, a.b = :v", ExpressionAttributeValues: { ":v": 1 } },
      { UpdateExpression: "SET sk = :v", ExpressionAttributeValues: { ":v": "x" } },
      { UpdateExpression: "SET a = = :v", ExpressionAttributeValues: { ":v": 1 } },
    ];
    for (const c of cases)
      expect((await failure(update("v", c)))?.name, JSON.stringify(c)).toBe("ValidationException");
    expect(await get("v")).toBeUndefined();
  });

  it("compares numbers as decimals and strings as UTF-8 bytes; a comparison across types is false", async () => {
    await put({ pk: "n", big: NumberValue.from("0"), s: "\u{1F600}", e: "\uE000", epoch: 1_773_151_200_000 });
    await update("n", {
      UpdateExpression: "ADD big :x",
      ExpressionAttributeValues: { ":x": NumberValue.from("12345678901234567890.5") },
    });
    const ok = (ConditionExpression: string, values: Record<string, unknown>) =>
      failure(
        update("n", {
          UpdateExpression: "SET t = :t",
          ConditionExpression,
          ExpressionAttributeValues: { ":t": 1, ...values },
        }),
      );
    expect(
      await ok("epoch > :a AND epoch < :b", { ":a": 1_773_151_199_999, ":b": 1_773_151_200_001 }),
    ).toBeUndefined();
    expect((await ok("epoch < :a", { ":a": "9" }))?.name).toBe("ConditionalCheckFailedException");
    expect(await ok("s > e", {})).toBeUndefined();
    expect(
      await ok("big BETWEEN :lo AND :hi", {
        ":lo": NumberValue.from("12345678901234567890.4"),
        ":hi": NumberValue.from("1.2345678901234567891E19"),
      }),
    ).toBeUndefined();
    expect(
      await ok(
        "size(s) = :two AND begins_with(e, :e) AND NOT contains(s, :z) AND attribute_type(big, :N) AND epoch IN (:x, :y)",
        { ":two": 1, ":e": "\uE000", ":z": "z", ":N": "N", ":x": 1, ":y": 1_773_151_200_000 },
      ),
    ).toBeUndefined();
  });

  it("runs a transaction all or nothing, with a reason per item", async () => {
    await put({ pk: "held", n: 1 });
    const e = await failure(
      db.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: T,
                Item: { pk: "new", sk: "S" },
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
            {
              Update: {
                TableName: T,
                Key: { pk: "held", sk: "S" },
                UpdateExpression: "ADD n :one",
                ExpressionAttributeValues: { ":one": 1 },
              },
            },
            {
              ConditionCheck: {
                TableName: T,
                Key: { pk: "held", sk: "X" },
                ConditionExpression: "attribute_exists(pk)",
              },
            },
          ],
        }),
      ),
    );
    expect(e?.name).toBe("TransactionCanceledException");
    expect((e?.CancellationReasons as { Code: string }[] | undefined)?.map((r) => r.Code)).toEqual([
      "None",
      "None",
      "ConditionalCheckFailed",
    ]);
    expect(await get("new")).toBeUndefined();
    expect((await get("held"))?.n).toBe(1);
    const twice = await failure(
      db.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: T, Item: { pk: "x", sk: "S" } } },
            { Delete: { TableName: T, Key: { pk: "x", sk: "S" } } },
          ],
        }),
      ),
    );
    expect(twice?.name).toBe("ValidationException");
  });

  it("queries an index in order, pages with Limit and ExclusiveStartKey, filters after the limit, and projects", async () => {
    for (let i = 0; i < 7; i++)
      await db.doc.send(
        new PutCommand({
          TableName: L,
          Item: {
            pk: `D#${i}`,
            sk: "DECISION",
            byAgentPk: "A#1",
            byAgentSk: `2026-03-0${i}#D${i}`,
            odd: i % 2 === 1,
          },
        }),
      );
    await db.doc.send(new PutCommand({ TableName: L, Item: { pk: "D#x", sk: "DECISION" } }));
    const seen: string[] = [];
    let start: Record<string, unknown> | undefined;
    let pages = 0;
    do {
      const r = await db.doc.send(
        new QueryCommand({
          TableName: L,
          IndexName: "byAgent",
          KeyConditionExpression: "byAgentPk = :a AND byAgentSk BETWEEN :lo AND :hi",
          FilterExpression: "odd = :t",
          ProjectionExpression: "pk",
          ExpressionAttributeValues: { ":a": "A#1", ":lo": "2026-03-01", ":hi": "2026-03-06~", ":t": true },
          ScanIndexForward: false,
          Limit: 2,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      pages++;
      for (const item of r.Items ?? []) seen.push(item.pk);
      start = r.LastEvaluatedKey;
    } while (start);
    expect(seen).toEqual(["D#5", "D#3", "D#1"]);
    // The engine looks ahead: the last page that ends on its limit names no key when nothing follows.
    expect(pages).toBe(3);
    const prefix = await db.doc.send(
      new QueryCommand({
        TableName: L,
        KeyConditionExpression: "pk = :p AND begins_with(sk, :s)",
        ExpressionAttributeValues: { ":p": "D#3", ":s": "DEC" },
      }),
    );
    expect(prefix.Items).toHaveLength(1);
  });

  it("scans with a filter across pages, batch-gets, and deletes", async () => {
    for (let i = 0; i < 5; i++) await put({ pk: `TRUST#${i}` });
    await put({ pk: "OTHER" });
    const found: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const r = await db.doc.send(
        new ScanCommand({
          TableName: T,
          FilterExpression: "begins_with(pk, :p)",
          ExpressionAttributeValues: { ":p": "TRUST#" },
          Limit: 2,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      found.push(...(r.Items ?? []).map((i) => i.pk));
      start = r.LastEvaluatedKey;
    } while (start);
    expect(found.sort()).toEqual(["TRUST#0", "TRUST#1", "TRUST#2", "TRUST#3", "TRUST#4"]);
    await db.doc.send(new DeleteCommand({ TableName: T, Key: { pk: "TRUST#0", sk: "S" } }));
    const b = await db.doc.send(
      new BatchGetCommand({
        RequestItems: {
          [T]: {
            Keys: [
              { pk: "TRUST#0", sk: "S" },
              { pk: "TRUST#1", sk: "S" },
            ],
          },
        },
      }),
    );
    expect(b.Responses?.[T]?.map((i) => i.pk)).toEqual(["TRUST#1"]);
  });

  it("splits a parallel scan's items among its segments, each once; refuses a segment out of range", async () => {
    for (let i = 0; i < 30; i++) {
      await put({ pk: `P#${i}` });
      await put({ pk: `P#${i}`, sk: "T" });
    }
    const seen: string[] = [];
    const perSegment: number[] = [];
    for (let segment = 0; segment < 4; segment++) {
      const before = seen.length;
      let start: Record<string, unknown> | undefined;
      do {
        const r = await db.doc.send(
          new ScanCommand({
            TableName: T,
            Segment: segment,
            TotalSegments: 4,
            Limit: 7,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        seen.push(...(r.Items ?? []).map((i) => `${i.pk}|${i.sk}`));
        start = r.LastEvaluatedKey;
      } while (start);
      perSegment.push(seen.length - before);
    }
    // Split among them, not all in one.
    for (const n of perSegment) expect(n).toBeGreaterThan(0);
    expect(seen).toHaveLength(60);
    expect(new Set(seen).size).toBe(60);
    // A start key from another segment is refused, as DynamoDB refuses it.
    const first = await db.doc.send(
      new ScanCommand({ TableName: T, Segment: 0, TotalSegments: 4, Limit: 1 }),
    );
    const other = await db.doc
      .send(
        new ScanCommand({
          TableName: T,
          Segment: 1,
          TotalSegments: 4,
          ExclusiveStartKey: first.LastEvaluatedKey,
        }),
      )
      .catch((e) => e);
    expect(other.name).toBe("ValidationException");
    for (const bad of [{ Segment: 4, TotalSegments: 4 }, { Segment: 0 }, { Segment: -1, TotalSegments: 2 }])
      expect((await failure(db.doc.send(new ScanCommand({ TableName: T, ...bad }))))?.name).toBe(
        "ValidationException",
      );
  });

  it("refuses an item over 400 KB and an empty string in an index key", async () => {
    expect((await failure(put({ pk: "big", blob: "x".repeat(410 * 1024) })))?.name).toBe(
      "ValidationException",
    );
    const e = await failure(
      db.doc.send(new PutCommand({ TableName: L, Item: { pk: "D", sk: "S", byAgentPk: "" } })),
    );
    expect(e?.name).toBe("ValidationException");
  });
});
