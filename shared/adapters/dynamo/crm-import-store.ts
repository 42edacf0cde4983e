import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Account, AccountInput, Person, PersonInput } from "../../domain/kb.ts";
import { emailHash } from "../../domain/redact.ts";
import { isMergeReason } from "../../usecases/crm-contact-merge.ts";
import type { CrmImportStore, CrmLink, FollowedType, Source } from "../../usecases/crm-import.ts";
import type { CrmObjectType, Deal } from "../../usecases/crm-records.ts";
import { batchGetAll, type Db, itemId, queryAll } from "./db.ts";
import { entriesOf } from "./kb-reader.ts";
import type { DynamoKnowledgeStore } from "./kb-store.ts";
import { type Key, stateKeys } from "./keys.ts";

const SYSTEM = "hubspot";

/**
 * The knowledge base as the CRM import writes it, in the state table: accounts and people through the
 * KB store's own upserts (its domain and email indexes and suppression inheritance apply), deals under
 * their account, and one link item per imported CRM record naming what it became.
 */
/** The knowledge base's record a CRM record was imported as, if it was (the webhook's deletions read it too). */
export async function crmLink(db: Db, objectType: CrmObjectType, id: string): Promise<CrmLink | undefined> {
  const res = await db.doc.send(
    new GetCommand({
      TableName: db.tables.state,
      Key: stateKeys.crmLink(SYSTEM, objectType, id),
      ConsistentRead: true,
    }),
  );
  if (typeof res.Item?.kbId !== "string") return undefined;
  return {
    kbId: res.Item.kbId,
    ...(typeof res.Item.mergedInto === "string" ? { mergedInto: res.Item.mergedInto } : {}),
  };
}

/**
 * The person a HubSpot contact was imported as, and the contact it was merged into if it was: the CRM
 * import's link, else its id for a contact whose link a stopped run never wrote (the webhook and the
 * poll). One read of the link for both (a deletion asks both).
 */
export const importedContactOf =
  (db: Db, kb: { getPerson(personId: string): Promise<unknown> }) =>
  async (contactId: string): Promise<{ personId?: string; mergedInto?: string }> => {
    const link = await crmLink(db, "contacts", contactId);
    if (link) return { personId: link.kbId, ...(link.mergedInto ? { mergedInto: link.mergedInto } : {}) };
    const imported = `hubspot-contact-${contactId}`;
    return (await kb.getPerson(imported)) ? { personId: imported } : {};
  };

/** The person a HubSpot contact was imported as (importedContactOf). */
export const importedPersonOf = (db: Db, kb: { getPerson(personId: string): Promise<unknown> }) => {
  const contactOf = importedContactOf(db, kb);
  return async (contactId: string): Promise<string | undefined> => (await contactOf(contactId)).personId;
};

/** Link a CRM record to what it became (the import; the webhook, when HubSpot merges contacts). */
export async function putCrmLink(
  db: Db,
  objectType: CrmObjectType,
  id: string,
  link: CrmLink,
): Promise<void> {
  await db.doc.send(
    new PutCommand({
      TableName: db.tables.state,
      Item: {
        ...stateKeys.crmLink(SYSTEM, objectType, id),
        kbId: link.kbId,
        ...(link.mergedInto ? { mergedInto: link.mergedInto } : {}),
      },
    }),
  );
}

export class DynamoCrmImportStore implements CrmImportStore {
  constructor(
    private readonly db: Db,
    private readonly kb: DynamoKnowledgeStore,
  ) {}

  private async get(key: Key): Promise<Record<string, unknown> | undefined> {
    const res = await this.db.doc.send(
      new GetCommand({ TableName: this.db.tables.state, Key: key, ConsistentRead: true }),
    );
    return res.Item;
  }

  async link(objectType: CrmObjectType, id: string): Promise<CrmLink | undefined> {
    return crmLink(this.db, objectType, id);
  }

  async putLink(objectType: CrmObjectType, id: string, link: CrmLink): Promise<void> {
    await putCrmLink(this.db, objectType, id, link);
  }

  async markPending(type: FollowedType, companyId: string, at: string, afterId?: string): Promise<void> {
    await this.db.doc.send(
      new PutCommand({
        TableName: this.db.tables.state,
        Item: {
          ...stateKeys.crmPending(SYSTEM, companyId, type),
          open: true,
          at,
          ...(afterId ? { afterId } : {}),
        },
      }),
    );
  }

  async pending(type: FollowedType, companyId: string): Promise<{ afterId?: string } | undefined> {
    const item = await this.get(stateKeys.crmPending(SYSTEM, companyId, type));
    if (item?.open !== true) return undefined;
    return typeof item.afterId === "string" ? { afterId: item.afterId } : {};
  }

  async clearPending(type: FollowedType, companyId: string, at: string): Promise<void> {
    // Put, not deleted: the import's role deletes nothing from the link partitions.
    await this.db.doc.send(
      new PutCommand({
        TableName: this.db.tables.state,
        Item: { ...stateKeys.crmPending(SYSTEM, companyId, type), open: false, at },
      }),
    );
  }

  async unfinishedFollows(): Promise<string[]> {
    const item = await this.get(stateKeys.crmUnfinishedFollows(SYSTEM));
    return item?.companies instanceof Set ? [...(item.companies as Set<string>)].sort() : [];
  }

  async setUnfinishedFollow(companyId: string, unfinished: boolean): Promise<void> {
    // A string set, added to and taken from in place: two runs never lose each other's companies.
    await this.db.doc.send(
      new UpdateCommand({
        TableName: this.db.tables.state,
        Key: stateKeys.crmUnfinishedFollows(SYSTEM),
        UpdateExpression: `${unfinished ? "ADD" : "DELETE"} companies :c`,
        ExpressionAttributeValues: { ":c": new Set([companyId]) },
      }),
    );
  }

  async accountIdByDomain(domain: string): Promise<string | undefined> {
    const res = await this.db.doc.send(
      new QueryCommand({
        TableName: this.db.tables.state,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": stateKeys.domainPartition(domain.toLowerCase()) },
        Limit: 1,
        // A company of the same domain imported a moment ago (the next record of the same page) must be
        // found, or its duplicate becomes an account of its own, a prospect beside the customer.
        ConsistentRead: true,
      }),
    );
    return res.Items?.[0]?.accountId as string | undefined;
  }

  personIdByEmail(email: string): Promise<string | undefined> {
    return this.kb.personIdByEmail(email);
  }

  async erased(email: string, personId?: string): Promise<string | undefined> {
    const byEmail = await this.get(stateKeys.erasedEmail(emailHash(email)));
    if (byEmail) return String(byEmail.personId);
    if (personId !== undefined && (await this.get(stateKeys.erasedPerson(personId)))) return personId;
    return undefined;
  }

  getAccount(accountId: string): Promise<Account | undefined> {
    return this.kb.getAccount(accountId);
  }

  getPerson(personId: string): Promise<Person | undefined> {
    return this.kb.getPerson(personId);
  }

  async getDeal(accountId: string, dealId: string): Promise<Deal | undefined> {
    const item = await this.get(stateKeys.accountDeal(accountId, dealId));
    if (!item) return undefined;
    const { pk: _p, sk: _s, ...deal } = item;
    return deal as unknown as Deal;
  }

  async suppressEmail(email: string, reason: string, at: string): Promise<void> {
    await this.kb.addSuppression({ kind: "email", value: email, channels: ["email"], reason }, at);
  }

  async suppressPerson(personId: string, reason: string, at: string): Promise<void> {
    await this.kb.addSuppression({ kind: "person", value: personId, channels: ["email"], reason }, at);
  }

  async mergedAway(personIds: string[]): Promise<Set<string>> {
    const keys = personIds.map((id) => [id, stateKeys.suppression("person", id)] as const);
    const found = await batchGetAll(
      this.db,
      keys.map(([, key]) => ({ table: this.db.tables.state, key })),
    );
    const away = (key: Key) => entriesOf(found.get(itemId(key))).some((e) => isMergeReason(e.reason));
    return new Set(keys.filter(([, key]) => away(key)).map(([id]) => id));
  }

  async suppressPersonEverywhere(personId: string, reason: string, at: string): Promise<void> {
    await this.kb.addSuppression({ kind: "person", value: personId, reason }, at);
  }

  async suppressAccount(accountId: string, reason: string, at: string): Promise<void> {
    // No channels: every channel (do-not-contact).
    await this.kb.addSuppression({ kind: "account", value: accountId, reason }, at);
  }

  async putAccount(
    id: string,
    input: AccountInput,
    at: string,
    source: Source,
    crm: Account["crm"],
  ): Promise<boolean> {
    return (await this.kb.upsertAccount(id, input, at, { source, ...(crm ? { crm } : {}) })).created;
  }

  async putPerson(
    id: string,
    input: PersonInput,
    at: string,
    source: Source,
    crm: Person["crm"],
  ): Promise<boolean> {
    return (await this.kb.upsertPerson(id, input, at, undefined, { source, ...(crm ? { crm } : {}) }))
      .created;
  }

  async putDeal(deal: Deal, movedFrom?: string): Promise<void> {
    const table = this.db.tables.state;
    await this.db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: table,
              Item: { ...stateKeys.accountDeal(deal.accountId, deal.dealId), ...deal },
            },
          },
          ...(movedFrom
            ? [{ Delete: { TableName: table, Key: stateKeys.accountDeal(movedFrom, deal.dealId) } }]
            : []),
        ],
      }),
    );
  }

  /** The deals imported for an account (for reads and tests). */
  async dealsOf(accountId: string): Promise<Deal[]> {
    const items = await queryAll(this.db, {
      TableName: this.db.tables.state,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": stateKeys.accountDealsPartition(accountId) },
    });
    return items.map(({ pk: _p, sk: _s, ...d }) => d as unknown as Deal);
  }
}
