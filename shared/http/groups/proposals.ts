/** The proposals group: an agent's proposal through the gate. */
import { publicDecision } from "../../domain/decision.ts";
import { ProposalInput } from "../../domain/proposal.ts";
import { ProposalResult } from "../api-schemas.ts";
import { ok } from "../route-helpers.ts";
import type { Route, RouteDocs } from "../routes.ts";

export const PROPOSAL_ROUTES: Route[] = [
  {
    method: "POST",
    path: "/v1/proposals",
    group: "proposals",
    roles: ["agent"],
    run: async (req, deps) => {
      const { decision, replay } = await deps.gate.propose(req.body, req.principal);
      // Allowed actions are executed by the worker subscribed to "decision.made" (EventBridge rule in
      // AWS, the same route on the local bus).
      return ok({ ...publicDecision(decision), replay }, replay ? 200 : 201);
    },
  },
];

/** The proposals group's function serves these, in the order of ROUTES (first match wins). */
export const PROPOSALS_TABLE: Route[] = [...PROPOSAL_ROUTES];

/**
 * What the OpenAPI description says of each route above (route-docs.ts): a function that only the
 * description calls, so no Lambda bundle carries the docs or the schemas they alone name.
 */
export const proposalsGroupDocs = (): RouteDocs => ({
  "POST /v1/proposals": {
    summary: "Propose an action: the gate decides and records it",
    body: ProposalInput,
    response: ProposalResult,
    status: [201, 200],
  },
});
