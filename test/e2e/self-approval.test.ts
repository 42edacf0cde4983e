/**
 * "Nobody approves their own agent's action" holds on who the caller is, not only on its roles: a
 * credential whose subject is the agent, or that carries any agent role, cannot review, and no such
 * credential can be created in the first place.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken, newToken } from "../../shared/adapters/local/token-store.ts";
import { ValidationError } from "../../shared/domain/errors.ts";
import type { TokenRecord } from "../../shared/ports.ts";
import {
  emailProposal,
  eventTypes,
  expectStatus,
  getDecision,
  type Harness,
  pin,
  proposeOk,
  seedAccount,
  startHarness,
} from "./helpers/harness.ts";

let h: Harness;
let pending: any;
let scheduled: any;

/** A token put straight into the store, as one created before these checks existed would be. */
async function legacyToken(subject: string, ...roles: string[]): Promise<string> {
  const token = newToken();
  const record = {
    tokenHash: hashToken(token),
    subject,
    roles,
    createdAt: "2026-01-01T00:00:00.000Z",
    expiresAt: "2099-01-01T00:00:00.000Z",
  };
  await h.rt.tokens.put(record as TokenRecord);
  return token;
}

beforeAll(async () => {
  h = await startHarness();
  await seedAccount(h, "acme");
  await seedAccount(h, "globex");
  pending = await proposeOk(h, emailProposal("outreach-writer", "acme"));
  expect(pending.status).toBe("pending_approval");
  await pin(h, "outreach-writer", "linkedin.message", 2);
  scheduled = await proposeOk(
    h,
    emailProposal("outreach-writer", "globex", "globex-jane", {
      action: { type: "linkedin.message" },
      payload: { body: "Hi Jane, noticed Globex is evaluating analytics tooling; would a guide help?" },
    }),
  );
  expect(scheduled.status).toBe("scheduled");
});
afterAll(() => h.close());

const review = (verb: string, decision: any, token: string) =>
  h.call("POST", `/v1/decisions/${decision.decisionId}/${verb}`, token, {
    ...(verb === "approve" ? { digest: decision.payloadDigest } : {}),
  });

describe("reviews need a person's credential", () => {
  it("refuses an approver token whose subject is the proposing agent", async () => {
    const self = await legacyToken("agent:outreach-writer", "approver");
    for (const verb of ["approve", "reject"]) {
      const res = await review(verb, pending, self);
      expectStatus(res, 403);
      expect(res.body.message).toMatch(/nobody approves their own agent's action/);
    }
    expectStatus(
      await h.call("POST", `/v1/decisions/${pending.decisionId}/approve`, self, {
        digest: pending.payloadDigest,
        payload: { subject: "edited", body: "An edited body that the agent wrote itself." },
      }),
      403,
    );
    expectStatus(await review("veto", scheduled, self), 403);
    // Whatever the case or spacing of the name.
    const shouting = await legacyToken(" Agent:Outreach-Writer", "admin");
    expectStatus(await review("approve", pending, shouting), 403);
    const bare = await legacyToken("outreach-writer", "approver");
    expectStatus(await review("approve", pending, bare), 403);

    const d = await getDecision(h, pending.decisionId);
    expect(d.status).toBe("pending_approval");
    expect(eventTypes(d)).toEqual(["decided"]);
    expect((await getDecision(h, scheduled.decisionId)).status).toBe("scheduled");
  });

  it("refuses any agent credential, whichever agent proposed", async () => {
    const otherAgentName = await legacyToken("agent:linkedin-agent", "approver");
    const otherAgentRole = await legacyToken("lena", "approver", "agent:linkedin-agent");
    for (const token of [otherAgentName, otherAgentRole]) {
      for (const verb of ["approve", "reject"]) {
        const res = await review(verb, pending, token);
        expectStatus(res, 403);
        expect(res.body.message).toMatch(/agent credential can only propose/);
      }
      expectStatus(await review("veto", scheduled, token), 403);
    }
    expect((await getDecision(h, pending.decisionId)).status).toBe("pending_approval");
  });

  it("a person approves, and the ledger names the person", async () => {
    const res = expectStatus(await review("approve", pending, h.approver), 200);
    expect(res.status).toBe("dispatched");
    const d = await getDecision(h, pending.decisionId);
    expect(d.events.find((e: any) => e.type === "approved")?.actor).toBe("alice");
  });
});

describe("credentials that would break the rule cannot be created", () => {
  it("refuses human roles under an agent's name, and mixed credentials", async () => {
    for (const [subject, roles, path] of [
      ["agent:outreach-writer", ["approver"], "subject"],
      ["AGENT:x", ["admin"], "subject"],
      ["alice", ["approver", "agent:outreach-writer"], "role"],
      ["alice", ["superuser"], "role"],
    ] as const) {
      const err = await h.server.token(subject, ...roles).catch((e: unknown) => e);
      expect(err, `${subject} ${roles.join(",")}`).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues[0]?.path).toBe(path);
    }
    // Agents keep their own credentials; people keep theirs.
    await expect(h.server.token("agent:outreach-writer", "agent:outreach-writer")).resolves.toMatch(/^hh_/);
    await expect(h.server.token("alice", "approver", "viewer")).resolves.toMatch(/^hh_/);
  });
});
