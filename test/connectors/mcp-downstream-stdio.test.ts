/**
 * The downstream connector's client over stdio against a real child process (the official SDK on
 * both sides): tools listed at start and again on list_changed, the idempotency key in the request's
 * _meta, the child given only the variables the file names, a process that dies mid-call → outcome
 * unknown (in_doubt) and the next call on a fresh process, a server that cannot start → a plain failure.
 */
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { DownstreamServer } from "../../shared/adapters/connectors/mcp-downstream.ts";
import { transportFor } from "../../shared/adapters/connectors/mcp-transport.ts";
import { ConnectorError } from "../../shared/ports.ts";
import { McpDownstreamSettings } from "../../shared/runtime/connector-schemas.ts";

const SCRIPT = fileURLToPath(new URL("./helpers/fake-mcp-stdio-server.ts", import.meta.url));

const settings = (command = process.execPath) =>
  McpDownstreamSettings.parse({
    name: "crm",
    transport: {
      type: "stdio",
      command,
      args: ["--import", "tsx", SCRIPT],
      envFrom: { CRM_TOKEN: "HARNESS_CRM_TOKEN" },
    },
    timeoutMs: 20_000,
  });

let open: DownstreamServer | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

const start = async (onToolsChanged?: () => void) => {
  const s = settings();
  const env = { HARNESS_CRM_TOKEN: "crm-secret", LEAK: "harness-only" };
  open = new DownstreamServer(s, transportFor(s, env), onToolsChanged ? { onToolsChanged } : {});
  await open.start();
  return open;
};

const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectorError);
    return err as ConnectorError;
  }
  throw new Error("expected a ConnectorError");
};

describe("downstream MCP server over stdio", () => {
  it("lists tools, passes the key in _meta and only the named variables; refreshes on list_changed", async () => {
    let changed = 0;
    const server = await start(() => changed++);
    expect(server.tools.map((t) => t.name).sort()).toEqual(["add_tool", "send_email"]);
    const seen = JSON.parse(await server.call("send_email", { contactId: "c1", body: "hi" }, "key-1"));
    expect(seen).toMatchObject({ key: "key-1", token: "crm-secret", leak: null });

    await server.call("add_tool", { name: "push_audience" }, "key-2");
    const until = Date.now() + 10_000;
    while (!server.tools.some((t) => t.name === "push_audience") && Date.now() < until)
      await new Promise((r) => setTimeout(r, 50));
    expect(server.tools.map((t) => t.name)).toContain("push_audience");
    expect(changed).toBeGreaterThan(0);
  }, 60_000);

  it("a process that dies mid-call: outcome unknown; the next call starts it again", async () => {
    const server = await start();
    const first = JSON.parse(await server.call("send_email", { contactId: "c1", body: "hi" }, "k1")).pid;
    const err = await failure(server.call("send_email", { contactId: "c1", body: "CRASH" }, "k2"));
    expect(err.outcomeUnknown).toBe(true);
    expect(err.message).toMatch(/no answer/);
    const again = JSON.parse(await server.call("send_email", { contactId: "c1", body: "hi" }, "k3"));
    expect(again.key).toBe("k3");
    expect(again.pid).not.toBe(first);
  }, 60_000);

  it("an unknown tool is the server's refusal (failed); a server that cannot start is not in doubt", async () => {
    const server = await start();
    const refused = await failure(server.call("no_such_tool", {}, "k1"));
    expect(refused.outcomeUnknown).toBe(false);
    const s = settings("/nonexistent/mcp-server");
    const broken = new DownstreamServer(s, transportFor(s, { HARNESS_CRM_TOKEN: "x" }));
    const err = await failure(broken.call("send_email", {}, "k1"));
    expect(err.outcomeUnknown).toBe(false);
    expect(err.message).toMatch(/cannot connect/);
  }, 60_000);
});
