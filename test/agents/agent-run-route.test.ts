/**
 * POST /v1/agents/{agentId}/run on the local server: any registered agent runs now, in the server,
 * and the answer is what it did with a run id; an unknown agent is a 404; a viewer may not run one.
 * (In AWS the same route invokes the agent's function: test/handlers/agent-runs.test.ts.)
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../../shared/adapters/local/token-store.ts";
import { crmSync } from "../../shared/agents/workflows/crm-sync.ts";
import { leadListBuilder } from "../../shared/agents/workflows/lead-list-builder.ts";
import { createLocalServer } from "../../shared/runtime/server.ts";
import { type AgentsHarness, startAgents } from "./helpers/agents-runtime.ts";

let h: AgentsHarness;
let server: Server;
let url: string;
let admin: string;
let viewer: string;
beforeAll(async () => {
  h = await startAgents({ agents: [crmSync, leadListBuilder] });
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
