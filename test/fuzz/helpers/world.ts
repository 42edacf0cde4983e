import { systemClock } from "../../../shared/adapters/local/clock.ts";
import { hashToken, newToken } from "../../../shared/adapters/local/token-store.ts";
import type { TokenRecord } from "../../../shared/ports.ts";
import {
  emailProposal,
  expectStatus,
  type Harness,
  pin,
  proposeOk,
  seedAccount,
} from "../../e2e/helpers/harness.ts";
import { startRuntime, startServer, type TestRuntime, type TestServer } from "../../helpers/runtime.ts";

export interface Tokens {
  admin: string;
  approver: string;
  viewer: string;
  /** Agent credentials, by agent id. */
  agents: Record<string, string>;
  /** Approver-role tokens whose subject is an agent (M6: nobody reviews their own agent's action). */
  impostors: Record<string, string>;
  /** An approver who also holds an agent role. */
  mixed: string;
  /** Well-formed, known subjects and roles, but expired or revoked. */
  expired: Record<string, string>;
  revoked: Record<string, string>;
}

/** The ids of the world's data, which the examples point at. */
export interface WorldIds {
  now: number;
  pending: { decisionId: string; payloadDigest: string; agentId: string };
  scheduled: { decisionId: string; payloadDigest: string; agentId: string };
  pauseId: string;
  specVersion: number;
}

export interface FuzzWorld extends WorldIds {
  h: Harness;
  tokens: Tokens;
}

/**
 * Ids of the right shapes, for deciding at collection time which categories apply to a route (the
 * tests are declared before the world exists).
 */
export const SHAPE_IDS: WorldIds = {
  now: Date.parse("2026-03-10T14:00:00Z"),
  pending: { decisionId: "dec_shape", payloadDigest: "sha256:0", agentId: "outreach-writer" },
  scheduled: { decisionId: "dec_shape2", payloadDigest: "sha256:0", agentId: "linkedin-agent" },
  pauseId: "pause_shape",
  specVersion: 1,
};

export const WRITER = "outreach-writer";
export const LINKEDIN = "linkedin-agent";
const ROLE_TOKENS = ["admin", "approver", "viewer"] as const;

const DAY = 86_400_000;

/**
 * A token record put straight into the store, for what the API will not issue: expired or revoked
 * tokens, and records an older version or a hand-edited tokens.json may hold (an approver named after an
 * agent, a credential both human and agent), which the use cases must still refuse.
 */
async function storedToken(h: Harness, subject: string, roles: string[], extra: Record<string, string> = {}) {
  const token = newToken();
  // Tokens expire on the wall clock, never the simulated one (see LocalServerOptions.wallClock).
  const now = systemClock.now();
  const record: TokenRecord = {
    tokenHash: hashToken(token),
    subject,
    roles,
    createdAt: new Date(now - 10 * DAY).toISOString(),
    expiresAt: new Date(now + 10 * DAY).toISOString(),
    ...extra,
  };
  await h.rt.tokens.put(record);
  return token;
}

/**
 * The local server as `harness serve` builds it, but with a rate limit no case reaches: the fuzz sends
 * hundreds of requests a second from a handful of tokens, and a 429 would stop a case before the code
 * it is aimed at. The limiter still runs on every request (its buckets are in memory and write nothing).
 */
const startFuzzServer = (rt: TestRuntime): Promise<TestServer> =>
  startServer(rt, { rateLimit: { ratePerSecond: 1_000_000, burst: 1_000_000 }, wallClock: systemClock });

async function startFuzzHarness(): Promise<Harness> {
  const rt = await startRuntime();
  const server = await startFuzzServer(rt);
  const agents = new Map<string, string>();
  return {
    rt,
    server,
    admin: await server.token("root", "admin"),
    approver: await server.token("alice", "approver"),
    viewer: await server.token("victor", "viewer"),
    agent: async (agentId) => {
      const known = agents.get(agentId);
      if (known) return known;
      const t = await server.token(`agent:${agentId}`, `agent:${agentId}`);
      agents.set(agentId, t);
      return t;
    },
    call: server.call,
    close: async () => {
      await server.close();
      await rt.close();
    },
  };
}

export async function startWorld(): Promise<FuzzWorld> {
  const h = await startFuzzHarness();
  await seedAccount(h, "acme");
  await seedAccount(h, "globex");
  await pin(h, LINKEDIN, "linkedin.message", 2);
  const pending = await proposeOk(h, emailProposal(WRITER, "acme"));
  const scheduled = await proposeOk(
    h,
    emailProposal(LINKEDIN, "globex", "globex-jane", {
      action: { type: "linkedin.message" },
      payload: { body: "Hi Jane, noticed Globex is evaluating analytics tooling; would a guide help?" },
    }),
  );
  if (pending.status !== "pending_approval" || scheduled.status !== "scheduled")
    throw new Error(`world not as planned: ${pending.status}, ${scheduled.status}`);
  const pause = expectStatus(
    await h.call("POST", "/v1/pauses", h.admin, {
      scope: "account",
      target: "initech",
      reason: "fuzz world",
    }),
    201,
  );
  const spec = expectStatus(await h.call("GET", "/v1/specs/current", h.viewer), 200);
  const past = new Date(systemClock.now() - DAY).toISOString();
  const expired: Record<string, string> = {};
  const revoked: Record<string, string> = {};
  for (const role of ROLE_TOKENS) {
    expired[role] = await storedToken(h, `expired-${role}`, [role], { expiresAt: past });
    revoked[role] = await storedToken(h, `revoked-${role}`, [role], { revokedAt: past });
  }
  for (const agentId of [WRITER, LINKEDIN]) {
    expired[`agent:${agentId}`] = await storedToken(h, `agent:${agentId}`, [`agent:${agentId}`], {
      expiresAt: past,
    });
    revoked[`agent:${agentId}`] = await storedToken(h, `agent:${agentId}`, [`agent:${agentId}`], {
      revokedAt: past,
    });
  }
  const tokens: Tokens = {
    admin: h.admin,
    approver: h.approver,
    viewer: h.viewer,
    agents: { [WRITER]: await h.agent(WRITER), [LINKEDIN]: await h.agent(LINKEDIN) },
    impostors: {
      [WRITER]: await storedToken(h, `agent:${WRITER}`, ["approver"]),
      [LINKEDIN]: await storedToken(h, `agent:${LINKEDIN}`, ["approver"]),
    },
    mixed: await storedToken(h, "mallory", ["approver", `agent:${WRITER}`]),
    expired,
    revoked,
  };
  return {
    h,
    tokens,
    now: h.rt.clock.now(),
    pending: { decisionId: pending.decisionId, payloadDigest: pending.payloadDigest, agentId: WRITER },
    scheduled: {
      decisionId: scheduled.decisionId,
      payloadDigest: scheduled.payloadDigest,
      agentId: LINKEDIN,
    },
    pauseId: pause.pauseId,
    specVersion: spec.version,
  };
}
