/**
 * One table's items, kept the way Query reads them: per partition key a list sorted by sort key
 * (binary search: O(log n + k) per query), and per global secondary index the same over the index's
 * keys, ties broken by the table key. Items are stored as the AttributeValue JSON of the request and
 * never handed out or mutated in place (the engine clones on the way in and out), so an index entry can
 * point at the stored item itself.
 */
import { DynamoError, validation } from "./errors.ts";
import {
  type AttributeValue,
  compareBinaries,
  compareNumbers,
  compareStrings,
  type Item,
  payload,
} from "./values.ts";

export type ScalarType = "S" | "N" | "B";
export interface KeySchema {
  hash: string;
  range?: string;
}

export interface Entry {
  /** The sort key's value ("" when the key has none). */
  sk: string;
  /** The table key of the item, for ties in an index and for removal. */
  id: string;
  item: Item;
}

/** A list kept sorted by `compare`; insertion and removal by binary search. */
export class SortedEntries {
  readonly list: Entry[] = [];
  constructor(readonly compare: (a: Entry, b: Entry) => number) {}

  /** The first position whose entry is not before `probe` by `before`. */
  bound(before: (e: Entry) => boolean): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.list[mid] as Entry)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** `bound` for the entry `e` itself, without a closure per call (every write does two). */
  private positionOf(e: Entry): number {
    const list = this.list;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(list[mid] as Entry, e) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  upsert(e: Entry): void {
    const i = this.positionOf(e);
    const at = this.list[i];
    if (at && this.compare(at, e) === 0) this.list[i] = e;
    else this.list.splice(i, 0, e);
  }

  remove(e: Entry): void {
    const i = this.positionOf(e);
    const at = this.list[i];
    if (at && this.compare(at, e) === 0) this.list.splice(i, 1);
  }
}

export const scalarCompare = (t: ScalarType) =>
  t === "N" ? compareNumbers : t === "B" ? compareBinaries : compareStrings;

export interface IndexDef {
  name: string;
  schema: KeySchema;
}

/** A sorted store over one key schema: the table itself, or one of its indexes. */
export class KeyedStore {
  readonly partitions = new Map<string, SortedEntries>();
  private order: string[] | undefined;
  readonly compareHash: (a: string, b: string) => number;
  readonly compareSk: (a: string, b: string) => number;
  constructor(
    readonly schema: KeySchema,
    types: Record<string, ScalarType>,
  ) {
    this.compareHash = scalarCompare(types[schema.hash] ?? "S");
    this.compareSk = scalarCompare(schema.range ? (types[schema.range] ?? "S") : "S");
  }

  private entries = (): SortedEntries =>
    new SortedEntries((a, b) => this.compareSk(a.sk, b.sk) || compareStrings(a.id, b.id));

  upsert(hash: string, e: Entry): void {
    let p = this.partitions.get(hash);
    if (!p) {
      p = this.entries();
      this.partitions.set(hash, p);
      this.order = undefined;
    }
    p.upsert(e);
  }

  remove(hash: string, e: Entry): void {
    const p = this.partitions.get(hash);
    if (!p) return;
    p.remove(e);
    if (p.list.length === 0) {
      this.partitions.delete(hash);
      this.order = undefined;
    }
  }

  /** Partition keys in order, for Scan (rebuilt only after a partition appeared or vanished). */
  hashOrder(): string[] {
    this.order ??= [...this.partitions.keys()].sort(this.compareHash);
    return this.order;
  }
}

/** A key attribute's value as the store's string, checked against the declared type. */
export function scalar(
  item: Item,
  attr: string,
  type: ScalarType,
  problem: (what: string) => DynamoError,
): string | undefined {
  const v = item[attr] as AttributeValue | undefined;
  if (v === undefined) return undefined;
  if (!(type in v))
    throw problem(`Type mismatch for key ${attr} expected: ${type} actual: ${Object.keys(v)[0]}`);
  const s = (v as Record<string, string>)[type] as string;
  if (s === "")
    throw problem(
      `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ${type === "S" ? "string" : "binary"} value. Key: ${attr}`,
    );
  return s;
}

export class Table {
  readonly main: KeyedStore;
  readonly indexes = new Map<string, KeyedStore>();
  readonly createdAt = Date.now() / 1000;
  ttlAttribute: string | undefined;
  count = 0;

  constructor(
    readonly name: string,
    readonly schema: KeySchema,
    readonly types: Record<string, ScalarType>,
    indexDefs: IndexDef[],
    /** The CreateTable input, echoed by DescribeTable. */
    readonly definition: Record<string, unknown>,
  ) {
    this.main = new KeyedStore(schema, types);
    for (const d of indexDefs) this.indexes.set(d.name, new KeyedStore(d.schema, types));
  }

  keyAttributes(): string[] {
    return this.schema.range ? [this.schema.hash, this.schema.range] : [this.schema.hash];
  }

  /** The table key of a request: exactly the key attributes, of their declared types. */
  checkKey(key: Item): { hash: string; sk: string; id: string } {
    const names = Object.keys(key);
    const wanted = this.keyAttributes();
    if (names.length !== wanted.length || !wanted.every((n) => n in key))
      throw validation("The provided key element does not match the schema");
    return this.locate(key, (m) => validation(`The provided key element does not match the schema (${m})`));
  }

  /** Where an item lives, from its key attributes (which a Put's item must carry). */
  locate(item: Item, problem = (m: string) => validation(`One or more parameter values were invalid: ${m}`)) {
    const { hash, range } = this.schema;
    const h = scalar(item, hash, this.types[hash] ?? "S", problem);
    if (h === undefined) throw problem(`Missing the key ${hash} in the item`);
    let sk = "";
    if (range) {
      const r = scalar(item, range, this.types[range] ?? "S", problem);
      if (r === undefined) throw problem(`Missing the key ${range} in the item`);
      sk = r;
    }
    return { hash: h, sk, id: `${h}\u0000${sk}` };
  }

  /** Index key attributes present on an item must have their declared type and not be empty. */
  checkIndexKeys(item: Item): void {
    for (const [name, store] of this.indexes) {
      for (const attr of [store.schema.hash, store.schema.range]) {
        if (!attr) continue;
        scalar(item, attr, this.types[attr] ?? "S", (m) =>
          validation(
            `One or more parameter values were invalid: ${m} (a key of the secondary index ${name}). IndexName: ${name}`,
          ),
        );
      }
    }
  }

  get(key: Item): Item | undefined {
    const { hash, sk, id } = this.locate(key);
    const p = this.main.partitions.get(hash);
    if (!p) return undefined;
    const e = p.list[p.bound((x) => this.main.compareSk(x.sk, sk) < 0)];
    return e && e.id === id ? e.item : undefined;
  }

  /** Stores the item (already validated and cloned), replacing any with the same key. */
  put(item: Item): void {
    const at = this.locate(item);
    const old = this.get(item);
    if (!old) this.count++;
    this.main.upsert(at.hash, { sk: at.sk, id: at.id, item });
    for (const store of this.indexes.values()) {
      const e = this.indexEntry(store, item, at.id);
      const was = old ? this.indexEntry(store, old, at.id) : undefined;
      // Same index keys as before (a decision's transition keeps its agent, account and person): the
      // entry is replaced where it stands, instead of spliced out of a long partition and back in.
      if (was && e && was.hash === e.hash && was.entry.sk === e.entry.sk) {
        store.upsert(e.hash, e.entry);
        continue;
      }
      if (was) store.remove(was.hash, was.entry);
      if (e) store.upsert(e.hash, e.entry);
    }
  }

  delete(key: Item): Item | undefined {
    const at = this.locate(key);
    const old = this.get(key);
    if (!old) return undefined;
    this.count--;
    this.main.remove(at.hash, { sk: at.sk, id: at.id, item: old });
    this.unindex(old, at.id);
    return old;
  }

  private unindex(old: Item, id: string): void {
    for (const store of this.indexes.values()) {
      const e = this.indexEntry(store, old, id);
      if (e) store.remove(e.hash, e.entry);
    }
  }

  /** An item's entry in an index: none when it lacks the index's key attributes (a sparse index). */
  private indexEntry(store: KeyedStore, item: Item, id: string): { hash: string; entry: Entry } | undefined {
    const h = item[store.schema.hash];
    const r = store.schema.range ? item[store.schema.range] : { S: "" };
    if (!h || !r) return undefined;
    return { hash: payload(h) as string, entry: { sk: payload(r) as string, id, item } };
  }
}

export const notFound = () =>
  new DynamoError("ResourceNotFoundException", "Cannot do operations on a non-existent table");
