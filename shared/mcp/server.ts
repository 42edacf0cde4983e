/**
 * The harness's MCP server for one caller: tools and resources over the typed client. The transport
 * (stdio for `harness mcp`, streamable HTTP for the local server's /mcp) is the caller's to connect.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import pkg from "../../package.json" with { type: "json" };
import type { HarnessClient } from "../client/client.ts";
import type { ExposedTool } from "../domain/spec-tools.ts";
import { registerDownstreamTools } from "./downstream-tools.ts";
import type { McpIdentity } from "./identity.ts";
import { mcpJsonSchemaValidator } from "./json-schema.ts";
import { registerResources } from "./resources.ts";
import { registerTools, type ToolOptions } from "./tools.ts";

export const INSTRUCTIONS =
  "The Agent Harness gates every go-to-market action. Read get_context before writing to a person, then propose_action; the harness decides (allow, schedule, require_approval, defer, block) against the spec (resource harness://spec/current) and your trust. Never retry a deferred proposal before its retryAfter; use wait_for_decision to learn whether an action went out.";

export interface HarnessMcpOptions extends ToolOptions {
  /** Downstream tools the spec maps to action types (listDownstream), each offered through the gate. */
  downstream?: readonly ExposedTool[];
}

export function createHarnessMcpServer(
  api: HarnessClient,
  who: McpIdentity,
  options: HarnessMcpOptions = {},
): McpServer {
  const server = new McpServer(
    { name: "agent-harness", version: pkg.version },
    {
      instructions: INSTRUCTIONS,
      capabilities: { tools: {}, resources: {} },
      jsonSchemaValidator: mcpJsonSchemaValidator,
    },
  );
  registerTools(server, api, who, options);
  registerDownstreamTools(server, api, who, options.downstream ?? []);
  registerResources(server, api, who);
  return server;
}
