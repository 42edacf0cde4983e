/**
 * The knowledge-base reads the built-in agents' handlers make (kb/view.ts), served to agent
 * credentials so a built-in agent runs unchanged in another process (shared/runtime/remote-agent*.ts):
 * accounts, people with their classifications, lead lists, audience snapshots, template statistics,
 * single decisions and the touches the gate counts per account. Reads only: what an agent learns still reaches the KB by proposals. Each route
 * checks the agent's reads (agent-reads.ts); people with a reader role read all of it.
 *
 * Batched where handlers read per entity: `/v1/kb/records` answers many accounts and people (with
 * their classifications) in one call, and a page of an account's people carries their
 * classifications, so a handler's "people, then their classifications" is one request, not N.
 */
import { publicDecision } from "../domain/decision.ts";
import type { Touch } from "../domain/decision-types.ts";
import { NotFoundError, ValidationError } from "../domain/errors.ts";
import type { Account, Person } from "../domain/kb.ts";
import { iso } from "../domain/time.ts";
import { parseWith } from "../domain/validation.ts";
import type { Classification } from "../kb/types.ts";
import { assertMayRead } from "./agent-reads.ts";
import type { ContextReader } from "./agent-routes.ts";
import { list, PublicDecision } from "./api-schemas.ts";
import {
  AccountPage,
  AudienceSnapshotOut,
  DoNotTargetOut,
  DoNotTargetQuery,
  KbPageQuery,
  LeadListPage,
  ListDate,
  PeoplePage,
  RecordsOut,
  RecordsQuery,
  TemplateStatOut,
  TouchesOut,
  TouchesQuery,
} from "./kb-read-schemas.ts";
import { ok, param, READERS } from "./route-helpers.ts";
import type { AppDeps, Role, Route, RouteDocs } from "./routes.ts";

const AGENT_OR_READER: Role[] = ["agent", ...READERS];

function knowledge(deps: AppDeps): ContextReader {
  if (!deps.knowledge) throw new NotFoundError("knowledge reads are not configured in this deployment");
  return deps.knowledge;
}

/**
 * One page of `items` sorted by `key`, after the cursor's key. The cursor is the last key served,
 * encoded: it names a record the caller was already allowed to read, so it needs no signature.
 */
export function pageAfter<T>(
  items: T[],
  key: (t: T) => string,
  limit: number,
  cursor?: string,
): { items: T[]; cursor: string | null } {
  let after: string | undefined;
  if (cursor) {
    try {
      const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { after?: unknown };
      if (typeof v.after !== "string") throw new Error("no key");
      after = v.after;
    } catch {
      throw new ValidationError([{ path: "cursor", message: "not a cursor this listing gave" }]);
    }
  }
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const rest = after === undefined ? sorted : sorted.filter((t) => key(t) > (after as string));
  const page = rest.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page,
    cursor:
      rest.length > limit && last
        ? Buffer.from(JSON.stringify({ after: key(last) })).toString("base64url")
        : null,
  };
}

/** The classifications of `people`, as a list (the JSON answer carries no Map). */
async function classificationsOf(k: ContextReader, people: Person[]): Promise<Classification[]> {
  if (people.length === 0) return [];
  return [...(await k.classifications(people.map((p) => p.personId))).values()];
}

const touchOut = (t: Touch) => ({
  decisionId: t.decisionId,
  agentId: t.agentId,
  actionType: t.actionType,
  channel: t.channel,
  ...(t.personId ? { personId: t.personId } : {}),
  from: iso(t.from),
  to: iso(t.to),
  ...(t.expiresAt !== undefined ? { expiresAt: iso(t.expiresAt) } : {}),
});

export const KB_READ_ROUTES: Route[] = [
  {
    method: "GET",
    path: "/v1/kb/accounts",
    group: "knowledge",
    roles: AGENT_OR_READER,
    run: async (req, deps) => {
      assertMayRead(req.principal, "accounts");
      const q = parseWith(KbPageQuery, req.query);
      const k = knowledge(deps);
      const ids = pageAfter(await k.accountIds(), (id) => id, q.limit, q.cursor);
      const accounts = await k.accounts(ids.items);
      const byId = new Map(accounts.map((a) => [a.accountId, a]));
      // An account erased between the two reads is left out of its page.
      const items = ids.items.flatMap((id) => byId.get(id) ?? []);
      return ok({ items, cursor: ids.cursor });
    },
  },
  {
    method: "GET",
    path: "/v1/kb/records",
    group: "knowledge",
    roles: AGENT_OR_READER,
    run: async (req, deps) => {
      const q = parseWith(RecordsQuery, req.query);
      if (q.accountIds) assertMayRead(req.principal, "accounts");
      if (q.personIds) assertMayRead(req.principal, "people");
      const k = knowledge(deps);
      const [accounts, people] = await Promise.all([
        q.accountIds ? k.accounts([...new Set(q.accountIds)]) : ([] as Account[]),
        q.personIds
          ? Promise.all([...new Set(q.personIds)].map((id) => k.person(id))).then((ps) =>
              ps.filter((p): p is Person => p !== undefined),
            )
          : ([] as Person[]),
      ]);
      return ok({ accounts, people, classifications: await classificationsOf(k, people) });
    },
  },
  {
    method: "GET",
    path: "/v1/kb/touches",
    group: "knowledge",
    roles: AGENT_OR_READER,
    run: async (req, deps) => {
      assertMayRead(req.principal, "touches");
      const q = parseWith(TouchesQuery, req.query);
      const ids = [...new Set(q.accountIds)];
      const byAccount = await knowledge(deps).touchesOf(ids);
      return ok({
        items: ids.map((accountId) => ({
          accountId,
          touches: (byAccount.get(accountId) ?? []).map(touchOut),
        })),
      });
    },
  },
  {
    method: "GET",
    path: "/v1/kb/accounts/{id}/people",
    group: "knowledge",
    roles: AGENT_OR_READER,
    run: async (req, deps) => {
      assertMayRead(req.principal, "people");
      const accountId = param(req, "id");
      const q = parseWith(KbPageQuery, req.query);
      const k = knowledge(deps);
      const page = pageAfter(await k.peopleAt(accountId), (p) => p.personId, q.limit, q.cursor);
      const blocked = await k.doNotTargetAt(
        accountId,
        page.items.map((p) => p.personId),
      );
      return ok({
        ...page,
        classifications: await classificationsOf(k, page.items),
        doNotTarget: [...blocked.people].sort(),
        accountDoNotTarget: blocked.account,
      });
    },
  },
  {
    method: "GET",
    path: "/v1/kb/accounts/{id}/do-not-target",
    group: "knowledge",
    roles: AGENT_OR_READER,
    run: async (req, deps) => {
      assertMayRead(req.principal, "do-not-target");
      const accountId = param(req, "id");
      const q = parseWith(DoNotTargetQuery, req.query);
      // Repeated ids are read once (KnowledgeStore.suppressedAmong).
      const blocked = await knowledge(deps).doNotTargetAt(accountId, q.personIds);
      return ok({ personIds: [...blocked.people].sort(), account: blocked.account });
    },
  },
  {
    method: "GET",
    path: "/v1/kb/lead-lists/{date}",
    group: "knowledge",
    roles: AGENT_OR_READER,
    run: async (req, deps) => {
      assertMayRead(req.principal, "lead-lists");
      const date = param(req, "date", ListDate);
      const q = parseWith(KbPageQuery, req.query);
      const entries = await knowledge(deps).leadList(date);
      return ok(pageAfter(entries, (e) => `${e.listId}\u0000${e.accountId}`, q.limit, q.cursor));
    },
  },
  {
    method: "GET",
    path: "/v1/kb/audiences",
    group: "knowledge",
    roles: AGENT_OR_READER,
    run: async (req, deps) => {
      assertMayRead(req.principal, "lead-lists");
      return ok({ items: await knowledge(deps).audienceSnapshots() });
    },
  },
  {
    method: "GET",
    path: "/v1/kb/template-stats",
    group: "knowledge",
    roles: AGENT_OR_READER,
    run: async (req, deps) => {
      assertMayRead(req.principal, "learned");
      return ok({ items: await knowledge(deps).templateStats() });
    },
  },
  {
    method: "GET",
    path: "/v1/kb/decisions/{id}",
    group: "knowledge",
    roles: AGENT_OR_READER,
    run: async (req, deps) => {
      assertMayRead(req.principal, "ledger");
      const id = param(req, "id");
      const d = await knowledge(deps).decision(id);
      if (!d) throw new NotFoundError(`decision ${id} does not exist`);
      return ok(publicDecision(d));
    },
  },
];

/**
 * What the OpenAPI description says of each route above (route-docs.ts): a function that only the
 * description calls, so no Lambda bundle carries the docs or the schemas they alone name.
 */
export const kbReadRouteDocs = (): RouteDocs => ({
  "GET /v1/kb/accounts": {
    summary: "The account directory, a page at a time in account id order (agents: the accounts read)",
    query: KbPageQuery,
    response: AccountPage,
  },
  "GET /v1/kb/records": {
    summary:
      "Several accounts and people (with their classifications) by id in one read (agents: accounts and/or people)",
    query: RecordsQuery,
    response: RecordsOut,
  },
  "GET /v1/kb/touches": {
    summary:
      "The touches the coordination rules count for several accounts, in one read (agents: touches, e.g. Lead List Builder)",
    query: TouchesQuery,
    response: TouchesOut,
  },
  "GET /v1/kb/accounts/{id}/people": {
    summary: "The people at an account with their classifications, a page at a time (agents: people)",
    query: KbPageQuery,
    response: PeoplePage,
  },
  "GET /v1/kb/accounts/{id}/do-not-target": {
    summary:
      "Which of an account's people the suppression list names, ids only (agents: do-not-target, e.g. List Sync)",
    query: DoNotTargetQuery,
    response: DoNotTargetOut,
  },
  "GET /v1/kb/lead-lists/{date}": {
    summary: "The lead lists of one date, every owner's, a page at a time (agents: lead-lists)",
    params: { date: ListDate },
    query: KbPageQuery,
    response: LeadListPage,
  },
  "GET /v1/kb/audiences": {
    // One per audience the spec declares: a short list, not paginated.
    summary: "The audience snapshots List Sync last pushed (agents: lead-lists)",
    response: list(AudienceSnapshotOut),
  },
  "GET /v1/kb/template-stats": {
    // One per variant × persona × industry × week sent, weeks kept about half a year after their last
    // count (adapters/dynamo/learned-store.ts): bounded by the spec and that window, not paginated.
    summary:
      "The variants loop's counts per message variant, persona, industry and week sent (agents: learned)",
    response: list(TemplateStatOut),
  },
  "GET /v1/kb/decisions/{id}": {
    summary: "One decision of any agent, without its timeline (agents: ledger, e.g. CRM Sync)",
    response: PublicDecision,
  },
});
