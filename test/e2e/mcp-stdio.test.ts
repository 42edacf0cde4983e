/**
 * `harness mcp` over stdio, driven by the official SDK's client as an agent framework would: the
 * tools, the gate's verdicts through them (an allowed email, a colliding LinkedIn touch deferred), the
 * token's identity enforced, and invalid input refused by field with nothing written.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoMemoryStore } from "../../shared/adapters/dynamo/memory-store.ts";
import {
  emailProposal,
  expectStatus,
  type Harness,
  linkedinProposal,
  outboxFor,
  pin,
  seedAccount,
  startHarness,
} from "./helpers/harness.ts";
import { callTool, connectStdio, readJsonResource } from "./helpers/mcp.ts";

/** T0 is Tuesday 10:00 in New York: the account's next midnight (the one-touch-per-day reset). */
const NEXT_NY_MIDNIGHT = "2026-03-11T04:00:00.000Z";

let h: Harness;
let writer: Client;
let linkedin: Client;

const decisionsOf = async (agentId: string) =>
  expectStatus(await h.call("GET", `/v1/decisions?agentId=${agentId}`, h.viewer), 200).items as {
    decisionId: string;
    agentId: string;
  }[];

/** A proposal as an MCP tool's arguments: the agent is the token's, so agentId is left out. */
const asArgs = ({ agentId: _a, ...rest }: Record<string, unknown>) => rest;

beforeAll(async () => {
  h = await startHarness();
  await seedAccount(h, "acme");
  await pin(h, "outreach-writer", "email.send", 3);
  await pin(h, "linkedin-agent", "linkedin.message", 3);
  await new DynamoMemoryStore(h.rt.db).put({
    docId: "acme-call-1",
    accountId: "acme",
    personId: "acme-jane",
    kind: "transcript",
    title: "Discovery call with Jane",
    text: "Jane said the team is migrating off Salesforce dashboards this quarter. Budget is approved.",
    source: "call transcript 2026-03-02",
    at: "2026-03-02T15:00:00.000Z",
  });
  [writer, linkedin] = await Promise.all([
    connectStdio(h.server.url, await h.agent("outreach-writer")),
    connectStdio(h.server.url, await h.agent("linkedin-agent")),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([writer?.close(), linkedin?.close()]);
  await h?.close();
});

describe("harness mcp over stdio", () => {
  it("lists the agent's tools and resources (no record_outcome for an agent token)", async () => {
    const tools = (await writer.listTools()).tools.map((t) => t.name).sort();
    expect(tools).toEqual([
      "add_memory",
      "get_context",
      "get_decision",
      "propose_action",
      "search_memory",
      "wait_for_decision",
    ]);
    const propose = (await writer.listTools()).tools.find((t) => t.name === "propose_action");
    // The API's proposal schema, as JSON Schema: the fields and their constraints.
    expect(propose?.inputSchema.required).toEqual(
      expect.arrayContaining(["proposalId", "action", "target", "reasoning", "confidence"]),
    );
    expect(propose?.inputSchema.required).not.toContain("agentId");
    const uris = (await writer.listResources()).resources.map((r) => r.uri).sort();
    expect(uris).toEqual(["harness://agents/outreach-writer/trust", "harness://spec/current"]);
    const trust = await readJsonResource(writer, "harness://agents/outreach-writer/trust");
    const email = trust.items.find((t: { actionType: string }) => t.actionType === "email.send");
    expect(email).toMatchObject({ agentId: "outreach-writer", pinnedLevel: 3, effectiveLevel: 3 });
    const spec = await readJsonResource(writer, "harness://spec/current");
    expect(spec.version).toBe(1);
    expect(spec.spec.autonomy.actions["email.send"]).toBeDefined();
  });

  it("get_context and search_memory answer from the knowledge base, each item cited", async () => {
    const ctx = await callTool(writer, "get_context", {
      accountId: "acme",
      personId: "acme-jane",
      query: "salesforce dashboards",
    });
    expect(ctx.isError, ctx.text).toBe(false);
    const kinds = ctx.json.items.map((i: { kind: string }) => i.kind);
    expect(kinds).toEqual(expect.arrayContaining(["account", "person", "signal", "memory"]));
    for (const item of ctx.json.items) expect(item.provenance.source).toBeTruthy();
    expect(ctx.json.usedTokens).toBeLessThanOrEqual(ctx.json.budgetTokens);
    const tight = await callTool(writer, "get_context", {
      accountId: "acme",
      personId: "acme-jane",
      query: "salesforce dashboards",
      budgetTokens: 50,
    });
    expect(tight.json.usedTokens).toBeLessThanOrEqual(50);
    expect(tight.json.dropped).toBeGreaterThan(0);

    const found = await callTool(writer, "search_memory", {
      accountId: "acme",
      query: "salesforce migration",
    });
    expect(found.isError, found.text).toBe(false);
    expect(found.json.items.map((i: { doc: { docId: string } }) => i.doc.docId)).toEqual(["acme-call-1"]);
    expect(found.json.items[0].excerpt).toMatch(/Salesforce/);
    const other = await callTool(writer, "search_memory", { accountId: "globex", query: "salesforce" });
    expect(other.json.items).toEqual([]);
  });

  it("add_memory: an agent adds its own note, cited to it and found by search; nothing else", async () => {
    const note = {
      accountId: "acme",
      kind: "note",
      id: "writer-note-1",
      text: "Jane prefers short emails and asked to hear back after the procurement review in April.",
      source: { system: "agent" },
    };
    const added = await callTool(writer, "add_memory", note);
    expect(added.isError, added.text).toBe(false);
    expect(added.json).toMatchObject({ docId: "writer-note-1", accountId: "acme", replay: false });
    expect((await callTool(writer, "add_memory", note)).json).toMatchObject({ replay: true });
    const found = await callTool(linkedin, "search_memory", {
      accountId: "acme",
      query: "procurement review",
    });
    const hit = found.json.items.find((i: { doc: { docId: string } }) =>
      i.doc.docId.startsWith("writer-note-1"),
    );
    expect(hit?.doc.author).toBe("outreach-writer");

    // A transcript is an admin's to add, an unknown field is named: tool errors, nothing stored.
    const transcript = await callTool(writer, "add_memory", { ...note, id: "t-1", kind: "transcript" });
    expect(transcript.isError).toBe(true);
    expect(transcript.text).toMatch(/forbidden/);
    const bad = await callTool(writer, "add_memory", { ...note, id: "t-2", text: "" });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/text/);
    const none = await callTool(writer, "search_memory", { accountId: "acme", query: "procurement review" });
    expect(none.json.items.map((i: { doc: { docId: string } }) => i.doc.docId.split("#")[0])).toEqual(
      expect.not.arrayContaining(["t-1", "t-2"]),
    );
  });

  it("propose_action: allowed, executed once; a second agent's colliding touch is deferred with retryAfter", async () => {
    const proposal = emailProposal("outreach-writer", "acme", "acme-jane");
    const a = await callTool(writer, "propose_action", asArgs(proposal));
    expect(a.isError, a.text).toBe(false);
    expect(a.json).toMatchObject({
      verdict: "allow",
      agentId: "outreach-writer",
      retryAfter: null,
      executeAt: null,
    });
    expect(a.json.decisionId).toBeTruthy();
    expect(a.json.reasons.join("\n")).toMatch(/level 3 \(pinned by an admin\)/);

    const waited = await callTool(writer, "wait_for_decision", {
      decisionId: a.json.decisionId,
      timeoutSeconds: 20,
    });
    expect(waited.isError, waited.text).toBe(false);
    expect(waited.json).toMatchObject({ status: "executed", done: true });
    expect(outboxFor(h, a.json.decisionId)).toHaveLength(1);
    // In the ledger with the token's identity.
    const recorded = expectStatus(await h.call("GET", `/v1/decisions/${a.json.decisionId}`, h.viewer), 200);
    expect(recorded).toMatchObject({ agentId: "outreach-writer", proposalId: proposal.proposalId });

    // The same proposal again (a retried tool call) answers the first decision.
    const again = await callTool(writer, "propose_action", asArgs(proposal));
    expect(again.json).toMatchObject({ decisionId: a.json.decisionId, replay: true });

    const b = await callTool(
      linkedin,
      "propose_action",
      asArgs(linkedinProposal("linkedin-agent", "acme", "acme-jane")),
    );
    expect(b.isError, b.text).toBe(false);
    expect(b.json).toMatchObject({ verdict: "defer", status: "deferred", retryAfter: NEXT_NY_MIDNIGHT });
    expect(b.json.reasons.join("\n")).toMatch(/one-touch-per-account-per-day/);
    // Deferred is final for this decision: the wait returns at once.
    const bWait = await callTool(linkedin, "wait_for_decision", { decisionId: b.json.decisionId });
    expect(bWait.json).toMatchObject({ status: "deferred", done: true });
    expect(bWait.json.waitedMs).toBeLessThan(5_000);
    expect(h.rt.sandbox.entries).toHaveLength(1);

    // An agent reads its own decisions only: another agent's is not found.
    const theirs = await callTool(writer, "get_decision", { decisionId: b.json.decisionId });
    expect(theirs.isError).toBe(true);
    expect(theirs.text).toMatch(/not_found/);
    const mine = await callTool(linkedin, "get_decision", { decisionId: b.json.decisionId });
    expect(mine.json).toMatchObject({ status: "deferred", retryAfter: NEXT_NY_MIDNIGHT });
  });

  it("a token for agent A cannot propose as agent B: refused, nothing recorded for B", async () => {
    const before = (await decisionsOf("linkedin-agent")).length;
    const res = await callTool(
      writer,
      "propose_action",
      linkedinProposal("linkedin-agent", "acme", "acme-bob"),
    );
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/forbidden/);
    expect(res.text).toMatch(/cannot propose as agent linkedin-agent/);
    expect(await decisionsOf("linkedin-agent")).toHaveLength(before);
  });

  it("invalid tool input is a tool error naming the field; nothing is written", async () => {
    const before = (await decisionsOf("outreach-writer")).length;
    const base = asArgs(emailProposal("outreach-writer", "acme", "acme-bob"));
    const wrongType = await callTool(writer, "propose_action", { ...base, confidence: "very" });
    expect(wrongType.isError).toBe(true);
    expect(wrongType.text).toMatch(/confidence/);
    const missing = await callTool(writer, "propose_action", { ...base, target: { personId: "acme-bob" } });
    expect(missing.isError).toBe(true);
    expect(missing.text).toMatch(/target\.accountId/);
    // A rule only the API checks (the payload's size) is named by the API's 400 the same way.
    const big = await callTool(writer, "propose_action", { ...base, payload: { body: "x".repeat(33_000) } });
    expect(big.isError).toBe(true);
    expect(big.text).toMatch(/invalid_request/);
    expect(big.text).toMatch(/payload: payload is too large/);
    const wait = await callTool(writer, "wait_for_decision", { decisionId: "d_x", timeoutSeconds: 61 });
    expect(wait.isError).toBe(true);
    expect(wait.text).toMatch(/timeoutSeconds/);
    expect(await decisionsOf("outreach-writer")).toHaveLength(before);
  });
});
