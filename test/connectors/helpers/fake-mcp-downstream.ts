/**
 * A downstream MCP server built on the official SDK's McpServer (streamable HTTP, stateless, on
 * 127.0.0.1), standing in for a CRM's: `send_email` (what the tests map to an email touch) and
 * `delete_contact` (never mapped). It records every tools/call it receives with the request's
 * `_meta.idempotencyKey`, and can be told to drop the connection of the next call after receiving it
 * (the request left, no answer came back) or to answer it with a tool error. Told which bearer token it
 * accepts, it answers any other request 401 before reading it, as a server behind a token check does.
 * Stateless unless told to keep sessions.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod";

/**
 * How the tests' specs map this fake's `send_email` to an email touch: its arguments name the account,
 * the contact and the text the quality checks read.
 */
export const SEND_EMAIL_ACTION = {
  kind: "touch",
  channel: "email",
  maxLevel: 3,
  tool: {
    server: "crm",
    name: "send_email",
    target: { accountId: "/accountId", personId: "/contactId" },
    content: { subject: "/subject", body: "/body" },
  },
} as const;

export interface DownstreamCall {
  tool: string;
  idempotencyKey: unknown;
  arguments: Record<string, unknown>;
}

export interface FakeDownstream {
  url: string;
  calls: DownstreamCall[];
  /** The Authorization header of each send_email call, in order. */
  authorizations: (string | undefined)[];
  /** What the next tools/call meets: dropped after it arrived, or a tool error. */
  next: "answer" | "drop" | "tool_error";
  /** The only Authorization header it accepts (any other request is answered 401); unset: any. */
  acceptOnly?: string;
  /** The Authorization header of each request answered 401, in order. */
  unauthorized: (string | undefined)[];
  /**
   * A JSON Schema `send_email` lists as its `outputSchema`, as a server written without the SDK may
   * (McpServer takes only Zod): its tools/list then names that tool alone.
   */
  outputSchema?: Record<string, unknown>;
  close(): Promise<void>;
}

const readJson = (req: IncomingMessage) =>
  new Promise<unknown>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      } catch (err) {
        reject(err);
      }
    });
    req.on("error", reject);
  });

function toolServer(fake: FakeDownstream): McpServer {
  const server = new McpServer({ name: "fake-crm", version: "1.0.0" });
  server.registerTool(
    "send_email",
    {
      description: "Send an email from the CRM's sequence to a contact.",
      inputSchema: {
        accountId: z.string(),
        contactId: z.string(),
        subject: z.string(),
        body: z.string().min(1),
        /** Where a CRM without the contact's id on file would send it (a spec may map it: tool.recipient). */
        to: z.string().optional(),
      },
    },
    async (args, extra) => {
      fake.calls.push({ tool: "send_email", idempotencyKey: extra._meta?.idempotencyKey, arguments: args });
      fake.authorizations.push(extra.requestInfo?.headers.authorization as string | undefined);
      if (fake.next === "tool_error") {
        fake.next = "answer";
        return {
          content: [{ type: "text", text: "contact bob@acme.io is unsubscribed in the CRM" }],
          isError: true,
        };
      }
      return { content: [{ type: "text", text: `queued message ${fake.calls.length}` }] };
    },
  );
  server.registerTool(
    "delete_contact",
    { description: "Delete a contact.", inputSchema: { contactId: z.string() } },
    async (args, extra) => {
      fake.calls.push({
        tool: "delete_contact",
        idempotencyKey: extra._meta?.idempotencyKey,
        arguments: args,
      });
      return { content: [{ type: "text", text: "deleted" }] };
    },
  );
  const outputSchema = fake.outputSchema;
  if (outputSchema)
    server.server.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: [
        {
          name: "send_email",
          inputSchema: {
            type: "object",
            properties: Object.fromEntries(
              ["accountId", "contactId", "subject", "body"].map((k) => [k, { type: "string" }]),
            ),
          },
          outputSchema: { type: "object", ...outputSchema },
        },
      ],
    }));
  return server;
}

/**
 * `sessions`: a stateful server (an Mcp-Session-Id per client), which answers a session it does not
 * know 404 with the SDK's own body, as one restarted does. `port`: listen there (a restart's address).
 */
export async function startFakeDownstream(
  options: { sessions?: boolean; port?: number } = {},
): Promise<FakeDownstream> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const fake: FakeDownstream = {
    url: "",
    calls: [],
    authorizations: [],
    next: "answer",
    unauthorized: [],
    close: async () => {},
  };
  const http = createServer(async (req, res) => {
    if (fake.acceptOnly !== undefined && req.headers.authorization !== fake.acceptOnly) {
      fake.unauthorized.push(req.headers.authorization);
      res.writeHead(401, { "www-authenticate": "Bearer" }).end();
      return;
    }
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "POST" }).end();
      return;
    }
    const message = (await readJson(req)) as { method?: string; params?: any };
    if (message.method === "tools/call" && fake.next === "drop") {
      fake.next = "answer";
      fake.calls.push({
        tool: message.params?.name,
        idempotencyKey: message.params?._meta?.idempotencyKey,
        arguments: message.params?.arguments,
      });
      // Received, maybe carried out, and no answer: the connection just ends.
      req.socket.destroy();
      return;
    }
    const sessionId = req.headers["mcp-session-id"];
    if (options.sessions && typeof sessionId === "string") {
      const known = sessions.get(sessionId);
      if (known) await known.handleRequest(req, res, message);
      else
        res.writeHead(404, { "content-type": "application/json" }).end(
          JSON.stringify({
            jsonrpc: "2.0",
            error: { code: -32001, message: "Session not found" },
            id: null,
          }),
        );
      return;
    }
    const server = toolServer(fake);
    if (options.sessions) {
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: true,
        onsessioninitialized: (id) => void sessions.set(id, transport),
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, message);
      return;
    }
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
  });
  await new Promise<void>((r) => http.listen(options.port ?? 0, "127.0.0.1", r));
  fake.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  fake.close = () =>
    new Promise<void>((r) => {
      http.closeAllConnections();
      http.close(() => r());
    });
  return fake;
}
