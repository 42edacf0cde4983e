import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  advance,
  emailProposal,
  eventTypes,
  expectStatus,
  getDecision,
  type Harness,
  HOUR,
  linkedinProposal,
  MINUTE,
  outboxFor,
  pin,
  proposeOk,
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

const approve = (id: string, body: unknown, token = h.approver) =>
  h.call("POST", `/v1/decisions/${id}/approve`, token, body);

describe("level 1: require approval", () => {
  it("queues the action for approval, and executes it exactly once when approved", async () => {
    const d = await proposeOk(h, emailProposal("outreach-writer"));
    expect(d.verdict).toBe("require_approval");
    expect(d.status).toBe("pending_approval");
    expect(d.autonomyLevel).toBe(1);
    expect(d.expiresAt).toBe(new Date(h.rt.clock.now() + 24 * HOUR).toISOString());
    expect(d.payloadDigest).toMatch(/^sha256:/);
    expect(d.reservation).toBeUndefined();

    const queue = expectStatus(await h.call("GET", "/v1/approvals", h.approver), 200);
    expect(queue.items.map((i: any) => i.decisionId)).toEqual([d.decisionId]);
    // Nothing is sent while it waits.
    expect(h.rt.sandbox.entries).toHaveLength(0);

    const approved = expectStatus(
      await approve(d.decisionId, { digest: d.payloadDigest, note: "looks good" }),
      200,
    );
    expect(approved.status).toBe("dispatched");
    expect(approved.review).toMatchObject({ action: "approved", by: "alice", note: "looks good" });

    const done = await waitForStatus(h, d.decisionId, "executed");
    const sent = outboxFor(h, d.decisionId);
    expect(sent).toHaveLength(1);
    expect(h.rt.sandbox.entries).toHaveLength(1);
    expect(sent[0]?.idempotencyKey).toBe(d.idempotencyKey);
    expect(done.execution.idempotencyKey).toBe(d.idempotencyKey);
    expect(sent[0]?.payload).toEqual(d.payload);
    expect(eventTypes(done)).toEqual(["decided", "approved", "executing", "executed"]);

    // It left the queue, and cannot be approved twice.
    const after = expectStatus(await h.call("GET", "/v1/approvals", h.viewer), 200);
    expect(after.items).toEqual([]);
    expectStatus(await approve(d.decisionId, { digest: d.payloadDigest }), 409);
    await h.rt.scheduler.tick();
    expect(h.rt.sandbox.entries).toHaveLength(1);
  });

  it("refuses an approval bound to a different digest (409) and leaves the decision pending", async () => {
    const d = await proposeOk(h, emailProposal("outreach-writer"));
    const res = await approve(d.decisionId, { digest: `sha256:${"0".repeat(64)}` });
    expectStatus(res, 409);
    expect(res.body.message).toMatch(/does not match the payload under review/);
    expect((await getDecision(h, d.decisionId)).status).toBe("pending_approval");
    expect(h.rt.sandbox.entries).toHaveLength(0);
    // A digest that is not a digest at all is a 400.
    expectStatus(await approve(d.decisionId, { digest: "whatever" }), 400);
  });

  it("executes the edited payload when an approver edits before approving", async () => {
    const d = await proposeOk(h, emailProposal("outreach-writer"));
    const edited = {
      subject: "A two-week rollout plan",
      body: "Hi Jane, your team has been comparing plans; here is how a similar team went live in two weeks.",
    };
    const res = expectStatus(await approve(d.decisionId, { digest: d.payloadDigest, payload: edited }), 200);
    expect(res.review.action).toBe("edited");
    // The edit left the address out: it goes to Jane's on file, as the gate addressed the proposal.
    const addressed = { ...edited, to: "jane@acme.io" };
    expect(res.payload).toEqual(addressed);
    expect(res.payloadDigest).not.toBe(d.payloadDigest);

    const done = await waitForStatus(h, d.decisionId, "executed");
    expect(done.payload).toEqual(addressed);
    const sent = outboxFor(h, d.decisionId);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.payload).toEqual(addressed);
    expect(eventTypes(done)).toContain("edited");
    // The agent's version stays in the ledger beside what was sent.
    expect(done.events.find((e: { type: string }) => e.type === "edited")?.data?.proposed).toEqual({
      payload: d.payload,
      payloadDigest: d.payloadDigest,
    });
  });

  it("re-validates an edited payload: an edit that breaks the content rules is refused, naming why, and can be fixed", async () => {
    const d = await proposeOk(h, emailProposal("outreach-writer"));
    const edited = {
      subject: "Hello",
      body: "Hi {{first_name}}, quick question about your analytics stack.",
    };
    const res = await approve(d.decisionId, { digest: d.payloadDigest, payload: edited });
    // Before: the decision was stopped for good on the reviewer's edit, and the prospect got nothing.
    expectStatus(res, 400);
    expect(res.body.message).toMatch(
      /payload: the edit does not pass the checks \(content_quality \(quality.minContentQuality\): .*unresolved placeholder/,
    );
    const after = await getDecision(h, d.decisionId);
    expect(after.status).toBe("pending_approval");
    expect(eventTypes(after)).toEqual(["decided"]);
    expect(h.rt.sandbox.entries).toHaveLength(0);
    // Fixed, it goes.
    const fixed = { ...edited, body: "Hi Jane, quick question about your analytics stack." };
    const ok = expectStatus(await approve(d.decisionId, { digest: d.payloadDigest, payload: fixed }), 200);
    expect(ok.status).toBe("dispatched");
  });

  it("an edit of a decision whose own checks no longer pass is stopped, as the agent's version would be", async () => {
    const d = await proposeOk(h, emailProposal("outreach-writer", "acme", "acme-jane"));
    expectStatus(
      await h.call("POST", "/v1/suppressions", h.admin, {
        kind: "person",
        value: "acme-jane",
        reason: "unsubscribed",
      }),
      201,
    );
    const edited = { ...d.payload, body: `${d.payload.body} Would Thursday suit?` };
    const res = expectStatus(await approve(d.decisionId, { digest: d.payloadDigest, payload: edited }), 200);
    expect(res.status).toBe("rejected");
    const after = await getDecision(h, d.decisionId);
    expect(eventTypes(after)).toEqual(["decided", "revalidation_failed"]);
    expect(after.events[1].detail).toMatch(/suppression/);
    expect(h.rt.sandbox.entries).toHaveLength(0);
  });

  it("refuses to approve once the approval timeout has passed, even before the scheduler ran", async () => {
    const d = await proposeOk(h, emailProposal("outreach-writer"));
    expectStatus(await h.call("POST", "/v1/admin/clock", h.admin, { advanceMs: 24 * HOUR }), 200);
    const res = await approve(d.decisionId, { digest: d.payloadDigest });
    expectStatus(res, 409);
    expect(res.body.message).toMatch(/expired/);
    expect((await getDecision(h, d.decisionId)).status).toBe("expired");
    await h.rt.scheduler.tick();
    expect(h.rt.sandbox.entries).toHaveLength(0);
  });

  it("refuses to reject once the approval timeout has passed: expired, nothing taught", async () => {
    const d = await proposeOk(h, emailProposal("outreach-writer"));
    expectStatus(await h.call("POST", "/v1/admin/clock", h.admin, { advanceMs: 24 * HOUR }), 200);
    const before = expectStatus(await h.call("GET", "/v1/trust", h.admin), 200);
    const res = await h.call("POST", `/v1/decisions/${d.decisionId}/reject`, h.approver, { note: "late" });
    // Before: rejected, a trust lesson and a rejection counted toward drafts for an expired decision.
    expectStatus(res, 409);
    expect(res.body.message).toMatch(/expired/);
    const after = await getDecision(h, d.decisionId);
    expect(after.status).toBe("expired");
    expect(after.review).toBeUndefined();
    expect(expectStatus(await h.call("GET", "/v1/trust", h.admin), 200)).toEqual(before);
  });

  it("does not veto a pending approval (409)", async () => {
    const d = await proposeOk(h, emailProposal("outreach-writer"));
    expectStatus(await h.call("POST", `/v1/decisions/${d.decisionId}/veto`, h.approver, {}), 409);
    expectStatus(
      await h.call("POST", "/v1/decisions/d_doesnotexist/approve", h.approver, { digest: d.payloadDigest }),
      404,
    );
    expect((await getDecision(h, d.decisionId)).status).toBe("pending_approval");
  });

  it("expires after the approval timeout and releases the reservation", async () => {
    const d = await proposeOk(h, emailProposal("outreach-writer"));
    expect(d.status).toBe("pending_approval");
    // While it waits, the reservation holds the account: a LinkedIn touch today is deferred.
    const blocked = await proposeOk(h, linkedinProposal("linkedin-agent"));
    expect(blocked.verdict).toBe("defer");

    await advance(h, 24 * HOUR - MINUTE);
    expect((await getDecision(h, d.decisionId)).status).toBe("pending_approval");
    await advance(h, 2 * MINUTE);
    const expired = await getDecision(h, d.decisionId);
    expect(expired.status).toBe("expired");
    expect(eventTypes(expired)).toEqual(["decided", "expired"]);
    expect(expired.events[1].detail).toMatch(/reservation released/);
    expectStatus(await approve(d.decisionId, { digest: d.payloadDigest }), 409);
    expect(h.rt.sandbox.entries).toHaveLength(0);
    expect(expectStatus(await h.call("GET", "/v1/approvals", h.viewer), 200).items).toEqual([]);

    // Wednesday 10:01: the expired reservation (Tue 10:00 → Wed 10:00) no longer holds today's slot,
    // nor the 72 h email cooldown or the channel-diversity window.
    const next = await proposeOk(h, emailProposal("outreach-writer"));
    expect(next.verdict).toBe("require_approval");
    expect(next.reasons.join("\n")).not.toMatch(new RegExp(d.decisionId));
  });

  it("gives the slot back at once when rejected", async () => {
    const d = await proposeOk(h, emailProposal("outreach-writer"));
    const rejected = expectStatus(
      await h.call("POST", `/v1/decisions/${d.decisionId}/reject`, h.approver, { note: "not now" }),
      200,
    );
    expect(rejected.status).toBe("rejected");
    // Same day, same account: not deferred by the rejected reservation.
    const li = await proposeOk(h, linkedinProposal("linkedin-agent"));
    expect(li.verdict).toBe("require_approval");
    expect(h.rt.sandbox.entries).toHaveLength(0);
  });
});

describe("level 2: schedule with an override window", () => {
  beforeEach(() => pin(h, "outreach-writer", "email.send", 2));

  it("does not send an action vetoed inside the window", async () => {
    const d = await proposeOk(h, emailProposal("outreach-writer"));
    expect(d.verdict).toBe("schedule");
    expect(d.status).toBe("scheduled");
    expect(d.executeAt).toBe(new Date(h.rt.clock.now() + 30 * MINUTE).toISOString());

    await advance(h, 10 * MINUTE);
    const vetoed = expectStatus(
      await h.call("POST", `/v1/decisions/${d.decisionId}/veto`, h.approver, { note: "wrong moment" }),
      200,
    );
    expect(vetoed.status).toBe("vetoed");
    expect(vetoed.review).toMatchObject({ action: "vetoed", by: "alice" });

    // The veto removed the due item: nothing fires when the window would have closed.
    expect(await advance(h, 25 * MINUTE)).toBe(0);
    const after = await getDecision(h, d.decisionId);
    expect(after.status).toBe("vetoed");
    expect(eventTypes(after)).toEqual(["decided", "vetoed"]);
    expect(h.rt.sandbox.entries).toHaveLength(0);
    // A veto after the fact is a conflict, not a second transition.
    expectStatus(await h.call("POST", `/v1/decisions/${d.decisionId}/veto`, h.approver, {}), 409);
    // The veto released the slot: another touch today is not deferred by it.
    const li = await proposeOk(h, linkedinProposal("linkedin-agent"));
    expect(li.verdict).toBe("require_approval");
  });

  it("dispatches and executes exactly once after the window passes without a veto", async () => {
    const d = await proposeOk(h, emailProposal("outreach-writer"));
    expect(d.verdict).toBe("schedule");
    // Approving is for level 1: a scheduled action is not pending approval.
    expectStatus(await approve(d.decisionId, { digest: d.payloadDigest }), 409);

    expect(await advance(h, 29 * MINUTE)).toBe(0);
    expect((await getDecision(h, d.decisionId)).status).toBe("scheduled");
    expect(h.rt.sandbox.entries).toHaveLength(0);

    expect(await advance(h, 2 * MINUTE)).toBe(1);
    const done = await waitForStatus(h, d.decisionId, "executed");
    expect(eventTypes(done)).toEqual(["decided", "dispatched", "executing", "executed"]);
    const sent = outboxFor(h, d.decisionId);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.idempotencyKey).toBe(d.idempotencyKey);

    // Further ticks fire nothing.
    expect(await advance(h, HOUR)).toBe(0);
    await h.rt.scheduler.tick();
    expect(h.rt.sandbox.entries).toHaveLength(1);
    expect((await getDecision(h, d.decisionId)).status).toBe("executed");
  });
});

describe("level 3: allow", () => {
  it("executes at once", async () => {
    await pin(h, "outreach-writer", "email.send", 3);
    const d = await proposeOk(h, emailProposal("outreach-writer"));
    expect(d.verdict).toBe("allow");
    expect(d.status).toBe("dispatched");
    await waitForStatus(h, d.decisionId, "executed");
    expect(outboxFor(h, d.decisionId)).toHaveLength(1);
  });
});
