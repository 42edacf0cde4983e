/**
 * /mcp in AWS (issue 12, item 1): the MCP function's handler (functions/api/mcp.ts) invoked with API
 * Gateway HTTP API (payload v2) events as the IAM authorizer delivers them (the captured event of
 * test/fixtures/events/api-v2-iam-proposal.json, re-pointed at /mcp): initialize, tools/list and
 * tools/call propose_action, each a separate stateless request; the decision is in the ledger with the
 * role's agent as its author. No authorizer context → 401; GET → 405.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHandler } from "../../functions/api/mcp.ts";
import { memoryWith } from "../../shared/runtime/aws-memory.ts";
import { MCP_STORES } from "../../shared/runtime/aws-stores.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { emailProposal, seedAcme } from "../helpers/world.ts";
import { awsRuntimeFor, fixture, lambdaContext } from "./lambda.ts";

const ctx = lambdaContext("dev-harness-api-mcp");
let rt: TestRuntime;
let handler: ReturnType<typeof makeHandler>;
beforeAll(async () => {
  rt = await startRuntime({ runWorkers: false });
  await seedAcme(rt.deps, "mcp-acme");
  // Built as functions/api/mcp.ts builds it (its stores, and the gate for propose_action), with
  // memory by keyword: no embeddings model.
  handler = makeHandler(() =>
    awsRuntimeFor(rt, { stores: MCP_STORES, gate: true, extras: { memory: memoryWith(undefined) } }),
  );
});
afterAll(() => rt?.close());

/** The captured IAM event, as API Gateway delivers an MCP client's request to /mcp. */
function mcpEvent(agentId: string | undefined, method: string, message?: unknown) {
  const e = fixture("api-v2-iam-proposal.json");
  e.routeKey = e.requestContext.routeKey = `${method} /mcp`;
  e.rawPath = e.requestContext.http.path = "/mcp";
  e.requestContext.http.method = method;
  e.headers.accept = "application/json, text/event-stream";
  e.headers["mcp-protocol-version"] = "2025-06-18";
  if (agentId)
    e.requestContext.authorizer.iam.userArn = `arn:aws:sts::123456789012:assumed-role/dev-harness-agent-${agentId}/session-${agentId}`;
  else delete e.requestContext.authorizer;
  if (message === undefined) delete e.body;
  else e.body = JSON.stringify(message);
  return e;
}

let id = 0;
async function rpc(agentId: string | undefined, method: string, params?: unknown) {
  const message = { jsonrpc: "2.0", id: ++id, method, ...(params === undefined ? {} : { params }) };
  const res = await handler(mcpEvent(agentId, "POST", message), ctx);
  return {
    status: res.statusCode,
    headers: res.headers ?? {},
    body: res.body ? JSON.parse(res.body) : undefined,
  };
}

describe("POST /mcp (Lambda, IAM authorizer)", () => {
  it("initialize, tools/list and tools/call propose_action: the decision is in the ledger as the role's agent", async () => {
    const init = await rpc("mcp-writer", "initialize", {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "handler-test", version: "1.0.0" },
    });
    expect(init.status).toBe(200);
    expect(init.body.result.serverInfo.name).toBe("agent-harness");
    expect(init.body.result.capabilities.tools).toBeDefined();

    const initialized = await handler(
      mcpEvent("mcp-writer", "POST", { jsonrpc: "2.0", method: "notifications/initialized" }),
      ctx,
    );
    expect(initialized.statusCode).toBe(202);

    const list = await rpc("mcp-writer", "tools/list");
    const names = list.body.result.tools.map((t: { name: string }) => t.name);
    expect(names).toEqual(expect.arrayContaining(["propose_action", "get_context", "wait_for_decision"]));
    // The IAM caller is an agent, never an admin: the outcome tool is not offered.
    expect(names).not.toContain("record_outcome");

    const { agentId: _a, ...args } = emailProposal("mcp-writer", "mcp-acme");
    const call = await rpc("mcp-writer", "tools/call", { name: "propose_action", arguments: args });
    expect(call.status).toBe(200);
    expect(call.body.result.isError).toBeFalsy();
    const decision = JSON.parse(call.body.result.content[0].text);
    expect(decision).toMatchObject({ agentId: "mcp-writer", decisionId: expect.any(String) });
    const stored = await rt.deps.decisions.getDecision(decision.decisionId);
    expect(stored).toMatchObject({
      agentId: "mcp-writer",
      proposalId: args.proposalId,
      actionType: "email.send",
    });

    // Proposing as another agent is refused by the API behind the tool, as over POST /v1/proposals.
    const as = await rpc("mcp-writer", "tools/call", {
      name: "propose_action",
      arguments: { ...args, proposalId: `${args.proposalId}-as`, agentId: "someone-else" },
    });
    expect(as.body.result.isError).toBe(true);
    expect(as.body.result.content[0].text).toMatch(/cannot propose as agent someone-else/);
  });

  it("add_memory: an agent's IAM role adds its own note over /mcp (POST /v1/memory takes people's tokens only)", async () => {
    const note = {
      accountId: "mcp-acme",
      kind: "note",
      text: "Asked to be contacted after the board meeting on the 14th.",
      source: { system: "agent" },
    };
    const call = await rpc("mcp-writer", "tools/call", { name: "add_memory", arguments: note });
    expect(call.body.result.isError, call.body.result.content[0].text).toBeFalsy();
    const added = JSON.parse(call.body.result.content[0].text);
    expect(added).toMatchObject({ accountId: "mcp-acme", chunks: 1, replay: false });
    const found = await rpc("mcp-writer", "tools/call", {
      name: "search_memory",
      arguments: { accountId: "mcp-acme", query: "board meeting" },
    });
    const items = JSON.parse(found.body.result.content[0].text).items;
    expect(items[0].doc).toMatchObject({ docId: `${added.docId}#0`, author: "mcp-writer" });
  });

  it("one message per request: a batch, a body over 256 KB and bytes that are not UTF-8 are refused, nothing run", async () => {
    const list = { jsonrpc: "2.0", method: "tools/call", params: { name: "get_trust", arguments: {} } };
    // Before: a hundred calls for one request against the stage's throttle, each run in process.
    const batch = await handler(
      mcpEvent(
        "mcp-writer",
        "POST",
        [1, 2, 3].map((n) => ({ ...list, id: n })),
      ),
      ctx,
    );
    expect(batch.statusCode).toBe(400);
    expect(JSON.parse(batch.body as string).error).toMatchObject({ code: -32600 });
    const big = mcpEvent("mcp-writer", "POST", { ...list, id: 9, params: { pad: "x".repeat(300_000) } });
    const tooBig = await handler(big, ctx);
    expect(tooBig.statusCode).toBe(413);
    const note = { accountId: "mcp-acme", kind: "note", text: "caf\u00e9", source: { system: "agent" } };
    const bytes = Buffer.from(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 10,
        method: "tools/call",
        params: { name: "add_memory", arguments: note },
      }),
    );
    // The é's two bytes replaced by one that is no UTF-8 (Latin-1's é).
    const at = bytes.indexOf(Buffer.from("\u00e9"));
    const latin1 = Buffer.concat([bytes.subarray(0, at), Buffer.from([0xe9]), bytes.subarray(at + 2)]);
    const e = mcpEvent("mcp-writer", "POST", {});
    e.body = latin1.toString("base64");
    e.isBase64Encoded = true;
    const bad = await handler(e, ctx);
    // Before: 200, the note stored with U+FFFD in it.
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body as string).error).toMatchObject({
      code: -32700,
      message: expect.stringMatching(/UTF-8/),
    });
  });

  it("a request without the authorizer's identity is refused; GET and DELETE are 405 (stateless)", async () => {
    const anon = await rpc(undefined, "tools/list");
    expect(anon.status).toBe(401);
    const get = await handler(mcpEvent("mcp-writer", "GET"), ctx);
    expect(get.statusCode).toBe(405);
    expect(get.headers?.allow).toBe("POST");
    const del = await handler(mcpEvent("mcp-writer", "DELETE"), ctx);
    expect(del.statusCode).toBe(405);
  });
});
