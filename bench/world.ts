/**
 * The benchmark's world: in-ICP accounts with a VP and ~20 signals, level-3 agents and happy-path email
 * proposals. Modelled on test/helpers/world.ts (copied, not imported: bench/ does not depend on test/).
 */
import { BatchWriteCommand, type BatchWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import type { Db } from "../shared/adapters/dynamo/db.ts";
import { stateKeys } from "../shared/adapters/dynamo/keys.ts";
import { type Account, AccountInput, type Person, PersonInput, type Signal } from "../shared/domain/kb.ts";
import { parseWith } from "../shared/domain/validation.ts";
import type { AppDeps } from "../shared/http/routes.ts";
import type { TokenRecord, TokenStore } from "../shared/ports.ts";
import { getSpec } from "../shared/usecases/admin.ts";
import type { Principal } from "../shared/usecases/principal.ts";
import { pinTrust } from "../shared/usecases/trust.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A Tuesday, 10:00 in New York: far from day boundaries. */
export const T0 = Date.parse("2026-03-10T14:00:00Z");

export const ACTION_TYPE = "email.send";

/**
 * Several agents share the load so that no agent reaches the default spec's 200 decisions per agent per
 * day; each phase runs on its own day so that the 500 emails per day are not reached either.
 */
export const AGENT_IDS = ["bench-a", "bench-b", "bench-c", "bench-d"] as const;

export const agentPrincipal = (agentId: string): Principal => ({
  subject: `agent:${agentId}`,
  roles: [`agent:${agentId}`],
});

export class MemoryTokenStore implements TokenStore {
  private readonly records = new Map<string, TokenRecord>();
  async put(record: TokenRecord): Promise<void> {
    this.records.set(record.tokenHash, record);
  }
  async get(tokenHash: string): Promise<TokenRecord | undefined> {
    return this.records.get(tokenHash);
  }
}

export const accountIdOf = (i: number) => `bench-acct-${String(i).padStart(4, "0")}`;
export const personIdOf = (accountId: string) => `${accountId}-jane`;

/** An account the default spec's ICP accepts (Software, 250 employees). */
export const accountInput = (accountId: string): AccountInput => ({
  name: "Acme Analytics",
  domain: `${accountId}.io`,
  industry: "Software",
  employees: 250,
  country: "US",
  timezone: "America/New_York",
  lifecycle: "prospect",
});

/** A VP Sales: the "vp" persona, a champion, allowed for email.send. */
export const personInput = (accountId: string): PersonInput => ({
  accountId,
  email: `jane@${accountId}.io`,
  // The LinkedIn mix messages her: the gate sends a message only to a profile on file.
  linkedinUrl: `https://www.linkedin.com/in/jane-${accountId}`,
  firstName: "Jane",
  lastName: "Doe",
  title: "VP Sales",
});

/**
 * Twenty signals of mixed types and ages, some outside their windows. Three pricing-page visits in the
 * last hours alone give intent 75 (≥ 60), and they stay in their 7-day window for the whole run.
 */
export function signalsFor(accountId: string, now: number): Signal[] {
  const personId = personIdOf(accountId);
  const at = (ms: number) => new Date(now - ms).toISOString();
  const spec: [type: string, ago: number, person: boolean][] = [
    ["pricing_page_visit", 1 * HOUR, true],
    ["pricing_page_visit", 2 * HOUR, true],
    ["pricing_page_visit", 3 * HOUR, true],
    ["pricing_page_visit", 20 * DAY, false],
    ["pricing_page_visit", 25 * DAY, false],
    ["website_visit", 4 * HOUR, false],
    ["website_visit", 1 * DAY, false],
    ["website_visit", 2 * DAY, true],
    ["website_visit", 3 * DAY, false],
    ["website_visit", 4 * DAY, false],
    ["website_visit", 5 * DAY, false],
    ["blog_visit", 1 * DAY, false],
    ["blog_visit", 2 * DAY, false],
    ["blog_visit", 4 * DAY, false],
    ["blog_visit", 6 * DAY, false],
    ["g2_research", 3 * DAY, false],
    ["g2_research", 10 * DAY, false],
    ["new_sales_leader", 30 * DAY, false],
    ["demo_request", 30 * DAY, false],
    ["funding_round", 40 * DAY, false],
  ];
  return spec.map(([type, ago, person]) => ({
    type,
    occurredAt: at(ago),
    ...(person ? { personId } : {}),
    source: "bench",
  }));
}

/**
 * Seed accounts, each with its VP and signals, straight into the state table with BatchWriteItem: the
 * same items the knowledge-base store writes (account and person profiles with the domain and email
 * lookups, keys from the key design in adapters/dynamo/keys.ts), inputs validated by the API's schemas.
 * Through the admin use cases it would take ~11 requests per account, which on a busy 2-core machine
 * costs most of the time budget; every decision's `allow` is checked, so a drifted shape stops the run.
 */
export async function seedAccounts(db: Db, now: number, accountIds: readonly string[], concurrency = 4) {
  const at = new Date(now).toISOString();
  const items = accountIds.flatMap((accountId) => {
    const personId = personIdOf(accountId);
    const accountIn = parseWith(AccountInput, accountInput(accountId));
    const personIn = parseWith(PersonInput, personInput(accountId));
    const signals = signalsFor(accountId, now).sort((a, b) => (a.occurredAt < b.occurredAt ? 1 : -1));
    const account: Account = { ...accountIn, accountId, signals, updatedAt: at };
    const person: Person = { ...personIn, personId, updatedAt: at };
    return [
      { ...stateKeys.account(accountId), ...account, signalVersion: 1 },
      { ...stateKeys.domainAccount(account.domain, accountId), accountId },
      { ...stateKeys.person(personId), ...person },
      { ...stateKeys.email(person.email), personId },
    ];
  });
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      let request: BatchWriteCommandInput["RequestItems"] = {
        [db.tables.state]: batch.map((Item) => ({ PutRequest: { Item } })),
      };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(500, 20 * 2 ** attempt)));
        request = (await db.doc.send(new BatchWriteCommand({ RequestItems: request }))).UnprocessedItems;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
}

/** Pin every agent at level 3 for email.send so the happy path is `allow` (no approval, no window). */
export async function pinAgentsAtLevel3(deps: AppDeps, agentIds: readonly string[]) {
  const spec = await getSpec(deps, "current");
  for (const agentId of agentIds)
    await pinTrust(deps, spec, agentId, ACTION_TYPE, 3, "benchmark happy path", "admin:bench");
}

let seq = 0;

/** A well-formed, grounded email proposal that passes every check of the default spec. */
export function emailProposal(agentId: string, accountId: string) {
  return {
    proposalId: `bench-${++seq}`,
    agentId,
    action: { type: ACTION_TYPE },
    target: { accountId, personId: personIdOf(accountId) },
    payload: {
      subject: "Your pricing research",
      body: "Hi Jane, saw your team comparing plans this week. Happy to share how similar teams rolled out in two weeks.",
    },
    reasoning: "Three pricing page visits this week from the VP Sales.",
    confidence: 0.9,
    signals: ["pricing_page_visit x3"],
  };
}

export { DAY, HOUR };
