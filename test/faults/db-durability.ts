/**
 * Does DynamoDB Local keep every write it acknowledged when it is killed with SIGKILL? The fault suite
 * found a decision answered 201 that was gone after a `kill -9` of DynamoDB Local; this isolates it
 * from the harness: concurrent writers send TransactWriteItems (the gate's and the lifecycle's kind of
 * write) or PutItem through the harness's own client (createDb) to a DynamoDB Local started as the
 * harness starts it, java is killed mid-stream, restarted on the same data, and every acknowledged item
 * is read back. Exits 1 when an acknowledged write is missing.
 *
 *   npx tsx test/faults/db-durability.ts [--trials 5] [--mode tx|put|tx+put]
 *
 * `tx+put` follows each transaction with a PutItem on another item before counting it acknowledged.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import * as z from "zod";
import { createDb } from "../../shared/adapters/dynamo/db.ts";
import { tableNames } from "../../shared/adapters/dynamo/tables.ts";
import { freePort, startDynamoLocal } from "../../shared/adapters/local/dynamodb-local.ts";

const Args = z
  .object({
    trials: z.coerce.number().int().positive().max(100).default(5),
    mode: z.enum(["tx", "put", "tx+put"]).default("tx"),
  })
  .strict();
const { values } = parseArgs({ options: { trials: { type: "string" }, mode: { type: "string" } } });
const args = Args.parse(values);
const TABLE = "durability";
const WRITERS = 8;

async function trial(n: number): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "harness-durability-"));
  const port = await freePort();
  let local = await startDynamoLocal({ dataDir: dir, port });
  const connect = () =>
    createDb({ tables: tableNames("durability"), endpoint: local.endpoint, credentials: local.credentials });
  let db = connect();
  await db.raw.send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  // createDb follows each transaction with a durability barrier in the state table (db.ts).
  await db.raw.send(
    new CreateTableCommand({
      TableName: db.tables.state,
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  const acked: { pk: string; at: number }[] = [];
  const item = (pk: string) => ({ pk: { S: pk } });
  const writer = async (w: number) => {
    for (let i = 0; ; i++) {
      const pk = `w${w}-${i}`;
      try {
        if (args.mode === "put") await db.raw.send(new PutItemCommand({ TableName: TABLE, Item: item(pk) }));
        else
          await db.raw.send(
            new TransactWriteItemsCommand({
              TransactItems: [
                {
                  Put: { TableName: TABLE, Item: item(pk), ConditionExpression: "attribute_not_exists(pk)" },
                },
                { Put: { TableName: TABLE, Item: item(`${pk}-event`) } },
              ],
            }),
          );
        if (args.mode === "tx+put")
          await db.raw.send(new PutItemCommand({ TableName: TABLE, Item: item(`fence-${w}`) }));
        acked.push({ pk, at: Date.now() });
      } catch {
        return;
      }
    }
  };
  const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
  await new Promise((r) => setTimeout(r, 2_000 + Math.random() * 3_000));
  const killedAt = Date.now();
  process.kill(local.pid, "SIGKILL");
  await Promise.all(writers);
  db.raw.destroy();
  await local.stop();
  local = await startDynamoLocal({ dataDir: dir, port });
  db = connect();
  const missing: string[] = [];
  for (const a of acked) {
    const res = await db.raw.send(
      new GetItemCommand({ TableName: TABLE, Key: item(a.pk), ConsistentRead: true }),
    );
    if (!res.Item) missing.push(`${a.pk} (acknowledged ${killedAt - a.at} ms before the kill)`);
  }
  console.log(
    `trial ${n}: ${acked.length} acknowledged, ${missing.length} missing after restart ${missing.join(", ")}`,
  );
  db.raw.destroy();
  await local.stop();
  rmSync(dir, { recursive: true, force: true });
  return missing;
}

let lost = 0;
for (let n = 1; n <= args.trials; n++) if ((await trial(n)).length > 0) lost++;
console.log(`mode ${args.mode}: ${lost} of ${args.trials} kills lost an acknowledged write`);
process.exitCode = lost > 0 ? 1 : 0;
