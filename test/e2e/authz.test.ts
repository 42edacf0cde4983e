import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken, newToken } from "../../shared/adapters/local/token-store.ts";
import type { TokenRecord } from "../../shared/ports.ts";
import {
  emailProposal,
  expectStatus,
  getDecision,
  type Harness,
  pin,
  proposeOk,
  seedAccount,
  startHarness,
} from "./helpers/harness.ts";

let h: Harness;
/** A decision pending approval, proposed by outreach-writer on "acme". */
let pending: any;
/** A level 2 decision, scheduled, proposed by linkedin-agent on "globex". */
let scheduled: any;
let writer: string;

beforeAll(async () => {
  h = await startHarness();
  await seedAccount(h, "acme");
  await seedAccount(h, "globex");
  await pin(h, "linkedin-agent", "linkedin.message", 2);
  writer = await h.agent("outreach-writer");
  pending = await proposeOk(h, emailProposal("outreach-writer", "acme"));
  expect(pending.status).toBe("pending_approval");
  scheduled = await proposeOk(
    h,
    emailProposal("linkedin-agent", "globex", "globex-jane", {
      action: { type: "linkedin.message" },
      payload: { body: "Hi Jane, noticed Globex is evaluating analytics tooling; would a guide help?" },
    }),
  );
  expect(scheduled.status).toBe("scheduled");
});
afterAll(() => h.close());

const SPEC_JSON = { name: "x" };

describe("authentication", () => {
  it("answers 401 without a token and with an unknown token, on every protected route", async () => {
    const routes: [string, string, unknown?][] = [
      ["POST", "/v1/proposals", emailProposal("outreach-writer")],
      ["GET", `/v1/decisions/${pending.decisionId}`],
      ["GET", "/v1/decisions?agentId=outreach-writer"],
      ["GET", "/v1/explain?email=jane@acme.io"],
      ["GET", "/v1/approvals"],
      ["POST", `/v1/decisions/${pending.decisionId}/approve`, { digest: pending.payloadDigest }],
      ["POST", `/v1/decisions/${scheduled.decisionId}/veto`, {}],
      ["GET", "/v1/specs/current"],
      ["POST", "/v1/specs", SPEC_JSON],
      ["POST", "/v1/pauses", { scope: "global", reason: "x" }],
      ["PUT", "/v1/trust/outreach-writer/email.send", { level: 3, reason: "x" }],
      ["PUT", "/v1/accounts/evil", { name: "x" }],
      ["POST", "/v1/admin/clock", { advanceMs: 1 }],
    ];
    for (const [method, path, body] of routes) {
      const none = await h.call(method, path, undefined, body);
      expect(none.status, `${method} ${path} without a token`).toBe(401);
      expect(none.body.error).toBe("unauthorized");
      const unknown = await h.call(method, path, "hh_not-a-real-token", body);
      expect(unknown.status, `${method} ${path} with an unknown token`).toBe(401);
    }
    // Nothing moved.
    expect((await getDecision(h, pending.decisionId)).status).toBe("pending_approval");
    expect((await getDecision(h, scheduled.decisionId)).status).toBe("scheduled");
    expect(expectStatus(await h.call("GET", "/v1/pauses", h.viewer), 200).items).toEqual([]);
  });

  it("serves GET /v1/health publicly", async () => {
    const res = expectStatus(await h.call("GET", "/v1/health"), 200);
    expect(res).toEqual({ status: "ok", time: new Date(h.rt.clock.now()).toISOString() });
  });
});

describe("authorization by role", () => {
  it("a viewer reads, but cannot propose, approve, veto, publish specs, pause, pin trust or load data", async () => {
    expectStatus(await h.call("GET", `/v1/decisions/${pending.decisionId}`, h.viewer), 200);
    expectStatus(await h.call("GET", "/v1/approvals", h.viewer), 200);
    expectStatus(await h.call("GET", "/v1/specs/current", h.viewer), 200);
    expectStatus(await h.call("GET", "/v1/trust", h.viewer), 200);
    const denied: [string, string, unknown][] = [
      ["POST", "/v1/proposals", emailProposal("outreach-writer")],
      ["POST", `/v1/decisions/${pending.decisionId}/approve`, { digest: pending.payloadDigest }],
      ["POST", `/v1/decisions/${pending.decisionId}/reject`, {}],
      ["POST", `/v1/decisions/${scheduled.decisionId}/veto`, {}],
      ["POST", "/v1/specs", SPEC_JSON],
      ["POST", "/v1/pauses", { scope: "global", reason: "stop" }],
      ["PUT", "/v1/trust/outreach-writer/email.send", { level: 3, reason: "x" }],
      ["PUT", "/v1/accounts/evil", { name: "x" }],
      ["POST", "/v1/suppressions", { kind: "email", value: "a@b.io", reason: "x" }],
      ["POST", "/v1/admin/clock", { advanceMs: 1 }],
    ];
    for (const [method, path, body] of denied) {
      const res = await h.call(method, path, h.viewer, body);
      expect(res.status, `viewer ${method} ${path}: ${JSON.stringify(res.body)}`).toBe(403);
      expect(res.body.error).toBe("forbidden");
    }
    expect((await getDecision(h, pending.decisionId)).status).toBe("pending_approval");
    expect((await getDecision(h, scheduled.decisionId)).status).toBe("scheduled");
    expect(expectStatus(await h.call("GET", "/v1/specs/current", h.viewer), 200).version).toBe(1);
    expect(expectStatus(await h.call("GET", "/v1/pauses", h.viewer), 200).items).toEqual([]);
  });

  it("an agent credential can only propose, and only as itself", async () => {
    const denied: [string, string, unknown?][] = [
      ["GET", `/v1/decisions/${pending.decisionId}`],
      ["GET", "/v1/decisions?agentId=outreach-writer"],
      ["GET", "/v1/approvals"],
      ["GET", "/v1/explain?email=jane@acme.io"],
      ["POST", `/v1/decisions/${pending.decisionId}/approve`, { digest: pending.payloadDigest }],
      ["POST", `/v1/decisions/${scheduled.decisionId}/veto`, {}],
      ["PUT", "/v1/trust/outreach-writer/email.send", { level: 3, reason: "promote myself" }],
      ["POST", "/v1/pauses", { scope: "agent", target: "linkedin-agent", reason: "x" }],
      ["PUT", "/v1/accounts/acme", { name: "x" }],
    ];
    for (const [method, path, body] of denied) {
      const res = await h.call(method, path, writer, body);
      expect(res.status, `agent ${method} ${path}: ${JSON.stringify(res.body)}`).toBe(403);
    }
    // Proposing as another agent is refused, and nothing is recorded for that agent.
    const impostor = emailProposal("linkedin-agent", "globex", "globex-bob", {
      payload: { subject: "Hi", body: "Hi Bob, a short note about how teams like yours roll out analytics." },
    });
    const res = await h.call("POST", "/v1/proposals", writer, impostor);
    expectStatus(res, 403);
    expect(res.body.message).toMatch(/cannot propose as agent linkedin-agent/);
    const listed = expectStatus(await h.call("GET", "/v1/decisions?agentId=linkedin-agent", h.viewer), 200);
    expect(listed.items.map((d: any) => d.decisionId)).toEqual([scheduled.decisionId]);
    expect((await getDecision(h, pending.decisionId)).status).toBe("pending_approval");
  });

  it("an approver reviews but cannot pin trust, pause, publish specs or load data", async () => {
    const denied: [string, string, unknown][] = [
      ["PUT", "/v1/trust/outreach-writer/email.send", { level: 3, reason: "x" }],
      ["POST", "/v1/pauses", { scope: "global", reason: "x" }],
      ["POST", "/v1/specs", SPEC_JSON],
      ["PUT", "/v1/accounts/acme", { name: "x" }],
      ["POST", "/v1/outcomes", { decisionId: pending.decisionId, type: "replied" }],
      ["POST", "/v1/proposals", emailProposal("outreach-writer")],
    ];
    for (const [method, path, body] of denied) {
      const res = await h.call(method, path, h.approver, body);
      expect(res.status, `approver ${method} ${path}: ${JSON.stringify(res.body)}`).toBe(403);
    }
    const trust = expectStatus(await h.call("GET", "/v1/trust", h.viewer), 200);
    const writerTrust = trust.items.find(
      (t: any) => t.agentId === "outreach-writer" && t.actionType === "email.send",
    );
    expect(writerTrust?.pinnedLevel ?? null).toBeNull();
  });

  it("nobody approves their own agent's action, even with the approver role", async () => {
    // Such mixed credentials can no longer be created; one made before that still reviews nothing.
    const legacy = async (subject: string, ...roles: string[]) => {
      const token = newToken();
      const record = { tokenHash: hashToken(token), subject, roles, createdAt: "2026-01-01T00:00:00Z" };
      await h.rt.tokens.put({ ...record, expiresAt: "2099-01-01T00:00:00Z" } as TokenRecord);
      return token;
    };
    const alice = await legacy("alice", "approver", "agent:outreach-writer");
    for (const verb of ["approve", "reject"]) {
      const res = await h.call("POST", `/v1/decisions/${pending.decisionId}/${verb}`, alice, {
        ...(verb === "approve" ? { digest: pending.payloadDigest } : {}),
      });
      expectStatus(res, 403);
      expect(res.body.message).toMatch(/nobody approves their own agent's action/);
    }
    // Nor veto a scheduled action of its own agent.
    const li = await legacy("lena", "approver", "agent:linkedin-agent");
    expectStatus(await h.call("POST", `/v1/decisions/${scheduled.decisionId}/veto`, li, {}), 403);
    expect((await getDecision(h, pending.decisionId)).status).toBe("pending_approval");
    expect((await getDecision(h, scheduled.decisionId)).status).toBe("scheduled");

    // A credential holding any agent role reviews nothing (test/e2e/self-approval.test.ts); a plain
    // approver approves this one.
    expectStatus(await h.call("POST", `/v1/decisions/${scheduled.decisionId}/veto`, alice, {}), 403);
    expectStatus(
      await h.call("POST", `/v1/decisions/${pending.decisionId}/approve`, h.approver, {
        digest: pending.payloadDigest,
      }),
      200,
    );
  });
});
