/**
 * A downstream server that restarted answers the harness's old session with HTTP 404. The call that
 * meets it fails (refused: the server never ran it), and the next call must connect afresh rather than
 * fail the same way until the harness restarts. A 401 is sent once more on a new connection only where
 * the credentials can be read again (renewCredentials, as in AWS); nothing that may have been carried
 * out is. Driven over an in-memory transport that plays the server's JSON-RPC side, so the test needs
 * no network.
 */
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { DownstreamServer } from "../../shared/adapters/connectors/mcp-downstream.ts";
import { withinTimeLeft } from "../../shared/adapters/connectors/retry.ts";
import { ConnectorError, type ConnectorRequest } from "../../shared/ports.ts";
import { McpDownstreamSettings } from "../../shared/runtime/connector-schemas.ts";

/** What the fake server does, shared by its connections. */
interface FakeServer {
  calls: number;
  sessionGone: boolean;
  /** How many more tools/call and tools/list requests are answered 401. */
  unauthorized?: number;
  /** The next tools/call is lost after it left (a dropped connection). */
  lost?: boolean;
  /** Every tools/call meets a 404. */
  alwaysGone?: boolean;
  /** Every tools/call on this connection meets a 404, a moment after it was sent. */
  goneOn?: number;
  goneDelay?: number;
  /** The server gives each connection a session (Mcp-Session-Id), as a stateful server does. */
  sessions?: boolean;
}

/** One connection: answers initialize, tools/list and tools/call; `sessionGone` makes a call meet a 404. */
class FakeConnection implements Transport {
  onmessage?: (m: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (e: Error) => void;
  closed = false;
  /** The session the server gave this connection, if it keeps sessions (`sessions`). */
  sessionId: string | undefined;
  constructor(
    private readonly server: FakeServer,
    readonly id: number,
  ) {
    if (server.sessions) this.sessionId = `session-${id}`;
  }
  async start(): Promise<void> {}
  async close(): Promise<void> {
    this.closed = true;
    this.onclose?.();
  }
  async send(message: JSONRPCMessage): Promise<void> {
    if (!("method" in message) || !("id" in message)) return;
    if (message.method === "tools/call" && this.server.alwaysGone)
      throw new StreamableHTTPError(404, "Session not found");
    if (message.method === "tools/call" && this.server.goneOn === this.id) {
      // The answer comes a moment later, each call's later than the last's.
      this.server.goneDelay = (this.server.goneDelay ?? 0) + 10;
      await new Promise((r) => setTimeout(r, this.server.goneDelay));
      throw new StreamableHTTPError(404, "Session not found");
    }
    if (message.method === "tools/call" && this.server.sessionGone) {
      this.server.sessionGone = false;
      throw new StreamableHTTPError(404, "Session not found");
    }
    if ((message.method === "tools/call" || message.method === "tools/list") && this.server.unauthorized) {
      this.server.unauthorized--;
      throw new StreamableHTTPError(401, "Error POSTing to endpoint: ");
    }
    if (message.method === "tools/call" && this.server.lost) {
      this.server.lost = false;
      this.server.calls++;
      throw new TypeError("fetch failed");
    }
    if (message.method === "tools/call") this.server.calls++;
    const result =
      message.method === "initialize"
        ? {
            protocolVersion: "2025-06-18",
            capabilities: { tools: {} },
            serverInfo: { name: "f", version: "1" },
          }
        : message.method === "tools/list"
          ? { tools: [{ name: "send_email", inputSchema: { type: "object" } }] }
          : message.method === "tools/call"
            ? { content: [{ type: "text", text: `sent on connection ${this.id}` }] }
            : {};
    queueMicrotask(() => this.onmessage?.({ jsonrpc: "2.0", id: message.id, result } as JSONRPCMessage));
  }
}

/** A server (stateful, a session per connection, unless told not) and the harness's client of it, started. */
async function started(sessions = true) {
  const server: FakeServer = { calls: 0, sessionGone: false, sessions };
  const connections: FakeConnection[] = [];
  const settings = McpDownstreamSettings.parse({
    name: "crm",
    transport: { type: "http", url: "https://mcp.crm.example/mcp" },
  });
  const downstream = new DownstreamServer(settings, () => {
    const c = new FakeConnection(server, connections.length + 1);
    connections.push(c);
    return c;
  });
  await downstream.start();
  return { server, connections, downstream };
}

describe("a downstream server that restarted", () => {
  it("a 404 to the call's session: sent once more on a new session, run once; a second 404 is refused", async () => {
    const { server, connections, downstream } = await started();
    server.sessionGone = true;
    // Before: refused, the decision failed although the server never ran the call.
    expect(await downstream.call("send_email", {}, "d1:exec:1", true)).toBe("sent on connection 2");
    expect(server.calls).toBe(1);
    expect(connections[0]?.closed).toBe(true);

    // A server that answers every session 404 (it ends them at once): one new session, then refused.
    server.alwaysGone = true;
    await expect(downstream.call("send_email", {}, "d2:exec:1", true)).rejects.toMatchObject({
      message: expect.stringContaining("refused"),
      outcomeUnknown: false,
    });
    expect(connections).toHaveLength(3);
    expect(server.calls).toBe(1);
    await downstream.close();
  });

  it("calls in flight when the session is gone are each sent once more on a new one, none left in doubt", async () => {
    const { server, downstream } = await started();
    server.goneOn = 1;
    // Before: the first 404 closed the session under the second call, which was then in doubt.
    const answers = await Promise.all([
      downstream.call("send_email", {}, "d1:exec:1", true),
      downstream.call("send_email", {}, "d2:exec:1", true),
    ]);
    expect(answers).toEqual(["sent on connection 2", "sent on connection 2"]);
    expect(server.calls).toBe(2);
    await downstream.close();
  });

  it("fails the call that met the stale session as refused, then the next call reconnects and runs once", async () => {
    // Stateless: the 404 is to no session, a wrong address, so the call is refused, not sent again.
    const { server, connections, downstream } = await started(false);
    expect(await downstream.call("send_email", {}, "d1:exec:1")).toBe("sent on connection 1");

    server.sessionGone = true;
    await expect(downstream.call("send_email", {}, "d2:exec:1")).rejects.toMatchObject({
      message: expect.stringContaining("refused"),
      outcomeUnknown: false,
    });
    expect(connections[0]?.closed).toBe(true);

    expect(await downstream.call("send_email", {}, "d3:exec:1")).toBe("sent on connection 2");
    expect(server.calls).toBe(2);
    expect(connections).toHaveLength(2);
    await downstream.close();
  });
});

describe("a downstream server that answers 401", () => {
  const settings = McpDownstreamSettings.parse({
    name: "crm",
    transport: { type: "http", url: "https://mcp.crm.example/mcp" },
  });
  function downstream(server: { calls: number; sessionGone: boolean }, renew?: () => Promise<void>) {
    const connections: FakeConnection[] = [];
    const d = new DownstreamServer(
      settings,
      () => {
        const c = new FakeConnection(server, connections.length + 1);
        connections.push(c);
        return c;
      },
      renew ? { renewCredentials: renew } : {},
    );
    return { d, connections };
  }

  it("without renewCredentials (headers from the environment) is refused at once, sent once", async () => {
    const server = { calls: 0, sessionGone: false, unauthorized: 1 };
    const { d } = downstream(server);
    await expect(d.call("send_email", {}, "d1:exec:1")).rejects.toMatchObject({
      message: expect.stringContaining("refused: HTTP 401"),
      outcomeUnknown: false,
    });
    expect(server.unauthorized).toBe(0);
    await d.close();
  });

  it("with renewCredentials: renewed, sent once more on a new connection; a second 401 is refused", async () => {
    const server = { calls: 0, sessionGone: false, unauthorized: 1 };
    let renewals = 0;
    const { d, connections } = downstream(server, async () => void renewals++);
    expect(await d.call("send_email", {}, "d1:exec:1")).toBe("sent on connection 2");
    expect([renewals, server.calls, connections[0]?.closed]).toEqual([1, 1, true]);

    server.unauthorized = 5;
    await expect(d.call("send_email", {}, "d2:exec:1")).rejects.toMatchObject({ outcomeUnknown: false });
    expect([renewals, server.unauthorized]).toEqual([2, 3]);

    // Listing the tools likewise.
    server.unauthorized = 1;
    await d.start();
    expect(d.tools.map((t) => t.name)).toEqual(["send_email"]);
    expect(renewals).toBe(3);
    await d.close();
  });

  it("credentials that cannot be read again: refused, naming why; nothing that may have been done is sent again", async () => {
    const server = { calls: 0, sessionGone: false, unauthorized: 1 };
    let renewals = 0;
    const { d } = downstream(server, async () => {
      renewals++;
      throw new Error("reading the MCP server crm secret failed: ThrottlingException");
    });
    await expect(d.call("send_email", {}, "d1:exec:1")).rejects.toMatchObject({
      message: expect.stringMatching(/401.*could not be read again.*ThrottlingException/),
      outcomeUnknown: false,
    });

    // A call lost after it left is in doubt, and never renewed nor sent again.
    Object.assign(server, { lost: true });
    await expect(d.call("send_email", {}, "d2:exec:1")).rejects.toMatchObject({ outcomeUnknown: true });
    expect([renewals, server.calls]).toEqual([1, 1]);
    await d.close();
  });
});

describe("a downstream call near the executor's timeout", () => {
  const settings = McpDownstreamSettings.parse({
    name: "crm",
    transport: { type: "http", url: "https://mcp.crm.example/mcp" },
    timeoutMs: 10_000,
  });
  const request = (timeLeft: () => number) =>
    ({ idempotencyKey: "d1:exec:1", decision: {}, payload: {}, timeLeft }) as unknown as ConnectorRequest;

  it("is not started when connecting and calling could not end in the time left: turned away, not in doubt", async () => {
    const server = { calls: 0, sessionGone: false };
    const d = new DownstreamServer(settings, () => new FakeConnection(server, 1));
    // 15 s left: one call's 10 s, not a connection's and a call's.
    const err = await withinTimeLeft(
      request(() => 15_000),
      10_000,
      () => d.call("send_email", {}, "d1:exec:1"),
    ).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ outcomeUnknown: false, retryAfterMs: 0 });
    expect(err.message).toMatch(/crm\/send_email: not started, 15 s left/);
    expect(server.calls).toBe(0);
    // With the time, the same call is made.
    expect(
      await withinTimeLeft(
        request(() => 60_000),
        10_000,
        () => d.call("send_email", {}, "d1:exec:1"),
      ),
    ).toBe("sent on connection 1");
    await d.close();
  });

  it("a 401's second attempt is not started without the time for it: handed back, not refused", async () => {
    const server = { calls: 0, sessionGone: false, unauthorized: 1 };
    let left = 25_000;
    const d = new DownstreamServer(settings, () => new FakeConnection(server, 1), {
      // The secret's re-read took its time: 15 s left after it, less than a new connection and the call.
      renewCredentials: async () => {
        left = 15_000;
      },
    });
    const err = await withinTimeLeft(
      request(() => left),
      10_000,
      () => d.call("send_email", {}, "d1:exec:1"),
    ).catch((e) => e);
    // Before, the retry ran into the function's timeout and the decision went in doubt.
    expect(err).toMatchObject({ outcomeUnknown: false, retryAfterMs: 0 });
    expect(err.message).toMatch(/not started, 15 s left/);
    expect(server.calls).toBe(0);
    expect(server.unauthorized).toBe(0);
    await d.close();
  });
});
