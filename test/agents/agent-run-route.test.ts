/**
 * POST /v1/agents/{agentId}/run on the local server: any registered agent runs now, in the server,
 * and the answer is what it did with a run id; an unknown agent is a 404; a viewer may not run one.
 * (In AWS the same route invokes the agent's function: test/handlers/agent-runs.test.ts.)
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoRunClaims, manualRunClaim } from "../../shared/adapters/dynamo/agent-run-claims.ts";
import { createToken } from "../../shared/adapters/local/token-store.ts";
import { defineAgent } from "../../shared/agents/definition.ts";
import { crmSync } from "../../shared/agents/workflows/crm-sync.ts";
import { leadListBuilder } from "../../shared/agents/workflows/lead-list-builder.ts";
import { runIdFor } from "../../shared/domain/ids.ts";
import { createLocalServer } from "../../shared/runtime/server.ts";
import { type AgentsHarness, startAgents } from "./helpers/agents-runtime.ts";

/** An agent whose run fails where it runs (its source is down). */
const failing = defineAgent({
  id: "flaky-agent",
  description: "fails every run",
  trigger: { kind: "manual" },
  actions: [],
  handler: async () => {
    throw new Error("the enrichment source is down");
  },
});

let h: AgentsHarness;
let server: Server;
let url: string;
let admin: string;
let viewer: string;
beforeAll(async () => {
  h = await startAgents({ agents: [crmSync, leadListBuilder, failing] });
  server = createLocalServer(h.rt.deps);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  admin = await createToken(h.rt.deps.tokens, "root", ["admin"], new Date().toISOString());
  viewer = await createToken(h.rt.deps.tokens, "vic", ["viewer"], new Date().toISOString());
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await h.close();
});

const run = (agentId: string, token: string) =>
  fetch(`${url}/v1/agents/${agentId}/run`, { method: "POST", headers: { authorization: `Bearer ${token}` } });

describe("POST /v1/agents/{agentId}/run (local)", () => {
  it("runs a registered agent in the server and answers 202 with a run id and what it did", async () => {
    const res = await run("lead-list-builder", admin);
    expect(res.status).toBe(202);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      runId: expect.stringMatching(/^run_/),
      agentId: "lead-list-builder",
      trigger: "manual",
    });
  });

  it("an agent a manual run gives nothing to do (it runs on events) is a 400 naming its trigger", async () => {
    const res = await run("crm-sync", admin);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /agentId: crm-sync runs on decision\.transitioned events/,
    );
  });

  it("an unknown agent is 404; a viewer is 403", async () => {
    const unknown = await run("no-such-agent", admin);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { message: string }).message).toMatch(/no-such-agent/);
    expect((await run("lead-list-builder", viewer)).status).toBe(403);
  });
});

describe("GET /v1/agents/{agentId}/runs/{runId} (local)", () => {
  const status = (agentId: string, runId: string, token = admin) =>
    fetch(`${url}/v1/agents/${agentId}/runs/${runId}`, { headers: { authorization: `Bearer ${token}` } });

  it("reads a run the server ran: done, with what it proposed, as in AWS", async () => {
    const res = await run("lead-list-builder", admin);
    const ran = (await res.json()) as { runId: string; proposals: { proposalId: string; replay: boolean }[] };
    const got = await status("lead-list-builder", ran.runId);
    expect(got.status).toBe(200);
    const body = (await got.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      runId: ran.runId,
      agentId: "lead-list-builder",
      status: "done",
      final: true,
      invocations: 1,
      proposals: ran.proposals.filter((p) => !p.replay).length,
    });
    expect((body.listed as { proposalId: string }[]).map((p) => p.proposalId)).toEqual(
      ran.proposals
        .filter((p) => !p.replay)
        .slice(0, 25)
        .map((p) => p.proposalId),
    );
  });

  it("a run that failed reads failed with its error, final (nothing retries it here)", async () => {
    const res = await fetch(`${url}/v1/agents/flaky-agent/run`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "idempotency-key": "k-fail-1" },
    });
    expect(res.status).toBe(500);
    // The id a keyed request names (runIdFor): the caller knows it before the answer.
    const runs = await h.rt.deps.agents?.status(
      "flaky-agent",
      runIdFor("root", "flaky-agent", "k-fail-1", {}),
    );
    expect(runs).toMatchObject({ status: "failed", final: true, attempts: 1 });
    expect(runs?.error).toMatch(/the enrichment source is down/);
  });

  it("a keyed request sent again after a restart answers from the run's record, and runs it once its holder is gone", async () => {
    const key = "k-restart-1";
    const runId = runIdFor("root", "lead-list-builder", key, {});
    // The server died while running it: its claim holds for the lease the dead process took.
    const claims = new DynamoRunClaims(h.rt.db);
    const claim = { agentId: "lead-list-builder", ...manualRunClaim(runId), continuation: 0, holder: "dead" };
    await claims.claim(claim, h.clock.now() + 45_000, h.clock.now());
    const again = () =>
      fetch(`${url}/v1/agents/lead-list-builder/run`, {
        method: "POST",
        headers: { authorization: `Bearer ${admin}`, "idempotency-key": key },
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    const held = await again();
    expect(held).toMatchObject({ status: 202, body: { runId, status: "running" } });
    // Its lease lapsed: sent again, it runs (before, this process kept "running" as the answer for a day).
    h.clock.advance(60_000);
    const ran = await again();
    expect(ran).toMatchObject({ status: 202, body: { runId, trigger: "manual" } });
    expect(await h.rt.deps.agents?.status("lead-list-builder", runId)).toMatchObject({
      status: "done",
      attempts: 2,
    });
  });

  it("an unknown run is a 404; a viewer may not read one", async () => {
    const missing = await status("lead-list-builder", "run_nosuchrun");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toMatch(/no run run_nosuchrun/);
    expect((await status("no-such-agent", "run_x")).status).toBe(404);
    expect((await status("lead-list-builder", "run_x", viewer)).status).toBe(403);
  });
});
