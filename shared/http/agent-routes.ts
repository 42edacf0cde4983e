/**
 * What an agent credential may read besides proposing (issue 12: agents of any framework, over MCP or
 * the typed client): the context packet and memory search its built-in counterparts read through the
 * knowledge view, and its own decisions and trust. Nothing here writes. An agent reads only its own
 * decisions and trust; people with a reader role may read any agent's.
 */
import { publicDecision } from "../domain/decision.ts";
import { ForbiddenError, NotFoundError } from "../domain/errors.ts";
import { parseWith } from "../domain/validation.ts";
import { Id } from "../domain/vocabulary.ts";
import * as z from "../domain/zod-mini.ts";
import type { ContextPacket } from "../kb/context-packet.ts";
import type { MemoryHit } from "../kb/types.ts";
import type { KnowledgeView } from "../kb/view.ts";
import { newTrust } from "../learning/trust.ts";
import { agentIdsOf, type Principal } from "../usecases/principal.ts";
import { PathId } from "../usecases/schemas.ts";
import { getSpec } from "../usecases/spec-read.ts";
import { describeTrust, isKnownAgent } from "../usecases/trust.ts";
import { list, PublicDecision, TrustView } from "./api-schemas.ts";
import type { ApiRequest, AppDeps, Role, Route, RouteDocs } from "./routes.ts";

/**
 * The knowledge reads these routes and kb-read-routes.ts serve (kb/view.ts KnowledgeView implements
 * them): the context packet and memory search, and the built-in agents' record reads.
 */
export interface ContextReader
  extends Pick<
    KnowledgeView,
    | "accountIds"
    | "accounts"
    | "person"
    | "peopleAt"
    | "classifications"
    | "leadList"
    | "audienceSnapshots"
    | "templateStats"
    | "decision"
    | "touchesOf"
    | "doNotTargetAt"
  > {
  context(
    target: { accountId: string; personId?: string },
    options: { budgetTokens?: number; query?: string },
  ): Promise<ContextPacket>;
  searchMemory(accountId: string, query: string, limit: number): Promise<MemoryHit[]>;
}

const d = <T extends z.ZodMiniType>(schema: T, description: string) => schema.check(z.describe(description));
const Str = z.optional(z.string());

export const ContextQuery = z.strictObject({
  accountId: Id,
  personId: z.optional(Id),
  budgetTokens: d(
    z._default(z.coerce.number().check(z.int(), z.gte(50), z.lte(8000)), 600),
    "the packet's size limit, in estimated tokens",
  ),
  query: d(
    z.optional(z.string().check(z.minLength(1), z.maxLength(500))),
    "what memory items should be about",
  ),
});

export const MemorySearchQuery = z.strictObject({
  accountId: Id,
  query: z.string().check(z.minLength(1), z.maxLength(500)),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(20)), 5),
});

const Provenance = z.looseObject({ source: z.string(), at: z.string(), url: Str, decisionId: Str });
const Int = z.number().check(z.int());

export const ContextPacketOut = z.looseObject({
  target: z.looseObject({ accountId: z.string(), personId: Str }),
  budgetTokens: Int,
  usedTokens: Int,
  items: z.array(
    z.looseObject({
      kind: d(z.string(), "account, person, committee, signal, fact, touch, memory, learned"),
      text: z.string(),
      provenance: Provenance,
      priority: z.number(),
      tokens: Int,
    }),
  ),
  dropped: d(Int, "items left out to stay within the budget"),
});

export const MemoryHitOut = z.looseObject({
  doc: z.looseObject({
    docId: z.string(),
    accountId: z.string(),
    kind: z.string(),
    title: z.string(),
    text: z.string(),
    source: z.string(),
    at: z.string(),
  }),
  score: d(z.number(), "BM25 without an embeddings model; the fused rank score with one"),
  excerpt: z.string(),
  provenance: d(
    z.looseObject({
      docId: z.string(),
      chunkIndex: Int,
      chunkCount: Int,
      source: z.string(),
      url: Str,
      sourceId: Str,
      author: Str,
      occurredAt: z.string(),
    }),
    "the document and chunk the passage comes from, to cite it",
  ),
  match: d(
    z.looseObject({ keyword: z.optional(z.number()), cosine: z.optional(z.number()) }),
    "what matched: the keyword score and/or the cosine similarity to the query",
  ),
});

const READERS: Role[] = ["viewer", "approver", "admin"];
const AGENT_OR_READER: Role[] = ["agent", ...READERS];
const ok = (body: unknown) => ({ status: 200, body });

function knowledge(deps: AppDeps): ContextReader {
  if (!deps.knowledge) throw new NotFoundError("context reads are not configured in this deployment");
  return deps.knowledge;
}

/** An agent credential reads as itself only; a person with a reader role may read any agent. */
function ownAgent(req: ApiRequest): string {
  const agentId = parseWith(PathId, req.params.agentId, "agentId");
  if (isAgentCaller(req.principal) && !agentIdsOf(req.principal).includes(agentId))
    throw new ForbiddenError(`an agent credential reads only its own agent, not ${agentId}`);
  return agentId;
}
const isAgentCaller = (p: Principal) => agentIdsOf(p).length > 0;

/** The agent routes the knowledge group serves: an account's context, and memory search. */
export const AGENT_KNOWLEDGE_ROUTES: Route[] = [
  {
    method: "GET",
    path: "/v1/context",
    group: "knowledge",
    roles: AGENT_OR_READER,
    run: async (req, deps) => {
      const q = parseWith(ContextQuery, req.query);
      return ok(
        await knowledge(deps).context(
          { accountId: q.accountId, ...(q.personId ? { personId: q.personId } : {}) },
          { budgetTokens: q.budgetTokens, ...(q.query ? { query: q.query } : {}) },
        ),
      );
    },
  },
  {
    method: "GET",
    path: "/v1/memory/search",
    group: "knowledge",
    roles: AGENT_OR_READER,
    run: async (req, deps) => {
      const q = parseWith(MemorySearchQuery, req.query);
      return ok({ items: await knowledge(deps).searchMemory(q.accountId, q.query, q.limit) });
    },
  },
];

/** The agent route the decisions group serves: one of an agent's own decisions. */
export const AGENT_DECISION_ROUTES: Route[] = [
  {
    method: "GET",
    path: "/v1/agents/{agentId}/decisions/{id}",
    group: "decisions",
    roles: AGENT_OR_READER,
    run: async (req, deps) => {
      const agentId = ownAgent(req);
      const id = parseWith(PathId, req.params.id, "id");
      const d = await deps.decisions.getDecision(id);
      // Another agent's decision is answered like a missing one: its existence is not this caller's.
      if (!d || d.agentId !== agentId) throw new NotFoundError(`decision ${id} of ${agentId} does not exist`);
      return ok(publicDecision(d));
    },
  },
];

/** The agent routes the admin group serves: an agent's trust. */
export const AGENT_ADMIN_ROUTES: Route[] = [
  {
    method: "GET",
    path: "/v1/agents/{agentId}/trust",
    group: "admin",
    roles: AGENT_OR_READER,
    run: async (req, deps) => {
      const agentId = ownAgent(req);
      const spec = await getSpec(deps, "current");
      // A reader asking about a mistyped or made-up agent gets a 404, not a list of start levels.
      if (!isAgentCaller(req.principal) && !(await isKnownAgent(deps, spec, agentId)))
        throw new NotFoundError(`agent ${agentId} is unknown to the harness`);
      const now = deps.clock.now();
      const items = await Promise.all(
        Object.entries(spec.spec.autonomy.actions).map(async ([actionType, action]) =>
          describeTrust(
            // Not yet recorded: the level the agent starts at, as the gate would see it.
            (await deps.trust.get(agentId, actionType)) ??
              newTrust(agentId, actionType, action.startLevel, now),
            spec,
            now,
          ),
        ),
      );
      return ok({ items });
    },
  },
];

/**
 * Every agent route, in the order the API matches them (routes.ts, /mcp's routes). A function, not a
 * top-level spread: each group's function imports its own array, and a spread kept at the top level
 * would put every group's agent routes (and what they import) in each of their bundles.
 */
export const agentRoutes = (): Route[] => [
  ...AGENT_KNOWLEDGE_ROUTES,
  ...AGENT_DECISION_ROUTES,
  ...AGENT_ADMIN_ROUTES,
];

/**
 * What the OpenAPI description says of each route above (route-docs.ts): a function that only the
 * description calls, so no Lambda bundle carries the docs or the schemas they alone name.
 */
export const agentRouteDocs = (): RouteDocs => ({
  "GET /v1/context": {
    summary: "The context packet for an account (and person) within a token budget, each item cited",
    query: ContextQuery,
    response: ContextPacketOut,
  },
  "GET /v1/memory/search": {
    summary: "Search one account's memory (transcripts, threads, notes)",
    query: MemorySearchQuery,
    response: list(MemoryHitOut),
  },
  "GET /v1/agents/{agentId}/decisions/{id}": {
    summary: "One of an agent's decisions (an agent credential reads its own only)",
    response: PublicDecision,
  },
  "GET /v1/agents/{agentId}/trust": {
    summary: "An agent's trust and autonomy level per action type the spec declares",
    response: list(TrustView),
  },
});
