/**
 * Which downstream tools are offered and how a decision reaches one, without a server: the catalog
 * holds mapped tools the server lists (the key's argument hidden), the connector takes the mapping
 * from the decision's own spec version, fills the key's argument, and leaves other types to `inner`;
 * a failed call is refused or in doubt as the built-in connectors' are.
 */
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ErrorCode, McpError, type Tool } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { callFailure } from "../../shared/adapters/connectors/mcp-call-failures.ts";
import type { DownstreamServer } from "../../shared/adapters/connectors/mcp-downstream.ts";
import { DownstreamTools, exposedTools } from "../../shared/adapters/connectors/mcp-downstream-tools.ts";
import type { Spec, SpecVersion } from "../../shared/domain/spec-schema.ts";
import { type Connector, ConnectorError, type ConnectorRequest, type SpecStore } from "../../shared/ports.ts";
import { decision } from "../connectors/helpers/fake-api.ts";
import { defaultSpec, version } from "./helpers/fixtures.ts";

const pushAudience: Tool = {
  name: "push_audience",
  description: "Add an account to an audience.",
  inputSchema: {
    type: "object",
    properties: { accountId: { type: "string" }, key: { type: "string" } },
    required: ["accountId", "key"],
  },
};

function mapped(name = "push_audience"): Spec {
  const spec = defaultSpec();
  spec.autonomy.actions["ads.audience.push"] = {
    kind: "audience",
    channel: "linkedin",
    maxLevel: 2,
    startLevel: 1,
    overrideWindowMinutes: 30,
    approvalTimeoutHours: 24,
    tool: { server: "ads", name, target: { accountId: "/accountId" }, idempotencyKeyArgument: "key" },
  };
  return spec;
}

/** A server stand-in: its tool list, and the calls the connector makes. */
function fakeServer(tools: Tool[] = [pushAudience]) {
  const calls: { tool: string; args: Record<string, unknown>; key: string }[] = [];
  const server = {
    name: "ads",
    tools,
    settings: { name: "ads", timeoutMs: 10_000 },
    call: async (tool: string, args: Record<string, unknown>, key: string) => {
      calls.push({ tool, args, key });
      return "ok";
    },
  };
  return { server: server as unknown as DownstreamServer, calls };
}

const specsOf = (versions: SpecVersion[]): Pick<SpecStore, "get" | "current"> => ({
  get: async (v) => versions.find((s) => s.version === v),
  current: async () => versions.at(-1),
});

describe("the catalog", () => {
  it("offers a mapped tool the server lists, without the key's argument; nothing else", () => {
    const { server } = fakeServer([pushAudience, { ...pushAudience, name: "delete_audience" }]);
    const tools = exposedTools(mapped(), new Map([["ads", server]]));
    expect(tools.map((t) => [t.name, t.actionType, t.kind, t.channel])).toEqual([
      ["ads__push_audience", "ads.audience.push", "audience", "linkedin"],
    ]);
    expect(tools[0]?.inputSchema).toEqual({
      type: "object",
      properties: { accountId: { type: "string" } },
      required: ["accountId"],
    });
    // Mapped, but the server does not list it (or there is no such server): not offered.
    expect(exposedTools(mapped("gone"), new Map([["ads", server]]))).toEqual([]);
    expect(exposedTools(mapped(), new Map())).toEqual([]);
  });
});

describe("the connector", () => {
  const inner: Connector & { seen: ConnectorRequest[] } = {
    seen: [],
    execute: async (req) => {
      inner.seen.push(req);
      return { externalId: "inner" };
    },
  };
  const req = (specVersion: number, actionType = "ads.audience.push"): ConnectorRequest => ({
    idempotencyKey: `d1:exec:${specVersion}`,
    decision: decision(actionType, { specVersion, accountId: "acme" }),
    payload: { arguments: { accountId: "acme" } },
  });

  it("calls the tool of the decision's spec version with the key in its argument; other types go to inner", async () => {
    const { server, calls } = fakeServer();
    const tools = new DownstreamTools([server]);
    // Version 2 no longer maps the type: a decision made under version 1 still runs its tool.
    let reads = 0;
    const versions = specsOf([version(mapped(), 1), version(defaultSpec(), 2)]);
    const specs = {
      ...versions,
      get: (v: number) => {
        reads++;
        return versions.get(v);
      },
    };
    const connector = tools.connector(inner, specs);
    // The version read before the attempt is the one the call uses: not read again.
    await connector.prepare?.(req(1).decision);
    expect(reads).toBe(1);
    expect(await connector.execute(req(1))).toEqual({ externalId: "mcp:ads/push_audience:d1:exec:1" });
    expect(calls).toEqual([
      { tool: "push_audience", args: { accountId: "acme", key: "d1:exec:1" }, key: "d1:exec:1" },
    ]);
    expect(reads).toBe(1);
    expect(await connector.execute(req(2))).toEqual({ externalId: "inner" });
    expect(await connector.execute(req(1, "email.send"))).toEqual({ externalId: "inner" });
    expect(calls).toHaveLength(1);
    expect(await tools.catalog(specs).list()).toEqual([]);
  });

  it("a spec that cannot be read is a refusal, not an unknown outcome: nothing was sent", async () => {
    const { server, calls } = fakeServer();
    const failing = {
      get: async () => {
        throw new Error("ProvisionedThroughputExceededException");
      },
    };
    const connector = new DownstreamTools([server]).connector(inner, failing);
    // Read before the attempt is recorded (execution.ts): the failure leaves the decision unattempted.
    await expect(connector.prepare?.(req(1).decision)).rejects.toThrow(/ProvisionedThroughput/);
    const err = await connector.execute(req(1, "email.send")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).outcomeUnknown).toBe(false);
    expect((err as Error).message).toMatch(/spec v1 could not be read: ProvisionedThroughput/);
    expect(calls).toEqual([]);
  });

  it("a version not found (read before its publish spread) is a failed read, not kept: the next read finds it", async () => {
    const { server, calls } = fakeServer();
    const versions = specsOf([version(mapped(), 1)]);
    let lagging = true;
    const specs = { get: async (v: number) => (lagging ? undefined : versions.get(v)) };
    const connector = new DownstreamTools([server]).connector(inner, specs);
    const before = inner.seen.length;
    // Before the attempt is recorded: the executor's invocation fails and is retried, nothing sent.
    await expect(connector.prepare?.(req(1).decision)).rejects.toThrow(/spec v1 was not found/);
    // Before: kept as no spec, so the action went to inner (the sandbox outbox) and was recorded executed.
    const err = await connector.execute(req(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).outcomeUnknown).toBe(false);
    expect(inner.seen).toHaveLength(before);
    lagging = false;
    await connector.prepare?.(req(1).decision);
    expect(await connector.execute(req(1))).toEqual({ externalId: "mcp:ads/push_audience:d1:exec:1" });
    expect(calls).toHaveLength(1);
  });

  it("a mapped type whose server the connectors file does not name stays on inner (the sandbox outbox)", async () => {
    const connector = new DownstreamTools([]).connector(inner, specsOf([version(mapped(), 1)]));
    const before = inner.seen.length;
    expect(await connector.execute(req(1))).toEqual({ externalId: "inner" });
    expect(inner.seen).toHaveLength(before + 1);
  });
});

describe("a failed call", () => {
  it("an answer is a refusal; no answer is outcome unknown", () => {
    const unknown = (err: unknown) => callFailure("ads/push", err).outcomeUnknown;
    expect(unknown(new McpError(ErrorCode.InvalidParams, "bad"))).toBe(false);
    expect(unknown(new StreamableHTTPError(403, "forbidden"))).toBe(false);
    expect(unknown(new McpError(ErrorCode.RequestTimeout, "timeout"))).toBe(true);
    expect(unknown(new McpError(ErrorCode.ConnectionClosed, "closed"))).toBe(true);
    expect(unknown(new StreamableHTTPError(502, "bad gateway"))).toBe(true);
    expect(unknown(new TypeError("fetch failed"))).toBe(true);
  });
});
