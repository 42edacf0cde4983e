/**
 * A built-in agent (Web Research) proposing through the typed client over HTTP with its own token
 * (ClientGate), as it does when it runs outside the harness's process: the proposal lands in the
 * ledger under its identity; with another agent's token the server refuses it (403), whatever the
 * runner says about itself. Here the knowledge-base reads stay in this process; a whole agent run out
 * of process (reads over the API too) is test/e2e/remote-agent.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalDeterministicModel } from "../../shared/adapters/model/local-model.ts";
import { AgentRunner } from "../../shared/agents/runner.ts";
import { webResearch } from "../../shared/agents/workflows/web-research.ts";
import { harnessClient } from "../../shared/client/client.ts";
import { ClientGate } from "../../shared/runtime/remote-agent.ts";
import { type SimWebsites, startWebsites } from "../../sim/website.ts";
import { generateWorld } from "../../sim/world.ts";
import { startServer, type TestServer } from "../helpers/runtime.ts";
import { type AgentsHarness, startAgents, T0 } from "./helpers/agents-runtime.ts";
import { putAccount } from "./helpers/seed.ts";

const world = generateWorld({ seed: 7, accounts: 40, start: T0, days: 1 });
const up = world.companies.filter((c) => !c.site.down && c.account.lifecycle === "prospect");
let sites: SimWebsites;
let h: AgentsHarness;
let server: TestServer;

/** Web Research as a separate process would run it: its proposals over HTTP with `token`. */
const remoteRunner = (token: string) =>
  new AgentRunner([webResearch], {
    clock: h.clock,
    gate: new ClientGate(harnessClient({ baseUrl: server.url, token })),
    kb: h.agents.view,
    model: new LocalDeterministicModel(),
    retries: { add: async () => {}, due: async () => [], remove: async () => {} },
    web: sites.fetcher,
  });
const targeted = (accountId: string) => ({
  kind: "event" as const,
  event: { type: "account.targeted", detail: { accountId, listId: "leads-sdr-1" } },
});

beforeAll(async () => {
  sites = await startWebsites(world);
  // No agents attached in-process: only the remote runner proposes.
  h = await startAgents({ agents: [] });
  const tokens = (h.rt.deps as unknown as { tokens: never }).tokens;
  server = await startServer({ ...h.rt, tokens } as never);
});
afterAll(async () => {
  await server?.close();
  await h?.close();
  await sites?.close();
});

describe("a built-in agent proposing through the typed client", () => {
  it("its proposal is decided by the server and recorded under the token's agent", async () => {
    const company = up[0];
    if (!company) throw new Error("world has no live site");
    await putAccount(h.rt.deps, company.accountId, company.account);
    const token = await server.token("agent:web-research", "agent:web-research");
    const run = await remoteRunner(token).run("web-research", targeted(company.accountId));
    expect(run.error).toBeUndefined();
    expect(run.proposals).toHaveLength(1);
    const page = await h.rt.deps.decisions.queryDecisions({ accountId: company.accountId, limit: 10 });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      agentId: "web-research",
      proposalId: run.proposals[0]?.proposalId,
      verdict: run.proposals[0]?.verdict,
    });
    // The same trigger again replays the first decision (same proposalId), as in process.
    const again = await remoteRunner(token).run("web-research", targeted(company.accountId));
    expect(again.proposals[0]?.replay).toBe(true);
  });

  it("another agent's token cannot propose as web-research: 403, nothing written", async () => {
    const company = up[1];
    if (!company) throw new Error("world has one live site only");
    await putAccount(h.rt.deps, company.accountId, company.account);
    const token = await server.token("agent:outreach-writer", "agent:outreach-writer");
    await expect(
      remoteRunner(token).run("web-research", targeted(company.accountId), { rethrow: true }),
    ).rejects.toMatchObject({ name: "ForbiddenError" });
    const page = await h.rt.deps.decisions.queryDecisions({ accountId: company.accountId, limit: 10 });
    expect(page.items).toHaveLength(0);
  });
});
