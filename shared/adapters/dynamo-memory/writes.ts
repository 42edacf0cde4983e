/**
 * PutItem, UpdateItem, DeleteItem, TransactWriteItems and BatchWriteItem. Each write is planned first
 * (request validated, expressions parsed), then checked against the current item (its condition and,
 * for an update, the new item it makes), then applied: a transaction checks all its writes before it
 * applies any, which makes it all-or-nothing. Nothing awaits in between, so no other request can run
 * between a condition and its write.
 */
import { DynamoError, validation } from "./errors.ts";
import { project, type Refs, test } from "./evaluate.ts";
import {
  type Condition,
  type Parsed,
  type Path,
  parseCondition,
  parseUpdate,
  type UpdateActions,
} from "./expressions.ts";
import { type Tables, tableOf } from "./reads.ts";
import { type Input, oneOf, optionalString, requestRefs, requireItem, requireString } from "./requests.ts";
import type { Table } from "./table.ts";
import { applyUpdate, checkUpdateOperands } from "./update.ts";
import { checkItem, clone, type Item, itemSize, MAX_ITEM_BYTES } from "./values.ts";

type Kind = "Put" | "Update" | "Delete" | "ConditionCheck";

interface Plan {
  table: Table;
  id: string;
  key: Item;
  /** The item after the write (undefined: deleted or unchanged); throws a DynamoError if it cannot be made. */
  check(): Checked;
  kind: Kind;
  returnOnFailure: "NONE" | "ALL_OLD";
}

/** A write checked against the current item: the item after it (undefined: none), or a failed condition. */
type Checked =
  | { ok: true; old: Item | undefined; next: Item | undefined; updated?: Path[] }
  | { ok: false; old: Item | undefined };

const RETURN_ON_FAILURE = ["NONE", "ALL_OLD"] as const;

function plan(tables: Tables, kind: Kind, input: Input): Plan {
  const table = tableOf(tables, requireString(input, "TableName"));
  const condText = optionalString(input, "ConditionExpression");
  if (kind === "ConditionCheck" && condText === undefined)
    throw validation("The ConditionExpression parameter is required for a ConditionCheck");
  const cond: Parsed<Condition> | undefined =
    condText === undefined ? undefined : parseCondition("ConditionExpression", condText);
  const updateText = kind === "Update" ? optionalString(input, "UpdateExpression") : undefined;
  const update: Parsed<UpdateActions> | undefined =
    updateText === undefined ? undefined : parseUpdate(updateText);
  const refs: Refs = requestRefs(
    input,
    [...(cond ? [cond] : []), ...(update ? [update] : [])],
    update ? "UpdateExpression" : "ConditionExpression",
  );
  // The checks DynamoDB makes before reading any item: evaluated on no item, only they can throw.
  if (cond) test(cond.tree, undefined, { ...refs, kind: "ConditionExpression" });
  if (update) checkUpdateOperands(update.tree, { ...refs, kind: "UpdateExpression" });
  const returnOnFailure = oneOf(input, "ReturnValuesOnConditionCheckFailure", RETURN_ON_FAILURE, "NONE");
  let item: Item | undefined;
  let key: Item;
  if (kind === "Put") {
    const put = requireItem(input, "Item");
    table.locate(put);
    table.checkIndexKeys(put);
    if (itemSize(put) > MAX_ITEM_BYTES) throw validation("Item size has exceeded the maximum allowed size");
    key = Object.fromEntries(table.keyAttributes().map((a) => [a, put[a]])) as Item;
    item = put;
  } else key = requireItem(input, "Key");
  const { id } = table.checkKey(key);
  return {
    table,
    id,
    key,
    kind,
    returnOnFailure,
    check(): Checked {
      const old = table.get(key);
      if (cond && !test(cond.tree, old, { ...refs, kind: "ConditionExpression" })) return { ok: false, old };
      if (kind === "Put") return { ok: true, old, next: item };
      if (kind === "Delete" || kind === "ConditionCheck") return { ok: true, old, next: undefined };
      if (!update) return { ok: true, old, next: old ?? clone(key) };
      const made = applyUpdate(old, key, update.tree, { ...refs, kind: "UpdateExpression" });
      table.checkIndexKeys(made.item);
      if (itemSize(made.item) > MAX_ITEM_BYTES)
        throw validation("Item size to update has exceeded the maximum allowed size");
      return { ok: true, old, next: made.item, updated: made.updated };
    },
  };
}

function apply(p: Plan, next: Item | undefined): void {
  if (p.kind === "ConditionCheck") return;
  if (next === undefined) p.table.delete(p.key);
  else p.table.put(next);
}

const conditionFailed = (p: Plan, old: Item | undefined) =>
  new DynamoError(
    "ConditionalCheckFailedException",
    "The conditional request failed",
    p.returnOnFailure === "ALL_OLD" && old ? { Item: clone(old) } : {},
  );

/** PutItem, UpdateItem, DeleteItem: one plan, checked and applied, with the ReturnValues asked for. */
export function writeItem(tables: Tables, kind: "Put" | "Update" | "Delete", input: Input) {
  const allowed =
    kind === "Update"
      ? (["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"] as const)
      : (["NONE", "ALL_OLD"] as const);
  const returnValues = oneOf(input, "ReturnValues", allowed as readonly string[], "NONE");
  const p = plan(tables, kind, input);
  const r = p.check();
  if (!r.ok) throw conditionFailed(p, r.old);
  // `next` is the request's own item or an update's new copy: stored as is.
  apply(p, r.next);
  const refs: Refs = { names: input.ExpressionAttributeNames ?? {}, values: {}, kind: "UpdateExpression" };
  switch (returnValues) {
    case "ALL_OLD":
      return r.old ? { Attributes: clone(r.old) } : {};
    case "ALL_NEW":
      return r.next ? { Attributes: clone(r.next) } : {};
    case "UPDATED_OLD": {
      const a = r.old ? project(r.old, r.updated ?? [], refs) : {};
      return Object.keys(a).length > 0 ? { Attributes: a } : {};
    }
    case "UPDATED_NEW": {
      const a = r.next ? project(r.next, r.updated ?? [], refs) : {};
      return Object.keys(a).length > 0 ? { Attributes: a } : {};
    }
    default:
      return {};
  }
}

const KINDS: Kind[] = ["ConditionCheck", "Put", "Delete", "Update"];

/** All or nothing: every condition holds and every write can be made, or nothing is written. */
export function transactWriteItems(tables: Tables, input: Input) {
  const items = input.TransactItems as Input[] | undefined;
  if (!Array.isArray(items) || items.length === 0)
    throw validation(
      "1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null",
    );
  if (items.length > 100)
    throw validation(
      "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100",
    );
  const plans = items.map((t) => {
    const kinds = KINDS.filter((k) => t[k] !== undefined);
    if (kinds.length !== 1)
      throw validation("TransactItems can only contain one of Check, Put, Update or Delete");
    const kind = kinds[0] as Kind;
    return plan(tables, kind, t[kind] as Input);
  });
  const ids = new Set<string>();
  for (const p of plans) {
    const id = `${p.table.name}\u0000${p.id}`;
    if (ids.has(id)) throw validation("Transaction request cannot include multiple operations on one item");
    ids.add(id);
  }
  // An update that cannot be made (a wrong type met in the item) refuses the whole request, before
  // any condition failure is reported: so every write is checked first.
  const results: Checked[] = [];
  let invalid: unknown;
  for (const p of plans) {
    try {
      results.push(p.check());
    } catch (err) {
      invalid ??= err;
    }
  }
  if (invalid) throw invalid;
  const reasons = results.map((r, i) => {
    if (r.ok) return { Code: "None" };
    const p = plans[i] as Plan;
    return {
      Code: "ConditionalCheckFailed",
      Message: "The conditional request failed",
      ...(p.returnOnFailure === "ALL_OLD" && r.old ? { Item: clone(r.old) } : {}),
    };
  });
  if (reasons.some((r) => r.Code !== "None"))
    throw new DynamoError(
      "TransactionCanceledException",
      `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(", ")}]`,
      { CancellationReasons: reasons },
    );
  results.forEach((r, i) => {
    if (r.ok) apply(plans[i] as Plan, r.next);
  });
  return {};
}

/** Puts and deletes without conditions, at most 25, never the same item twice. */
export function batchWriteItem(tables: Tables, input: Input) {
  const request = (input.RequestItems ?? {}) as Record<string, Input[]>;
  const writes = Object.entries(request).flatMap(([name, list]) => list.map((w) => ({ name, w })));
  if (writes.length === 0) throw validation("The requestItems parameter is required for BatchWriteItem");
  if (writes.length > 25) throw validation("Too many items requested for the BatchWriteItem call");
  const seen = new Set<string>();
  const planned = writes.map(({ name, w }) => {
    const table = tableOf(tables, name);
    const item = w.PutRequest ? checkItem(w.PutRequest.Item, "Item") : undefined;
    const key = item ? undefined : requireItem(w.DeleteRequest ?? {}, "Key");
    const { id } = item ? table.locate(item) : table.checkKey(key as Item);
    if (item) {
      table.checkIndexKeys(item);
      if (itemSize(item) > MAX_ITEM_BYTES)
        throw validation("Item size has exceeded the maximum allowed size");
    }
    if (seen.has(`${name}\u0000${id}`)) throw validation("Provided list of item keys contains duplicates");
    seen.add(`${name}\u0000${id}`);
    return { table, item, key };
  });
  for (const { table, item, key } of planned) {
    if (item) table.put(clone(item));
    else table.delete(key as Item);
  }
  return { UnprocessedItems: {} };
}
