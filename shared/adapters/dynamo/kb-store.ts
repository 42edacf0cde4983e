import { DeleteCommand, GetCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ContentionError, ErasedError, NotFoundError } from "../../domain/errors.ts";
import type {
  Account,
  AccountInput,
  CrmFields,
  Person,
  PersonInput,
  RecordProvenance,
  RecordSource,
  Signal,
  SuppressionEntry,
} from "../../domain/kb.ts";
import { storedSignal } from "../../domain/kb.ts";
import { emailHash, linkedinHash } from "../../domain/redact.ts";
import type { KnowledgeStore } from "../../ports.ts";
import { absentCheck, batchGetAll, type Db, failedConditions, itemId, stateItem, withoutKeys } from "./db.ts";
import { entriesOf, holdersOf, suppressionItems } from "./kb-reader.ts";
import { DynamoSuppressingReader } from "./kb-suppressions.ts";
import { type Key, stateKeys } from "./keys.ts";

const MAX_SIGNALS = 500;

/** What a CRM import writes beside the input (only the import passes it: any other write drops it). */
export interface Imported {
  source: RecordSource;
  crm?: CrmFields;
}

const emailDomain = (email: string) => email.slice(email.lastIndexOf("@") + 1).toLowerCase();

/**
 * The structured ring of the knowledge base. Suppressions by email and domain are resolved onto the
 * person and account they cover (both when the suppression is added and when a person or account is
 * written later), so the gate only ever reads suppressions by the ids it already has.
 */
export class DynamoKnowledgeStore extends DynamoSuppressingReader implements KnowledgeStore {
  async putAccount(accountId: string, input: AccountInput, at: string): Promise<Account> {
    return (await this.upsertAccount(accountId, input, at)).account;
  }

  /**
   * putAccount, saying whether the account is new. The domain's suppressions are read after the write
   * of the domain index: a domain suppression added meanwhile is then either read here or finds the
   * account through that index (addSuppression), never missed by both.
   */
  async upsertAccount(
    accountId: string,
    input: AccountInput,
    at: string,
    imported?: Imported,
  ): Promise<{ account: Account; created: boolean }> {
    // The signals are addSignals's, versioned: the account is written only over the version read, and
    // read again when a batch of signals came in between. Before, a signal added between the read
    // and the write was lost (a CRM import rewrites an account at every change in HubSpot).
    for (let attempt = 0; ; attempt++) {
      const existing = await this.getAccount(accountId);
      const version = (existing as { signalVersion?: number } | undefined)?.signalVersion;
      const account: Account = {
        ...input,
        accountId,
        signals: existing?.signals ?? [],
        updatedAt: at,
        ...(imported?.source ? { source: imported.source } : {}),
        ...(imported?.crm ? { crm: imported.crm } : {}),
      };
      const writes: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]> = [
        {
          Put: {
            TableName: this.db.tables.state,
            // With its version (absent until a signal came), as read.
            Item: { ...stateKeys.account(accountId), ...account, signalVersion: version },
            // And over its domain as read: two writes of one account with two domains at once each
            // read the old one, and the domain index of the one written first stayed, naming it (a
            // suppression of that domain, or the CRM import's placement by it, found this account).
            ...(existing
              ? {
                  ConditionExpression:
                    "(signalVersion = :v OR attribute_not_exists(signalVersion)) AND #domain = :had",
                  ExpressionAttributeNames: { "#domain": "domain" },
                  ExpressionAttributeValues: { ":v": version ?? -1, ":had": existing.domain },
                }
              : { ConditionExpression: "attribute_not_exists(pk)" }),
          },
        },
        {
          Put: {
            TableName: this.db.tables.state,
            Item: { ...stateKeys.domainAccount(input.domain, accountId), accountId },
          },
        },
      ];
      if (existing && existing.domain !== input.domain) {
        writes.push({
          Delete: {
            TableName: this.db.tables.state,
            Key: stateKeys.domainAccount(existing.domain, accountId),
          },
        });
      }
      try {
        await this.db.doc.send(new TransactWriteCommand({ TransactItems: writes }));
      } catch (err) {
        if (!failedConditions(err) || attempt >= 9) throw err;
        continue;
      }
      for (const e of await this.entries(stateKeys.suppression("domain", input.domain)))
        await this.addEntry(stateKeys.suppression("account", accountId), e);
      return { account, created: !existing };
    }
  }

  async putPerson(
    personId: string,
    input: PersonInput,
    at: string,
    createdBy?: RecordProvenance,
  ): Promise<Person> {
    return (await this.upsertPerson(personId, input, at, createdBy)).person;
  }

  /**
   * putPerson, saying whether the person is new: the account and the person as they are in one read,
   * the write, then the suppressions of the address and its domain in one read (after the write, for
   * the reason given at upsertAccount).
   */
  async upsertPerson(
    personId: string,
    input: PersonInput,
    at: string,
    createdBy?: RecordProvenance,
    imported?: Imported,
  ): Promise<{ person: Person; created: boolean }> {
    const wanted = {
      account: stateKeys.account(input.accountId),
      person: stateKeys.person(personId),
      email: stateKeys.suppression("email", input.email),
      domain: stateKeys.suppression("domain", emailDomain(input.email)),
      index: stateKeys.email(input.email),
    };
    const state = (key: Key) => ({ table: this.db.tables.state, key });
    // Again from the read when the address's index changed since it (another record of the address
    // written at once): each write names whoever held it as read, so none is dropped from it.
    for (let attempt = 1; ; attempt++) {
      const found = await batchGetAll(this.db, [
        state(wanted.account),
        state(wanted.person),
        state(wanted.index),
      ]);
      if (!found.get(itemId(wanted.account)))
        throw new NotFoundError(
          `account ${input.accountId} does not exist; PUT /v1/accounts/${input.accountId} first`,
        );
      const existing = withoutKeys<Person>(found.get(itemId(wanted.person)));
      const index = found.get(itemId(wanted.index));
      // Who created the person is fixed by the write that created it; later upserts do not change it.
      const provenance = existing ? existing.createdBy : createdBy;
      const person: Person = {
        ...input,
        personId,
        updatedAt: at,
        ...(provenance ? { createdBy: provenance } : {}),
        ...(imported?.source ? { source: imported.source } : {}),
        ...(imported?.crm ? { crm: imported.crm } : {}),
      };
      // Never brought back once erased, by id, by address or (under a new id and another address, an
      // agent's guess at it) by LinkedIn profile: a check before the write (the CRM import's) races the
      // erasure, and an agent's contact upsert made none.
      const linkedin = input.linkedinUrl ? linkedinHash(input.linkedinUrl) : undefined;
      const erasureChecks = [
        stateKeys.erasedPerson(personId),
        stateKeys.erasedEmail(emailHash(input.email)),
        ...(linkedin ? [stateKeys.erasedLinkedIn(linkedin)] : []),
      ].map((key) => absentCheck(this.db.tables.state, key));
      const holders = holdersOf(index);
      holders.delete(personId);
      const writes: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]> = [
        ...erasureChecks,
        {
          Put: {
            TableName: this.db.tables.state,
            Item: { ...stateKeys.person(personId), ...person },
            // Over the person as read (its time and address: two writes may share a time): two writes
            // of one person with two addresses at once each read the same old address, one left
            // it, and the other's address kept naming them after the person had moved on (an opt-out
            // of it suppressed them; an erasure by it erased them).
            ...(existing
              ? {
                  ConditionExpression: "updatedAt = :was AND email = :had",
                  ExpressionAttributeValues: { ":was": existing.updatedAt, ":had": existing.email },
                }
              : { ConditionExpression: "attribute_not_exists(pk)" }),
          },
        },
        {
          Update: {
            TableName: this.db.tables.state,
            Key: wanted.index,
            ...indexWrite(index, personId, holders),
          },
        },
      ];
      try {
        await this.db.doc.send(new TransactWriteCommand({ TransactItems: writes }));
      } catch (err) {
        const failed = failedConditions(err);
        if (failed?.some((i) => i < erasureChecks.length))
          throw new ErasedError(`person ${personId} was erased on request: not written again`);
        if (failed !== undefined && attempt < INDEX_ATTEMPTS) continue;
        if (failed !== undefined)
          throw new ContentionError(`person ${personId}: written by others meanwhile, try again`);
        throw err;
      }
      if (existing && existing.email !== input.email) await this.leaveAddress(existing.email, personId);
      const sups = await batchGetAll(this.db, [state(wanted.email), state(wanted.domain)]);
      const inherited = [
        ...entriesOf(sups.get(itemId(wanted.email))),
        ...entriesOf(sups.get(itemId(wanted.domain))),
      ];
      for (const e of inherited) await this.addEntry(stateKeys.suppression("person", personId), e);
      return { person, created: !existing };
    }
  }

  /**
   * A person no longer at an address leaves its index: another who has it is named in their place, or
   * the index goes. Conditional on the index as read, so one who took the address meanwhile keeps it.
   * Before, the index was deleted whoever it named: a second record of the address (written after this
   * one) lost it, and an opt-out of the address then reached nobody.
   */
  private async leaveAddress(email: string, personId: string): Promise<void> {
    const key = stateKeys.email(email);
    for (let attempt = 1; attempt <= INDEX_ATTEMPTS; attempt++) {
      const index = await stateItem(this.db, key);
      const holders = holdersOf(index);
      if (!holders.delete(personId)) return;
      const named = index?.personId as string;
      const next = holders.has(named) ? named : [...holders].sort()[0];
      if (next) holders.delete(next);
      try {
        await this.db.doc.send(
          next
            ? new UpdateCommand({
                TableName: this.db.tables.state,
                Key: key,
                ...indexWrite(index, next, holders),
              })
            : new DeleteCommand({ TableName: this.db.tables.state, Key: key, ...asRead(index) }),
        );
        return;
      } catch (err) {
        if ((err as Error).name !== "ConditionalCheckFailedException") throw err;
      }
    }
  }

  async addSignals(accountId: string, signals: Signal[], keepSince: string): Promise<void> {
    // Read-modify-write with a version condition so concurrent signal batches never lose each other.
    for (let attempt = 0; attempt < 10; attempt++) {
      const res = await this.db.doc.send(
        new GetCommand({
          TableName: this.db.tables.state,
          Key: stateKeys.account(accountId),
          ConsistentRead: true,
        }),
      );
      if (!res.Item) throw new NotFoundError(`account ${accountId} does not exist`);
      const current = (res.Item.signals as Signal[] | undefined) ?? [];
      const merged = [...signals, ...current]
        .filter((s) => s.occurredAt >= keepSince)
        .sort((a, b) => (a.occurredAt < b.occurredAt ? 1 : -1))
        .slice(0, MAX_SIGNALS)
        .map(storedSignal);
      const version = (res.Item.signalVersion as number | undefined) ?? 0;
      try {
        await this.db.doc.send(
          new UpdateCommand({
            TableName: this.db.tables.state,
            Key: stateKeys.account(accountId),
            UpdateExpression: "SET signals = :s, signalVersion = :next",
            ConditionExpression:
              "attribute_exists(pk) AND (attribute_not_exists(signalVersion) OR signalVersion = :v)",
            ExpressionAttributeValues: { ":s": merged, ":next": version + 1, ":v": version },
          }),
        );
        return;
      } catch (err) {
        if ((err as Error).name !== "ConditionalCheckFailedException") throw err;
      }
    }
    throw new Error(`could not add signals to ${accountId}: too much contention`);
  }

  private async entries(key: Key): Promise<SuppressionEntry[]> {
    const res = await this.db.doc.send(
      new GetCommand({ TableName: this.db.tables.state, Key: key, ConsistentRead: true }),
    );
    return entriesOf(res.Item);
  }
}

/**
 * Every suppression entry that applies to the account and the person, with its reason. Not the
 * store's: the gate reads them with its own batch, the agents ask suppressedAmong; tests read here.
 */
export async function suppressionsFor(
  db: Db,
  accountId: string,
  personId?: string,
): Promise<SuppressionEntry[]> {
  const found = await suppressionItems(db, accountId, personId ? [personId] : []);
  return [...found.values()].flatMap((i) => entriesOf(i));
}

/** Tries at the address's index against records of the address written at the same moment. */
const INDEX_ATTEMPTS = 8;

/**
 * The condition that the address's index is as read: absent, at its revision, or (written before
 * revisions were kept) naming whom it named.
 */
const asRead = (index: Record<string, unknown> | undefined) =>
  !index
    ? { ConditionExpression: "attribute_not_exists(pk)" }
    : typeof index.rev === "number"
      ? { ConditionExpression: "rev = :rev", ExpressionAttributeValues: { ":rev": index.rev } }
      : {
          ConditionExpression: "attribute_not_exists(rev) AND personId = :was",
          ExpressionAttributeValues: { ":was": index.personId },
        };

/**
 * The address's index naming `personId`, the others who have the address as its `coHolders` (two
 * records of one buyer, an agent's and the CRM's), so that an opt-out of the address reaches them all
 * (kb-suppressions.ts); only if it is as read (asRead). Before, the last written took the index, and
 * the other was left to be emailed after the address unsubscribed.
 */
function indexWrite(index: Record<string, unknown> | undefined, personId: string, others: Set<string>) {
  const read = asRead(index);
  return {
    UpdateExpression: `SET personId = :p, rev = :next${others.size ? ", coHolders = :o" : " REMOVE coHolders"}`,
    ConditionExpression: read.ConditionExpression,
    ExpressionAttributeValues: {
      ...read.ExpressionAttributeValues,
      ":p": personId,
      ":next": (typeof index?.rev === "number" ? index.rev : 0) + 1,
      ...(others.size ? { ":o": others } : {}),
    },
  };
}
