import type { Account, Person, SuppressionEntry } from "../../domain/kb.ts";
import type { KnowledgeReads } from "../../ports.ts";
import { batchGetAll, type Db, itemId, stateItem, withoutKeys } from "./db.ts";
import { type Key, stateKeys } from "./keys.ts";

/** Everyone an address's index holds: the person it names and its `coHolders` (kb-store.ts). */
export const holdersOf = (index: Record<string, unknown> | undefined): Set<string> =>
  new Set([
    ...(typeof index?.personId === "string" ? [index.personId] : []),
    ...((index?.coHolders as Set<string> | undefined) ?? []),
  ]);

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
    return withoutKeys<Account>(await stateItem(this.db, stateKeys.account(accountId)));
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
    const person = withoutKeys<Person>(found.get(itemId(keys.person)));
    const account = withoutKeys<Account>(found.get(itemId(keys.account)));
    return { ...(person ? { person } : {}), ...(account ? { account } : {}) };
  }

  async getPerson(personId: string): Promise<Person | undefined> {
    return withoutKeys<Person>(await stateItem(this.db, stateKeys.person(personId)));
  }

  async personIdByEmail(email: string): Promise<string | undefined> {
    return (await stateItem(this.db, stateKeys.email(email)))?.personId as string | undefined;
  }

  /**
   * Every person on file with the address: the one its index names and the others who have it too
   * (`coHolders`, kb-store.ts upsertPerson), each read to be sure they still have it.
   */
  async peopleWithEmail(email: string): Promise<string[]> {
    const ids = [...holdersOf(await stateItem(this.db, stateKeys.email(email)))];
    if (ids.length <= 1) return ids;
    const found = await batchGetAll(
      this.db,
      ids.map((id) => ({ table: this.db.tables.state, key: stateKeys.person(id) })),
    );
    const address = email.toLowerCase();
    return ids.filter((id) => found.get(itemId(stateKeys.person(id)))?.email === address);
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
