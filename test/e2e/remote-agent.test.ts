/**
 * Built-in agents out of process (issue 12, item 2): a registry agent's handler, unchanged, reads the
 * knowledge base and proposes through the typed client with its own token (remote-agent*.ts). Two
 * harnesses hold the same data: in one the agent runs in process, against the other over HTTP; both
 * give the same proposals, verdicts and payloads (the persona classifier, the lead list builder, then
 * the outreach writer on the lists just executed), recorded under the agent's identity. An agent token reads only
 * what its handler reads (http/agent-reads.ts) and proposes only as itself. The CLI: agents-cli.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalDeterministicModel } from "../../shared/adapters/model/local-model.ts";
import type { AgentInvocation } from "../../shared/agents/definition.ts";
import type { WebFetcher } from "../../shared/agents/ports.ts";
import { findAgent } from "../../shared/agents/registry.ts";
import { AgentRunner } from "../../shared/agents/runner.ts";
import { createClient } from "../../shared/client/client.ts";
import { httpTransport } from "../../shared/client/transport.ts";
import type { KnowledgeView } from "../../shared/kb/view.ts";
import { attachAgents, type LocalAgents } from "../../shared/runtime/agents-local.ts";
import { remoteAgentClient } from "../../shared/runtime/remote-agent.ts";
import { builtInAgent, runRemoteAgent, tickOf } from "../../shared/runtime/remote-agent-run.ts";
import { startRuntime } from "../helpers/runtime.ts";
import { jane } from "../helpers/world.ts";
import { expectStatus, type Harness, seedAccount, startHarness } from "./helpers/harness.ts";

/** Every company's site: a home page with two facts Web Research extracts, each cited. */
const site: WebFetcher = {
  get: async (url) => ({
    url,
    status: 200,
    contentType: "text/html",
    body: "<html><title>Globex</title><p>Globex raised a Series B led by North Ventures this spring.</p><p>Globex is hiring forty engineers across Europe this year.</p></html>",
  }),
};
const noRetries = { add: async () => {}, due: async () => [], remove: async () => {} };

let local: Harness;
let remote: Harness;
/** The KB watchers and ingest of each harness (no agents): the directory and executed records. */
let watchers: LocalAgents[];
const settle = () => Promise.all(watchers.map((w) => w.drain()));

/** Two in-ICP accounts with Jane and Bob (titles the spec's rules classify) and Kim (no rule matches). */
async function seed(h: Harness) {
  for (const accountId of ["acme", "globex"]) {
    await seedAccount(h, accountId);
    expectStatus(
      await h.call("PUT", `/v1/people/${accountId}-kim`, h.admin, {
        ...jane,
        accountId,
        email: `kim@${accountId}.io`,
        firstName: "Kim",
        title: "Growth Alchemist",
      }),
      200,
    );
  }
  // Globex's Bob asked us to stop: off the lead lists, in process and out (the people read says so).
  expectStatus(
    await h.call("POST", "/v1/suppressions", h.admin, {
      kind: "email",
      value: "bob@globex.io",
      reason: "stop",
    }),
    201,
  );
}

const inProcess = (agentId: string, invocation: AgentInvocation) => {
  const def = findAgent(agentId);
  if (!def) throw new Error(`no agent ${agentId}`);
  return new AgentRunner([def], {
    web: site,
    clock: local.rt.clock,
    gate: local.rt.deps.gate,
    kb: local.rt.deps.knowledge as KnowledgeView,
    model: new LocalDeterministicModel(),
    retries: noRetries,
  }).run(agentId, invocation, { rethrow: true });
};

const outOfProcess = async (agentId: string, token: string, eventDetail?: Record<string, unknown>) =>
  runRemoteAgent({
    client: remoteAgentClient({ baseUrl: remote.server.url, token }),
    agentId,
    model: new LocalDeterministicModel(),
    ...(eventDetail ? { eventDetail } : {}),
  });

/** The agent's decisions as a reader sees them, by proposalId. */
async function decisionsOf(h: Harness, agentId: string) {
  const page = expectStatus(await h.call("GET", `/v1/decisions?agentId=${agentId}&limit=100`, h.viewer), 200);
  return new Map<string, any>(page.items.map((d: any) => [d.proposalId, d]));
}

beforeAll(async () => {
  const runtimes = await Promise.all([
    startRuntime({ store: "in-process" }),
    startRuntime({ store: "in-process" }),
  ]);
  watchers = await Promise.all(runtimes.map((rt) => attachAgents(rt, { agents: [] })));
  [local, remote] = (await Promise.all(runtimes.map(startHarness))) as [Harness, Harness];
  await Promise.all([seed(local), seed(remote)]);
  await settle();
});
afterAll(async () => {
  await local?.close();
  await remote?.close();
});

describe("a built-in agent out of process", () => {
  it("proposes what an in-process tick proposes, with the same verdicts, under its own identity", async () => {
    const runs: [string, Record<string, unknown> | undefined][] = [
      ["persona-classifier", { personId: "acme-jane", accountId: "acme" }],
      // No title rule: the model is asked, after a memory search over the API.
      ["persona-classifier", { personId: "acme-kim", accountId: "acme" }],
      ["lead-list-builder", undefined],
      // On the lead lists just executed and ingested: lists, template stats, people, context packets.
      ["outreach-writer", undefined],
      ["buying-committee-builder", { accountId: "acme" }],
      // The audiences kept from today's lists.
      ["list-sync", undefined],
      // The web is read from the agent's own process (here a stub site, the same on both sides).
      ["web-research", { accountId: "globex", listId: "leads-sdr-1" }],
    ];
    for (const [agentId, detail] of runs) {
      const here = await inProcess(agentId, tickOf(builtInAgent(agentId), local.rt.clock.now(), detail));
      const there = await runRemoteAgent({
        client: remoteAgentClient({ baseUrl: remote.server.url, token: await remote.agent(agentId) }),
        agentId,
        model: new LocalDeterministicModel(),
        web: site,
        ...(detail ? { eventDetail: detail } : {}),
      });
      await settle();
      expect(there.proposals.length, agentId).toBeGreaterThan(0);
      const shape = (p: { proposalId: string; actionType: string; verdict: string; replay: boolean }) => ({
        proposalId: p.proposalId,
        actionType: p.actionType,
        verdict: p.verdict,
        replay: p.replay,
      });
      expect(there.proposals.map(shape), agentId).toEqual(here.proposals.map(shape));
    }
    for (const agentId of new Set(runs.map(([agentId]) => agentId))) {
      const [mine, theirs] = await Promise.all([decisionsOf(local, agentId), decisionsOf(remote, agentId)]);
      expect([...theirs.keys()].sort()).toEqual([...mine.keys()].sort());
      for (const [proposalId, d] of theirs) {
        const same = mine.get(proposalId);
        expect(d.agentId).toBe(agentId);
        expect(
          { verdict: d.verdict, payload: d.payload, reasoning: d.reasoning, confidence: d.confidence },
          proposalId,
        ).toEqual({
          verdict: same.verdict,
          payload: same.payload,
          reasoning: same.reasoning,
          confidence: same.confidence,
        });
      }
    }
  });

  it("CRM Sync reads an executed touch from the ledger and records it (the ledger read)", async () => {
    const writer = await decisionsOf(remote, "outreach-writer");
    const email = [...writer.values()].find((d) => d.status === "pending_approval");
    expect(email, "an email waiting for approval").toBeDefined();
    expectStatus(
      await remote.call("POST", `/v1/decisions/${email.decisionId}/approve`, remote.approver, {
        digest: email.payloadDigest,
      }),
      200,
    );
    await settle();
    const executed = expectStatus(
      await remote.call("GET", `/v1/decisions/${email.decisionId}`, remote.viewer),
      200,
    );
    expect(executed.status).toBe("executed");
    const report = await outOfProcess("crm-sync", await remote.agent("crm-sync"), {
      decisionId: email.decisionId,
      to: "executed",
      actionType: "email.send",
      agentId: "outreach-writer",
      accountId: email.accountId,
    });
    expect(report.proposals).toHaveLength(1);
    const logged = expectStatus(
      await remote.call("GET", `/v1/decisions/${report.proposals[0]?.decisionId}`, remote.viewer),
      200,
    );
    expect(logged).toMatchObject({
      agentId: "crm-sync",
      payload: {
        operation: "log_engagement",
        decisionId: email.decisionId,
        companyDomain: `${email.accountId}.io`,
        subject: email.payload.subject,
      },
    });
  });

  it("reads in batches: the candidates' touches in one read, people only for listed accounts", async () => {
    const paths: string[] = [];
    const http = httpTransport({
      baseUrl: remote.server.url,
      token: await remote.agent("lead-list-builder"),
    });
    const client = createClient(async (method, path, body) => {
      paths.push(`${method} ${path.split("?")[0]}`);
      return http(method, path, body);
    });
    const report = await runRemoteAgent({
      client,
      agentId: "lead-list-builder",
      model: new LocalDeterministicModel(),
    });
    // The writer's messages of the first test await approval today on both accounts, so the
    // coordination rules allow neither another touch today: both are passed over, and no people page
    // is read for an account that is not listed.
    expect(report.proposals).toEqual([]);
    expect(paths.filter((p) => p.startsWith("GET /v1/kb/")).sort()).toEqual([
      "GET /v1/kb/accounts",
      "GET /v1/kb/touches",
    ]);
  });

  it("an agent token reads what its own handler reads, nothing of another role's (403)", async () => {
    const lists = await remote.agent("list-sync");
    const classifier = await remote.agent("persona-classifier");
    const byo = await remote.agent("my-langgraph-agent");
    expectStatus(await remote.call("GET", "/v1/kb/records?personIds=acme-jane", lists), 403);
    expectStatus(await remote.call("GET", "/v1/kb/accounts", lists), 403);
    expectStatus(await remote.call("GET", "/v1/kb/audiences", lists), 200);
    // Which of its contacts asked us to stop, ids only; not the people themselves.
    const blocked = expectStatus(
      await remote.call(
        "GET",
        "/v1/kb/accounts/globex/do-not-target?personIds=globex-bob,globex-jane",
        lists,
      ),
      200,
    );
    expect(blocked).toEqual({ personIds: ["globex-bob"], account: false });
    expectStatus(await remote.call("GET", "/v1/kb/accounts/globex/people", lists), 403);
    for (const path of [
      "/v1/kb/lead-lists/2026-03-10",
      "/v1/kb/template-stats",
      "/v1/kb/decisions/x1",
      "/v1/kb/touches?accountIds=acme",
    ])
      expectStatus(await remote.call("GET", path, classifier), 403);
    // An agent of another framework reads the context packet and memory, not records one by one.
    expectStatus(await remote.call("GET", "/v1/kb/accounts/acme/people", byo), 403);
    const both = expectStatus(
      await remote.call(
        "GET",
        "/v1/kb/records?accountIds=acme,nope&personIds=acme-jane,acme-bob",
        classifier,
      ),
      200,
    );
    expect(both.accounts.map((a: any) => a.accountId)).toEqual(["acme"]);
    expect(both.people.map((p: any) => p.personId).sort()).toEqual(["acme-bob", "acme-jane"]);
  });

  it("another agent's token cannot run an agent: reads or the proposal refused, nothing written", async () => {
    const before = (await decisionsOf(remote, "lead-list-builder")).size;
    // List Sync's token may not read people: the classifier fails at its first read.
    await expect(
      outOfProcess("persona-classifier", await remote.agent("list-sync"), {
        personId: "globex-kim",
        accountId: "globex",
      }),
    ).rejects.toMatchObject({ name: "ForbiddenError" });
    // The classifier's token reads accounts and people, but cannot propose as the lead list builder.
    await expect(
      outOfProcess("lead-list-builder", await remote.agent("persona-classifier")),
    ).rejects.toMatchObject({ name: "ForbiddenError" });
    const page = expectStatus(
      await remote.call("GET", "/v1/decisions?personId=globex-kim", remote.viewer),
      200,
    );
    expect(page.items).toHaveLength(0);
    expect((await decisionsOf(remote, "lead-list-builder")).size).toBe(before);
  });

  it("a reader pages the directory; a cursor not given by the listing is a 400 naming it", async () => {
    const first = expectStatus(await remote.call("GET", "/v1/kb/accounts?limit=1", remote.viewer), 200);
    expect(first.items.map((a: any) => a.accountId)).toEqual(["acme"]);
    const next = expectStatus(
      await remote.call("GET", `/v1/kb/accounts?limit=1&cursor=${first.cursor}`, remote.viewer),
      200,
    );
    expect(next).toMatchObject({ items: [{ accountId: "globex" }], cursor: null });
    const bad = expectStatus(await remote.call("GET", "/v1/kb/accounts?cursor=nope", remote.viewer), 400);
    expect(bad.issues.map((i: any) => i.path)).toEqual(["cursor"]);
    const none = expectStatus(await remote.call("GET", "/v1/kb/records", remote.viewer), 400);
    expect(none.issues.map((i: any) => i.path)).toEqual(["accountIds"]);
  });
});
