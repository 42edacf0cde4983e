/**
 * GET /v1/tools: the downstream MCP servers' tools the spec in force maps to action types, as agents
 * are offered them (the harness's MCP server registers one tool each). A deployment without
 * downstream servers lists none. Nothing here calls a downstream tool: that is execution's, after
 * the gate (adapters/connectors/mcp-downstream-tools.ts).
 */
import { ExposedTool } from "../domain/spec-tools.ts";
import { list } from "./api-schemas.ts";
import type { Role, Route, RouteDocs } from "./routes.ts";

/** The catalog the route lists (DownstreamTools.catalog implements it). */
export interface ToolCatalog {
  list(): Promise<ExposedTool[]>;
}

const AGENT_OR_READER: Role[] = ["agent", "viewer", "approver", "admin"];

export const TOOL_ROUTES: Route[] = [
  {
    method: "GET",
    path: "/v1/tools",
    group: "knowledge",
    roles: AGENT_OR_READER,
    run: async (_req, deps) => ({ status: 200, body: { items: deps.tools ? await deps.tools.list() : [] } }),
  },
];

/**
 * What the OpenAPI description says of each route above (route-docs.ts): a function that only the
 * description calls, so no Lambda bundle carries the docs or the schemas they alone name.
 */
export const toolRouteDocs = (): RouteDocs => ({
  "GET /v1/tools": {
    summary: "Downstream MCP tools mapped to action types by the spec (each call is a proposal)",
    response: list(ExposedTool),
  },
});
