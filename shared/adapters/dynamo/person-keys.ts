import { BatchGetCommand, DeleteCommand, GetCommand } from "@aws-sdk/lib-dynamodb";
import { newDataKey } from "../../domain/personal-data.ts";
import type { KeyWrapper } from "../../ports.ts";
import type { Db } from "./db.ts";
import { type Key, stateKeys } from "./keys.ts";

/** A person's key item as read from the state table (still wrapped). */
export type WrappedKeyItem = { personId: string; wrapped: string };

/**
 * Persons' data keys in the state table, wrapped by the KeyWrapper. The gate reads a person's key in
 * its one batched read (`keyFor` gives the key to add, `open` unwraps what came back) and creates a
 * missing one inside its one transaction (`create`), so sealing costs no extra round trip.
 */
export class PersonKeys {
  constructor(
    private readonly db: Db,
    private readonly wrapper: KeyWrapper,
  ) {}

  keyFor(personId: string): Key {
    return stateKeys.personKey(personId);
  }

  /** Unwrap a key item returned by a read; undefined when there is none (never created, or erased). */
  async open(item: Record<string, unknown> | undefined, personId: string): Promise<Buffer | undefined> {
    if (!item || typeof item.wrapped !== "string") return undefined;
    return this.wrapper.unwrap(item.wrapped, personId);
  }

  /** A new key and the conditional Put that stores it (it must not exist yet: two creators race). */
  async create(personId: string): Promise<{ key: Buffer; item: Record<string, unknown> }> {
    const key = newDataKey();
    const wrapped = await this.wrapper.wrap(key, personId);
    return { key, item: { ...stateKeys.personKey(personId), personId, wrapped } };
  }

  async get(personId: string): Promise<Buffer | undefined> {
    const res = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.tables.state,
        Key: stateKeys.personKey(personId),
        ConsistentRead: true,
      }),
    );
    return this.open(res.Item, personId);
  }

  /** Keys of several people at once (a page of decisions or events). */
  async getMany(personIds: Iterable<string>): Promise<Map<string, Buffer>> {
    const ids = [...new Set(personIds)];
    const out = new Map<string, Buffer>();
    for (let i = 0; i < ids.length; i += 100) {
      let request: Record<string, { Keys: Key[]; ConsistentRead: boolean }> | undefined = {
        [this.db.tables.state]: {
          Keys: ids.slice(i, i + 100).map((id) => stateKeys.personKey(id)),
          ConsistentRead: true,
        },
      };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(200, 10 * 2 ** attempt)));
        const res = await this.db.doc.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of res.Responses?.[this.db.tables.state] ?? []) {
          const personId = item.personId as string;
          const key = await this.open(item, personId);
          if (key) out.set(personId, key);
        }
        request = res.UnprocessedKeys as typeof request;
      }
    }
    return out;
  }

  /** Erase: without this item no sealed copy of the person's data can ever be opened again. */
  async destroy(personId: string): Promise<void> {
    await this.db.doc.send(
      new DeleteCommand({ TableName: this.db.tables.state, Key: stateKeys.personKey(personId) }),
    );
  }
}
