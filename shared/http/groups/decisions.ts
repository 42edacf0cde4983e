/** The decisions group: reading decisions and why they were made. */
import { publicDecision } from "../../domain/decision.ts";
import { NotFoundError } from "../../domain/errors.ts";
import { parseWith } from "../../domain/validation.ts";
import { explain } from "../../usecases/explain.ts";
import { DecisionListQuery, ExplainQuery } from "../../usecases/schemas.ts";
import { AGENT_DECISION_ROUTES } from "../agent-routes.ts";
import { DecisionWithEvents, ExplainOut, PublicDecision, page as pageOf } from "../api-schemas.ts";
import { CONSOLE_DECISION_ROUTES } from "../console-decision-routes.ts";
import { REPORT_ROUTES } from "../report-routes.ts";
import { ok, param, READERS } from "../route-helpers.ts";
import type { Route, RouteDocs } from "../routes.ts";

export const DECISION_ROUTES: Route[] = [
  {
    method: "GET",
    path: "/v1/decisions/{id}",
    group: "decisions",
    roles: READERS,
    run: async (req, deps) => {
      const id = param(req, "id");
      const d = await deps.decisions.getDecision(id);
      if (!d) throw new NotFoundError(`decision ${id} does not exist`);
      return ok({ ...publicDecision(d), events: await deps.decisions.events(`DECISION#${id}`) });
    },
  },
  {
    method: "GET",
    path: "/v1/decisions",
    group: "decisions",
    roles: READERS,
    paginated: true,
    run: async (req, deps) => {
      const q = parseWith(DecisionListQuery, req.query);
      const page = await deps.decisions.queryDecisions({
        limit: q.limit,
        ...(q.accountId ? { accountId: q.accountId } : {}),
        ...(q.personId ? { personId: q.personId } : {}),
        ...(q.agentId ? { agentId: q.agentId } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.verdict ? { verdict: q.verdict } : {}),
        ...(q.specVersion ? { specVersion: q.specVersion } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
      });
      return ok({ items: page.items.map(publicDecision), cursor: page.cursor ?? null });
    },
  },
  {
    method: "GET",
    path: "/v1/explain",
    group: "decisions",
    roles: READERS,
    run: async (req, deps) => {
      const q = parseWith(ExplainQuery, req.query);
      return ok(
        await explain(deps, {
          ...(q.personId ? { personId: q.personId } : {}),
          ...(q.email ? { email: q.email } : {}),
        }),
      );
    },
  },
];

/** The decisions group's function serves these, in the order of ROUTES (first match wins). */
export const DECISIONS_TABLE: Route[] = [
  ...CONSOLE_DECISION_ROUTES,
  ...DECISION_ROUTES,
  ...REPORT_ROUTES,
  ...AGENT_DECISION_ROUTES,
];

/**
 * What the OpenAPI description says of each route above (route-docs.ts): a function that only the
 * description calls, so no Lambda bundle carries the docs or the schemas they alone name.
 */
export const decisionsGroupDocs = (): RouteDocs => ({
  "GET /v1/decisions/{id}": { summary: "A decision with its ledger timeline", response: DecisionWithEvents },
  "GET /v1/decisions": {
    summary: "Decisions by account, person, agent or status, optionally narrowed by verdict and spec version",
    query: DecisionListQuery,
    response: pageOf(PublicDecision),
  },
  "GET /v1/explain": {
    summary: "Why did you contact me? By email or person id",
    query: ExplainQuery,
    response: ExplainOut,
  },
});
