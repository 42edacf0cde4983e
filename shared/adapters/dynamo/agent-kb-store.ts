import { randomUUID } from "node:crypto";
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Account, Person } from "../../domain/kb.ts";
import type { AgentKnowledgeStore } from "../../kb/ports.ts";
import type {
  AccountFlags,
  AudienceSnapshot,
  Classification,
  Committee,
  Fact,
  LeadListEntry,
} from "../../kb/types.ts";
import { batchGetAll, type Db, itemId, queryAll, withoutKeys } from "./db.ts";
import { agentKeys, type Key, stateKeys } from "./keys.ts";

type Item = Record<string, unknown>;

/** A partition of the state table (its items under `skPrefix` when given), strongly consistent, every page. */
async function partitionItems(db: Db, pk: string, skPrefix?: string): Promise<Item[]> {
  return (await queryAll(db, {
    TableName: db.tables.state,
    KeyConditionExpression: skPrefix ? "pk = :pk AND begins_with(sk, :p)" : "pk = :pk",
    ExpressionAttributeValues: { ":pk": pk, ...(skPrefix ? { ":p": skPrefix } : {}) },
    ConsistentRead: true,
  })) as Item[];
}

/**
 * The account directory's reads, apart from the store so that a function reading only them (the
 * signals refit scales its fit on the directory) carries neither the agents' other records nor their
 * writes. Every account id the directory holds, sorted.
 */
export async function directoryAccountIds(db: Db): Promise<string[]> {
  return (await partitionItems(db, agentKeys.directoryPartition)).map((i) => i.accountId as string).sort();
}

/** The accounts of these ids that exist, in the order asked. */
export async function accountsByIds(db: Db, accountIds: string[]): Promise<Account[]> {
  const found = await batchGetAll(
    db,
    accountIds.map((id) => ({ table: db.tables.state, key: stateKeys.account(id) })),
  );
  return accountIds.flatMap((id) => {
    const item = found.get(itemId(stateKeys.account(id)));
    return item ? [withoutKeys<Account>(item) as Account] : [];
  });
}

/** The agents' side of the structured ring, in the state table next to the records it extends. */
export class DynamoAgentKnowledgeStore implements AgentKnowledgeStore {
  constructor(private readonly db: Db) {}

  private get table() {
    return this.db.tables.state;
  }

  private async put(key: Key, value: object): Promise<void> {
    await this.db.doc.send(new PutCommand({ TableName: this.table, Item: { ...key, ...value } }));
  }

  private async get<T>(key: Key): Promise<T | undefined> {
    const res = await this.db.doc.send(
      new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }),
    );
    return withoutKeys<T>(res.Item);
  }

  /**
   * Items by their keys, strongly consistent, every unprocessed key followed (db.ts batchGetAll: its
   * own loop here gave up after 8 immediate attempts and dropped what was left, silently).
   */
  private async batchGet(keys: Key[]): Promise<Item[]> {
    const found = await batchGetAll(
      this.db,
      keys.map((key) => ({ table: this.table, key })),
    );
    return [...found.values()];
  }

  async indexAccount(accountId: string): Promise<void> {
    await this.put(agentKeys.directoryAccount(accountId), { accountId });
  }

  listAccountIds(): Promise<string[]> {
    return directoryAccountIds(this.db);
  }

  getAccounts(accountIds: string[]): Promise<Account[]> {
    return accountsByIds(this.db, accountIds);
  }

  async indexPerson(accountId: string, personId: string): Promise<void> {
    await this.put(agentKeys.personAtAccount(accountId, personId), { personId });
  }

  async peopleAt(accountId: string): Promise<Person[]> {
    const ids = (
      await partitionItems(this.db, agentKeys.accountPartition(accountId), agentKeys.personPrefix)
    ).map((i) => i.personId as string);
    const items = await this.batchGet(ids.map((id) => stateKeys.person(id)));
    return items
      .map((i) => withoutKeys<Person>(i) as Person)
      .filter((p) => p.accountId === accountId)
      .sort((a, b) => a.personId.localeCompare(b.personId));
  }

  async putFacts(facts: Fact[]): Promise<void> {
    for (const f of facts) await this.put(agentKeys.fact(f.accountId, f.factId), f);
  }

  async facts(accountId: string): Promise<Fact[]> {
    return (await partitionItems(this.db, agentKeys.accountPartition(accountId), agentKeys.factPrefix)).map(
      (i) => withoutKeys<Fact>(i) as Fact,
    );
  }

  async putClassification(c: Classification): Promise<void> {
    await this.put(agentKeys.classification(c.personId), c);
  }

  async classification(personId: string): Promise<Classification | undefined> {
    return this.get<Classification>(agentKeys.classification(personId));
  }

  async classifications(personIds: string[]): Promise<Map<string, Classification>> {
    const items = await this.batchGet(personIds.map((id) => agentKeys.classification(id)));
    return new Map(
      items.map((i) => [i.personId as string, withoutKeys<Classification>(i) as Classification]),
    );
  }

  async putCommittee(c: Committee): Promise<void> {
    await this.put(agentKeys.committee(c.accountId), c);
  }

  async committee(accountId: string): Promise<Committee | undefined> {
    return this.get<Committee>(agentKeys.committee(accountId));
  }

  async putLeadListEntry(e: LeadListEntry): Promise<void> {
    await this.put(agentKeys.leadListEntry(e.date, e.accountId), e);
  }

  async leadList(date: string): Promise<LeadListEntry[]> {
    return (await partitionItems(this.db, agentKeys.leadListPartition(date)))
      .map((i) => withoutKeys<LeadListEntry>(i) as LeadListEntry)
      .sort((a, b) => a.ownerId.localeCompare(b.ownerId) || a.rank - b.rank);
  }

  async updateAudienceSnapshot(
    audienceId: string,
    next: (last: AudienceSnapshot | undefined) => AudienceSnapshot,
  ): Promise<void> {
    const key = agentKeys.audienceSynced(audienceId);
    // Read, change, write only if nobody wrote it since (every write gives it a new `rev`): two parts'
    // events handled at once each read the same snapshot, and the later write dropped the other's changes.
    for (let attempt = 1; ; attempt++) {
      const last = await this.get<AudienceSnapshot & { rev?: string }>(key);
      const { rev, ...snapshot } = last ?? {};
      try {
        await this.db.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...key, ...next(last ? (snapshot as AudienceSnapshot) : undefined), rev: randomUUID() },
            ConditionExpression: !last
              ? "attribute_not_exists(pk)"
              : rev === undefined
                ? "attribute_exists(pk) AND attribute_not_exists(rev)"
                : "rev = :rev",
            ...(rev !== undefined ? { ExpressionAttributeValues: { ":rev": rev } } : {}),
          }),
        );
        return;
      } catch (err) {
        if ((err as Error).name !== "ConditionalCheckFailedException" || attempt >= 10) throw err;
      }
    }
  }

  async recordAudienceMembers(audienceId: string, personIds: string[]): Promise<void> {
    const unique = [...new Set(personIds)];
    // 25 at once: a first sync adds the whole audience (hundreds).
    for (let i = 0; i < unique.length; i += 25)
      await Promise.all(
        unique
          .slice(i, i + 25)
          .map((personId) =>
            this.put(agentKeys.audienceMember(personId, audienceId), { personId, audienceId }),
          ),
      );
  }

  async audienceSnapshots(): Promise<AudienceSnapshot[]> {
    return (await partitionItems(this.db, agentKeys.audiencePartition, "SYNCED#")).map((i) => {
      const { rev: _rev, ...snapshot } = withoutKeys<AudienceSnapshot & { rev?: string }>(i) ?? {};
      return snapshot as AudienceSnapshot;
    });
  }

  async flags(accountId: string): Promise<AccountFlags> {
    return (await this.get<AccountFlags>(agentKeys.accountFlags(accountId))) ?? {};
  }

  async setFlagOnce(accountId: string, flag: keyof AccountFlags, at: string): Promise<boolean> {
    try {
      await this.db.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: agentKeys.accountFlags(accountId),
          UpdateExpression: "SET #f = :at",
          ConditionExpression: "attribute_not_exists(#f)",
          ExpressionAttributeNames: { "#f": flag },
          ExpressionAttributeValues: { ":at": at },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === "ConditionalCheckFailedException") return false;
      throw err;
    }
  }

  async clearFlag(accountId: string, flag: keyof AccountFlags): Promise<void> {
    await this.db.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: agentKeys.accountFlags(accountId),
        UpdateExpression: "REMOVE #f",
        ExpressionAttributeNames: { "#f": flag },
      }),
    );
  }
}
