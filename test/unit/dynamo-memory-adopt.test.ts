/**
 * The engine keeps the direct path's freshly marshalled values instead of copying them
 * (values.ts `adoptingInput`), and copies everything else: what it stores is the same either way,
 * and a caller that keeps its request (the raw client, the JSON path) never sees it changed, nor can
 * it change what was stored.
 */
import { describe, expect, it } from "vitest";
import { DynamoEngine } from "../../shared/adapters/dynamo-memory/engine.ts";
import { adoptingInput } from "../../shared/adapters/dynamo-memory/values.ts";

function engineWithTable() {
  const engine = new DynamoEngine();
  engine.handle("CreateTable", {
    TableName: "t",
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "g", AttributeType: "S" },
    ],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    GlobalSecondaryIndexes: [
      {
        IndexName: "byG",
        KeySchema: [{ AttributeName: "g", KeyType: "HASH" }],
        Projection: { ProjectionType: "ALL" },
      },
    ],
  });
  return engine;
}

const request = () => ({
  TableName: "t",
  Item: {
    pk: { S: "a" },
    g: { S: "x" },
    n: { N: "1.50" },
    m: { M: { deep: { L: [{ N: "002" }, { BOOL: true }, { NULL: true }] } } },
  },
});

const stored = {
  pk: { S: "a" },
  g: { S: "x" },
  n: { N: "1.5" },
  m: { M: { deep: { L: [{ N: "2" }, { BOOL: true }, { NULL: true }] } } },
};

const getA = (e: DynamoEngine) => e.handle("GetItem", { TableName: "t", Key: { pk: { S: "a" } } });

describe("the engine's input values", () => {
  it("are copied from a request someone else holds: the request unchanged, the stored item its own", () => {
    const e = engineWithTable();
    const req = request();
    e.handle("PutItem", req);
    expect(req).toEqual(request());
    (req.Item.m.M.deep.L[0] as { N: string }).N = "99";
    expect(getA(e)).toEqual({ Item: stored });
  });

  it("are kept as marshalled when adopted, normalized the same way, and queried the same way", () => {
    const e = engineWithTable();
    adoptingInput(() => e.handle("PutItem", request()));
    expect(getA(e)).toEqual({ Item: stored });
    expect(
      e.handle("Query", {
        TableName: "t",
        IndexName: "byG",
        KeyConditionExpression: "g = :g",
        ExpressionAttributeValues: { ":g": { S: "x" } },
      }),
    ).toMatchObject({ Items: [stored], Count: 1 });
  });

  it("are refused the same way when adopted, and adoption ends with the request", () => {
    const e = engineWithTable();
    const bad = { TableName: "t", Item: { pk: { S: "a" }, n: { N: "x1" } } };
    expect(() => adoptingInput(() => e.handle("PutItem", bad))).toThrow("cannot be converted into a number");
    expect(() => e.handle("PutItem", bad)).toThrow("cannot be converted into a number");
    // After an adopted request (even one that threw), the next one is copied again.
    const req = request();
    e.handle("PutItem", req);
    expect(req.Item.n).toEqual({ N: "1.50" });
  });
});
