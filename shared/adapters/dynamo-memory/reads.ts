/**
 * GetItem, BatchGetItem, Query and Scan. A page ends after `Limit` items were read (before the filter,
 * as in DynamoDB) or 1 MB of them, and then names its last item as LastEvaluatedKey; a Query walks its
 * partition's sorted list from a binary-searched start, forwards or backwards.
 */
import { validation } from "./errors.ts";
import { project, type Refs, segName, test } from "./evaluate.ts";
import {
  type Condition,
  type Operand,
  type Parsed,
  type Path,
  parseCondition,
  parseProjection,
} from "./expressions.ts";
import { type Input, oneOf, optionalString, requestRefs, requireItem, requireString } from "./requests.ts";
import { type Entry, type KeyedStore, notFound, type SortedEntries, type Table } from "./table.ts";
import {
  type AttributeValue,
  checkItem,
  clone,
  compareStrings,
  type Item,
  itemSize,
  payload,
} from "./values.ts";

export type Tables = Map<string, Table>;

export const tableOf = (tables: Tables, name: string): Table => {
  const t = tables.get(name);
  if (!t) throw notFound();
  return t;
};

const PAGE_BYTES = 1024 * 1024;

const projection = (input: Input) => {
  const text = optionalString(input, "ProjectionExpression");
  return text === undefined ? undefined : parseProjection(text);
};

/** An item as answered. Not a copy: the handler serialises the answer before any other request runs. */
const out = (item: Item, paths: Path[] | undefined, refs: Refs): Item =>
  paths ? project(item, paths, refs) : item;

export function getItem(tables: Tables, input: Input) {
  const table = tableOf(tables, requireString(input, "TableName"));
  const key = requireItem(input, "Key");
  table.checkKey(key);
  const proj = projection(input);
  const refs = requestRefs(input, proj ? [proj] : [], "ProjectionExpression");
  const item = table.get(key);
  return item ? { Item: out(item, proj?.tree, refs) } : {};
}

export function batchGetItem(tables: Tables, input: Input) {
  const request = (input.RequestItems ?? {}) as Record<string, Input>;
  const total = Object.values(request).reduce((n, r) => n + ((r.Keys as unknown[]) ?? []).length, 0);
  if (total === 0) throw validation("The requestItems parameter is required for BatchGetItem");
  if (total > 100) throw validation("Too many items requested for the BatchGetItem call");
  const responses: Record<string, Item[]> = {};
  for (const [name, r] of Object.entries(request)) {
    const table = tableOf(tables, name);
    const proj = projection(r);
    const refs = requestRefs(r, proj ? [proj] : [], "ProjectionExpression");
    const seen = new Set<string>();
    const found: Item[] = [];
    for (const raw of (r.Keys ?? []) as unknown[]) {
      const key = checkItem(raw, "Keys");
      const { id } = table.checkKey(key);
      if (seen.has(id)) throw validation("Provided list of item keys contains duplicates");
      seen.add(id);
      const item = table.get(key);
      if (item) found.push(out(item, proj?.tree, refs));
    }
    responses[name] = found;
  }
  return { Responses: responses, UnprocessedKeys: {} };
}

/** The entries of one partition a key condition selects, as [start, end) positions. */
function keyRange(
  store: KeyedStore,
  p: SortedEntries,
  range: { op: string; a: string; b?: string } | undefined,
): [number, number] {
  const cmp = store.compareSk;
  let start = 0;
  let end = p.list.length;
  if (!range) return [start, end];
  const { op, a, b } = range;
  if (op === "begins_with") {
    start = p.bound((e) => compareStrings(e.sk, a) < 0);
    end = p.bound((e) => compareStrings(e.sk, a) < 0 || e.sk.startsWith(a));
  } else if (op === "BETWEEN") {
    start = p.bound((e) => cmp(e.sk, a) < 0);
    end = p.bound((e) => cmp(e.sk, b as string) <= 0);
  } else {
    if (op === "=" || op === ">=") start = p.bound((e) => cmp(e.sk, a) < 0);
    if (op === ">") start = p.bound((e) => cmp(e.sk, a) <= 0);
    if (op === "=" || op === "<=") end = p.bound((e) => cmp(e.sk, a) <= 0);
    if (op === "<") end = p.bound((e) => cmp(e.sk, a) < 0);
  }
  return [start, Math.max(start, end)];
}

/** The value a key condition compares an attribute with: a :value of the key's type. */
function keyOperand(o: Operand, refs: Refs): string {
  if (o.t !== "value")
    throw validation("Invalid KeyConditionExpression: the key must be compared with a value");
  return String(payload(refs.values[o.ref] as AttributeValue));
}

const keyAttr = (o: Operand, refs: Refs): string | undefined =>
  o.t === "path" && o.path.length === 1 && "name" in (o.path[0] as object)
    ? segName(o.path[0] as { name: string }, refs)
    : undefined;

/** Reads `hash = :v [AND range-condition]` into the partition and the sort key range. */
function keyCondition(tree: Condition, store: KeyedStore, refs: Refs) {
  const parts = tree.t === "and" ? [tree.l, tree.r] : [tree];
  let hash: string | undefined;
  let range: { op: string; a: string; b?: string } | undefined;
  for (const c of parts) {
    const attr =
      c.t === "cmp"
        ? keyAttr(c.l, refs)
        : c.t === "between"
          ? keyAttr(c.v, refs)
          : c.t === "call"
            ? keyAttr(c.args[0] as Operand, refs)
            : undefined;
    if (attr === store.schema.hash && c.t === "cmp" && c.op === "=" && hash === undefined)
      hash = keyOperand(c.r, refs);
    else if (attr !== undefined && attr === store.schema.range && range === undefined) {
      if (c.t === "cmp" && c.op !== "<>") range = { op: c.op, a: keyOperand(c.r, refs) };
      else if (c.t === "between")
        range = { op: "BETWEEN", a: keyOperand(c.lo, refs), b: keyOperand(c.hi, refs) };
      else if (c.t === "call" && c.fn === "begins_with")
        range = { op: "begins_with", a: keyOperand(c.args[1] as Operand, refs) };
      else throw validation("Invalid operator used in KeyConditionExpression");
    } else throw validation(`Query condition missed key schema element: ${store.schema.hash}`);
  }
  if (hash === undefined) throw validation(`Query condition missed key schema element: ${store.schema.hash}`);
  if (range?.op === "BETWEEN" && store.compareSk(range.a, range.b as string) > 0)
    throw validation(
      "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound",
    );
  return { hash, range };
}

function storeFor(table: Table, input: Input): KeyedStore {
  const index = optionalString(input, "IndexName");
  if (index === undefined) return table.main;
  const store = table.indexes.get(index);
  if (!store) throw validation(`The table does not have the specified index: ${index}`);
  if (input.ConsistentRead === true)
    throw validation("Consistent reads are not supported on global secondary indexes");
  return store;
}

/** The key a page ends on: the table's key attributes, and the index's too when reading one. */
function lastKey(table: Table, store: KeyedStore, item: Item): Item {
  const attrs = new Set([
    ...table.keyAttributes(),
    store.schema.hash,
    ...(store.schema.range ? [store.schema.range] : []),
  ]);
  const key: Item = {};
  for (const a of attrs) if (item[a]) key[a] = clone(item[a] as AttributeValue);
  return key;
}

/** The entry an ExclusiveStartKey names (its position: the item need not exist any more). */
function startEntry(table: Table, store: KeyedStore, raw: unknown): { hash: string; entry: Entry } {
  const key = checkItem(raw, "ExclusiveStartKey");
  const at = table.locate(key, (m) => validation(`The provided starting key is invalid: ${m}`));
  const h = key[store.schema.hash];
  const r = store.schema.range ? key[store.schema.range] : { S: "" };
  if (!h || !r) throw validation("The provided starting key is invalid");
  return { hash: String(payload(h)), entry: { sk: String(payload(r)), id: at.id, item: key } };
}

interface PageOptions {
  filter: Parsed<Condition> | undefined;
  proj: Parsed<Path[]> | undefined;
  refs: Refs;
  limit: number | undefined;
  count: boolean;
}

function pageOptions(input: Input, kind: "Query" | "Scan", extra: Parsed<unknown>[]) {
  const filterText = optionalString(input, "FilterExpression");
  const filter = filterText === undefined ? undefined : parseCondition("FilterExpression", filterText);
  const proj = projection(input);
  const select = oneOf(
    input,
    "Select",
    ["ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT"] as const,
    proj ? "SPECIFIC_ATTRIBUTES" : "ALL_ATTRIBUTES",
  );
  if (select === "COUNT" && proj)
    throw validation(
      "Cannot specify the AttributesToGet or ProjectionExpression when choosing to get only the COUNT",
    );
  const limit = input.Limit as number | undefined;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    throw validation(
      "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
  const parsed = [...extra, ...(filter ? [filter] : []), ...(proj ? [proj] : [])];
  const refs = requestRefs(input, parsed, kind === "Query" ? "KeyConditionExpression" : "FilterExpression");
  // The filter's type checks, made before any item is read (evaluated on no item, only they throw).
  if (filter) test(filter.tree, undefined, { ...refs, kind: "FilterExpression" });
  return { filter, proj, refs, limit, count: select === "COUNT" } satisfies PageOptions;
}

/** Reads entries in order until the limit or 1 MB; the page and the key to resume after. */
function page(table: Table, store: KeyedStore, next: () => Entry | undefined, o: PageOptions) {
  const items: Item[] = [];
  let scanned = 0;
  let bytes = 0;
  let last: Entry | undefined;
  let count = 0;
  for (let e = next(); e; e = next()) {
    scanned++;
    bytes += itemSize(e.item);
    last = e;
    if (!o.filter || test(o.filter.tree, e.item, { ...o.refs, kind: "FilterExpression" })) {
      count++;
      if (!o.count) items.push(out(e.item, o.proj?.tree, o.refs));
    }
    if (scanned === o.limit || bytes >= PAGE_BYTES) break;
  }
  // A page that reached its limit names its last key only if more items follow (DynamoDB may name it
  // anyway, leaving an empty last page: callers handle both).
  const more = last !== undefined && (scanned === o.limit || bytes >= PAGE_BYTES) && next() !== undefined;
  return {
    ...(o.count ? {} : { Items: items }),
    Count: count,
    ScannedCount: scanned,
    ...(more && last ? { LastEvaluatedKey: lastKey(table, store, last.item) } : {}),
  };
}

/** The attributes a condition reads (the first step of each path). */
function attributesRead(c: Condition, refs: Refs, out = new Set<string>()): Set<string> {
  const operand = (o: Operand): void => {
    if (o.t === "path") {
      const first = o.path[0];
      if (first && "name" in first) out.add(segName(first, refs));
    } else if (o.t === "call") for (const a of o.args) operand(a);
    else if (o.t === "arith") for (const a of [o.l, o.r]) operand(a);
  };
  if (c.t === "and" || c.t === "or") for (const x of [c.l, c.r]) attributesRead(x, refs, out);
  else if (c.t === "not") attributesRead(c.c, refs, out);
  else {
    const operands =
      c.t === "cmp"
        ? [c.l, c.r]
        : c.t === "between"
          ? [c.v, c.lo, c.hi]
          : c.t === "in"
            ? [c.v, ...c.list]
            : (c as { args: Operand[] }).args;
    for (const o of operands) operand(o);
  }
  return out;
}

export function query(tables: Tables, input: Input) {
  const table = tableOf(tables, requireString(input, "TableName"));
  const store = storeFor(table, input);
  const key = parseCondition("KeyConditionExpression", requireString(input, "KeyConditionExpression"));
  const o = pageOptions(input, "Query", [key]);
  if (o.filter) {
    const keys = new Set([store.schema.hash, ...(store.schema.range ? [store.schema.range] : [])]);
    for (const a of attributesRead(o.filter.tree, o.refs))
      if (keys.has(a))
        throw validation(
          `Filter Expression can only contain non-primary key attributes: Primary key attribute: ${a}`,
        );
  }
  const { hash, range } = keyCondition(key.tree, store, { ...o.refs, kind: "KeyConditionExpression" });
  const forward = input.ScanIndexForward !== false;
  const p = store.partitions.get(hash);
  if (!p) return o.count ? { Count: 0, ScannedCount: 0 } : { Items: [], Count: 0, ScannedCount: 0 };
  let [start, end] = keyRange(store, p, range);
  if (input.ExclusiveStartKey) {
    const from = startEntry(table, store, input.ExclusiveStartKey);
    if (from.hash !== hash)
      throw validation("The provided starting key is outside query boundaries based on provided conditions");
    if (forward)
      start = Math.max(
        start,
        p.bound((e) => p.compare(e, from.entry) <= 0),
      );
    else
      end = Math.min(
        end,
        p.bound((e) => p.compare(e, from.entry) < 0),
      );
  }
  let i = forward ? start : end - 1;
  const next = () => {
    if (forward ? i >= end : i < start) return undefined;
    const e = p.list[i];
    i += forward ? 1 : -1;
    return e;
  };
  return page(table, store, next, o);
}

export function scan(tables: Tables, input: Input) {
  const table = tableOf(tables, requireString(input, "TableName"));
  const store = storeFor(table, input);
  // A parallel scan's segment: the partitions whose key hashes to it (DynamoDB splits by hash range;
  // any split that gives each partition to exactly one segment reads the same items).
  const total = input.TotalSegments;
  const segment = input.Segment;
  if ((segment === undefined) !== (total === undefined))
    throw validation("Segment and TotalSegments must be given together");
  if (
    total !== undefined &&
    (typeof total !== "number" ||
      !Number.isInteger(total) ||
      total < 1 ||
      total > 1_000_000 ||
      typeof segment !== "number" ||
      !Number.isInteger(segment) ||
      segment < 0 ||
      segment >= total)
  )
    throw validation(
      "Segment must be an integer from 0 to TotalSegments - 1, TotalSegments from 1 to 1000000",
    );
  const inSegment = (hash: string) => total === undefined || fnv1a(hash) % (total as number) === segment;
  const o = pageOptions(input, "Scan", []);
  const order = store.hashOrder();
  let h = 0;
  let i = 0;
  if (input.ExclusiveStartKey) {
    const from = startEntry(table, store, input.ExclusiveStartKey);
    if (!inSegment(from.hash))
      throw validation("The provided starting key is invalid: it is not in the scan's segment");
    h = order.findIndex((x) => store.compareHash(x, from.hash) >= 0);
    if (h < 0) h = order.length;
    const p = store.partitions.get(order[h] as string);
    if (p && order[h] === from.hash) i = p.bound((e) => p.compare(e, from.entry) <= 0);
  }
  const next = (): Entry | undefined => {
    for (; h < order.length; h++, i = 0) {
      if (!inSegment(order[h] as string)) continue;
      const p = store.partitions.get(order[h] as string);
      if (p && i < p.list.length) return p.list[i++];
    }
    return undefined;
  };
  return page(table, store, next, o);
}

/** FNV-1a of a partition key: which segment of a parallel scan reads it. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
