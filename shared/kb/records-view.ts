/**
 * The knowledge base's records and the spec in force, as the agents' watchers read them
 * (agents/watchers/): an account, a person, both at once, and the account's intent and ICP tier under
 * the current spec. The agents' knowledge view (view.ts) extends it with the agents' ring, the learned
 * ring, memory, decisions and context packets; a function that runs only the watchers builds this and
 * carries none of those (nor the persona rules' pattern engine).
 */
import { computeIntent } from "../domain/checks/quality.ts";
import type { IntentReading } from "../domain/decision-types.ts";
import type { Account, Person } from "../domain/kb.ts";
import type { Spec } from "../domain/spec-schema.ts";
import type { Clock, KnowledgeReads, SpecStore } from "../ports.ts";
import { icpTier } from "./scoring.ts";
import type { IcpTier } from "./types.ts";

export interface RecordsDeps {
  clock: Clock;
  /** Read only: an agent's context never writes the knowledge base (agents propose). */
  kb: KnowledgeReads;
  specs: SpecStore;
}

/** How long a read of the current spec is reused: agents read it on every step of every run. */
const SPEC_CACHE_MS = 1000;

export class RecordsView {
  private cached: { spec: Spec; at: number } | undefined;

  constructor(protected readonly d: RecordsDeps) {}

  async spec(): Promise<Spec> {
    if (this.cached && Date.now() - this.cached.at < SPEC_CACHE_MS) return this.cached.spec;
    const s = await this.d.specs.current();
    if (!s) throw new Error("no spec has been published yet");
    this.cached = { spec: s.spec, at: Date.now() };
    return s.spec;
  }

  account(accountId: string): Promise<Account | undefined> {
    return this.d.kb.getAccount(accountId);
  }
  person(personId: string): Promise<Person | undefined> {
    return this.d.kb.getPerson(personId);
  }

  /**
   * A person and an account (usually theirs, named by the event being handled) in one read where the
   * store can; the caller checks `person.accountId` if it matters which account came back.
   */
  async personAndAccount(
    personId: string,
    accountId: string,
  ): Promise<{ person?: Person; account?: Account }> {
    if (this.d.kb.getPersonAndAccount) return this.d.kb.getPersonAndAccount(personId, accountId);
    const [person, account] = await Promise.all([this.person(personId), this.account(accountId)]);
    return { ...(person ? { person } : {}), ...(account ? { account } : {}) };
  }

  /** Intent as the gate computes it: the spec's weights in force (a refit reaches them via a weights draft). */
  async intent(account: Account): Promise<IntentReading> {
    return computeIntent(await this.spec(), account, this.d.clock.now());
  }

  async tier(account: Account): Promise<{ tier: IcpTier; reasons: string[] }> {
    return icpTier(await this.spec(), account);
  }
}
