/**
 * /mcp in AWS: the MCP server over streamable HTTP, stateless (a server per request, no session), for
 * the caller API Gateway authenticated with the same authorizer as the API's agent routes. As on the
 * local server (http-endpoint.ts), tools run through the API's own route table in process with the
 * caller's principal, so /mcp can do nothing the same credential could not do over the API.
 */
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { createClient } from "../client/client.ts";
import type { HttpResult } from "../http/respond.ts";
import type { Principal } from "../usecases/principal.ts";
import { listDownstream } from "./downstream-tools.ts";
import { identityOf } from "./identity.ts";
import { type ApiHandler, inProcessTransport } from "./in-process.ts";
import { readMcpBody } from "./message.ts";
import { createHarnessMcpServer } from "./server.ts";

export interface McpLambdaRequest {
  event: APIGatewayProxyEventV2;
  /** The caller as the API reads it from the authorizer context; absent: nobody the API knows. */
  principal?: Principal;
  api: ApiHandler;
  now: () => number;
  /** The function's time left (Lambda's context): waits are held within it. */
  remainingMs?: () => number;
}

type Rpc = { method?: unknown; params?: { name?: unknown } };

/** A call of a downstream tool (`<server>__<tool>`). */
const downstreamCall = (m: Rpc | undefined) =>
  m?.method === "tools/call" && String(m.params?.name ?? "").includes("__");

const answer = (statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult => ({
  statusCode,
  headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
  body: JSON.stringify(body),
});

/**
 * API Gateway ends an HTTP API integration at 30 s, whatever the function's timeout: a wait longer
 * than this would answer the agent a 503 instead of "not done yet". The tool's own contract covers a
 * shorter wait (done: false, call again), so a call asking more (or the default 30 s) waits this long.
 */
export const MAX_WAIT_IN_AWS_SECONDS = 25;

/**
 * The message with each wait_for_decision held to what the function has left: API Gateway's 25 s,
 * and less when the function has less (`remainingMs`: what it had spent already, listing downstream
 * tools, went into a wait the function then outlived, and the agent got a 500). A batch is refused
 * (message.ts).
 */
export function withinGatewayLimit(message: unknown, remainingMs?: number): unknown {
  const m = message as { method?: unknown; params?: { name?: unknown; arguments?: Record<string, unknown> } };
  if (
    m?.method !== "tools/call" ||
    m.params?.name !== "wait_for_decision" ||
    typeof m.params.arguments !== "object" ||
    m.params.arguments === null
  )
    return message;
  const asked = m.params.arguments.timeoutSeconds;
  // Three seconds left to read the decision once more and answer.
  const left =
    remainingMs === undefined
      ? MAX_WAIT_IN_AWS_SECONDS
      : Math.max(1, Math.floor((remainingMs - 3_000) / 1_000));
  const most = Math.min(MAX_WAIT_IN_AWS_SECONDS, left);
  const seconds = typeof asked === "number" ? Math.min(asked, most) : most;
  // A non-number is left for the tool's schema to refuse, naming the field.
  if (asked !== undefined && typeof asked !== "number") return message;
  return { ...m, params: { ...m.params, arguments: { ...m.params.arguments, timeoutSeconds: seconds } } };
}

/** Headers API Gateway adds or that describe its connection, not the caller's message. */
const HOP = new Set(["content-length", "host", "connection", "transfer-encoding"]);

export async function serveMcpEvent(r: McpLambdaRequest): Promise<HttpResult> {
  if (!r.principal)
    return answer(
      401,
      { error: "unauthorized", message: "no caller the harness knows" },
      { "www-authenticate": "Bearer" },
    );
  // Stateless: no stream to resume (GET) and no session to end (DELETE).
  if (r.event.requestContext.http.method !== "POST")
    return answer(405, { error: "method_not_allowed", message: "use POST" }, { allow: "POST" });
  const read = readMcpBody(Buffer.from(r.event.body ?? "", r.event.isBase64Encoded ? "base64" : "utf8"));
  if ("status" in read) return answer(read.status, read.body);
  const parsed = read.message;
  const api = createClient(inProcessTransport(r.api, r.principal, r.now));
  const who = identityOf(r.principal);
  // As the local endpoint: the spec in force now decides which downstream tools an agent is offered.
  // Listed only for a message that reads them: the list may wait up to 5 s for the servers, which a
  // wait_for_decision or propose_action then had less of. A list that fails (a throttled read) offers
  // none, rather than failing the message, initialize and the built-in tools included.
  // A call of a downstream tool needs the list: its failure is the message's (a 500 the agent retries),
  // not "tool not found".
  const downstream = !who.agentId
    ? []
    : downstreamCall(parsed as Rpc)
      ? await listDownstream(api)
      : (parsed as Rpc)?.method === "tools/list"
        ? await listDownstream(api).catch(() => [])
        : [];
  const message = withinGatewayLimit(parsed, r.remainingMs?.());
  const server = createHarnessMcpServer(api, who, { downstream });
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  try {
    const headers = new Headers();
    for (const [k, v] of Object.entries(r.event.headers ?? {}))
      if (v !== undefined && !HOP.has(k.toLowerCase())) headers.set(k, v);
    const request = new Request(`https://${r.event.requestContext.domainName}${r.event.rawPath}`, {
      method: "POST",
      headers,
      body: JSON.stringify(message),
    });
    const res = await transport.handleRequest(request, { parsedBody: message });
    return {
      statusCode: res.status,
      headers: { ...Object.fromEntries(res.headers), "cache-control": "no-store" },
      body: await res.text(),
    };
  } finally {
    await transport.close();
    await server.close();
  }
}
