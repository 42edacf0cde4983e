/**
 * A downstream server's tool list is input the harness keeps and offers: a server that lists without
 * end (cursors that never run out, or come round again) or lists too much must fail the start with an
 * error naming the server, not hang it; a changed list past the limits is not taken. Driven over an
 * in-memory transport playing the server's JSON-RPC side, as the reconnect test is.
 */
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { DownstreamServer, TOOL_LIST_LIMITS } from "../../shared/adapters/connectors/mcp-downstream.ts";
import { McpDownstreamSettings } from "../../shared/runtime/connector-schemas.ts";

type Page = { tools: { name: string; inputSchema: object; description?: string }[]; nextCursor?: string };

/** Answers initialize and tools/list from `pages(cursor)`; counts the list requests. */
class ListingServer implements Transport {
  onmessage?: (m: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (e: Error) => void;
  lists = 0;
  constructor(private readonly pages: (cursor: string | undefined) => Page) {}
  async start(): Promise<void> {}
  async close(): Promise<void> {
    this.onclose?.();
  }
  async send(message: JSONRPCMessage): Promise<void> {
    if (!("method" in message) || !("id" in message)) return;
    let result: object = {};
    if (message.method === "initialize")
      result = {
        protocolVersion: "2025-06-18",
        capabilities: { tools: { listChanged: true } },
        serverInfo: { name: "f", version: "1" },
      };
    if (message.method === "tools/list") {
      this.lists++;
      result = this.pages((message.params as { cursor?: string } | undefined)?.cursor);
    }
    queueMicrotask(() => this.onmessage?.({ jsonrpc: "2.0", id: message.id, result } as JSONRPCMessage));
  }
  /** The server says its tools changed (the client lists them again). */
  changed(): void {
    this.onmessage?.({ jsonrpc: "2.0", method: "notifications/tools/list_changed" } as JSONRPCMessage);
  }
}

const settings = McpDownstreamSettings.parse({
  name: "ads",
  transport: { type: "http", url: "https://mcp.ads.example/mcp" },
});
const tool = (name: string, extra: object = {}) => ({ name, inputSchema: { type: "object" }, ...extra });

function downstreamOf(server: ListingServer, log: unknown[] = []) {
  return new DownstreamServer(settings, () => server, { log: (msg, data) => log.push({ msg, ...data }) });
}

describe("a downstream server's tool list", () => {
  it("is read across pages", async () => {
    const server = new ListingServer((c) =>
      c ? { tools: [tool("b")] } : { tools: [tool("a")], nextCursor: "p2" },
    );
    const d = downstreamOf(server);
    await d.start();
    expect(d.tools.map((t) => t.name)).toEqual(["a", "b"]);
    await d.close();
  });

  it("fails the start when cursors never run out, after the page limit, naming the server", async () => {
    const server = new ListingServer((c) => ({
      tools: [tool(`t${c ?? 0}`)],
      nextCursor: `${Number(c ?? 0) + 1}`,
    }));
    await expect(downstreamOf(server).start()).rejects.toThrow(
      `mcp.ads: the server's tool list runs past ${TOOL_LIST_LIMITS.pages} pages`,
    );
    expect(server.lists).toBe(TOOL_LIST_LIMITS.pages);
  });

  it("fails the start when a cursor comes round again", async () => {
    const server = new ListingServer((c) => ({ tools: [tool(`t${c}`)], nextCursor: c === "x" ? "y" : "x" }));
    await expect(downstreamOf(server).start()).rejects.toThrow(
      "mcp.ads: the server's tool list repeats a cursor",
    );
    expect(server.lists).toBe(3);
  });

  it("fails the start on too many tools or a huge one", async () => {
    const many = new ListingServer(() => ({
      tools: Array.from({ length: TOOL_LIST_LIMITS.tools + 1 }, (_, i) => tool(`t${i}`)),
    }));
    await expect(downstreamOf(many).start()).rejects.toThrow(`more than ${TOOL_LIST_LIMITS.tools} tools`);
    const huge = new ListingServer(() => ({
      tools: [tool("push_audience", { description: "x".repeat(TOOL_LIST_LIMITS.schemaChars) })],
    }));
    await expect(downstreamOf(huge).start()).rejects.toThrow("mcp.ads: tool push_audience is");
  });

  it("reads every page again when the server says its tools changed", async () => {
    let version = 1;
    const server = new ListingServer((c) =>
      c ? { tools: [tool(`b${version}`)] } : { tools: [tool(`a${version}`)], nextCursor: "p2" },
    );
    let changed = 0;
    const d = new DownstreamServer(settings, () => server, { onToolsChanged: () => changed++ });
    await d.start();
    version = 2;
    server.changed();
    await expect.poll(() => changed).toBe(1);
    expect(d.tools.map((t) => t.name)).toEqual(["a2", "b2"]);
    expect(server.lists).toBe(4);
    await d.close();
  });

  it("keeps the last good list when a changed one is past the limits", async () => {
    let tooMany = false;
    const server = new ListingServer(() => ({
      tools: tooMany
        ? Array.from({ length: TOOL_LIST_LIMITS.tools + 1 }, (_, i) => tool(`t${i}`))
        : [tool("push_audience")],
    }));
    const log: unknown[] = [];
    const d = downstreamOf(server, log);
    await d.start();
    tooMany = true;
    server.changed();
    await expect.poll(() => log.length).toBe(1);
    expect(log[0]).toMatchObject({ msg: "downstream tool list refused", server: "ads" });
    expect(d.tools.map((t) => t.name)).toEqual(["push_audience"]);
    await d.close();
  });
});
