/**
 * New tools wrap automatically (issue 12, item 5): a downstream MCP server (the official SDK's
 * McpServer over streamable HTTP on 127.0.0.1) registered in a connectors file, one of its tools
 * mapped by the spec to an email-channel touch. Through `harness mcp` (the official client), the agent
 * sees that tool namespaced and not the unmapped one; a call after a built-in email to the same
 * account the same day is deferred by the one-touch-per-day rule; allowed, it runs exactly once with
 * the decision's idempotency key; a dropped connection mid-call is in_doubt, and so is a send's tool error
 * (failed where its mapping says errorsMeanNotDone).
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DownstreamTools } from "../../shared/adapters/connectors/mcp-downstream-tools.ts";
import { connectorsFromConfig, parseConnectorsConfig } from "../../shared/runtime/connectors-config.ts";
import { execute } from "../../shared/usecases/lifecycle.ts";
import {
  type FakeDownstream,
  SEND_EMAIL_ACTION,
  startFakeDownstream,
} from "../connectors/helpers/fake-mcp-downstream.ts";
import { startRuntime } from "../helpers/runtime.ts";
import {
  advance,
  emailProposal,
  expectStatus,
  type Harness,
  HOUR,
  outboxFor,
  pin,
  proposeOk,
  seedAccount,
  startHarness,
  waitForStatus,
} from "./helpers/harness.ts";
import { callTool, connectHttp, connectStdio } from "./helpers/mcp.ts";

/** T0 is Tuesday 10:00 in New York: the account's next midnight (the one-touch-per-day reset). */
const NEXT_NY_MIDNIGHT = "2026-03-11T04:00:00.000Z";
const TYPE = "crm.sequence.email";

let fake: FakeDownstream;
let downstream: DownstreamTools;
let h: Harness;
let agent: Client;

const text = {
  subject: "Your pricing research",
  body: "Hi Bob, saw your team comparing plans this week. Happy to share how similar teams rolled out in two weeks.",
};
let seq = 0;
/** A call of the mapped tool: the CRM's own arguments, and what every proposal carries. */
const toolCall = (args: Record<string, unknown> = {}) => ({
  proposalId: `crm-call-${++seq}`,
  reasoning: "Bob (CRO) joined the pricing research; the CRM sequence is the right channel.",
  confidence: 0.9,
  arguments: { accountId: "acme", contactId: "acme-bob", ...text, ...args },
});

/** Moves to the next New York day (past the one-touch reset), 10:00 there. */
const nextDay = () => advance(h, 24 * HOUR);

beforeAll(async () => {
  fake = await startFakeDownstream();
  const live = connectorsFromConfig(
    parseConnectorsConfig(
      `mcp:\n  - name: crm\n    transport: { type: http, url: "${fake.url}", headersFromEnv: { Authorization: CRM_AUTH } }\n    timeoutMs: 3000\n`,
    ),
    { CRM_AUTH: "Bearer test-token" },
  );
  if (!live.downstream) throw new Error("the connectors file names an mcp server");
  downstream = live.downstream;
  await live.start();
  h = await startHarness(await startRuntime({ downstream }));
  await seedAccount(h, "acme");
  const current = expectStatus(await h.call("GET", "/v1/specs/current", h.admin), 200).spec;
  current.autonomy.actions[TYPE] = structuredClone(SEND_EMAIL_ACTION);
  // The one-touch-per-day cap alone between touches, so its retryAfter is the next midnight (the
  // default's email cooldown and channel diversity would push an email after an email a week out).
  current.coordination.cooldowns = [];
  current.coordination.channelDiversity = [];
  expectStatus(await h.call("POST", "/v1/specs", h.admin, current), 201);
  await pin(h, "outreach-writer", "email.send", 3);
  await pin(h, "crm-agent", TYPE, 3);
  agent = await connectStdio(h.server.url, await h.agent("crm-agent"));
}, 120_000);

afterAll(async () => {
  await agent?.close();
  await h?.close();
  await downstream?.close();
  await fake?.close();
});

describe("a downstream MCP tool through the gate", () => {
  it("is offered namespaced with its own schema; the unmapped tool is not", async () => {
    const tools = (await agent.listTools()).tools;
    const names = tools.map((t) => t.name);
    expect(names).toContain("crm__send_email");
    expect(names.filter((n) => n.includes("delete_contact"))).toEqual([]);
    const schema = tools.find((t) => t.name === "crm__send_email")?.inputSchema as any;
    expect(schema.required).toEqual(
      expect.arrayContaining(["proposalId", "reasoning", "confidence", "arguments"]),
    );
    expect(Object.keys(schema.properties.arguments.properties).sort()).toEqual([
      "accountId",
      "body",
      "contactId",
      "subject",
      "to",
    ]);
    // The local server's /mcp offers the same to the agent's token, and none to a person's.
    const overHttp = await connectHttp(h.server.url, await h.agent("crm-agent"));
    expect((await overHttp.listTools()).tools.map((t) => t.name)).toContain("crm__send_email");
    await overHttp.close();
    const viewer = await connectHttp(h.server.url, h.viewer);
    expect((await viewer.listTools()).tools.map((t) => t.name)).not.toContain("crm__send_email");
    await viewer.close();
    // The API lists the same for a viewer (what the harness's MCP server reads).
    const listed = expectStatus(await h.call("GET", "/v1/tools", h.viewer), 200).items;
    expect(listed.map((t: { name: string; actionType: string }) => [t.name, t.actionType])).toEqual([
      ["crm__send_email", TYPE],
    ]);
  });

  it("after a built-in email to the account the same day: deferred to the next day, nothing called", async () => {
    const email = await proposeOk(h, emailProposal("outreach-writer", "acme", "acme-jane"));
    expect(email.verdict).toBe("allow");
    await waitForStatus(h, email.decisionId, "executed");
    expect(outboxFor(h, email.decisionId)).toHaveLength(1);

    const res = await callTool(agent, "crm__send_email", toolCall());
    expect(res.isError, res.text).toBe(false);
    expect(res.json).toMatchObject({
      actionType: TYPE,
      accountId: "acme",
      personId: "acme-bob",
      verdict: "defer",
      status: "deferred",
      retryAfter: NEXT_NY_MIDNIGHT,
    });
    expect(res.json.reasons.join("\n")).toMatch(/one-touch-per-account-per-day/);
    expect(fake.calls).toEqual([]);
  });

  it("allowed the next day: executed once with the decision's idempotency key, never twice", async () => {
    await nextDay();
    const call = toolCall();
    const res = await callTool(agent, "crm__send_email", call);
    expect(res.json).toMatchObject({ verdict: "allow", agentId: "crm-agent" });
    const waited = await callTool(agent, "wait_for_decision", {
      decisionId: res.json.decisionId,
      timeoutSeconds: 20,
    });
    expect(waited.json).toMatchObject({ status: "executed", done: true });
    const d = expectStatus(await h.call("GET", `/v1/decisions/${res.json.decisionId}`, h.viewer), 200);
    expect(fake.calls).toEqual([
      { tool: "send_email", idempotencyKey: d.idempotencyKey, arguments: call.arguments },
    ]);
    expect(d.execution.externalId).toBe(`mcp:crm/send_email:${d.idempotencyKey}`);
    // Nothing went to the sandbox outbox: the downstream tool carried it out.
    expect(outboxFor(h, d.decisionId)).toEqual([]);

    // A redelivered execution and the same tool call again (a retry) call nothing more.
    await execute(h.rt.deps, d.decisionId);
    const again = await callTool(agent, "crm__send_email", call);
    expect(again.json).toMatchObject({ decisionId: d.decisionId, replay: true });
    expect(fake.calls.filter((c) => c.idempotencyKey === d.idempotencyKey)).toHaveLength(1);
  });

  it("a connection dropped after the call left is in_doubt, never retried; a tool error is failed", async () => {
    await nextDay();
    fake.next = "drop";
    const before = fake.calls.length;
    const res = await callTool(agent, "crm__send_email", toolCall());
    expect(res.json).toMatchObject({ verdict: "allow" });
    const d = await waitForStatus(h, res.json.decisionId, "in_doubt");
    expect(fake.calls.length).toBe(before + 1);
    expect(JSON.stringify(d.events)).toMatch(/no answer/);

    // A tool error on a send: the server's SDK answers any exception of a tool so, one thrown after
    // the message went out too. Before, it failed the decision, its reservation given back, and the
    // agent could send the same message again under a new key.
    await nextDay();
    fake.next = "tool_error";
    const erred = await callTool(agent, "crm__send_email", toolCall());
    const doubt = await waitForStatus(h, erred.json.decisionId, "in_doubt");
    expect(JSON.stringify(doubt.events)).toMatch(
      /answered an error \(contact \[address\] is unsubscribed in the CRM\); not sent again, it may have been done/,
    );
    expect(fake.calls.length).toBe(before + 2);

    // A mapping that says its tool errs only before acting: the error is a refusal (failed).
    const current = expectStatus(await h.call("GET", "/v1/specs/current", h.admin), 200).spec;
    current.autonomy.actions[TYPE].tool.errorsMeanNotDone = true;
    expectStatus(await h.call("POST", "/v1/specs", h.admin, current), 201);
    await nextDay();
    fake.next = "tool_error";
    const refused = await callTool(agent, "crm__send_email", toolCall());
    const f = await waitForStatus(h, refused.json.decisionId, "failed");
    expect(f.execution.error).toMatch(/contact \[address\] is unsubscribed in the CRM/);
    expect(fake.calls.length).toBe(before + 3);
  });

  it("arguments naming someone else than the decided target: the tool is not called (failed)", async () => {
    await nextDay();
    const before = fake.calls.length;
    // propose_action with the mapped type, target Jane, while the arguments send to Bob (a text
    // greeting nobody, so the gate has no name to compare).
    const neutral = {
      subject: "Pricing research",
      body: "Hello, saw your team comparing plans this week. Happy to share how similar teams rolled out in two weeks.",
    };
    const res = await callTool(agent, "propose_action", {
      proposalId: `crm-direct-${++seq}`,
      action: { type: TYPE },
      target: { accountId: "acme", personId: "acme-jane" },
      payload: { ...neutral, arguments: toolCall(neutral).arguments },
      reasoning: "direct",
      confidence: 0.9,
    });
    expect(res.json, res.text).toMatchObject({ verdict: "allow" });
    const f = await waitForStatus(h, res.json.decisionId, "failed");
    expect(f.execution.error).toMatch(/the arguments name person acme-bob/);
    expect(fake.calls.length).toBe(before);
  });

  it("with the address mapped (tool.recipient), a call to an address other than the contact's on file is blocked", async () => {
    const current = expectStatus(await h.call("GET", "/v1/specs/current", h.admin), 200).spec;
    current.autonomy.actions[TYPE].tool.recipient = { email: "/to" };
    expectStatus(await h.call("POST", "/v1/specs", h.admin, current), 201);
    await nextDay();
    const before = fake.calls.length;
    // Bob is the contact the gate checks; the CRM would send to Jane's address.
    const wrong = await callTool(agent, "crm__send_email", toolCall({ to: "jane@acme.io" }));
    expect(wrong.json, wrong.text).toMatchObject({ verdict: "block", status: "blocked" });
    expect(wrong.json.reasons.join("; ")).toMatch(/arguments\/to is not the email on file for acme-bob/);
    expect(wrong.text).not.toContain("jane@acme.io");
    const right = await callTool(agent, "crm__send_email", toolCall({ to: "BOB@acme.io" }));
    expect(right.json, right.text).toMatchObject({ verdict: "allow" });
    await waitForStatus(h, right.json.decisionId, "executed");
    expect(fake.calls.slice(before).map((c) => c.arguments.to)).toEqual(["BOB@acme.io"]);
  });

  it("invalid arguments are a tool error naming the field; nothing is proposed", async () => {
    const count = async () =>
      expectStatus(await h.call("GET", "/v1/decisions?agentId=crm-agent", h.viewer), 200).items.length;
    const before = await count();
    const bad = await callTool(agent, "crm__send_email", toolCall({ body: 42 }));
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/arguments/);
    expect(bad.text).toMatch(/body/);
    expect(await count()).toBe(before);
  });
});
