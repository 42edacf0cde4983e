/**
 * Reads that want a whole partition get all of it: DynamoDB ends a Query page at 1 MB, so a store
 * that sent one Query and returned its Items would silently drop the rest (the variants bandit seeing
 * part of its evidence, a domain suppression reaching part of the domain's accounts). Each partition
 * here is filled past one page with padded items written directly, on the in-process engine, which
 * pages at 1 MB as DynamoDB does.
 */
import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { beforeEach, describe, expect, it } from "vitest";
import { DynamoCrmImportStore } from "../../shared/adapters/dynamo/crm-import-store.ts";
import { createDb, type Db } from "../../shared/adapters/dynamo/db.ts";
import { DynamoKnowledgeStore } from "../../shared/adapters/dynamo/kb-store.ts";
import { agentKeys, type Key, stateKeys } from "../../shared/adapters/dynamo/keys.ts";
import { DynamoLearnedStore } from "../../shared/adapters/dynamo/learned-store.ts";
import { DynamoPauseStore } from "../../shared/adapters/dynamo/pause-store.ts";
import { ensureTables, tableNames } from "../../shared/adapters/dynamo/tables.ts";
import { DynamoEngine } from "../../shared/adapters/dynamo-memory/engine.ts";

/** 8 items of 200 KB: 1.6 MB, so the first page ends after 6 of them. */
const ITEMS = 8;
const padding = "x".repeat(200 * 1024);
const AT = "2026-03-10T14:00:00.000Z";

let db: Db;
beforeEach(async () => {
  db = createDb({ tables: tableNames("pages"), engine: new DynamoEngine() });
  await ensureTables(db.raw, db.tables, { ttl: false });
});

const put = (key: Key, item: Record<string, unknown>) =>
  db.doc.send(new PutCommand({ TableName: db.tables.state, Item: { ...key, ...item, padding } }));
const ids = Array.from({ length: ITEMS }, (_, i) => `n${i}`);

/** The partition really is more than one page: one Query alone would have missed items. */
async function firstPage(pk: string): Promise<number> {
  const res = await db.doc.send(
    new QueryCommand({
      TableName: db.tables.state,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": pk },
    }),
  );
  expect(res.LastEvaluatedKey).toBeDefined();
  return res.Items?.length ?? 0;
}

describe("a store reading a whole partition follows LastEvaluatedKey past 1 MB", () => {
  it("learned store: templateStats() returns every persona × industry × variant cell", async () => {
    for (const id of ids)
      await put(agentKeys.templateStat(id, "vp", "software"), {
        variant: id,
        persona: "vp",
        industry: "software",
        sent: 3,
        replied: 1,
      });
    expect(await firstPage(agentKeys.templatePartition)).toBeLessThan(ITEMS);
    const stats = await new DynamoLearnedStore(db).templateStats();
    expect(stats.map((s) => s.variant).sort()).toEqual(ids);
    expect(stats.every((s) => s.sent === 3 && s.replied === 1 && s.opened === 0)).toBe(true);
  });

  it("learned store: rules() returns every emerged rule", async () => {
    for (const id of ids)
      await put(
        { pk: agentKeys.rulesPartition, sk: id },
        {
          ruleId: id,
          description: "d",
          match: { actionType: "email.send" },
          evidence: { rejected: 1, reviewed: 2 },
          createdAt: AT,
        },
      );
    expect(await firstPage(agentKeys.rulesPartition)).toBeLessThan(ITEMS);
    const rules = await new DynamoLearnedStore(db).rules();
    expect(rules.map((r) => r.ruleId).sort()).toEqual(ids);
  });

  it("pause store: list() returns the pauses of every scope item", async () => {
    for (const id of ids)
      await put(stateKeys.pauses("account", id), {
        pauses: {
          [`p-${id}`]: {
            pauseId: `p-${id}`,
            scope: "account",
            target: id,
            reason: "r",
            createdBy: "op",
            createdAt: AT,
          },
        },
      });
    expect(await firstPage(stateKeys.pauses("account").pk)).toBeLessThan(ITEMS);
    const pauses = await new DynamoPauseStore(db).list();
    expect(pauses.map((p) => p.target).sort()).toEqual(ids);
  });

  it("CRM import store: dealsOf() returns every deal of the account", async () => {
    for (const id of ids)
      await put(stateKeys.accountDeal("acc-1", id), {
        dealId: id,
        accountId: "acc-1",
        name: id,
        stage: "open",
        source: "hubspot",
        updatedAt: AT,
      });
    expect(await firstPage(stateKeys.accountDealsPartition("acc-1"))).toBeLessThan(ITEMS);
    const kb = new DynamoKnowledgeStore(db);
    const deals = await new DynamoCrmImportStore(db, kb).dealsOf("acc-1");
    expect(deals.map((d) => d.dealId).sort()).toEqual(ids);
  });

  it("knowledge store: a domain suppression reaches every account of the domain", async () => {
    for (const id of ids) await put(stateKeys.domainAccount("example.com", id), { accountId: id });
    expect(await firstPage(stateKeys.domainPartition("example.com"))).toBeLessThan(ITEMS);
    const { appliedTo } = await new DynamoKnowledgeStore(db).addSuppression(
      { kind: "domain", value: "Example.com", reason: "asked" },
      AT,
    );
    expect(appliedTo.sort()).toEqual(ids.map((id) => `account:${id}`));
  });
});
