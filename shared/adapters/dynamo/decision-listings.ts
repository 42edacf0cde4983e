/**
 * The decisions' listings (by person, account, agent, status; a time window), a ledger stream's
 * events and the due queue: reads of the ledger's indexes and the state table's due partition, as
 * functions of the table, the data keys and the page cursors. The full store (decision-store.ts) and
 * the read-only one (decision-reader.ts) answer with them; the stores that list nothing (the Release
 * step's, the executors', the gate's) carry none of them.
 */
import { DeleteCommand, QueryCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import type { Decision, LedgerEvent } from "../../domain/decision.ts";
import { ValidationError } from "../../domain/errors.ts";
import { openDecision, openEvent, withheldDecision } from "../../domain/personal-data.ts";
import { STATUSES } from "../../domain/vocabulary.ts";
import type { DecisionQuery, DecisionsBetweenFilter, DueItem } from "../../ports.ts";
import type { PageCursors } from "./cursor.ts";
import type { DataKeys } from "./data-keys.ts";
import { type Db, queryAll } from "./db.ts";
import { type Item, strip } from "./decision-item.ts";
import { ledgerKeys, stateKeys } from "./keys.ts";

/** The data keys `raw`'s items are sealed under, read in one batch: each item's key, if any. */
async function sealingKeys(dataKeys: DataKeys, raw: Item[]): Promise<(i: Item) => Buffer | undefined> {
  const keys = await dataKeys.getMany(
    raw.flatMap((i) => (typeof i.sealedFor === "string" ? [i.sealedFor] : [])),
  );
  return (i) => (typeof i.sealedFor === "string" ? keys.get(i.sealedFor) : undefined);
}

export async function queryDecisions(
  db: Db,
  dataKeys: DataKeys,
  cursors: PageCursors,
  q: DecisionQuery,
): Promise<{ items: Decision[]; cursor?: string }> {
  const [index, value] = q.personId
    ? (["byPerson", ledgerKeys.indexPk.byPerson(q.personId)] as const)
    : q.accountId
      ? (["byAccount", ledgerKeys.indexPk.byAccount(q.accountId)] as const)
      : q.agentId
        ? (["byAgent", ledgerKeys.indexPk.byAgent(q.agentId)] as const)
        : q.status
          ? (["byStatus", ledgerKeys.indexPk.byStatus(q.status)] as const)
          : [undefined, undefined];
  if (!index)
    throw new ValidationError([
      { path: "", message: "give at least one of accountId, personId, agentId, status" },
    ]);
  const filters: string[] = [];
  const values: Record<string, unknown> = { ":v": value };
  const names: Record<string, string> = {};
  const add = (field: "accountId" | "personId" | "agentId" | "status", v: string | undefined) => {
    if (
      v === undefined ||
      (field === "personId" && index === "byPerson") ||
      (field === "accountId" && index === "byAccount") ||
      (field === "agentId" && index === "byAgent") ||
      (field === "status" && index === "byStatus")
    )
      return;
    filters.push(`#${field} = :${field}`);
    names[`#${field}`] = field;
    values[`:${field}`] = v;
  };
  add("accountId", q.accountId);
  add("personId", q.personId);
  add("agentId", q.agentId);
  add("status", q.status);
  // Verdict and spec version narrow whichever index was chosen; neither has an index of its own.
  if (q.verdict !== undefined) {
    filters.push("#verdict = :verdict");
    names["#verdict"] = "verdict";
    values[":verdict"] = q.verdict;
  }
  if (q.specVersion !== undefined) {
    filters.push("#specVersion = :specVersion");
    names["#specVersion"] = "specVersion";
    values[":specVersion"] = q.specVersion;
  }
  // A place in the byStatus listing, oldest first (the reconciler's resume point): with no person,
  // account or agent (which choose another index) and no cursor (which holds its own place).
  if (q.after && (index !== "byStatus" || !q.oldestFirst || q.cursor))
    throw new ValidationError([
      {
        path: "after",
        message: "only by status without a person, account or agent, oldest first, and no cursor",
      },
    ]);
  // A cursor is bound to its index and partition: one from another listing is refused, not run. (The
  // order is the reconciler's own, which no caller of the API sets, so its cursors are its own.)
  const listing = `decisions/${index}/${value}`;
  const startKey = q.cursor
    ? await cursors.decode(listing, q.cursor, ["pk", "sk", `${index}Pk`, `${index}Sk`])
    : undefined;
  const input: QueryCommandInput = {
    TableName: db.tables.ledger,
    IndexName: index,
    KeyConditionExpression: q.after ? `${index}Pk = :v AND ${index}Sk > :after` : `${index}Pk = :v`,
    ExpressionAttributeValues: q.after
      ? {
          ...values,
          ":after": ledgerKeys.statusIndex(q.status as string, q.after.decidedAt, q.after.decisionId)
            .byStatusSk,
        }
      : values,
    ScanIndexForward: !!q.oldestFirst,
    Limit: q.limit,
    ...(filters.length ? { FilterExpression: filters.join(" AND "), ExpressionAttributeNames: names } : {}),
    ...(startKey ? { ExclusiveStartKey: startKey } : {}),
  };
  const res = await db.doc.send(new QueryCommand(input));
  const raw = (res.Items ?? []).map((i) => strip<Item>(i) as Item);
  const keyOf = await sealingKeys(dataKeys, raw);
  const items = raw.map((i) => openDecision(i, keyOf(i)));
  return res.LastEvaluatedKey
    ? { items, cursor: await cursors.encode(listing, res.LastEvaluatedKey) }
    : { items };
}

export async function decisionsBetween(
  db: Db,
  dataKeys: DataKeys,
  since: string,
  until: string,
  limit: number,
  only?: DecisionsBetweenFilter,
): Promise<{ items: Decision[]; more: boolean }> {
  // Every decision is in exactly one status partition of byStatus, sorted by decidedAt: one range
  // Query per status reads the window and nothing else. Stops once more than `limit` are read.
  // `only` filters in the database (actionKind is stored in the clear): the other decisions are
  // never returned, unmarshalled or unsealed. The signals refit reads touches over 90 days this
  // way, a few percent of a window the data agents' record updates fill.
  const filter = only
    ? { FilterExpression: "actionKind = :kind", ExpressionAttributeValues: { ":kind": only.actionKind } }
    : undefined;
  const raw: Item[] = [];
  for (const status of only?.statuses ?? STATUSES) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const res = await db.doc.send(
        new QueryCommand({
          TableName: db.tables.ledger,
          IndexName: "byStatus",
          KeyConditionExpression: "byStatusPk = :pk AND byStatusSk BETWEEN :from AND :to",
          ...(filter ? { FilterExpression: filter.FilterExpression } : {}),
          ExpressionAttributeValues: {
            ":pk": ledgerKeys.indexPk.byStatus(status),
            ":from": ledgerKeys.statusSortFrom(since),
            ":to": ledgerKeys.statusSortTo(until),
            ...filter?.ExpressionAttributeValues,
          },
          Limit: Math.min(1000, limit + 1 - raw.length),
          ...(only?.newestFirst ? { ScanIndexForward: false } : {}),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const i of res.Items ?? []) raw.push(strip<Item>(i) as Item);
      startKey = res.LastEvaluatedKey;
    } while (startKey && raw.length <= limit);
    if (raw.length > limit) break;
  }
  // Without personal data no key is opened: no KMS call, no "key opened" record per person touched.
  const withheld = only?.personalData === false;
  const keyOf = withheld ? undefined : await sealingKeys(dataKeys, raw);
  const seen = new Set<string>();
  const items: Decision[] = [];
  for (const i of raw.slice(0, limit)) {
    const d = keyOf ? openDecision(i, keyOf(i)) : withheldDecision(i);
    // A transition moves an item between status partitions; an index read during one may see it twice.
    if (seen.has(d.decisionId)) continue;
    seen.add(d.decisionId);
    items.push(d);
  }
  return { items, more: raw.length > limit };
}

export async function hasDecisionBy(db: Db, agentId: string): Promise<boolean> {
  // One item's keys from the index, never its attributes: the sealed personal fields stay unread,
  // so no data key is fetched and (in AWS) no kms:Decrypt is needed, only the byAgent index read.
  const res = await db.doc.send(
    new QueryCommand({
      TableName: db.tables.ledger,
      IndexName: "byAgent",
      KeyConditionExpression: "byAgentPk = :v",
      ExpressionAttributeValues: { ":v": ledgerKeys.indexPk.byAgent(agentId) },
      ProjectionExpression: "pk, sk",
      Limit: 1,
    }),
  );
  return (res.Items?.length ?? 0) > 0;
}

export async function ledgerEvents(db: Db, dataKeys: DataKeys, stream: string): Promise<LedgerEvent[]> {
  const raw = (
    await queryAll(db, {
      TableName: db.tables.ledger,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :e)",
      ExpressionAttributeValues: { ":pk": stream, ":e": ledgerKeys.eventPrefix },
    })
  ).map((i) => strip<Item>(i) as Item);
  const keyOf = await sealingKeys(dataKeys, raw);
  return raw.map((i) => openEvent(i, keyOf(i)));
}

export async function dueItems(db: Db, now: number, limit: number, after?: DueItem): Promise<DueItem[]> {
  const res = await db.doc.send(
    new QueryCommand({
      TableName: db.tables.state,
      KeyConditionExpression: "pk = :pk AND sk <= :upTo",
      ExpressionAttributeValues: { ":pk": "DUE", ":upTo": stateKeys.dueUpTo(now) },
      Limit: limit,
      ConsistentRead: true,
      ...(after ? { ExclusiveStartKey: stateKeys.due(after) } : {}),
    }),
  );
  return (res.Items ?? []).map((i) => stateKeys.parseDue(i.sk as string));
}

export async function deleteDue(db: Db, item: DueItem): Promise<void> {
  await db.doc.send(new DeleteCommand({ TableName: db.tables.state, Key: stateKeys.due(item) }));
}
