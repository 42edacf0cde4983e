/**
 * The knowledge view a built-in agent's handler reads, over the typed client (remote-agent.ts): the
 * same class the handlers get in process (kb/view.ts), its reads answered by the API with the agent's
 * token. Intent, ICP tier and personas are computed here by the view's own code from the records and
 * the current spec, as in process; the context packet is the server's (GET /v1/context), since it
 * draws on the ledger and facts an agent does not read record by record.
 *
 * One view serves one tick: what it read is kept for the tick, so a handler reading an account's
 * people and then their classifications makes one request (the people page carries them), and the
 * directory read first fills the accounts read next. A read the server refused (403) is remembered in
 * `refused`, since a handler may catch errors per account and carry on.
 */
import type { HarnessClient } from "../client/client.ts";
import type { Decision } from "../domain/decision.ts";
import type { Touch } from "../domain/decision-types.ts";
import { ForbiddenError, NotFoundError } from "../domain/errors.ts";
import type { Account, Person } from "../domain/kb.ts";
import type { Spec } from "../domain/spec-schema.ts";
import type { ContextPacket } from "../kb/context-packet.ts";
import type {
  AudienceSnapshot,
  Classification,
  Committee,
  EmergedRule,
  Fact,
  LeadListEntry,
  MemoryHit,
  TemplateStat,
} from "../kb/types.ts";
import { type DoNotTarget, type KnowledgeDeps, KnowledgeView } from "../kb/view.ts";
import type { Clock } from "../ports.ts";
import { domainError } from "./remote-agent.ts";

/** Ids per batch request: the API's bound (http/kb-read-schemas.ts MAX_BATCH). */
const BATCH = 100;

/** A store this view never calls: every read it serves is overridden below, over the API. */
const notOverTheApi = (port: string) =>
  new Proxy(
    {},
    {
      get: (_t, name) => () => {
        throw new Error(`${port}.${String(name)} is not read over the API (RemoteKnowledgeView)`);
      },
    },
  );

const chunks = <T>(xs: T[], n: number) =>
  Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

export class RemoteKnowledgeView extends KnowledgeView {
  /** Reads the server refused, e.g. "people (GET /v1/kb/records)": a run with any is not a clean run. */
  readonly refused: string[] = [];
  private specRead: Promise<Spec> | undefined;
  private readonly accountCache = new Map<string, Account | null>();
  private readonly personCache = new Map<string, Person | null>();
  private readonly classCache = new Map<string, Classification | null>();
  private readonly peopleCache = new Map<string, Person[]>();
  /** Of each account read through peopleAt: its people the suppression list names, and the account. */
  private readonly doNotTargetCache = new Map<string, DoNotTarget>();

  constructor(
    private readonly client: HarnessClient,
    clock: Clock,
  ) {
    super({
      clock,
      kb: notOverTheApi("kb"),
      agentKb: notOverTheApi("agentKb"),
      learned: notOverTheApi("learned"),
      memory: notOverTheApi("memory"),
      specs: notOverTheApi("specs"),
      decisions: notOverTheApi("decisions"),
    } as unknown as KnowledgeDeps);
  }

  /** One API read, its failure as a domain error; a refusal is also remembered. */
  private async read<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      const e = domainError(err, what);
      if (e instanceof ForbiddenError) this.refused.push(`${what}: ${e.message}`);
      throw e;
    }
  }

  override spec(): Promise<Spec> {
    this.specRead ??= this.read("GET /v1/specs/current", async () => {
      const current = await this.client.currentSpec();
      return current.spec as unknown as Spec;
    });
    return this.specRead;
  }

  override async account(accountId: string): Promise<Account | undefined> {
    return (await this.accounts([accountId]))[0];
  }

  override async person(personId: string): Promise<Person | undefined> {
    await this.records([], [personId]);
    return this.personCache.get(personId) ?? undefined;
  }

  override async personAndAccount(
    personId: string,
    accountId: string,
  ): Promise<{ person?: Person; account?: Account }> {
    await this.records([accountId], [personId]);
    const person = this.personCache.get(personId);
    const account = this.accountCache.get(accountId);
    return { ...(person ? { person } : {}), ...(account ? { account } : {}) };
  }

  override async peopleAt(accountId: string): Promise<Person[]> {
    const known = this.peopleCache.get(accountId);
    if (known) return known;
    const people: Person[] = [];
    const blocked = new Set<string>();
    let named = false;
    // A server older than the field does not say: then asked through its own route when needed.
    let said = true;
    let cursor: string | undefined;
    do {
      const page = await this.read("GET /v1/kb/accounts/{id}/people", () =>
        this.client.kbPeople({ id: accountId, query: { limit: 100, ...(cursor ? { cursor } : {}) } }),
      );
      const items = page.items as unknown as Person[];
      const classes = new Map(
        (page.classifications as unknown as Classification[]).map((c) => [c.personId, c]),
      );
      if (page.doNotTarget === undefined) said = false;
      for (const id of page.doNotTarget ?? []) blocked.add(id);
      if (page.accountDoNotTarget) named = true;
      for (const p of items) {
        people.push(p);
        this.personCache.set(p.personId, p);
        // The page names every classification of its people: one it lacks is known to be absent.
        this.classCache.set(p.personId, classes.get(p.personId) ?? null);
      }
      cursor = page.cursor ?? undefined;
    } while (cursor);
    this.peopleCache.set(accountId, people);
    if (said) this.doNotTargetCache.set(accountId, { account: named, people: blocked });
    return people;
  }

  /**
   * Known from the account's people where they were read (each people page names them); else asked
   * for these people alone (GET /v1/kb/accounts/{id}/do-not-target: ids only, what List Sync may read).
   */
  override async doNotTargetAt(accountId: string, personIds: string[]): Promise<DoNotTarget> {
    const known = this.doNotTargetCache.get(accountId);
    if (known)
      return {
        account: known.account,
        people: known.account ? new Set(personIds) : new Set(personIds.filter((id) => known.people.has(id))),
      };
    // Asked about nobody, the account's people page unread: the route needs ids, and an agent that
    // asks so (the Lead List Builder, of an account with nobody on file) read that page first.
    if (personIds.length === 0) return { account: false, people: new Set() };
    const out: DoNotTarget = { account: false, people: new Set() };
    for (const ids of chunks([...new Set(personIds)], BATCH)) {
      const page = await this.read("GET /v1/kb/accounts/{id}/do-not-target", () =>
        this.client.kbDoNotTarget({ id: accountId, query: { personIds: ids.join(",") } }),
      );
      for (const id of page.personIds) out.people.add(id);
      if (page.account) out.account = true;
    }
    return out;
  }

  override async accountIds(): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.read("GET /v1/kb/accounts", () =>
        this.client.kbAccounts({ query: { limit: 100, ...(cursor ? { cursor } : {}) } }),
      );
      for (const a of page.items as unknown as Account[]) {
        ids.push(a.accountId);
        this.accountCache.set(a.accountId, a);
      }
      cursor = page.cursor ?? undefined;
    } while (cursor);
    return ids;
  }

  override async accounts(ids: string[]): Promise<Account[]> {
    await this.records(ids, []);
    return ids.flatMap((id) => this.accountCache.get(id) ?? []);
  }

  override async classification(personId: string): Promise<Classification | undefined> {
    return (await this.classifications([personId])).get(personId);
  }

  override async classifications(personIds: string[]): Promise<Map<string, Classification>> {
    // People read by id come back with their classifications (GET /v1/kb/records).
    await this.records(
      [],
      personIds.filter((id) => !this.classCache.has(id)),
    );
    const out = new Map<string, Classification>();
    for (const id of personIds) {
      const c = this.classCache.get(id);
      if (c) out.set(id, c);
    }
    return out;
  }

  /** Reads the accounts and people not yet known, in batches; unknown ids are remembered as absent. */
  private async records(accountIds: string[], personIds: string[]): Promise<void> {
    const accounts = [...new Set(accountIds)].filter((id) => !this.accountCache.has(id));
    const people = [...new Set(personIds)].filter(
      (id) => !this.personCache.has(id) || !this.classCache.has(id),
    );
    const batches = Math.max(Math.ceil(accounts.length / BATCH), Math.ceil(people.length / BATCH));
    const accountChunks = chunks(accounts, BATCH);
    const peopleChunks = chunks(people, BATCH);
    for (let i = 0; i < batches; i++) {
      const a = accountChunks[i] ?? [];
      const p = peopleChunks[i] ?? [];
      const answer = await this.read("GET /v1/kb/records", () =>
        this.client.kbRecords({
          query: {
            ...(a.length ? { accountIds: a.join(",") } : {}),
            ...(p.length ? { personIds: p.join(",") } : {}),
          },
        }),
      );
      for (const id of a) this.accountCache.set(id, null);
      for (const id of p) {
        this.personCache.set(id, null);
        this.classCache.set(id, null);
      }
      for (const x of answer.accounts as unknown as Account[]) this.accountCache.set(x.accountId, x);
      for (const x of answer.people as unknown as Person[]) this.personCache.set(x.personId, x);
      for (const x of answer.classifications as unknown as Classification[])
        this.classCache.set(x.personId, x);
    }
  }

  /** Not kept for the tick: a list is built once a day, and touches change as the day goes. */
  override async touchesOf(accountIds: string[]): Promise<Map<string, Touch[]>> {
    const out = new Map<string, Touch[]>();
    for (const ids of chunks([...new Set(accountIds)], BATCH)) {
      const answer = await this.read("GET /v1/kb/touches", () =>
        this.client.kbTouches({ query: { accountIds: ids.join(",") } }),
      );
      for (const item of answer.items)
        out.set(
          item.accountId,
          item.touches.map((t) => ({
            decisionId: t.decisionId,
            agentId: t.agentId,
            actionType: t.actionType,
            channel: t.channel as Touch["channel"],
            ...(t.personId ? { personId: t.personId } : {}),
            from: Date.parse(t.from),
            to: Date.parse(t.to),
            ...(t.expiresAt ? { expiresAt: Date.parse(t.expiresAt) } : {}),
          })),
        );
    }
    return out;
  }

  override async leadList(date: string): Promise<LeadListEntry[]> {
    const entries: LeadListEntry[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.read("GET /v1/kb/lead-lists/{date}", () =>
        this.client.kbLeadList({ date, query: { limit: 100, ...(cursor ? { cursor } : {}) } }),
      );
      entries.push(...(page.items as unknown as LeadListEntry[]));
      cursor = page.cursor ?? undefined;
    } while (cursor);
    return entries;
  }

  override async audienceSnapshots(): Promise<AudienceSnapshot[]> {
    const answer = await this.read("GET /v1/kb/audiences", () => this.client.kbAudiences());
    return answer.items as unknown as AudienceSnapshot[];
  }

  override async templateStats(): Promise<TemplateStat[]> {
    const answer = await this.read("GET /v1/kb/template-stats", () => this.client.kbTemplateStats());
    return answer.items as unknown as TemplateStat[];
  }

  override async searchMemory(accountId: string, query: string, limit = 3): Promise<MemoryHit[]> {
    const answer = await this.read("GET /v1/memory/search", () =>
      this.client.searchMemory({ query: { accountId, query: query.slice(0, 500), limit } }),
    );
    return answer.items as unknown as MemoryHit[];
  }

  /** Through the agents' own route: an agent reads its own decisions, not the ledger. */
  override async proposedBefore(agentId: string, decisionId: string): Promise<boolean> {
    try {
      await this.read("GET /v1/agents/{agentId}/decisions/{id}", () =>
        this.client.agentDecision({ agentId, id: decisionId }),
      );
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  override async decision(decisionId: string): Promise<Decision | undefined> {
    try {
      const d = await this.read("GET /v1/kb/decisions/{id}", () =>
        this.client.kbDecision({ id: decisionId }),
      );
      return d as unknown as Decision;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  override async context(
    target: { accountId: string; personId?: string },
    options: { budgetTokens?: number; query?: string } = {},
  ): Promise<ContextPacket> {
    const packet = await this.read("GET /v1/context", () =>
      this.client.context({
        query: {
          accountId: target.accountId,
          ...(target.personId ? { personId: target.personId } : {}),
          budgetTokens: options.budgetTokens ?? 600,
          ...(options.query ? { query: options.query } : {}),
        },
      }),
    );
    return packet as unknown as ContextPacket;
  }

  // Read by no handler, only by the context packet the server builds: not served record by record.
  override facts(_accountId: string): Promise<Fact[]> {
    return Promise.reject(new Error("facts are read over the API through the context packet only"));
  }
  override committee(_accountId: string): Promise<Committee | undefined> {
    return Promise.reject(new Error("committees are read over the API through the context packet only"));
  }
  override rules(): Promise<EmergedRule[]> {
    return Promise.reject(new Error("emerged rules are not read over the API (none are made now)"));
  }
}
