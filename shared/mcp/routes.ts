/**
 * The API routes the MCP tools and resources call (shared/mcp/tools.ts, resources.ts), as the MCP
 * function in AWS serves them in process: the proposals and agent routes are the API groups' own
 * route objects, so roles, validation and errors are the API's. Only these, so the function bundles
 * only their code.
 */
import { agentRoutes } from "../http/agent-routes.ts";
import { PROPOSAL_ROUTES } from "../http/groups/proposals.ts";
import { MEMORY_ROUTES } from "../http/memory-routes.ts";
import { ok, READERS } from "../http/route-helpers.ts";
import type { Route } from "../http/routes.ts";
import { TOOL_ROUTES } from "../http/tool-routes.ts";
import { getSpec } from "../usecases/spec-read.ts";

/**
 * GET /v1/specs/current as the admin group serves it (test/unit/mcp-routes.test.ts holds the two to
 * the same roles). Not imported from there: that module pulls in the whole route table and its
 * OpenAPI description, which this function does not serve.
 */
export const SPEC_CURRENT_ROUTE: Route = {
  method: "GET",
  path: "/v1/specs/current",
  group: "admin",
  roles: ["agent", ...READERS],
  run: async (_req, deps) => ok(await getSpec(deps, "current")),
};

// GET /v1/tools: the downstream tools the spec maps, offered to agents' sessions (downstream-tools.ts).
// POST /v1/memory: add_memory (an agent's notes; in AWS only /mcp accepts an agent's IAM role for it).
export const MCP_API_ROUTES: Route[] = [
  ...PROPOSAL_ROUTES,
  ...agentRoutes(),
  ...MEMORY_ROUTES,
  SPEC_CURRENT_ROUTE,
  ...TOOL_ROUTES,
];
