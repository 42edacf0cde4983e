/**
 * One downstream MCP server (a CRM's, an ads platform's) reached with the official SDK's Client: its
 * tools listed at start and again when it says they changed, and one tool call per execution.
 *
 * A call's outcome follows the built-in connectors' rules (retry.ts): a tool result with isError, or
 * a JSON-RPC error answer, or an HTTP 4xx, is a refusal (failed, with its text), except a touch's tool
 * error or internal error, which the server's SDK answers for any exception, one thrown after the
 * message went out too: outcome unknown, unless the mapping says `errorsMeanNotDone`; no answer (timeout,
 * connection dropped, process gone, HTTP 5xx) after the request left may have been carried out, so it
 * is outcome unknown (in_doubt) and never sent again. Only a connection that could not be opened at
 * all (nothing left) is a plain failure. The requests sent again, once, are those refused before
 * anything was done: one answered HTTP 401, where the credentials can be read again (renewCredentials),
 * and one answered 404 because the server no longer knows the session (sessionGone), on a new session.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { CallToolResultSchema, McpError, type Tool } from "@modelcontextprotocol/sdk/types.js";
import pkg from "../../../package.json" with { type: "json" };
import { withoutAddresses } from "../../domain/vendor-text.ts";
import { mcpJsonSchemaValidator } from "../../mcp/json-schema.ts";
import { ConnectorError } from "../../ports.ts";
import type { McpDownstreamSettings } from "../../runtime/connector-schemas.ts";
import {
  callFailure,
  NO_ANSWER,
  reasonOf,
  sessionGone,
  sessionOf,
  unauthorized,
} from "./mcp-call-failures.ts";
import { neverSent, startIfTimeFor } from "./retry.ts";

/** The request `_meta` key carrying the decision's idempotency key on every tools/call. */
export const IDEMPOTENCY_META_KEY = "idempotencyKey";

/**
 * What one server's tool list may hold. The list is the server's input to the harness: it is kept in
 * memory, offered through GET /v1/tools and the MCP server, and read again whenever the server says it
 * changed, so a server that lists without end (a cursor that never runs out or repeats) or lists huge
 * tools must fail the start with a clear error, never hang it or fill the memory. A CRM's or an ads
 * platform's server lists tens of tools; a spec maps a handful.
 */
export const TOOL_LIST_LIMITS = { pages: 20, tools: 1000, schemaChars: 64 * 1024 } as const;

/** The tools of a listing, or the reason it is refused (names the server and the limit). */
export function checkToolList(
  server: string,
  tools: readonly Tool[],
  newest: readonly Tool[] = tools,
): string | undefined {
  if (tools.length > TOOL_LIST_LIMITS.tools)
    return `mcp.${server}: the server lists more than ${TOOL_LIST_LIMITS.tools} tools`;
  // Only the page just read: earlier pages were measured when they arrived.
  for (const t of newest) {
    const size = JSON.stringify(t).length;
    if (size > TOOL_LIST_LIMITS.schemaChars)
      return `mcp.${server}: tool ${t.name.slice(0, 64)} is ${size} characters listed (at most ${TOOL_LIST_LIMITS.schemaChars})`;
  }
  return undefined;
}

export interface DownstreamOptions {
  /** Called when the server's tool list changed (after it was read again). */
  onToolsChanged?: () => void;
  log?: (msg: string, data: Record<string, unknown>) => void;
  /**
   * The server answered HTTP 401, which it does before doing anything: resolves once the credentials
   * are read again (in AWS, a headers secret rotated since this container read it), and the request
   * is made once more on a new connection; a second 401 is the refusal. Without it (the local
   * runtime's headers come from the environment, which a running process never sees change) a 401 is
   * refused at once.
   */
  renewCredentials?: () => Promise<void>;
}

export class DownstreamServer {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private listed: Tool[] = [];
  /** Requests in flight per client (using). */
  private readonly inFlight = new Map<Client, number>();

  constructor(
    readonly settings: McpDownstreamSettings,
    private readonly makeTransport: () => Transport,
    private readonly options: DownstreamOptions = {},
  ) {}

  get name(): string {
    return this.settings.name;
  }

  /** The tools as last listed. */
  get tools(): readonly Tool[] {
    return this.listed;
  }

  /** Connects and lists the tools; a server that cannot be reached fails the start (as a bad token does). */
  async start(): Promise<void> {
    await this.renewingOnce(async () => {
      const client = await this.connected();
      try {
        this.listed = await this.using(client, () => this.listAll(client));
      } catch (err) {
        this.dropAfter(client, err);
        throw err;
      }
    });
  }

  /**
   * `op`, and once more after `renewCredentials` if the server answered 401. Only then: a 401 was
   * refused before anything was done, so sending it again cannot do anything twice, while any other
   * failure (in doubt above all) is never sent again. The 401 left no client kept (a failed connect
   * keeps none; dropAfter drops one a request failed on), so the retry connects with what was read.
   */
  private async renewingOnce<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      const renew = this.options.renewCredentials;
      if (!renew || !unauthorized(err)) throw err;
      try {
        await renew();
      } catch (readErr) {
        // Nothing was done downstream: a refusal, as a secret that cannot be read is before a call.
        throw new ConnectorError(
          `${this.name}: refused (HTTP 401), and its credentials could not be read again: ${(readErr as Error).message}`,
          false,
          { cause: readErr },
        );
      }
      return op();
    }
  }

  /**
   * After a failure that is not the server's own answer (a JSON-RPC error), the cached client may be
   * unusable: a restarted server answers 404 to the old session, a transport may be half closed. The
   * next call then connects afresh instead of failing the same way until the process restarts.
   */
  private dropAfter(client: Client, err: unknown, gone = false): void {
    if (err instanceof McpError && !NO_ANSWER.has(err.code)) return;
    if (this.client !== client) return;
    this.client = undefined;
    // A 401 answers every request sent with the same credentials, a 404 every one in a session the
    // server no longer knows: the others in flight on this client get their own answer (each sent
    // again) and it is closed after them (using), where closing it now would cut them off with no
    // answer, in doubt.
    if ((unauthorized(err) || gone) && this.inFlight.has(client)) return;
    void client.close().catch(() => {});
  }

  /** `run` on `client`, counted: a client dropped while in use is closed when its last request ends. */
  private async using<T>(client: Client, run: () => Promise<T>): Promise<T> {
    this.inFlight.set(client, (this.inFlight.get(client) ?? 0) + 1);
    try {
      return await run();
    } finally {
      const left = (this.inFlight.get(client) ?? 1) - 1;
      if (left > 0) this.inFlight.set(client, left);
      else {
        this.inFlight.delete(client);
        if (this.client !== client) void client.close().catch(() => {});
      }
    }
  }

  /** The server said its tools changed: read them all again; a failure keeps the last good list. */
  private async refresh(client: Client): Promise<void> {
    try {
      this.listed = await this.listAll(client);
      this.options.onToolsChanged?.();
    } catch (err) {
      const refused = err instanceof ConnectorError;
      this.options.log?.(refused ? "downstream tool list refused" : "downstream tool list refresh failed", {
        server: this.name,
        reason: (err as Error).message,
      });
    }
  }

  private async listAll(client: Client): Promise<Tool[]> {
    const tools: Tool[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let pages = 1; ; pages++) {
      const page = await client.listTools(cursor ? { cursor } : undefined, {
        timeout: this.settings.timeoutMs,
      });
      tools.push(...page.tools);
      const refused = checkToolList(this.name, tools, page.tools);
      if (refused) throw new ConnectorError(refused, false);
      cursor = page.nextCursor;
      if (!cursor) return tools;
      if (seen.has(cursor))
        throw new ConnectorError(`mcp.${this.name}: the server's tool list repeats a cursor`, false);
      if (pages >= TOOL_LIST_LIMITS.pages)
        throw new ConnectorError(
          `mcp.${this.name}: the server's tool list runs past ${TOOL_LIST_LIMITS.pages} pages`,
          false,
        );
      seen.add(cursor);
    }
  }

  /** The open client, or a new connection (a stdio server that exited is started again). */
  private connected(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const client = new Client(
        { name: "agent-harness", version: pkg.version },
        {
          jsonSchemaValidator: mcpJsonSchemaValidator,
          listChanged: {
            tools: {
              // The SDK would re-read only the first page: the notification is taken as a trigger, and
              // every page is read again within the same limits as at start.
              autoRefresh: false,
              onChanged: () => void this.refresh(client),
            },
          },
        },
      );
      client.onclose = () => {
        if (this.client === client) this.client = undefined;
      };
      try {
        await client.connect(this.makeTransport(), { timeout: this.settings.timeoutMs });
      } catch (err) {
        await client.close().catch(() => {});
        throw err;
      }
      this.client = client;
      return client;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /**
   * Calls a tool once with the decision's idempotency key in the request's `_meta` (and in the
   * argument the spec names, if any). Returns the result's text; throws a ConnectorError.
   */
  call(
    tool: string,
    args: Record<string, unknown>,
    idempotencyKey: string,
    mayHaveActed = false,
  ): Promise<string> {
    return this.renewingOnce(() => this.callOnce(tool, args, idempotencyKey, mayHaveActed));
  }

  private async callOnce(
    tool: string,
    args: Record<string, unknown>,
    idempotencyKey: string,
    /** A touch's tool (unless its mapping says errorsMeanNotDone): a tool error may come after it sent. */
    mayHaveActed = false,
    /** Sent again on a new session after the last one was gone (sessionGone): not a third time. */
    resent = false,
  ): Promise<string> {
    const what = `${this.name}/${tool}`;
    // The executor's time (retry.ts withinTimeLeft): a connection to open is a call's time more.
    startIfTimeFor(what, this.client ? 1 : 2);
    let client: Client;
    try {
      client = await this.connected();
    } catch (err) {
      // Nothing was sent: the decision fails plainly, it is not in doubt; one not reached at all (a
      // refused connection, a DNS outage) is tried again a minute later.
      throw new ConnectorError(`${what}: cannot connect (${reasonOf(err)})`, false, {
        cause: err,
        ...(neverSent(err) ? { retryAfterMs: 60_000 } : {}),
      });
    }
    let result: { content?: unknown; isError?: boolean | undefined; structuredContent?: unknown };
    const session = sessionOf(client);
    try {
      // request(), not callTool(): callTool also checks the result against the tool's output schema,
      // and a result that fails that check was still carried out.
      result = await this.using(client, () =>
        client.request(
          {
            method: "tools/call",
            params: { name: tool, arguments: args, _meta: { [IDEMPOTENCY_META_KEY]: idempotencyKey } },
          },
          CallToolResultSchema,
          { timeout: this.settings.timeoutMs },
        ),
      );
    } catch (err) {
      const gone = sessionGone(err, session);
      this.dropAfter(client, err, gone);
      // The server no longer knows the session (it restarted) and did not run the call: the MCP spec has
      // the client start a new session, so the call goes once more on one. Before, the decision failed.
      if (gone && !resent) return this.callOnce(tool, args, idempotencyKey, mayHaveActed, true);
      throw callFailure(what, err, mayHaveActed);
    }
    const text = textOf(result.content);
    // The tool's words as the decision's recorded error: addresses out, cut short.
    const said = withoutAddresses(text, 300) || "tool error";
    // Before, a touch's tool error failed the decision and gave its reservation back, and the agent
    // could propose it again under a new key: a message sent twice when the tool failed after sending.
    if (result.isError && mayHaveActed)
      throw new ConnectorError(
        `${what} answered an error (${said}); not sent again, it may have been done (a tool that errs only before acting: errorsMeanNotDone in its mapping)`,
        true,
      );
    if (result.isError) throw new ConnectorError(`${what} refused: ${said}`, false);
    return text;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.close();
  }
}

function textOf(content: unknown): string {
  if (!Array.isArray(content)) return "";
  return content
    .map((c) => (c && typeof c === "object" && "text" in c && typeof c.text === "string" ? c.text : ""))
    .filter(Boolean)
    .join("\n")
    .slice(0, 2000);
}
