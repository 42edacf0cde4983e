/**
 * Trust evidence the harness records itself, against the real store: when an executed action's window
 * (trust.silenceDays) closes, the due-queue turns an unanswered touch into `silence` and a record nobody
 * flagged into `record_kept`, once, never after an answer; bounces and meetings of a touch teach the
 * record agent that created the person; the gate's word on a draft (blocked for its own fault, or sent
 * unreviewed having passed) is review evidence.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Decision, streams } from "../../shared/domain/decision.ts";
import { DAY, HOUR, iso } from "../../shared/domain/time.ts";
import { streamsOf } from "../../shared/learning/trust.ts";
import { approve, execute } from "../../shared/usecases/lifecycle.ts";
import { recordOutcome } from "../../shared/usecases/outcomes.ts";
import { OutcomeBody } from "../../shared/usecases/schemas.ts";
import { recordTrustOutcome } from "../../shared/usecases/trust.ts";
import { settleDecision, settleDueItems, settleExecuted } from "../../shared/usecases/trust-evidence.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, recordProposal, seedAcme } from "../helpers/world.ts";
import { approver, decisionEvents, dueFor, pin } from "./helpers/store.ts";

let rt: TestRuntime;
beforeEach(async () => {
  rt = await startRuntime({ runWorkers: false });
});
afterEach(() => rt.close());

async function sentEmail(accountId: string, writer = "writer"): Promise<Decision> {
  await pin(rt, writer, "email.send", 3);
  const { decision } = await rt.deps.gate.propose(emailProposal(writer, accountId), agent(writer));
  expect(decision.verdict).toBe("allow");
  const done = await execute(rt.deps, decision.decisionId);
  expect(done?.status).toBe("executed");
  return done as Decision;
}

async function executedRecord(accountId: string, agentId = "finder"): Promise<Decision> {
  const { decision } = await rt.deps.gate.propose(recordProposal(agentId, accountId), agent(agentId));
  expect(decision.verdict).toBe("allow");
  const done = await execute(rt.deps, decision.decisionId);
  expect(done?.status).toBe("executed");
  return done as Decision;
}

const trustOf = async (agentId: string, actionType: string) => {
  const r = await rt.deps.trust.get(agentId, actionType);
  return r ? { ...streamsOf(r), version: r.version } : undefined;
};
const outcomeTypes = async (id: string) =>
  (await rt.deps.decisions.getDecision(id))?.outcomes.map((o) => o.type);

describe("silence: a touch nobody answered within trust.silenceDays", () => {
  it("is recorded once by the due-queue when the window closes, as a weak market failure", async () => {
    await seedAcme(rt.deps, "acme");
    const sent = await sentEmail("acme");
    const due = await dueFor(rt, sent.decisionId);
    expect(due).toEqual([
      { decisionId: sent.decisionId, kind: "settle", at: Date.parse(sent.execution?.at ?? "") + 7 * DAY },
    ]);

    rt.clock.advance(7 * DAY - HOUR);
    expect(await rt.scheduler.tick()).toBe(0);
    expect(await outcomeTypes(sent.decisionId)).toEqual([]);

    rt.clock.advance(2 * HOUR);
    expect(await rt.scheduler.tick()).toBe(1);
    expect(await outcomeTypes(sent.decisionId)).toEqual(["silence"]);
    const after = await trustOf("writer", "email.send");
    expect(after?.silence).toBe(1);
    expect(after?.market.failure).toBeGreaterThan(0);
    expect(after?.market.success).toBe(0);
    const events = await decisionEvents(rt, sent.decisionId);
    expect(events.at(-1)).toMatchObject({ type: "outcome", actor: "harness" });
    expect(await dueFor(rt, sent.decisionId)).toEqual([]);

    // Delivered again (a retry after a crash between the write and the delete): nothing more.
    expect(await settleExecuted(rt.deps, sent.decisionId)).toBeUndefined();
    expect(await outcomeTypes(sent.decisionId)).toEqual(["silence"]);
    expect(await trustOf("writer", "email.send")).toEqual(after);
  });

  it("is not recorded when a reply arrived first", async () => {
    await seedAcme(rt.deps, "acme");
    const sent = await sentEmail("acme");
    rt.clock.advance(30 * HOUR);
    await recordOutcome(rt.deps, { decisionId: sent.decisionId, type: "replied" }, approver);
    const before = await trustOf("writer", "email.send");
    rt.clock.advance(8 * DAY);
    expect(await rt.scheduler.tick()).toBe(1);
    expect(await outcomeTypes(sent.decisionId)).toEqual(["replied"]);
    expect(await trustOf("writer", "email.send")).toEqual(before);
    expect(before?.silence).toBe(0);
  });

  it("counted once when the same due item fires concurrently", async () => {
    await seedAcme(rt.deps, "acme");
    const sent = await sentEmail("acme");
    rt.clock.advance(8 * DAY);
    const results = await Promise.all(
      Array.from({ length: 6 }, () => settleExecuted(rt.deps, sent.decisionId)),
    );
    expect(results.filter((r) => r === "silence")).toHaveLength(1);
    expect(await outcomeTypes(sent.decisionId)).toEqual(["silence"]);
    expect((await trustOf("writer", "email.send"))?.silence).toBe(1);
  });

  it("the sweep for runtimes without the local scheduler (AWS) settles due windows only", async () => {
    await seedAcme(rt.deps, "acme");
    const sent = await sentEmail("acme");
    expect(await settleDueItems(rt.deps, rt.clock.now())).toEqual({ settled: 0, recorded: 0, failed: 0 });
    rt.clock.advance(8 * DAY);
    expect(await settleDueItems(rt.deps, rt.clock.now())).toEqual({ settled: 1, recorded: 1, failed: 0 });
    expect(await outcomeTypes(sent.decisionId)).toEqual(["silence"]);
    expect(await dueFor(rt, sent.decisionId)).toEqual([]);
  });

  it("the outcomes API refuses silence, record_kept, record_judged, draft_blocked, draft_passed and contact_met: only the harness records them", () => {
    for (const type of [
      "silence",
      "record_kept",
      "record_judged",
      "draft_blocked",
      "draft_passed",
      "contact_met",
    ]) {
      const parsed = OutcomeBody.safeParse({ decisionId: "d1", type });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.path).toEqual(["type"]);
      expect(parsed.error?.issues[0]?.message).toContain(type);
    }
    expect(OutcomeBody.safeParse({ decisionId: "d1", type: "record_corrected" }).success).toBe(true);
    // Nor reviews: a review is recorded by reviewing the decision. Posted here, an approval taught the
    // review stream twice, and a veto of a sent email nobody vetoed counted against its agent.
    for (const type of ["approved", "edited", "rejected", "vetoed"]) {
      const parsed = OutcomeBody.safeParse({ decisionId: "d1", type });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.path).toEqual(["type"]);
      expect(parsed.error?.issues[0]?.message).toMatch(/recorded by reviewing the decision/);
    }
  });
});

describe("level changes", () => {
  it("are ledger events carrying the evidence behind them", async () => {
    const spec = (await rt.deps.specs.current())!;
    // One touch's window closed first: before that, market evidence does not move a level (trust.ts).
    await recordTrustOutcome(rt.deps, spec, "writer", "email.send", "silence", "first window");
    for (let i = 0; i < 10; i++)
      await recordTrustOutcome(rt.deps, spec, "writer", "email.send", "replied", `reply ${i}`);
    const events = await rt.deps.decisions.events(streams.trust("writer", "email.send"));
    const changes = events.filter((e) => e.type === "trust.level_changed");
    expect(changes.map((e) => [e.from, e.to])).toEqual([["1", "2"]]);
    expect(changes[0]?.data).toMatchObject({
      outcome: "replied",
      evidence: {
        reviews: { success: 0, failure: 0 },
        market: { success: 10, failure: 0.03 },
        silence: 1,
        sample: 10.03,
      },
    });
  });
});

describe("record actions earn trust from their own outcomes", () => {
  it("a record nobody flagged is kept (a weak success); a flagged one is judged when its window closes, not before", async () => {
    await seedAcme(rt.deps, "acme");
    await seedAcme(rt.deps, "beta");
    const kept = await executedRecord("acme");
    const flagged = await executedRecord("beta");
    rt.clock.advance(DAY);
    await recordOutcome(rt.deps, { decisionId: flagged.decisionId, type: "record_corrected" }, approver);
    // Heard within hours, but a kept record is heard only after silenceDays: the correction waits too,
    // so record agents are not ordered by when their volume arrived.
    expect(await outcomeTypes(flagged.decisionId)).toEqual(["record_corrected"]);
    expect((await trustOf("finder", "crm.update"))?.market ?? { success: 0, failure: 0 }).toEqual({
      success: 0,
      failure: 0,
    });

    rt.clock.advance(7 * DAY);
    expect(await rt.scheduler.tick()).toBe(2);
    expect(await outcomeTypes(kept.decisionId)).toEqual(["record_kept"]);
    expect(await outcomeTypes(flagged.decisionId)).toEqual(["record_corrected", "record_judged"]);
    const after = await trustOf("finder", "crm.update");
    // Both counted at their windows' close: equally fresh, neither decayed.
    expect(after?.market.success).toBeCloseTo(0.3, 6);
    expect(after?.market.failure).toBeCloseTo(1, 6);
    expect((await rt.deps.trust.get("finder", "crm.update"))?.settled).toBe(2);

    // The settle delivered again: nothing more.
    expect(await settleExecuted(rt.deps, flagged.decisionId)).toBeUndefined();
    expect(await trustOf("finder", "crm.update")).toEqual(after);

    // A judgment heard after the window closed counts on arrival.
    await recordOutcome(rt.deps, { decisionId: kept.decisionId, type: "flagged_bad_lead" }, approver);
    const late = await trustOf("finder", "crm.update");
    expect(late?.market.failure).toBeGreaterThan((after?.market.failure ?? 0) + 1);
  });

  it("a record corrected twice in its window is one judgment when the window closes", async () => {
    await seedAcme(rt.deps, "twice");
    const d = await executedRecord("twice");
    rt.clock.advance(DAY);
    const before = (await trustOf("finder", "crm.update"))?.market ?? { success: 0, failure: 0 };
    await recordOutcome(rt.deps, { decisionId: d.decisionId, type: "record_corrected" }, approver);
    rt.clock.advance(DAY);
    await recordOutcome(
      rt.deps,
      { decisionId: d.decisionId, type: "record_corrected", note: "again" },
      approver,
    );
    expect(await outcomeTypes(d.decisionId)).toEqual(["record_corrected", "record_corrected"]);
    rt.clock.advance(7 * DAY);
    await rt.scheduler.tick();
    const after = (await trustOf("finder", "crm.update"))?.market ?? { success: 0, failure: 0 };
    // Before: both corrections were taught at the close, two failures for one record.
    expect(after.failure - before.failure).toBeCloseTo(1, 6);
  });

  it("a judgment taught on arrival before judgments were held is not taught again when the window closes", async () => {
    await seedAcme(rt.deps, "acme");
    const rec = await executedRecord("acme");
    rt.clock.advance(DAY);
    // What a deployment before held judgments left: the flag appended without the mark, and taught.
    await rt.deps.decisions.transition({
      decisionId: rec.decisionId,
      expectStatus: ["executed"],
      expectVersion: rec.version,
      patch: {
        outcomes: [{ type: "flagged_bad_lead", at: iso(rt.clock.now()), outcomeId: "o-old" }],
      },
      event: {
        type: "outcome",
        at: iso(rt.clock.now()),
        actor: "approver",
        detail: "flagged_bad_lead",
      },
    });
    const spec = await rt.deps.specs.current();
    if (!spec) throw new Error("no spec");
    await recordTrustOutcome(rt.deps, spec, "finder", "crm.update", "flagged_bad_lead", "taught on arrival");
    const taught = await trustOf("finder", "crm.update");
    expect(taught?.market.failure).toBeGreaterThan(0);

    rt.clock.advance(7 * DAY);
    expect(await settleExecuted(rt.deps, rec.decisionId)).toBe("record_judged");
    // The window closed (judged, not kept) and nothing was counted twice: only decay moved the figure.
    const after = await trustOf("finder", "crm.update");
    expect(after?.market.failure).toBeLessThanOrEqual(taught?.market.failure ?? 0);
    expect(after?.market.success).toBe(0);

    // A judgment held under the new rule carries the mark on the decision.
    await seedAcme(rt.deps, "beta");
    const next = await executedRecord("beta");
    rt.clock.advance(DAY);
    await recordOutcome(rt.deps, { decisionId: next.decisionId, type: "record_corrected" }, approver);
    const held = (await rt.deps.decisions.getDecision(next.decisionId))?.outcomes;
    expect(held).toEqual([expect.objectContaining({ type: "record_corrected", heldUntilClose: true })]);
  });

  it("the same outcome delivered 10 times at once is appended and taught once", async () => {
    await seedAcme(rt.deps, "acme");
    const sent = await sentEmail("acme");
    const replied = { decisionId: sent.decisionId, type: "replied" as const, outcomeId: "o-webhook-1" };
    // Every delivery first reads the decision as it was before any of them landed (as concurrent
    // Lambda invocations do); re-reads after a conflict see the store as it is.
    const decisions = rt.deps.decisions;
    let firstReads = 10;
    const deps = {
      ...rt.deps,
      decisions: Object.assign(Object.create(decisions), {
        getDecision: async (id: string) => (firstReads-- > 0 ? sent : decisions.getDecision(id)),
      }),
    };
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => recordOutcome(deps, replied, approver)),
    );
    expect(answers.filter((a) => !a.duplicate)).toHaveLength(1);
    expect(await outcomeTypes(sent.decisionId)).toEqual(["replied"]);
    const weight = (await rt.deps.specs.current())?.spec.trust.outcomes.replied?.success ?? 0;
    expect((await trustOf("writer", "email.send"))?.market.success).toBeCloseTo(weight, 6);
  });

  it("a judgment racing the window's close is counted exactly once", async () => {
    await seedAcme(rt.deps, "acme");
    const rec = await executedRecord("acme");
    rt.clock.advance(8 * DAY);
    await Promise.all([
      settleExecuted(rt.deps, rec.decisionId),
      recordOutcome(rt.deps, { decisionId: rec.decisionId, type: "flagged_bad_lead" }, approver),
      settleExecuted(rt.deps, rec.decisionId),
    ]);
    const types = await outcomeTypes(rec.decisionId);
    expect(types).toContain("flagged_bad_lead");
    const flagWeight = (await rt.deps.specs.current())?.spec.trust.outcomes.flagged_bad_lead?.failure ?? 0;
    expect(flagWeight).toBeGreaterThan(0);
    const t = await trustOf("finder", "crm.update");
    // Flag once, whichever landed first; kept (0.3) only if the window closed before the flag landed.
    expect(t?.market.failure).toBeCloseTo(flagWeight, 6);
    expect(t?.market.success).toBeCloseTo(types?.includes("record_kept") ? 0.3 : 0, 6);
  });

  it("a bounce teaches the agent that created the person, not the writer; a meeting credits both", async () => {
    for (const a of ["acme", "beta", "gamma"]) await seedAcme(rt.deps, a);
    const at = () => new Date(rt.clock.now()).toISOString();
    const created = { decisionId: "d-created", agentId: "finder", actionType: "crm.update" };
    const amy = {
      accountId: "acme",
      email: "amy@acme.io",
      firstName: "Amy",
      lastName: "Lee",
      title: "VP Sales",
    };
    const ben = { ...amy, accountId: "beta", email: "ben@beta.io", firstName: "Ben" };
    await rt.deps.kb.putPerson("acme-amy", amy, at(), created);
    await rt.deps.kb.putPerson("beta-ben", ben, at(), created);
    // Who created a person is fixed when it is created: a later upsert (or one without) keeps it.
    await rt.deps.kb.putPerson("acme-amy", { ...amy, title: "SVP Sales" }, at(), {
      ...created,
      agentId: "other",
    });
    expect((await rt.deps.kb.getPerson("acme-amy"))?.createdBy).toEqual(created);
    expect((await rt.deps.kb.getPerson("acme-jane"))?.createdBy).toBeUndefined();

    await pin(rt, "writer", "email.send", 3);
    const touch = async (accountId: string, personId: string, name: string) => {
      const body = `Hi ${name}, saw your team comparing plans this week. Happy to share how similar teams rolled out in two weeks.`;
      const { decision } = await rt.deps.gate.propose(
        emailProposal("writer", accountId, personId, { payload: { subject: "Your pricing research", body } }),
        agent("writer"),
      );
      expect(decision.checks.filter((c) => c.result === "fail")).toEqual([]);
      expect(decision.verdict).toBe("allow");
      return (await execute(rt.deps, decision.decisionId)) as Decision;
    };
    const toAmy = await touch("acme", "acme-amy", "Amy");
    const writerBefore = await trustOf("writer", "email.send");
    await recordOutcome(rt.deps, { decisionId: toAmy.decisionId, type: "bounced" }, approver);
    expect((await trustOf("finder", "crm.update"))?.market).toEqual({ success: 0, failure: 1 });
    expect(await trustOf("writer", "email.send")).toEqual(writerBefore);

    const toBen = await touch("beta", "beta-ben", "Ben");
    const met = { decisionId: toBen.decisionId, type: "meeting_booked" as const, outcomeId: "o-met-ben" };
    await recordOutcome(rt.deps, met, approver);
    // The meeting pays the writer a meeting (+2); the finder, that its contact was right: `contact_met`,
    // a record that stood (+0.3), and only once whatever the redelivery.
    expect((await trustOf("writer", "email.send"))?.market.success).toBe(2);
    await recordOutcome(rt.deps, met, approver);
    expect((await trustOf("finder", "crm.update"))?.market.success).toBeCloseTo(0.3, 10);
    expect((await trustOf("writer", "email.send"))?.market.success).toBe(2);

    // A bounce of a person nobody's record created stays with the writer.
    const toJane = await touch("gamma", "gamma-jane", "Jane");
    await recordOutcome(rt.deps, { decisionId: toJane.decisionId, type: "bounced" }, approver);
    expect((await trustOf("writer", "email.send"))?.market.failure).toBeGreaterThan(0);
  });
});

describe("the gate's word on a draft is review evidence", () => {
  const misaddressed = (accountId: string) =>
    emailProposal("writer", accountId, `${accountId}-jane`, {
      payload: {
        subject: "Your pricing research",
        // Written for a colleague, sent to Jane: the content check compares the greeting with the KB.
        body: "Hi Priya, saw your team comparing plans this week. Happy to share how similar teams rolled out in two weeks.",
      },
    });

  it("a touch blocked for its own draft teaches draft_blocked once, after the request, whatever the redelivery", async () => {
    await seedAcme(rt.deps, "acme");
    const { decision } = await rt.deps.gate.propose(misaddressed("acme"), agent("writer"));
    expect(decision.status).toBe("blocked");
    expect(decision.checks.find((c) => c.check === "content_quality")?.detail).toMatch(/greets "Priya"/);
    // The request path wrote a due item in the decision's own transaction and taught nothing itself.
    expect(await dueFor(rt, decision.decisionId)).toEqual([
      { decisionId: decision.decisionId, kind: "settle", at: Date.parse(decision.decidedAt) },
    ]);
    expect(await trustOf("writer", "email.send")).toBeUndefined();

    const results = await Promise.all(
      Array.from({ length: 6 }, () => settleDecision(rt.deps, decision.decisionId)),
    );
    expect(results.filter((r) => r === "draft_blocked")).toHaveLength(1);
    expect(await outcomeTypes(decision.decisionId)).toEqual(["draft_blocked"]);
    const taught = await trustOf("writer", "email.send");
    expect(taught?.reviews).toEqual({ success: 0, failure: 1 });
    expect(taught?.market).toEqual({ success: 0, failure: 0 });
    const events = await decisionEvents(rt, decision.decisionId);
    expect(events.at(-1)).toMatchObject({ type: "outcome", actor: "harness" });
    expect(events.at(-1)?.detail).toMatch(
      /^draft_blocked: the gate blocked the draft itself \(content quality/,
    );

    // The scheduler's own delivery of the due item finds it done, and removes it.
    expect(await rt.scheduler.tick()).toBe(1);
    expect(await dueFor(rt, decision.decisionId)).toEqual([]);
    expect(await outcomeTypes(decision.decisionId)).toEqual(["draft_blocked"]);
    expect(await trustOf("writer", "email.send")).toEqual(taught);
  });

  it("a replayed proposal neither decides nor teaches again", async () => {
    await seedAcme(rt.deps, "acme");
    const proposal = misaddressed("acme");
    const first = await rt.deps.gate.propose(proposal, agent("writer"));
    const again = await rt.deps.gate.propose(proposal, agent("writer"));
    expect(again.replay).toBe(true);
    expect(await dueFor(rt, first.decision.decisionId)).toHaveLength(1);
    expect(await rt.scheduler.tick()).toBe(1);
    expect((await trustOf("writer", "email.send"))?.reviews).toEqual({ success: 0, failure: 1 });
  });

  it("a send whose trust write fails is still an executed send", async () => {
    await seedAcme(rt.deps, "acme");
    await pin(rt, "writer", "email.send", 3);
    const { decision } = await rt.deps.gate.propose(emailProposal("writer", "acme"), agent("writer"));
    const save = rt.deps.trust.save;
    rt.deps.trust.save = async () => {
      throw new Error("trust table unavailable");
    };
    try {
      expect((await execute(rt.deps, decision.decisionId))?.status).toBe("executed");
    } finally {
      rt.deps.trust.save = save;
    }
    expect(rt.sandbox.entries.filter((e) => e.decisionId === decision.decisionId)).toHaveLength(1);
    expect((await trustOf("writer", "email.send"))?.reviews).toEqual({ success: 0, failure: 0 });
  });

  it("a touch that executes unreviewed teaches draft_passed; one a person approved, its approval alone", async () => {
    await seedAcme(rt.deps, "acme");
    await sentEmail("acme");
    expect((await trustOf("writer", "email.send"))?.reviews).toEqual({ success: 0.5, failure: 0 });

    await seedAcme(rt.deps, "globex");
    await pin(rt, "careful", "email.send", 1);
    const { decision } = await rt.deps.gate.propose(emailProposal("careful", "globex"), agent("careful"));
    expect(decision.status).toBe("pending_approval");
    const approved = await approve(
      rt.deps,
      decision.decisionId,
      { digest: decision.payloadDigest },
      approver,
    );
    expect((await execute(rt.deps, approved.decisionId))?.status).toBe("executed");
    expect((await trustOf("careful", "email.send"))?.reviews).toEqual({ success: 1, failure: 0 });
  });
});
