/**
 * The local server's /mcp endpoint (streamable HTTP, stateless) with the official SDK's client: the
 * same bearer tokens as the API, the same tools in process as the caller, and no entry without a
 * valid token.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  emailProposal,
  expectStatus,
  type Harness,
  pin,
  seedAccount,
  startHarness,
} from "./helpers/harness.ts";
import { callTool, connectHttp } from "./helpers/mcp.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await seedAccount(h, "acme");
  await pin(h, "outreach-writer", "email.send", 3);
});
afterAll(() => h?.close());

const initialize = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "curl", version: "1" } },
};
const post = (token: string | undefined, body: unknown = initialize) =>
  fetch(`${h.server.url}/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });

describe("POST /mcp on the local server", () => {
  it("refuses a request without a token, or with an unknown one (401), before any MCP handling", async () => {
    const none = await post(undefined);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe("Bearer");
    expect(((await none.json()) as { message: string }).message).toMatch(/bearer token is required/);
    const unknown = await post("not-a-token");
    expect(unknown.status).toBe(401);
    expect(((await unknown.json()) as { message: string }).message).toMatch(/unknown token/);
    await expect(connectHttp(h.server.url)).rejects.toThrow(/unauthorized/);
    // With a token the same request initializes a session.
    const ok = await post(await h.agent("outreach-writer"));
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { result: { serverInfo: { name: string } } }).result.serverInfo.name).toBe(
      "agent-harness",
    );
  });

  it("one message per request: a batch is refused, not run against one token of the rate limit", async () => {
    const token = await h.agent("outreach-writer");
    const call = (id: number) => ({
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: { name: "get_trust", arguments: {} },
    });
    const res = await post(token, [call(1), call(2), call(3)]);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32600);
  });

  it("an agent lists its tools and proposes through the gate as itself; the decision runs", async () => {
    const client = await connectHttp(h.server.url, await h.agent("outreach-writer"));
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name).sort();
      expect(tools).toEqual([
        "add_memory",
        "get_context",
        "get_decision",
        "propose_action",
        "search_memory",
        "wait_for_decision",
      ]);
      const { agentId: _a, ...args } = emailProposal("outreach-writer", "acme", "acme-jane");
      const a = await callTool(client, "propose_action", args);
      expect(a.isError, a.text).toBe(false);
      expect(a.json).toMatchObject({ verdict: "allow", agentId: "outreach-writer" });
      const done = await callTool(client, "wait_for_decision", { decisionId: a.json.decisionId });
      expect(done.json).toMatchObject({ status: "executed", done: true });
      expect(h.rt.sandbox.entries.filter((e) => e.decisionId === a.json.decisionId)).toHaveLength(1);
      // Impersonation is refused in process exactly as over the API.
      const as = await callTool(client, "propose_action", {
        ...args,
        proposalId: "x-1",
        agentId: "linkedin-agent",
      });
      expect(as.isError).toBe(true);
      expect(as.text).toMatch(/cannot propose as agent linkedin-agent/);
    } finally {
      await client.close();
    }
  });

  it("record_outcome is offered to an admin's token only, and records through the API", async () => {
    const viewer = await connectHttp(h.server.url, h.viewer);
    const admin = await connectHttp(h.server.url, h.admin);
    try {
      expect((await viewer.listTools()).tools.map((t) => t.name)).not.toContain("record_outcome");
      expect((await admin.listTools()).tools.map((t) => t.name)).toContain("record_outcome");
      // A viewer proposes nothing: the API's answer comes back as the tool error.
      const refused = await callTool(viewer, "propose_action", emailProposal("outreach-writer"));
      expect(refused.isError).toBe(true);
      expect(refused.text).toMatch(/forbidden/);
      const [sent] = expectStatus(await h.call("GET", "/v1/decisions?agentId=outreach-writer", h.viewer), 200)
        .items as { decisionId: string }[];
      const r = await callTool(admin, "record_outcome", { decisionId: sent?.decisionId, type: "replied" });
      expect(r.isError, r.text).toBe(false);
      const d = expectStatus(await h.call("GET", `/v1/decisions/${sent?.decisionId}`, h.viewer), 200);
      expect(d.outcomes.map((o: { type: string }) => o.type)).toContain("replied");
    } finally {
      await Promise.all([viewer.close(), admin.close()]);
    }
  });

  it("the API reads behind the tools: an agent reads its own trust and decisions only, people read any", async () => {
    const writer = await h.agent("outreach-writer");
    const own = expectStatus(await h.call("GET", "/v1/agents/outreach-writer/trust", writer), 200);
    expect(own.items.find((t: { actionType: string }) => t.actionType === "email.send")).toMatchObject({
      pinnedLevel: 3,
    });
    const other = await h.call("GET", "/v1/agents/linkedin-agent/trust", writer);
    expect(other.status).toBe(403);
    expect(other.body.message).toMatch(/only its own agent/);
    expectStatus(await h.call("GET", "/v1/agents/outreach-writer/trust", h.viewer), 200);
    // An agent the harness has never heard of (no credential, trust or decision) is a 404 for people.
    const unknown = await h.call("GET", "/v1/agents/linkedin-agent/trust", h.viewer);
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/linkedin-agent is unknown/);
    expectStatus(await h.call("GET", "/v1/specs/current", writer), 200);
    expect(expectStatus(await h.call("GET", "/v1/me", writer), 200).roles).toEqual(["agent:outreach-writer"]);
    // Still no reviews, no listings and no writes for an agent credential.
    expect((await h.call("GET", "/v1/decisions?agentId=outreach-writer", writer)).status).toBe(403);
    expect((await h.call("GET", "/v1/context?accountId=acme&budgetTokens=10", writer)).status).toBe(400);
  });
});
