import { DeleteCommand, GetCommand } from "@aws-sdk/lib-dynamodb";
import {
  forgetOpened,
  type KeyOwner,
  newDataKey,
  ownerRef,
  parseOwnerRef,
} from "../../domain/personal-data.ts";
import type { KeyWrapper } from "../../ports.ts";
import { batchGetAll, type Db, itemId } from "./db.ts";
import { stateKeys } from "./keys.ts";

/**
 * Data keys (one per person, one per account for account-level decisions) in the state table, wrapped
 * by the KeyWrapper. The gate reads a decision's key in its one batched read (`open` unwraps what came
 * back) and creates a missing one inside its one transaction (`create`), so sealing costs no extra
 * round trip. Deleting a key (`destroy`) is what erasure is.
 */
export class DataKeys {
  /** The wrapped form each key this process opened or created was stored as (see `wrappedOf`). */
  private readonly wrappedForms = new WeakMap<Buffer, string>();

  constructor(
    private readonly db: Db,
    private readonly wrapper: KeyWrapper,
  ) {}

  /** Unwrap a key item returned by a read; undefined when there is none (never created, or destroyed). */
  async open(item: Record<string, unknown> | undefined, owner: KeyOwner): Promise<Buffer | undefined> {
    if (!item || typeof item.wrapped !== "string") return undefined;
    const key = await this.wrapper.unwrap(item.wrapped, ownerRef(owner));
    this.wrappedForms.set(key, item.wrapped);
    return key;
  }

  /**
   * The key item's `wrapped` value as it was when this process read or created `key`: a write sealed
   * with a key it did not just read conditions on the key item still holding it (not destroyed, not
   * replaced). Undefined for a key this object did not hand out.
   */
  wrappedOf(key: Buffer): string | undefined {
    return this.wrappedForms.get(key);
  }

  /** A new key and the conditional Put that stores it (it must not exist yet: two creators race). */
  async create(owner: KeyOwner): Promise<{ key: Buffer; item: Record<string, unknown> }> {
    const key = newDataKey();
    const ref = ownerRef(owner);
    const wrapped = await this.wrapper.wrap(key, ref);
    this.wrappedForms.set(key, wrapped);
    return { key, item: { ...stateKeys.dataKey(owner), owner: ref, wrapped } };
  }

  async get(owner: KeyOwner): Promise<Buffer | undefined> {
    const res = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.tables.state,
        Key: stateKeys.dataKey(owner),
        ConsistentRead: true,
      }),
    );
    return this.open(res.Item, owner);
  }

  /** Keys of several owners at once (a page of decisions or events), by owner ref. */
  async getMany(refs: Iterable<string>): Promise<Map<string, Buffer>> {
    const owners = [...new Set(refs)].flatMap((r) => {
      const o = parseOwnerRef(r);
      return o ? [o] : [];
    });
    const found = await batchGetAll(
      this.db,
      owners.map((o) => ({ table: this.db.tables.state, key: stateKeys.dataKey(o) })),
    );
    const out = new Map<string, Buffer>();
    for (const o of owners) {
      const key = await this.open(found.get(itemId(stateKeys.dataKey(o))), o);
      if (key) out.set(ownerRef(o), key);
    }
    return out;
  }

  /** Without this item no sealed copy of the owner's data can ever be opened again. */
  async destroy(owner: KeyOwner): Promise<void> {
    await this.db.doc.send(
      new DeleteCommand({ TableName: this.db.tables.state, Key: stateKeys.dataKey(owner) }),
    );
    // The plaintexts this process remembers for the owner go with its key (personal-data.ts).
    forgetOpened(ownerRef(owner));
  }
}
