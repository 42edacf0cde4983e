/**
 * A downstream MCP server over stdio (the official SDK's McpServer), started by the connector as a
 * child process: `send_email` answers with the idempotency key it received and its environment's
 * CRM_TOKEN and LEAK (what the child was given), or exits mid-call when the body is "CRASH";
 * `add_tool` registers another tool, which makes the server announce tools/list_changed.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import * as z from "zod";

const server = new McpServer({ name: "fake-stdio-crm", version: "1.0.0" });
server.registerTool(
  "send_email",
  { inputSchema: { contactId: z.string(), body: z.string() } },
  async (args, extra) => {
    // Received and maybe carried out, then the process is gone: the caller gets no answer.
    if (args.body === "CRASH") process.exit(1);
    const seen = {
      key: extra._meta?.idempotencyKey ?? null,
      token: process.env.CRM_TOKEN ?? null,
      leak: process.env.LEAK ?? null,
      pid: process.pid,
    };
    return { content: [{ type: "text", text: JSON.stringify(seen) }] };
  },
);
server.registerTool("add_tool", { inputSchema: { name: z.string() } }, async (args) => {
  server.registerTool(args.name, { inputSchema: {} }, async () => ({
    content: [{ type: "text", text: "ok" }],
  }));
  return { content: [{ type: "text", text: `added ${args.name}` }] };
});
await server.connect(new StdioServerTransport());
