import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { Account, Person, SuppressionEntry } from "../../domain/kb.ts";
import type { KnowledgeReads } from "../../ports.ts";
import { batchGetAll, type Db, itemId } from "./db.ts";
import { type Key, stateKeys } from "./keys.ts";

export const strip = <T>(item: Record<string, unknown> | undefined): T | undefined => {
  if (!item) return undefined;
  const { pk: _p, sk: _s, ...rest } = item;
  return rest as T;
};

/** The entries of a suppression item as read (none when there is no item). */
export const entriesOf = (item: Record<string, unknown> | undefined): SuppressionEntry[] =>
  Object.values((item?.entries as Record<string, SuppressionEntry> | undefined) ?? {});

/**
 * The knowledge base's records as read: an account, a person, both at once, a person by address, and
 * which of them the suppression list names. DynamoKnowledgeStore (kb-store.ts) adds the writes; a
 * function whose role may only read the state table is built with this alone (the decisions API,
 * which explains why a person was contacted: shared/runtime/aws-stores.ts), 6 KB less.
 */
export class DynamoKnowledgeReader implements KnowledgeReads {
  constructor(protected readonly db: Db) {}

  async getAccount(accountId: string): Promise<Account | undefined> {
    const res = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.tables.state,
        Key: stateKeys.account(accountId),
        ConsistentRead: true,
      }),
    );
    return strip<Account>(res.Item);
  }

  async getPersonAndAccount(
    personId: string,
    accountId: string,
  ): Promise<{ person?: Person; account?: Account }> {
    const keys = { person: stateKeys.person(personId), account: stateKeys.account(accountId) };
    const found = await batchGetAll(this.db, [
      { table: this.db.tables.state, key: keys.person },
      { table: this.db.tables.state, key: keys.account },
    ]);
    const person = strip<Person>(found.get(itemId(keys.person)));
    const account = strip<Account>(found.get(itemId(keys.account)));
    return { ...(person ? { person } : {}), ...(account ? { account } : {}) };
  }

  async getPerson(personId: string): Promise<Person | undefined> {
    const res = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.tables.state,
        Key: stateKeys.person(personId),
        ConsistentRead: true,
      }),
    );
    return strip<Person>(res.Item);
  }

  async personIdByEmail(email: string): Promise<string | undefined> {
    const res = await this.db.doc.send(
      new GetCommand({ TableName: this.db.tables.state, Key: stateKeys.email(email), ConsistentRead: true }),
    );
    return res.Item?.personId as string | undefined;
  }

  async suppressedAmong(accountId: string, personIds: string[]) {
    const people = [...new Set(personIds)];
    const found = await suppressionItems(this.db, accountId, people);
    const has = (key: Key) => entriesOf(found.get(itemId(key))).length > 0;
    return {
      account: has(stateKeys.suppression("account", accountId)),
      people: new Set(people.filter((id) => has(stateKeys.suppression("person", id)))),
    };
  }
}

/** The account's and the people's entries, following UnprocessedKeys: a throttled key read as absent would be a suppression missed. */
export function suppressionItems(db: Db, accountId: string, personIds: string[]) {
  const keys = [
    stateKeys.suppression("account", accountId),
    ...personIds.map((id) => stateKeys.suppression("person", id)),
  ];
  return batchGetAll(
    db,
    keys.map((key) => ({ table: db.tables.state, key })),
  );
}
