/**
 * Outcomes close the loop against the real store: a reply pauses the account for every agent
 * (stop-on-reply), an unsubscribe suppresses the person on that channel, and both move trust.
 */

import { DeleteCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { suppressionsFor } from "../../shared/adapters/dynamo/kb-store.ts";
import { stateKeys } from "../../shared/adapters/dynamo/keys.ts";
import type { Decision } from "../../shared/domain/decision.ts";
import { DAY, iso, REDELIVERY_MS } from "../../shared/domain/time.ts";
import { approve, execute } from "../../shared/usecases/lifecycle.ts";
import { recordOutcome } from "../../shared/usecases/outcomes.ts";
import { startRuntime, T0, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, linkedinProposal, recordProposal, seedAcme } from "../helpers/world.ts";
import { approver, decisionEvents, dueFor, pin, touchCounters } from "./helpers/store.ts";

let rt: TestRuntime;
beforeEach(async () => {
  // These tests drive execution by hand (including crashes mid-way), so no background executor.
  rt = await startRuntime({ runWorkers: false });
});
afterEach(() => rt.close());

/** An email from `writer` (pinned at level 3) to `${accountId}-jane`, executed through the sandbox. */
async function sentEmail(accountId: string): Promise<Decision> {
  await pin(rt, "writer", "email.send", 3);
  const { decision } = await rt.deps.gate.propose(emailProposal("writer", accountId), agent("writer"));
  expect(decision.verdict).toBe("allow");
  const done = await execute(rt.deps, decision.decisionId);
  expect(done?.status).toBe("executed");
  return done as Decision;
}

describe("outcomes", () => {
  it("a reply pauses the account for every agent (stop-on-reply) and raises trust", async () => {
    await seedAcme(rt.deps, "acme");
    await seedAcme(rt.deps, "other");
    const sent = await sentEmail("acme");
    const before = await rt.deps.trust.get("writer", "email.send");

    rt.clock.advance(2 * 3_600_000);
    const result = await recordOutcome(rt.deps, { decisionId: sent.decisionId, type: "replied" }, approver);
    expect(result.attributedTo).toBe(sent.decisionId);
    const until = iso(T0 + 2 * 3_600_000 + 14 * DAY);
    expect(result.effects).toEqual([`account acme paused until ${until}`]);

    const after = await rt.deps.trust.get("writer", "email.send");
    expect(after?.successes).toBeGreaterThan(before?.successes ?? 0);
    expect(after?.version).toBe((before?.version ?? 0) + 1);

    const stored = await rt.deps.decisions.getDecision(sent.decisionId);
    expect(stored?.outcomes.map((o) => o.type)).toEqual(["replied"]);
    expect((await decisionEvents(rt, sent.decisionId)).map((e) => e.type)).toEqual([
      "decided",
      "executing",
      "executed",
      "outcome",
    ]);
    const pauses = (await rt.deps.pauses.list()).filter((p) => p.scope === "account" && p.target === "acme");
    expect(pauses).toHaveLength(1);

    // The next day, another agent on another channel (which coordination alone would allow) is deferred
    // by the kill switch until the pause ends.
    rt.clock.advance(DAY);
    const next = await rt.deps.gate.propose(
      linkedinProposal("li", "acme", "acme-bob", {
        payload: {
          body: "Hi Bob, noticed your team is evaluating analytics tooling; would a short guide help?",
        },
      }),
      agent("li"),
    );
    expect(next.decision.verdict).toBe("defer");
    const failed = next.decision.checks.filter((c) => c.result === "fail" && !c.shadow);
    expect(failed.map((c) => c.check)).toEqual(["kill_switch"]);
    expect(failed[0]?.detail).toContain("stop-on-reply: replied");
    expect(next.decision.retryAfter).toBe(until);

    // Other accounts are not affected.
    const elsewhere = await rt.deps.gate.propose(linkedinProposal("li", "other"), agent("li"));
    expect(elsewhere.decision.verdict).toBe("require_approval");
  });

  it("an unsubscribe suppresses the person on that channel only, and lowers trust", async () => {
    await seedAcme(rt.deps, "acme");
    const sent = await sentEmail("acme");
    const before = await rt.deps.trust.get("writer", "email.send");

    rt.clock.advance(3_600_000);
    const result = await recordOutcome(
      rt.deps,
      { decisionId: sent.decisionId, type: "unsubscribed" },
      approver,
    );
    expect(result.effects).toEqual(["person acme-jane suppressed on email"]);
    const suppressions = await suppressionsFor(rt.db, "acme", "acme-jane");
    expect(suppressions).toHaveLength(1);
    expect(suppressions[0]).toMatchObject({ kind: "person", value: "acme-jane", channels: ["email"] });
    const after = await rt.deps.trust.get("writer", "email.send");
    expect(after?.failures).toBeGreaterThan(before?.failures ?? 0);
    // An unsubscribe is no reply: the account is not paused.
    expect(await rt.deps.pauses.list()).toEqual([]);

    // Four days later (past the 72 h email cooldown): email to Jane is blocked by the suppression...
    rt.clock.advance(4 * DAY);
    const email = await rt.deps.gate.propose(emailProposal("sdr", "acme"), agent("sdr"));
    expect(email.decision.verdict).toBe("block");
    const suppression = email.decision.checks.find((c) => c.check === "suppression");
    expect(suppression?.result).toBe("fail");
    expect(suppression?.detail).toContain("unsubscribed from email");

    // ...while LinkedIn to Jane is still allowed through the suppression check.
    const linkedin = await rt.deps.gate.propose(linkedinProposal("li", "acme"), agent("li"));
    expect(linkedin.decision.checks.find((c) => c.check === "suppression")?.result).toBe("pass");
    expect(linkedin.decision.verdict).toBe("require_approval");
  });

  it("an email's complaint or unsubscribe reported by address goes on the email, not a LinkedIn message sent since", async () => {
    await seedAcme(rt.deps, "acme");
    const email = await sentEmail("acme");
    rt.clock.advance(2 * DAY);
    await pin(rt, "li", "linkedin.message", 3);
    const { decision: li } = await rt.deps.gate.propose(linkedinProposal("li", "acme"), agent("li"));
    expect(li.verdict).toBe("allow");
    expect((await execute(rt.deps, li.decisionId))?.status).toBe("executed");
    const before = {
      writer: await rt.deps.trust.get("writer", "email.send"),
      li: await rt.deps.trust.get("li", "linkedin.message"),
    };
    rt.clock.advance(DAY);
    // Before, both went on the LinkedIn message (the person's latest touch): its agent was demoted, the
    // email's writer kept its level, and the unsubscribe suppressed Jane on LinkedIn only.
    // An agent's own record of Jane, under the same address, written before the CRM's was again.
    const {
      createdBy: _c,
      personId: _p,
      updatedAt: _u,
      ...jane
    } = (await rt.deps.kb.getPerson("acme-jane"))!;
    await rt.deps.kb.putPerson("agent-jane", jane, iso(rt.clock.now()));
    await rt.deps.kb.putPerson("acme-jane", jane, iso(rt.clock.now()));
    const complaint = await recordOutcome(rt.deps, { email: "jane@acme.io", type: "complaint" }, approver);
    expect(complaint.attributedTo).toBe(email.decisionId);
    // The address too: before, only the record the address's index named was suppressed.
    expect(complaint.effects).toContain("person agent-jane (same address) suppressed on every channel");
    expect(await suppressionsFor(rt.db, "acme", "agent-jane")).toContainEqual(
      expect.objectContaining({ kind: "email", reason: expect.stringMatching(/^complaint/) }),
    );
    const unsubscribed = await recordOutcome(
      rt.deps,
      { email: "jane@acme.io", type: "unsubscribed" },
      approver,
    );
    expect(unsubscribed.attributedTo).toBe(email.decisionId);
    expect(unsubscribed.effects).toContain("person acme-jane suppressed on email");
    expect((await rt.deps.trust.get("writer", "email.send"))?.failures).toBeGreaterThan(
      before.writer?.failures ?? 0,
    );
    expect((await rt.deps.trust.get("li", "linkedin.message"))?.failures ?? 0).toBe(before.li?.failures ?? 0);
    // A reply reported by person may answer either: it goes on the latest touch, as before.
    const reply = await recordOutcome(rt.deps, { personId: "acme-jane", type: "replied" }, approver);
    expect(reply.attributedTo).toBe(li.decisionId);
  });

  it("a prospect who unsubscribes during the override window is not contacted", async () => {
    await seedAcme(rt.deps, "acme");
    await pin(rt, "writer", "email.send", 2);
    const { decision } = await rt.deps.gate.propose(emailProposal("writer", "acme"), agent("writer"));
    expect(decision.verdict).toBe("schedule");

    rt.clock.advance(10 * 60_000);
    // Nothing was sent yet, so the unsubscribe is attributed to no touch: suppressed on every channel.
    const result = await recordOutcome(rt.deps, { personId: "acme-jane", type: "unsubscribed" }, approver);
    expect(result.attributedTo).toBeNull();

    rt.clock.set(Date.parse(decision.executeAt as string));
    expect(await rt.scheduler.tick()).toBe(1);
    const after = await rt.deps.decisions.getDecision(decision.decisionId);
    expect(after?.status).toBe("vetoed");
    expect(rt.sandbox.entries).toEqual([]);
    expect(await rt.deps.decisions.getContactState("acme")).toMatchObject({ touches: [] });
    expect(await touchCounters(rt, "writer", "email")).toEqual({ agent: 0, channel: 0 });
    expect(await dueFor(rt, decision.decisionId)).toEqual([]);
    expect((await decisionEvents(rt, decision.decisionId)).map((e) => e.type)).toEqual([
      "decided",
      "revalidation_failed",
    ]);
  });

  it("a report by person with its instant, sent again after its touch failed, is recognised, not put on another", async () => {
    await seedAcme(rt.deps, "acme");
    const first = await sentEmail("acme");
    const occurredAt = iso(rt.clock.now() + 3_600_000);
    rt.clock.advance(2 * 3_600_000);
    const body = { personId: "acme-jane", type: "meeting_booked" as const, occurredAt };
    const once = await recordOutcome(rt.deps, body, approver);
    expect(once.attributedTo).toBe(first.decisionId);
    // The email is marked failed since (a person found it bounced); the report comes again.
    const current = (await rt.deps.decisions.getDecision(first.decisionId)) as Decision;
    await rt.deps.decisions.transition({
      decisionId: first.decisionId,
      expectStatus: ["executed"],
      expectVersion: current.version,
      patch: { status: "failed" },
      event: { type: "failed", at: iso(rt.clock.now()), actor: "test", detail: "set by the test" },
    });
    const again = await recordOutcome(rt.deps, body, approver);
    expect(again).toMatchObject({ duplicate: true, attributedTo: first.decisionId });
  });

  it("a reply by person finds the email behind more than 50 of the person's newer record actions", async () => {
    await seedAcme(rt.deps, "acme");
    const email = await sentEmail("acme");
    await pin(rt, "researcher", "crm.update", 3);
    // A busy prospect: 55 notes about Jane recorded by an agent since the email.
    for (let n = 0; n < 55; n++) {
      rt.clock.advance(60_000);
      const note = recordProposal("researcher", "acme", n);
      const { decision } = await rt.deps.gate.propose(
        { ...note, target: { accountId: "acme", personId: "acme-jane" } },
        agent("researcher"),
      );
      expect(decision.personId).toBe("acme-jane");
    }
    const reply = await recordOutcome(
      rt.deps,
      { personId: "acme-jane", type: "replied", occurredAt: iso(rt.clock.now()) },
      approver,
    );
    expect(reply.attributedTo).toBe(email.decisionId);
  });

  it("an outcome delivered again past the redelivery window is kept, neither taught nor announced again", async () => {
    await seedAcme(rt.deps, "acme");
    const sent = await sentEmail("acme");
    const body = { decisionId: sent.decisionId, type: "replied" as const, outcomeId: "o-reply-1" };
    await recordOutcome(rt.deps, body, approver);
    const once = await rt.deps.trust.get("writer", "email.send");
    // Weeks later the same reply comes again (a poll meets it beside a new meeting); its marker has
    // expired, as DynamoDB's TTL removes it.
    rt.clock.advance(REDELIVERY_MS + DAY);
    await rt.db.doc.send(
      new DeleteCommand({
        TableName: rt.db.tables.state,
        Key: stateKeys.trustEvidence("writer", "email.send", "o-reply-1"),
      }),
    );
    const published: string[] = [];
    const publish = rt.deps.events.publish.bind(rt.deps.events);
    rt.deps.events.publish = async (events) => {
      published.push(...events.map((e) => e.type));
      return publish(events);
    };
    const again = await recordOutcome(rt.deps, body, approver);
    expect(again).toMatchObject({ duplicate: true, attributedTo: sent.decisionId });
    expect(await rt.deps.trust.get("writer", "email.send")).toEqual(once);
    expect(published).not.toContain("outcome.recorded");
    expect((await rt.deps.decisions.getDecision(sent.decisionId))?.outcomes).toEqual([
      expect.objectContaining({ outcomeId: "o-reply-1", recordedAt: iso(T0) }),
    ]);
  });

  it("an outcome on a decision that never went out is kept on it and teaches nobody", async () => {
    await seedAcme(rt.deps, "acme");
    await pin(rt, "writer", "email.send", 1);
    const { decision } = await rt.deps.gate.propose(emailProposal("writer", "acme"), agent("writer"));
    expect(decision.status).toBe("pending_approval");
    const before = await rt.deps.trust.get("writer", "email.send");
    const res = await recordOutcome(
      rt.deps,
      { decisionId: decision.decisionId, type: "meeting_booked", outcomeId: "m-1" },
      approver,
    );
    expect(res.attributedTo).toBe(decision.decisionId);
    // The meeting is real: the account is paused all the same.
    expect(res.effects.some((e) => e.startsWith("account acme paused"))).toBe(true);
    expect(await rt.deps.trust.get("writer", "email.send")).toEqual(before);
    expect((await rt.deps.decisions.getDecision(decision.decisionId))?.outcomes.map((o) => o.type)).toEqual([
      "meeting_booked",
    ]);
    // An admin lifts the pause; approved and sent, then the integration retries the same report:
    // still nothing taught.
    rt.clock.advance(60_000);
    for (const p of await rt.deps.pauses.list())
      await rt.deps.pauses.remove(p.pauseId, "admin", iso(rt.clock.now()));
    await approve(rt.deps, decision.decisionId, { digest: decision.payloadDigest }, approver);
    expect((await execute(rt.deps, decision.decisionId))?.status).toBe("executed");
    const sent = await rt.deps.trust.get("writer", "email.send");
    const again = await recordOutcome(
      rt.deps,
      { decisionId: decision.decisionId, type: "meeting_booked", outcomeId: "m-1" },
      approver,
    );
    expect(again.duplicate).toBe(true);
    expect(await rt.deps.trust.get("writer", "email.send")).toEqual(sent);
  });

  it("a repeated outcomeId is recorded once and teaches trust once", async () => {
    await seedAcme(rt.deps, "acme");
    const sent = await sentEmail("acme");
    const body = { decisionId: sent.decisionId, type: "opened" as const, outcomeId: "o-open-1" };
    await recordOutcome(rt.deps, body, approver);
    const once = await rt.deps.trust.get("writer", "email.send");
    const again = await recordOutcome(rt.deps, body, approver);
    expect(again).toMatchObject({ duplicate: true, attributedTo: sent.decisionId });
    expect(await rt.deps.trust.get("writer", "email.send")).toEqual(once);
    expect((await rt.deps.decisions.getDecision(sent.decisionId))?.outcomes).toHaveLength(1);
  });
});
