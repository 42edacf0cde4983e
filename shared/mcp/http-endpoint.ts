/**
 * POST /mcp on the local server: the MCP server over streamable HTTP, stateless (a server per
 * request, no session), for the caller the local server authenticated with the same bearer tokens as
 * the API. Tools run in process through the API handler with that caller's principal.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { createClient } from "../client/client.ts";
import type { Principal } from "../usecases/principal.ts";
import { listDownstream } from "./downstream-tools.ts";
import { identityOf } from "./identity.ts";
import { type ApiHandler, inProcessTransport } from "./in-process.ts";
import { readMcpBody } from "./message.ts";
import { createHarnessMcpServer } from "./server.ts";

export const MCP_PATH = "/mcp";

export interface McpHttpRequest {
  /** The authenticated caller; absent: no token, or one refused (`rejected` says why). */
  principal?: Principal;
  rejected?: string;
  /** The body as the server read it (within its size limit). */
  body: Buffer;
  api: ApiHandler;
  now: () => number;
}

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res
    .writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers })
    .end(JSON.stringify(body));
}

export async function serveMcp(req: IncomingMessage, res: ServerResponse, r: McpHttpRequest) {
  if (!r.principal) {
    answer(
      res,
      401,
      { error: "unauthorized", message: r.rejected ?? "a bearer token is required" },
      { "www-authenticate": "Bearer" },
    );
    return;
  }
  // Stateless: no stream to resume (GET) and no session to end (DELETE).
  if (req.method !== "POST") {
    answer(res, 405, { error: "method_not_allowed", message: "use POST" }, { allow: "POST" });
    return;
  }
  const read = readMcpBody(r.body);
  if ("status" in read) {
    answer(res, read.status, read.body);
    return;
  }
  const { message } = read;
  const api = createClient(inProcessTransport(r.api, r.principal, r.now));
  const who = identityOf(r.principal);
  // Per request (stateless): the spec in force now decides which downstream tools are offered.
  const downstream = who.agentId ? await listDownstream(api) : [];
  const server = createHarnessMcpServer(api, who, { downstream });
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  res.on("close", () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, message);
}
