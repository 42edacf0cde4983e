import { AGENT_EVENTS } from "../agents/events.ts";
import type {
  Account,
  AccountInput,
  Person,
  PersonInput,
  RecordProvenance,
  Signal,
  SuppressionInput,
} from "../domain/kb.ts";
import type { EventPublisher, KnowledgeStore } from "../ports.ts";

/**
 * The structured store with a change feed: every write also publishes a kb.* event, which the KB
 * watcher turns into the events agents subscribe to (account.in_icp, person.created, ...). Wrapping
 * the port keeps the core use cases and the API unaware of agents. Both runtimes wrap their KB with
 * it: locally the events go on the in-process bus, in AWS to EventBridge (shared/runtime/aws.ts),
 * whose agent-watchers routes deliver them to functions/events/agent-watchers.ts.
 */
export class ObservedKnowledgeStore implements KnowledgeStore {
  constructor(
    private readonly inner: KnowledgeStore,
    private readonly events: EventPublisher,
  ) {}

  async putAccount(accountId: string, input: AccountInput, at: string): Promise<Account> {
    // Whether it is new: said by the write itself where the store can, else read first.
    const { account, created } = this.inner.upsertAccount
      ? await this.inner.upsertAccount(accountId, input, at)
      : {
          created: !(await this.inner.getAccount(accountId)),
          account: await this.inner.putAccount(accountId, input, at),
        };
    await this.events.publish([{ type: AGENT_EVENTS.accountPut, detail: { accountId, created } }]);
    return account;
  }

  getAccount(accountId: string): Promise<Account | undefined> {
    return this.inner.getAccount(accountId);
  }

  async getPersonAndAccount(
    personId: string,
    accountId: string,
  ): Promise<{ person?: Person; account?: Account }> {
    if (this.inner.getPersonAndAccount) return this.inner.getPersonAndAccount(personId, accountId);
    const [person, account] = await Promise.all([
      this.inner.getPerson(personId),
      this.inner.getAccount(accountId),
    ]);
    return { ...(person ? { person } : {}), ...(account ? { account } : {}) };
  }

  async putPerson(
    personId: string,
    input: PersonInput,
    at: string,
    createdBy?: RecordProvenance,
  ): Promise<Person> {
    const { person, created } = this.inner.upsertPerson
      ? await this.inner.upsertPerson(personId, input, at, createdBy)
      : {
          created: !(await this.inner.getPerson(personId)),
          person: await this.inner.putPerson(personId, input, at, createdBy),
        };
    await this.events.publish([
      { type: AGENT_EVENTS.personPut, detail: { personId, accountId: input.accountId, created } },
    ]);
    return person;
  }

  getPerson(personId: string): Promise<Person | undefined> {
    return this.inner.getPerson(personId);
  }

  personIdByEmail(email: string): Promise<string | undefined> {
    return this.inner.personIdByEmail(email);
  }

  peopleWithEmail(email: string): Promise<string[]> {
    return this.inner.peopleWithEmail(email);
  }

  async addSignals(accountId: string, signals: Signal[], keepSince: string): Promise<void> {
    await this.inner.addSignals(accountId, signals, keepSince);
    await this.events.publish([
      {
        type: AGENT_EVENTS.signalsAdded,
        detail: { accountId, types: [...new Set(signals.map((s) => s.type))] },
      },
    ]);
  }

  addSuppression(input: SuppressionInput, at: string): Promise<{ appliedTo: string[] }> {
    return this.inner.addSuppression(input, at);
  }

  suppressedAmong(accountId: string, personIds: string[]) {
    return this.inner.suppressedAmong(accountId, personIds);
  }
}
