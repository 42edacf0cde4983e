import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  advance,
  emailProposal,
  expectStatus,
  type Harness,
  HOUR,
  linkedinProposal,
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
  await pin(h, "outreach-writer", "email.send", 3);
  await pin(h, "linkedin-agent", "linkedin.message", 3);
});
afterEach(() => h.close());

/** T0 is Tuesday 2026-03-10 10:00 in New York (EDT, UTC-4): the next local midnight is 04:00Z. */
const NEXT_NY_MIDNIGHT = "2026-03-11T04:00:00.000Z";

describe("the article's collision example, through the HTTP API", () => {
  it("defers agent B's LinkedIn touch 6 h after agent A emailed Jane, until the account's next midnight", async () => {
    const email = emailProposal("outreach-writer", "acme", "acme-jane", {
      reasoning: "Jane (VP Sales) visited the pricing page three times this week.",
    });
    const a = await proposeOk(h, email);
    expect(a.verdict).toBe("allow");
    expect(a.replay).toBe(false);
    const sent = await waitForStatus(h, a.decisionId, "executed");
    expect(outboxFor(h, a.decisionId)).toHaveLength(1);
    expect(h.rt.sandbox.entries[0]?.idempotencyKey).toBe(sent.idempotencyKey);

    await advance(h, 6 * HOUR);

    const b = await proposeOk(h, linkedinProposal("linkedin-agent", "acme", "acme-jane"));
    expect(b.verdict).toBe("defer");
    expect(b.status).toBe("deferred");
    expect(b.retryAfter).toBe(NEXT_NY_MIDNIGHT);
    const reasons = b.reasons.join("\n");
    expect(reasons).toMatch(/one-touch-per-account-per-day/);
    expect(reasons).toMatch(/1 touch per day per account already used/);
    expect(reasons).toMatch(/email by outreach-writer at 2026-03-10T14:00:00\.000Z/);
    // Only the frequency cap defers it: LinkedIn after an email breaks no cooldown or diversity rule.
    expect(b.reasons).toHaveLength(1);
    const failed = b.checks.filter((c: any) => c.result === "fail");
    expect(failed.map((c: any) => c.rule)).toEqual(["one-touch-per-account-per-day"]);

    // The same rule covers anyone at the account: Bob, the CRO, is not touched today either.
    const bob = await proposeOk(
      h,
      linkedinProposal("linkedin-agent", "acme", "acme-bob", {
        payload: { body: "Hi Bob, noticed Acme is evaluating analytics tooling; would a comparison help?" },
      }),
    );
    expect(bob.verdict).toBe("defer");
    expect(bob.retryAfter).toBe(NEXT_NY_MIDNIGHT);
    expect(bob.reasons.join("\n")).toMatch(/one-touch-per-account-per-day.*email by outreach-writer/);

    // Nothing but the email went out.
    expect(h.rt.sandbox.entries).toHaveLength(1);

    // "Why did you contact me?", asked by a viewer, answered in plain language from the trace.
    const ex = expectStatus(await h.call("GET", "/v1/explain?email=jane@acme.io", h.viewer), 200);
    expect(ex.personId).toBe("acme-jane");
    expect(ex.person).toEqual({ name: "Jane Doe", title: "VP Sales", accountId: "acme" });
    expect(ex.contacts).toHaveLength(1);
    expect(ex.contacts[0].decision.decisionId).toBe(a.decisionId);
    const why: string = ex.contacts[0].explanation;
    expect(why).toMatch(/agent outreach-writer emailed Jane Doe at Acme Analytics\./);
    expect(why).toMatch(/pricing page visit ×3 in 7 days \(\+75\); intent score 75/);
    expect(why).toMatch(/ICP: Acme Analytics matches the ICP: industry Software, 250 employees/);
    expect(why).toMatch(/Persona: VP Sales → vp → champion/);
    expect(why).toContain(`The agent's reasoning: "${email.reasoning}"`);
    expect(why).toMatch(/Sent autonomously: an admin pinned the agent at level 3 for email\.send/);
    expect(why).toMatch(/Decided under spec v1 \(/);
    // The technical summary tells the contact first, then what was held back and why.
    const technical: string = ex.technicalSummary;
    expect(technical.startsWith(why)).toBe(true);
    expect(technical).toMatch(/linkedin-agent.*linkedin\.message.*deferred.*one-touch-per-account-per-day/);
    // The summary says the same in plain words, at Jane's local time (New York: 10:00 EDT on T0).
    const summary: string = ex.summary;
    expect(summary).toMatch(/Emailed \("Your pricing research"\) on Tue, Mar 10, 10:00 AM EDT\./);
    expect(summary).toMatch(
      /Not sent \(held for later\): a LinkedIn message .*we had already been in touch with Acme Analytics recently/,
    );
    expect(summary).not.toMatch(/linkedin-agent|one-touch-per-account-per-day|\d{4}-\d\d-\d\dT/);
    // The deferred LinkedIn proposal is listed among the other decisions about Jane (Bob's is not).
    expect(ex.otherDecisions).toHaveLength(1);
    expect(ex.otherDecisions[0]).toMatchObject({
      decisionId: b.decisionId,
      agentId: "linkedin-agent",
      actionType: "linkedin.message",
      verdict: "defer",
      status: "deferred",
    });
    expect(ex.otherDecisions[0].reasons.join("\n")).toMatch(/one-touch-per-account-per-day/);

    // Same answer by person id; an unknown person is a 404.
    const byId = expectStatus(await h.call("GET", "/v1/explain?personId=acme-jane", h.viewer), 200);
    expect(byId.summary).toBe(summary);
    expect(byId.technicalSummary).toBe(technical);
    expectStatus(await h.call("GET", "/v1/explain?email=nobody@acme.io", h.viewer), 404);
  });

  it("lets the deferred touch through when retried at its retryAfter", async () => {
    const a = await proposeOk(h, emailProposal("outreach-writer"));
    await waitForStatus(h, a.decisionId, "executed");
    await advance(h, 6 * HOUR);
    const b = await proposeOk(h, linkedinProposal("linkedin-agent"));
    expect(b.verdict).toBe("defer");

    expectStatus(await h.call("POST", "/v1/admin/clock", h.admin, { set: b.retryAfter }), 200);
    const retry = await proposeOk(
      h,
      linkedinProposal("linkedin-agent", "acme", "acme-jane", { retryOf: b.decisionId }),
    );
    expect(retry.verdict).toBe("allow");
    expect(retry.retryOf).toBe(b.decisionId);
    await waitForStatus(h, retry.decisionId, "executed");
    expect(h.rt.sandbox.entries.map((e) => e.channel)).toEqual(["email", "linkedin"]);
  });

  it("explains a scheduled touch as not yet sent, and as sent once its window passed", async () => {
    await pin(h, "outreach-writer", "email.send", 2);
    const d = await proposeOk(h, emailProposal("outreach-writer"));
    expect(d.status).toBe("scheduled");

    const during = expectStatus(await h.call("GET", "/v1/explain?email=jane@acme.io", h.viewer), 200);
    expect(during.contacts).toHaveLength(1);
    expect(during.technicalSummary).toMatch(/emailed Jane Doe at Acme Analytics \(scheduled, not yet sent\)/);
    expect(during.summary).toMatch(/\(not sent yet\)\..*unless a person on our team stops it first/);
    // Nothing has been sent yet, so the answer must not claim it was.
    expect(during.technicalSummary).not.toMatch(/\bSent\b/);
    expect(during.shortAnswer).toMatch(/nothing has been sent yet/);

    await advance(h, 31 * 60_000);
    await waitForStatus(h, d.decisionId, "executed");
    const after = expectStatus(await h.call("GET", "/v1/explain?email=jane@acme.io", h.viewer), 200);
    expect(after.technicalSummary).not.toMatch(/not yet sent/);
    expect(after.technicalSummary).toMatch(/Sent after a human override window passed without a veto/);
    expect(after.summary).not.toMatch(/not sent yet/);
    expect(after.summary).toMatch(/went out automatically after a person on our team had time to stop it/);
  });
});
