/** The proposals group: an agent's proposal through the gate. */
import { publicDecision } from "../../domain/decision.ts";
import { ProposalInput } from "../../domain/proposal.ts";
import { ProposalResult } from "../api-schemas.ts";
import { ok } from "../route-helpers.ts";
import type { Route } from "../routes.ts";

export const PROPOSAL_ROUTES: Route[] = [
  {
    method: "POST",
    path: "/v1/proposals",
    group: "proposals",
    roles: ["agent"],
    doc: {
      summary: "Propose an action: the gate decides and records it",
      body: ProposalInput,
      response: ProposalResult,
      status: [201, 200],
    },
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
