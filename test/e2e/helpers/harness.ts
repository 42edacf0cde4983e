/**
 * End-to-end helpers: everything goes through the HTTP API of a local server (the same handler API
 * Gateway invokes), the knowledge base included. Only time and the scheduler's poll are driven from
 * the test, as `harness serve --clock simulated` lets an operator do.
 */
import { expect } from "vitest";
import { startRuntime, startServer, type TestRuntime, type TestServer } from "../../helpers/runtime.ts";
import { acme, emailProposal, jane, linkedinProposal } from "../../helpers/world.ts";

export const HOUR = 3_600_000;
export const MINUTE = 60_000;

export interface Harness {
  rt: TestRuntime;
  server: TestServer;
  admin: string;
  approver: string;
  viewer: string;
  /** Bearer tokens of agents, created on first use. */
  agent(agentId: string): Promise<string>;
  call: TestServer["call"];
  close(): Promise<void>;
}

export async function startHarness(rt?: TestRuntime): Promise<Harness> {
  const runtime = rt ?? (await startRuntime());
  const server = await startServer(runtime);
  const agents = new Map<string, string>();
  const h: Harness = {
    rt: runtime,
    server,
    admin: await server.token("root", "admin"),
    approver: await server.token("alice", "approver"),
    viewer: await server.token("victor", "viewer"),
    agent: async (agentId) => {
      let t = agents.get(agentId);
      if (!t) {
        t = await server.token(`agent:${agentId}`, `agent:${agentId}`);
        agents.set(agentId, t);
      }
      return t;
    },
    call: server.call,
    close: async () => {
      await server.close();
      await runtime.close();
    },
  };
  return h;
}

/** Assert a status, showing the body when it differs (an e2e failure should say why). */
export function expectStatus(res: { status: number; body: any }, status: number) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

/**
 * An in-ICP account with Jane (VP Sales → champion) and Bob (CRO → decision maker) and three
 * pricing-page visits in the last hours (intent 75 ≥ 60), loaded through the API as an admin.
 */
export async function seedAccount(
  h: Harness,
  accountId = "acme",
  extra: Record<string, unknown> = {},
): Promise<void> {
  expectStatus(
    await h.call("PUT", `/v1/accounts/${accountId}`, h.admin, {
      ...acme,
      domain: `${accountId}.io`,
      ...extra,
    }),
    200,
  );
  expectStatus(
    await h.call("PUT", `/v1/people/${accountId}-jane`, h.admin, {
      ...jane,
      accountId,
      email: `jane@${accountId}.io`,
      linkedinUrl: `https://www.linkedin.com/in/jane-${accountId}`,
    }),
    200,
  );
  expectStatus(
    await h.call("PUT", `/v1/people/${accountId}-bob`, h.admin, {
      ...jane,
      accountId,
      email: `bob@${accountId}.io`,
      linkedinUrl: `https://www.linkedin.com/in/bob-${accountId}`,
      firstName: "Bob",
      title: "Chief Revenue Officer",
    }),
    200,
  );
  const now = h.rt.clock.now();
  expectStatus(
    await h.call("POST", "/v1/signals", h.admin, {
      signals: [1, 2, 3].map((d) => ({
        accountId,
        personId: `${accountId}-jane`,
        type: "pricing_page_visit",
        occurredAt: new Date(now - d * HOUR).toISOString(),
      })),
    }),
    201,
  );
}

/** Pin an agent's level; like a user, the test first gives the agent its credential (so it is known). */
export async function pin(h: Harness, agentId: string, actionType: string, level: 1 | 2 | 3) {
  await h.agent(agentId);
  return expectStatus(
    await h.call("PUT", `/v1/trust/${agentId}/${actionType}`, h.admin, { level, reason: "e2e test" }),
    200,
  );
}

/** Propose as the proposal's own agent; returns the HTTP response. */
export async function propose(h: Harness, proposal: { agentId: string } & Record<string, unknown>) {
  return h.call("POST", "/v1/proposals", await h.agent(proposal.agentId), proposal);
}

export async function proposeOk(h: Harness, proposal: { agentId: string } & Record<string, unknown>) {
  return expectStatus(await propose(h, proposal), 201);
}

export async function getDecision(h: Harness, decisionId: string) {
  return expectStatus(await h.call("GET", `/v1/decisions/${decisionId}`, h.viewer), 200);
}

/** Execution runs after the response: poll the decision until it leaves `dispatched`. */
export async function waitForStatus(h: Harness, decisionId: string, status: string, timeoutMs = 5_000) {
  const until = Date.now() + timeoutMs;
  let d = await getDecision(h, decisionId);
  while (d.status !== status && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
    d = await getDecision(h, decisionId);
  }
  expect(d.status, `decision ${decisionId}: ${JSON.stringify(d.events?.map((e: any) => e.type))}`).toBe(
    status,
  );
  return d;
}

/** Move the simulated clock through the admin API, then let the scheduler fire what is due. */
export async function advance(h: Harness, ms: number): Promise<number> {
  expectStatus(await h.call("POST", "/v1/admin/clock", h.admin, { advanceMs: ms }), 200);
  const fired = await h.rt.scheduler.tick();
  await h.rt.bus.drain();
  return fired;
}

export const outboxFor = (h: Harness, decisionId: string) =>
  h.rt.sandbox.entries.filter((e) => e.decisionId === decisionId);

export const eventTypes = (d: { events: { type: string }[] }) => d.events.map((e) => e.type);

export { emailProposal, linkedinProposal };
