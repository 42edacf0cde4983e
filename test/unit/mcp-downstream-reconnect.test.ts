/**
 * A downstream server that restarted answers the harness's old session with HTTP 404. The call that
 * meets it fails (refused: the server never ran it), and the next call must connect afresh rather than
 * fail the same way until the harness restarts. Driven over an in-memory transport that plays the
 * server's JSON-RPC side, so the test needs no network.
 */
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { DownstreamServer } from "../../shared/adapters/connectors/mcp-downstream.ts";
import { McpDownstreamSettings } from "../../shared/runtime/connector-schemas.ts";

/** One connection: answers initialize, tools/list and tools/call; `sessionGone` makes a call meet a 404. */
class FakeConnection implements Transport {
  onmessage?: (m: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (e: Error) => void;
  closed = false;
  constructor(
    private readonly server: { calls: number; sessionGone: boolean },
    readonly id: number,
  ) {}
  async start(): Promise<void> {}
  async close(): Promise<void> {
    this.closed = true;
    this.onclose?.();
  }
  async send(message: JSONRPCMessage): Promise<void> {
    if (!("method" in message) || !("id" in message)) return;
    if (message.method === "tools/call" && this.server.sessionGone) {
      this.server.sessionGone = false;
      throw new StreamableHTTPError(404, "Session not found");
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

describe("a downstream server that restarted", () => {
  it("fails the call that met the stale session as refused, then the next call reconnects and runs once", async () => {
    const server = { calls: 0, sessionGone: false };
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
