/**
 * `harness mcp`: the MCP server over stdio for one agent. It talks to a running harness over HTTP
 * with the agent's token, so it can do exactly what that token can do over the API and nothing more.
 * stdout carries the protocol only; diagnostics go to stderr.
 */
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { HarnessClient } from "../client/client.ts";
import { listDownstream } from "./downstream-tools.ts";
import { identityOf } from "./identity.ts";
import { createHarnessMcpServer } from "./server.ts";

export async function serveStdio(api: HarnessClient): Promise<void> {
  // Who the token is decides which tools are offered (and fails early on a bad token or URL).
  const who = identityOf(await api.me());
  // The downstream tools the spec maps, as the harness lists them: this process holds no downstream
  // credential, it only proposes; the harness calls the tool after its gate.
  const server = createHarnessMcpServer(api, who, { downstream: await listDownstream(api) });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  await server.connect(transport);
  // The client ends the session by closing stdin.
  process.stdin.on("end", () => void server.close());
  await closed;
}
