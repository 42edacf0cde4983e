import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  emailProposal,
  expectStatus,
  type Harness,
  linkedinProposal,
  pin,
  propose,
  seedAccount,
  startHarness,
  waitForStatus,
} from "./helpers/harness.ts";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await seedAccount(h, "acme");
});
afterEach(() => h.close());

describe("idempotent proposals over HTTP", () => {
  it("answers a repeated proposalId with the first decision: 201 then 200 with replay: true", async () => {
    const p = emailProposal("outreach-writer");
    const first = expectStatus(await propose(h, p), 201);
    expect(first.replay).toBe(false);
    const second = expectStatus(await propose(h, p), 200);
    expect(second.replay).toBe(true);
    expect(second.decisionId).toBe(first.decisionId);
    const { replay: _a, ...a } = first;
    const { replay: _b, ...b } = second;
    expect(b).toEqual(a);

    // A retry carrying a different payload (or target) is still the first decision, not a new one.
    const changed = expectStatus(
      await propose(h, {
        ...p,
        payload: { subject: "x", body: "Hi Jane, something else entirely, and longer." },
      }),
      200,
    );
    expect(changed.decisionId).toBe(first.decisionId);
    expect(changed.payloadDigest).toBe(first.payloadDigest);

    const listed = expectStatus(await h.call("GET", "/v1/decisions?agentId=outreach-writer", h.viewer), 200);
    expect(listed.items.map((d: any) => d.decisionId)).toEqual([first.decisionId]);
    const queue = expectStatus(await h.call("GET", "/v1/approvals", h.viewer), 200);
    expect(queue.items).toHaveLength(1);
  });

  it("executes a replayed allowed proposal once", async () => {
    await pin(h, "linkedin-agent", "linkedin.message", 3);
    const p = linkedinProposal("linkedin-agent");
    const responses = await Promise.all([propose(h, p), propose(h, p), propose(h, p)]);
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 201]);
    const ids = new Set(responses.map((r) => r.body.decisionId));
    expect(ids.size).toBe(1);
    const decisionId = responses[0]!.body.decisionId as string;
    await waitForStatus(h, decisionId, "executed");
    expect(h.rt.sandbox.entries).toHaveLength(1);
    // A later replay returns the executed decision and sends nothing.
    const late = expectStatus(await propose(h, p), 200);
    expect(late).toMatchObject({ decisionId, status: "executed", replay: true });
    expect(h.rt.sandbox.entries).toHaveLength(1);
  });
});
