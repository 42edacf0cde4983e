/**
 * The decision lifecycle against the real store: every transition moves the decision, its ledger
 * event, the account's contact state and the counters together, and every side effect goes through the
 * connector once, with the decision's idempotency key.
 */
import type { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { S3OutboxConnector } from "../../shared/adapters/aws/s3-outbox-connector.ts";
import type { Decision } from "../../shared/domain/decision.ts";
import { ContentionError } from "../../shared/domain/errors.ts";
import { HOUR, iso } from "../../shared/domain/time.ts";
import { ConnectorError } from "../../shared/ports.ts";
import { Executions } from "../../shared/runtime/executions.ts";
import {
  approve,
  execute,
  expire,
  recoverDispatched,
  reject,
  release,
  veto,
} from "../../shared/usecases/lifecycle.ts";
import { recordOutcome } from "../../shared/usecases/outcomes.ts";
import { heldBack } from "../../shared/usecases/redrive-checks.ts";
import { startRuntime, T0, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, recordProposal, seedAcme } from "../helpers/world.ts";
import {
  approver,
  decisionEvents,
  dueFor,
  pin,
  publishVariant,
  rawContactState,
  touchCounters,
} from "./helpers/store.ts";

const MINUTE = 60_000;

let rt: TestRuntime;
beforeEach(async () => {
  // These tests drive execution by hand (including crashes mid-way), so no background executor.
  rt = await startRuntime({ runWorkers: false });
});
afterEach(() => rt.close());

async function propose(agentId: string, accountId: string): Promise<Decision> {
  const { decision } = await rt.deps.gate.propose(emailProposal(agentId, accountId), agent(agentId));
  return decision;
}

async function status(decisionId: string) {
  return (await rt.deps.decisions.getDecision(decisionId))?.status;
}

async function touchesOf(accountId: string) {
  return (await rt.deps.decisions.getContactState(accountId)).touches;
}

/** The ledger of a decision as `type:seq` pairs, plus a check that seqs run 1..n and chain from → to. */
async function ledger(decisionId: string) {
  const events = await decisionEvents(rt, decisionId);
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  return events;
}

describe("veto, reject, expire release the reservation", () => {
  it("a veto inside the override window releases the touch and decrements the counters", async () => {
    await seedAcme(rt.deps, "acme");
    await pin(rt, "writer", "email.send", 2);
    const d = await propose("writer", "acme");
    expect(d.verdict).toBe("schedule");
    expect(d.executeAt).toBe(iso(T0 + 30 * MINUTE));
    expect((await touchesOf("acme")).map((t) => t.decisionId)).toEqual([d.decisionId]);
    expect(await touchCounters(rt, "writer", "email")).toEqual({ agent: 1, channel: 1 });
    expect(await dueFor(rt, d.decisionId)).toHaveLength(1);

    // Nobody vetoes their own agent's action, and an agent credential can do nothing but propose.
    await expect(veto(rt.deps, d.decisionId, {}, agent("writer"))).rejects.toThrow(/requires role/);
    await expect(
      veto(rt.deps, d.decisionId, {}, { subject: "user:eve", roles: ["approver", "agent:writer"] }),
    ).rejects.toThrow(/nobody approves their own agent's action/);

    rt.clock.advance(10 * MINUTE);
    const vetoed = await veto(rt.deps, d.decisionId, { note: "wrong moment" }, approver);
    expect(vetoed.status).toBe("vetoed");
    expect(vetoed.review).toMatchObject({ action: "vetoed", by: approver.subject });
    expect(await touchesOf("acme")).toEqual([]);
    expect(await touchCounters(rt, "writer", "email")).toEqual({ agent: 0, channel: 0 });
    expect(await dueFor(rt, d.decisionId)).toEqual([]);

    // The window closes: nothing fires, nothing is sent.
    rt.clock.advance(30 * MINUTE);
    expect(await rt.scheduler.tick()).toBe(0);
    expect(rt.sandbox.entries).toEqual([]);
    expect((await ledger(d.decisionId)).map((e) => e.type)).toEqual(["decided", "vetoed"]);

    // The released slot is free for another agent.
    const other = await propose("sdr", "acme");
    expect(other.verdict).toBe("require_approval");
  });

  it("a rejection releases the touch and the counters", async () => {
    await seedAcme(rt.deps, "acme");
    const d = await propose("writer", "acme");
    expect(d.verdict).toBe("require_approval");
    const rejected = await reject(rt.deps, d.decisionId, { note: "not now" }, approver);
    expect(rejected.status).toBe("rejected");
    expect(await touchesOf("acme")).toEqual([]);
    expect(await touchCounters(rt, "writer", "email")).toEqual({ agent: 0, channel: 0 });
    expect(await dueFor(rt, d.decisionId)).toEqual([]);
    const events = await ledger(d.decisionId);
    expect(events.map((e) => [e.type, e.from, e.to])).toEqual([
      ["decided", undefined, "pending_approval"],
      ["rejected", "pending_approval", "rejected"],
    ]);
    await expect(reject(rt.deps, d.decisionId, {}, approver)).rejects.toThrow(/is rejected/);
    // A rejection teaches trust (a review failure).
    expect((await rt.deps.trust.get("writer", "email.send"))?.failures).toBeGreaterThan(0);
  });

  it("an approval timeout expires the decision through a scheduler tick and releases the reservation", async () => {
    await seedAcme(rt.deps, "acme");
    const d = await propose("writer", "acme");
    const day = "2026-03-10";
    rt.clock.advance(23 * HOUR);
    expect(await rt.scheduler.tick()).toBe(0);
    expect(await status(d.decisionId)).toBe("pending_approval");

    rt.clock.set(Date.parse(d.expiresAt as string) + 1000);
    expect(await rt.scheduler.tick()).toBe(1);
    expect(await status(d.decisionId)).toBe("expired");
    expect(await touchesOf("acme")).toEqual([]);
    // The reservation's day is over: its counters stay (that day's cap can no longer be exceeded).
    expect(await touchCounters(rt, "writer", "email", day)).toEqual({ agent: 1, channel: 1 });
    expect(await dueFor(rt, d.decisionId)).toEqual([]);
    expect(await rt.scheduler.tick()).toBe(0);
    // Expiry is idempotent, and an expired decision cannot be approved any more.
    expect((await expire(rt.deps, d.decisionId))?.status).toBe("expired");
    await expect(approve(rt.deps, d.decisionId, { digest: d.payloadDigest }, approver)).rejects.toThrow(
      /not pending_approval/,
    );
    expect((await ledger(d.decisionId)).map((e) => e.type)).toEqual(["decided", "expired"]);
  });
});

/** What the use cases log while `fn` runs, the runtime's own log put back after. */
async function logsOf(fn: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const logged: Record<string, unknown>[] = [];
  const log = rt.deps.log;
  rt.deps.log = (msg, data) => void logged.push({ msg, ...data });
  try {
    await fn();
  } finally {
    rt.deps.log = log;
  }
  return logged;
}

describe("a review whose trust lesson cannot be written", () => {
  it("still answers with the review it committed: an approval dispatched, a rejection rejected", async () => {
    await seedAcme(rt.deps, "acme");
    await seedAcme(rt.deps, "beta");
    const approved = await propose("writer", "acme");
    const rejected = await propose("writer", "beta");
    expect([approved.status, rejected.status]).toEqual(["pending_approval", "pending_approval"]);
    const trust = rt.deps.trust;
    const save = trust.save.bind(trust);
    trust.save = async () => {
      throw new Error("ProvisionedThroughputExceededException");
    };
    let logged: Record<string, unknown>[];
    try {
      logged = await logsOf(async () => {
        expect(
          (await approve(rt.deps, approved.decisionId, { digest: approved.payloadDigest }, approver)).status,
        ).toBe("dispatched");
        expect((await reject(rt.deps, rejected.decisionId, {}, approver)).status).toBe("rejected");
      });
    } finally {
      trust.save = save;
    }
    // Said, with ids and the reason: a lost rejection may be a demotion not made.
    expect(logged).toEqual([
      expect.objectContaining({
        msg: "trust lesson not recorded",
        decisionId: approved.decisionId,
        outcome: "approved",
      }),
      expect.objectContaining({
        msg: "trust lesson not recorded",
        decisionId: rejected.decisionId,
        outcome: "rejected",
      }),
    ]);
    expect(await status(approved.decisionId)).toBe("dispatched");
    expect(await touchesOf("beta")).toEqual([]);
  });
});

describe("a rejection whose pattern draft cannot be made", () => {
  it("still answers with the rejection, and says so in the log", async () => {
    await seedAcme(rt.deps, "gamma");
    const d = await propose("writer", "gamma");
    expect(d.status).toBe("pending_approval");
    const drafts = rt.deps.drafts;
    if (!drafts) throw new Error("the local runtime offers drafts");
    const tally = drafts.tally.bind(drafts);
    drafts.tally = async () => {
      throw new Error("ProvisionedThroughputExceededException");
    };
    let logged: Record<string, unknown>[];
    try {
      logged = await logsOf(async () => {
        expect((await reject(rt.deps, d.decisionId, {}, approver)).status).toBe("rejected");
      });
    } finally {
      drafts.tally = tally;
    }
    expect(logged).toContainEqual(
      expect.objectContaining({
        msg: "draft from rejections not made",
        decisionId: d.decisionId,
        error: "ProvisionedThroughputExceededException",
      }),
    );
    expect(await status(d.decisionId)).toBe("rejected");
  });
});

describe("dispatch and execution", () => {
  it("an approval dispatches and executes through the sandbox connector exactly once, with the decision's key", async () => {
    await seedAcme(rt.deps, "acme");
    const d = await propose("writer", "acme");
    await expect(approve(rt.deps, d.decisionId, { digest: "sha256:wrong" }, approver)).rejects.toThrow(
      /does not match/,
    );
    rt.clock.advance(5 * MINUTE);
    const approved = await approve(rt.deps, d.decisionId, { digest: d.payloadDigest }, approver);
    expect(approved.status).toBe("dispatched");
    // The pending window is re-timed to the moment of dispatch; the expiry is cancelled.
    const touches = await touchesOf("acme");
    expect(touches).toHaveLength(1);
    expect(touches[0]).toMatchObject({
      decisionId: d.decisionId,
      from: T0 + 5 * MINUTE,
      to: T0 + 5 * MINUTE,
    });
    expect(touches[0]?.expiresAt).toBeUndefined();
    expect(await dueFor(rt, d.decisionId)).toEqual([]);

    // At-least-once delivery: the executor may be invoked twice at once, and again later.
    await Promise.allSettled([execute(rt.deps, d.decisionId), execute(rt.deps, d.decisionId)]);
    await execute(rt.deps, d.decisionId);

    expect(rt.sandbox.entries).toHaveLength(1);
    expect(rt.sandbox.entries[0]).toMatchObject({
      idempotencyKey: d.idempotencyKey,
      decisionId: d.decisionId,
      agentId: "writer",
      channel: "email",
      accountId: "acme",
      personId: "acme-jane",
    });
    expect(d.idempotencyKey).toBe(`${d.decisionId}:exec:1`);
    const done = await rt.deps.decisions.getDecision(d.decisionId);
    expect(done?.status).toBe("executed");
    expect(done?.execution).toMatchObject({
      idempotencyKey: d.idempotencyKey,
      externalId: `outbox:${d.idempotencyKey}`,
    });
    // The executed touch keeps its reservation and counters.
    expect(await touchCounters(rt, "writer", "email")).toEqual({ agent: 1, channel: 1 });
    expect((await touchesOf("acme")).map((t) => t.decisionId)).toEqual([d.decisionId]);
  });

  it("a scheduled (level 2) action fires once, at executeAt, through scheduler ticks", async () => {
    await seedAcme(rt.deps, "acme");
    await pin(rt, "writer", "email.send", 2);
    const d = await propose("writer", "acme");
    const executeAt = Date.parse(d.executeAt as string);
    expect(await rt.scheduler.tick()).toBe(0);
    rt.clock.set(executeAt - 1);
    expect(await rt.scheduler.tick()).toBe(0);
    expect(await status(d.decisionId)).toBe("scheduled");
    expect(rt.sandbox.entries).toEqual([]);

    rt.clock.set(executeAt);
    expect(await rt.scheduler.tick()).toBe(1);
    expect(await status(d.decisionId)).toBe("executed");
    expect(rt.sandbox.entries.map((e) => e.idempotencyKey)).toEqual([d.idempotencyKey]);
    expect(rt.sandbox.entries[0]?.at).toBe(iso(executeAt));

    rt.clock.advance(2 * HOUR);
    expect(await rt.scheduler.tick()).toBe(0);
    expect(rt.sandbox.entries).toHaveLength(1);
    // The release is done; what waits is the trust window of the execution (silence after 7 days).
    expect(await dueFor(rt, d.decisionId)).toEqual([
      { decisionId: d.decisionId, kind: "settle", at: executeAt + 7 * 24 * HOUR },
    ]);
    expect((await ledger(d.decisionId)).map((e) => e.type)).toEqual([
      "decided",
      "dispatched",
      "executing",
      "executed",
    ]);
    expect(await touchCounters(rt, "writer", "email", "2026-03-10")).toEqual({ agent: 1, channel: 1 });
  });

  it("a level 2 touch whose agent an admin pinned to level 1 during its window is not sent without a person", async () => {
    await seedAcme(rt.deps, "acme");
    await pin(rt, "writer", "email.send", 2);
    const d = await propose("writer", "acme");
    expect(d.status).toBe("scheduled");
    await pin(rt, "writer", "email.send", 1);
    rt.clock.set(Date.parse(d.executeAt as string));
    expect(await rt.scheduler.tick()).toBe(1);
    expect(await status(d.decisionId)).toBe("vetoed");
    expect(rt.sandbox.entries).toEqual([]);
    const last = (await ledger(d.decisionId)).at(-1);
    expect(last?.type).toBe("revalidation_failed");
    expect(last?.detail).toContain("writer's level for email.send is now 1 (pinned by an admin)");
    // Its reservation is given back: proposed again, it waits for a person's approval.
    expect(await touchCounters(rt, "writer", "email", "2026-03-10")).toEqual({ agent: 0, channel: 0 });
    expect((await propose("writer", "acme")).status).toBe("pending_approval");
  });

  it("an approval on a later day counts on the day it goes out, under that day's cap; a full day keeps it pending", async () => {
    await publishVariant(rt, (spec) => {
      spec.volume.perChannelPerDay.email = 2;
      spec.autonomy.actions["email.send"].approvalTimeoutHours = 72;
    });
    await seedAcme(rt.deps, "acme");
    await seedAcme(rt.deps, "beta");
    await seedAcme(rt.deps, "gamma");
    await pin(rt, "writer", "email.send", 1);
    const friday = await propose("writer", "acme");
    const fridayToo = await propose("writer", "beta");
    expect([friday.status, fridayToo.status]).toEqual(["pending_approval", "pending_approval"]);
    expect(await touchCounters(rt, "writer", "email", "2026-03-10")).toEqual({ agent: 2, channel: 2 });
    // The next day, another agent sends one email of the day's two.
    rt.clock.advance(24 * HOUR);
    await pin(rt, "other", "email.send", 3);
    expect((await propose("other", "gamma")).status).toBe("dispatched");
    const first = await approve(rt.deps, friday.decisionId, { digest: friday.payloadDigest }, approver);
    expect(first.status).toBe("dispatched");
    expect(first.reservation.counters.every((c) => c.day === "2026-03-11")).toBe(true);
    expect(await touchCounters(rt, "writer", "email", "2026-03-11")).toEqual({ agent: 1, channel: 2 });
    // The day's email cap is full: the second waits for tomorrow, still pending, its reservation kept.
    await expect(
      approve(rt.deps, fridayToo.decisionId, { digest: fridayToo.payloadDigest }, approver),
    ).rejects.toThrow(
      /cannot go out today \(channel:email at its cap of 2 on 2026-03-11 full\): it stays pending; approve it again from 2026-03-12T04:00:00.000Z/,
    );
    expect(await status(fridayToo.decisionId)).toBe("pending_approval");
    expect(await touchCounters(rt, "writer", "email", "2026-03-11")).toEqual({ agent: 1, channel: 2 });
    rt.clock.advance(24 * HOUR);
    expect(
      (await approve(rt.deps, fridayToo.decisionId, { digest: fridayToo.payloadDigest }, approver)).status,
    ).toBe("dispatched");
    expect(await touchCounters(rt, "writer", "email", "2026-03-12")).toEqual({ agent: 1, channel: 1 });
  });

  it("a connector failure with an unknown outcome leaves the decision in_doubt and is never retried", async () => {
    await seedAcme(rt.deps, "acme");
    await pin(rt, "writer", "email.send", 3);
    const d = await propose("writer", "acme");
    expect(d.verdict).toBe("allow");
    expect(d.status).toBe("dispatched");
    rt.sandbox.failNext.push({ outcomeUnknown: true, message: "socket timeout after the request was sent" });

    const result = await execute(rt.deps, d.decisionId);
    expect(result?.status).toBe("in_doubt");
    expect(rt.sandbox.entries).toEqual([]);
    expect(rt.sandbox.failNext).toEqual([]);

    // Nothing sends it again: not a repeated delivery, not recovery after a restart.
    expect((await execute(rt.deps, d.decisionId))?.status).toBe("in_doubt");
    expect(await recoverDispatched(rt.deps, 0)).toEqual({
      executed: 0,
      inDoubt: 0,
      heldBack: 0,
      unchecked: 0,
    });
    rt.clock.advance(HOUR);
    expect(await rt.scheduler.tick()).toBe(0);
    expect(rt.sandbox.entries).toEqual([]);

    // It may have been sent: the reservation stays.
    expect((await touchesOf("acme")).map((t) => t.decisionId)).toEqual([d.decisionId]);
    expect(await touchCounters(rt, "writer", "email", "2026-03-10")).toEqual({ agent: 1, channel: 1 });
    const events = await ledger(d.decisionId);
    expect(events.map((e) => e.type)).toEqual(["decided", "executing", "in_doubt"]);
    expect(events[2]?.detail).toContain(d.idempotencyKey);
  });

  it("a send whose result cannot be recorded is in doubt naming what was sent, not an unknown outcome", async () => {
    await seedAcme(rt.deps, "acme");
    await pin(rt, "writer", "email.send", 3);
    const d = await propose("writer", "acme");
    // The connector answers; the write of its result is throttled (the SDK's retries spent).
    const transition = rt.deps.decisions.transition.bind(rt.deps.decisions);
    rt.deps.decisions.transition = async (t) => {
      if (t.event.type === "executed")
        throw Object.assign(new Error("Rate of requests exceeds the allowed throughput"), {
          name: "ProvisionedThroughputExceededException",
        });
      return transition(t);
    };
    const result = await execute(rt.deps, d.decisionId);
    expect(result?.status).toBe("in_doubt");
    expect(rt.sandbox.entries).toHaveLength(1);
    const externalId = rt.sandbox.entries[0]?.externalId;
    const events = await ledger(d.decisionId);
    expect(events.map((e) => e.type)).toEqual(["decided", "executing", "in_doubt"]);
    expect(events[2]?.detail).toMatch(
      new RegExp(`^sent \\(${externalId}\\), but its result could not be recorded: Rate of requests`),
    );
    expect(events[2]?.detail).not.toMatch(/outcome unknown/);
  });

  it("a record action nobody attempted waits out a pause that ends soon, however long ago it was dispatched; not one of days", async () => {
    await seedAcme(rt.deps, "acme");
    await seedAcme(rt.deps, "beta");
    await pin(rt, "researcher", "crm.update", 3);
    const soon = (await rt.deps.gate.propose(recordProposal("researcher", "acme"), agent("researcher")))
      .decision;
    const long = (await rt.deps.gate.propose(recordProposal("researcher", "beta"), agent("researcher")))
      .decision;
    expect([soon.status, long.status]).toEqual(["dispatched", "dispatched"]);
    // The executor was down for seven hours; then a person pauses the account for a minute, another for days.
    rt.clock.advance(7 * HOUR);
    const pause = (target: string, ms: number) =>
      rt.deps.pauses.create({
        pauseId: `p-${target}`,
        scope: "account",
        target,
        reason: "checking the account",
        createdBy: "ana@example.com",
        createdAt: iso(rt.clock.now()),
        until: iso(rt.clock.now() + ms),
      });
    await pause("acme", MINUTE);
    await pause("beta", 3 * 24 * HOUR);
    const recheck = (d: Decision) => heldBack(rt.deps.decisions, d, rt.clock.now());
    expect(await recoverDispatched(rt.deps, 0, { recheck })).toMatchObject({ executed: 0, heldBack: 1 });
    expect((await rt.deps.decisions.getDecision(soon.decisionId))?.status).toBe("dispatched");
    expect((await rt.deps.decisions.getDecision(long.decisionId))?.status).toBe("failed");
    rt.clock.advance(2 * MINUTE);
    expect(await recoverDispatched(rt.deps, 0, { recheck })).toMatchObject({ executed: 1, heldBack: 0 });
    expect((await rt.deps.decisions.getDecision(soon.decisionId))?.status).toBe("executed");
  });

  it("a kill switch hit while sends wait for their executor stops them at the send; a short pause leaves them for later; so does an unsubscribe", async () => {
    for (const a of ["acme", "beta", "gamma", "delta"]) await seedAcme(rt.deps, a);
    await pin(rt, "writer", "email.send", 3);
    // Four touches dispatched by the gate, their executors queued behind a burst.
    const [stopped, waiting, suppressed, other] = [
      await propose("writer", "acme"),
      await propose("writer", "beta"),
      await propose("writer", "gamma"),
      await propose("writer", "delta"),
    ];
    const pause = (pauseId: string, scope: "agent" | "account", target: string, until?: number) =>
      rt.deps.pauses.create({
        pauseId,
        scope,
        target,
        reason: "runaway agent",
        createdBy: "ana@example.com",
        createdAt: iso(rt.clock.now()),
        ...(until ? { until: iso(until) } : {}),
      });
    await pause("p-writer", "agent", "writer");
    await pause("p-beta", "account", "beta", rt.clock.now() + 10 * MINUTE);
    await rt.deps.kb.addSuppression(
      { kind: "person", value: "gamma-jane", reason: "unsubscribed" },
      iso(rt.clock.now()),
    );
    const held = await execute(rt.deps, stopped.decisionId);
    expect(held?.status).toBe("failed");
    expect(held?.execution?.error).toBe("held back");
    expect((await ledger(stopped.decisionId)).at(-1)?.detail).toMatch(
      /held back before its send \(.*runaway agent/,
    );
    expect(await touchesOf("acme")).toEqual([]);
    // The agent's pause lifted; the account's, ending in 10 minutes, still holds: left for later.
    await rt.deps.pauses.remove("p-writer", "ana@example.com", iso(rt.clock.now()));
    expect((await execute(rt.deps, waiting.decisionId))?.status).toBe("dispatched");
    expect((await execute(rt.deps, suppressed.decisionId))?.status).toBe("failed");
    expect((await execute(rt.deps, other.decisionId))?.status).toBe("executed");
    rt.clock.advance(11 * MINUTE);
    expect((await execute(rt.deps, waiting.decisionId))?.status).toBe("executed");
    expect(rt.sandbox.entries.map((e) => e.idempotencyKey).sort()).toEqual(
      [other.idempotencyKey, waiting.idempotencyKey].sort(),
    );
  });

  it("a touch dispatched hours ago and never attempted is not sent late: failed, its reservation given back", async () => {
    await seedAcme(rt.deps, "acme");
    await seedAcme(rt.deps, "beta");
    await pin(rt, "writer", "email.send", 3);
    const late = await propose("writer", "acme");
    const onTime = await propose("writer", "beta");
    expect([late.status, onTime.status]).toEqual(["dispatched", "dispatched"]);
    // The executor never ran (throttled, failing, never invoked); the reconciler finds them later.
    rt.clock.advance(2 * HOUR - MINUTE);
    expect((await execute(rt.deps, onTime.decisionId))?.status).toBe("executed");
    // An outcome recorded on it meanwhile (a reply to an earlier touch lands on the newest) moves its
    // updatedAt, not when it was dispatched.
    await recordOutcome(rt.deps, { decisionId: late.decisionId, type: "opened" }, approver);
    rt.clock.advance(2 * MINUTE);
    expect(await recoverDispatched(rt.deps, 0)).toEqual({
      executed: 1,
      inDoubt: 0,
      heldBack: 0,
      unchecked: 0,
    });
    const after = await rt.deps.decisions.getDecision(late.decisionId);
    expect(after?.status).toBe("failed");
    expect(after?.execution?.error).toBe("too late");
    expect(rt.sandbox.entries.map((e) => e.idempotencyKey)).toEqual([onTime.idempotencyKey]);
    expect((await touchesOf("acme")).map((t) => t.decisionId)).toEqual([]);
    expect((await ledger(late.decisionId)).map((e) => e.type)).toEqual(["decided", "outcome", "failed"]);
  });

  it("a touch failed as too late yields to an executor that claimed it while the failure waited on the account", async () => {
    await seedAcme(rt.deps, "acme");
    await pin(rt, "writer", "email.send", 3);
    const late = await propose("writer", "acme");
    rt.clock.advance(2 * HOUR + MINUTE);
    const claimedAt = iso(rt.clock.now() - 1_000);
    // This executor judged it too late on a read taken just before another executor claimed it;
    // its failure then meets contention on the account's contact state, and reads the decision again.
    const transition = rt.deps.decisions.transition.bind(rt.deps.decisions);
    let first = true;
    const decisions = Object.create(rt.deps.decisions) as typeof rt.deps.decisions;
    decisions.transition = async (t) => {
      if (first && t.patch.status === "failed") {
        first = false;
        const current = await rt.deps.decisions.getDecision(late.decisionId);
        await transition({
          decisionId: late.decisionId,
          expectStatus: ["dispatched"],
          expectVersion: current?.version ?? 0,
          patch: { execution: { at: claimedAt, idempotencyKey: late.idempotencyKey } },
          event: {
            type: "executing",
            at: claimedAt,
            actor: "harness",
            detail: "the other executor's attempt",
          },
        });
        throw new ContentionError("the account's contact state changed");
      }
      return transition(t);
    };
    const out = await execute({ ...rt.deps, decisions }, late.decisionId);
    // Before: failed on the claimed decision, its reservation given back while the other sent it.
    expect(out?.status).toBe("dispatched");
    expect(out?.execution?.at).toBe(claimedAt);
    expect((await touchesOf("acme")).map((t) => t.decisionId)).toEqual([late.decisionId]);
  });

  it("a touch released late (its workflow restarted) and turned away once has its retry window from the release", async () => {
    await seedAcme(rt.deps, "acme");
    await pin(rt, "writer", "email.send", 2);
    const d = await propose("writer", "acme");
    // Its workflow failed; the reconciler's restart releases it 40 minutes after its time.
    rt.clock.set(Date.parse(d.executeAt as string) + 40 * MINUTE);
    expect((await release(rt.deps, d.decisionId))?.status).toBe("dispatched");
    // The vendor turns the first attempt away (a 429): nothing was done.
    const busy = {
      execute: async () => {
        throw new ConnectorError("SES SendEmail: still turned away (429)", false, { retryAfterMs: 0 });
      },
    };
    const turned = await execute({ ...rt.deps, connector: busy }, d.decisionId);
    // Before: its 30-minute window counted from its time was over, so it was failed at once.
    expect(turned?.status).toBe("dispatched");
    expect(turned?.execution?.retryAt).toBeDefined();
    rt.clock.set(Date.parse(turned?.execution?.retryAt as string));
    expect((await execute(rt.deps, d.decisionId))?.status).toBe("executed");
    expect(rt.sandbox.entries.map((e) => e.idempotencyKey)).toEqual([d.idempotencyKey]);
  });

  it("the deployed dry run: an outbox write that landed but whose answer was lost is tried again and executes once", async () => {
    await seedAcme(rt.deps, "acme");
    await pin(rt, "writer", "email.send", 3);
    const d = await propose("writer", "acme");
    // S3 as it behaves: a conditional put (IfNoneMatch) on a key that exists answers 412. The first
    // put lands, and its answer is lost (a 503 after the write, a dropped connection).
    const objects = new Map<string, string>();
    let loseNextAnswer = true;
    const s3 = {
      send: async (cmd: PutObjectCommand) => {
        const key = String(cmd.input.Key);
        if (cmd.input.IfNoneMatch === "*" && objects.has(key))
          throw Object.assign(new Error("PreconditionFailed"), {
            name: "PreconditionFailed",
            $metadata: { httpStatusCode: 412 },
          });
        objects.set(key, String(cmd.input.Body));
        if (loseNextAnswer) {
          loseNextAnswer = false;
          throw Object.assign(new Error("SlowDown"), {
            name: "SlowDown",
            $metadata: { httpStatusCode: 503 },
          });
        }
        return {};
      },
    } as unknown as S3Client;
    const outbox = new S3OutboxConnector(s3, "archive", () => rt.clock.now());
    const first = await execute({ ...rt.deps, connector: outbox }, d.decisionId);
    // Before: in_doubt at once, for a person to settle, though writing again was safe.
    expect(first?.status).toBe("dispatched");
    expect(first?.execution).toMatchObject({ wrote: true, error: "outbox write failed: SlowDown" });
    rt.clock.set(Date.parse(first?.execution?.retryAt as string));
    const again = await execute({ ...rt.deps, connector: outbox }, d.decisionId);
    expect(again?.status).toBe("executed");
    expect(again?.execution?.externalId).toBe(
      `s3-outbox:outbox/${encodeURIComponent(d.idempotencyKey)}.json`,
    );
    expect(objects.size).toBe(1);
  });

  it("a touch released late is still not sent more than MAX_LATE_MS after its time: the release reads no quiet hours", async () => {
    await seedAcme(rt.deps, "acme");
    await pin(rt, "writer", "email.send", 2);
    const d = await propose("writer", "acme");
    rt.clock.set(Date.parse(d.executeAt as string) + 110 * MINUTE);
    expect((await release(rt.deps, d.decisionId))?.status).toBe("dispatched");
    rt.clock.advance(15 * MINUTE);
    const out = await execute(rt.deps, d.decisionId);
    expect(out?.status).toBe("failed");
    expect(out?.execution?.error).toBe("too late");
  });

  it("the runtime's connector keeps what its connector prepares (Executions.watch)", async () => {
    const prepared: string[] = [];
    const watched = new Executions().watch({
      execute: async () => ({ externalId: "x" }),
      prepare: async (d) => void prepared.push(d.decisionId),
    });
    await watched.prepare?.({ decisionId: "d1" } as Decision);
    expect(prepared).toEqual(["d1"]);
  });

  it("what a call needs read first failing (prepare) leaves the decision unattempted, to be tried again", async () => {
    await seedAcme(rt.deps, "acme");
    await pin(rt, "writer", "email.send", 3);
    const d = await propose("writer", "acme");
    const connector = rt.deps.connector as typeof rt.deps.connector & { prepare?: unknown };
    connector.prepare = async () => {
      throw new Error("ProvisionedThroughputExceededException");
    };
    try {
      await expect(execute(rt.deps, d.decisionId)).rejects.toThrow(/ProvisionedThroughput/);
      const after = await rt.deps.decisions.getDecision(d.decisionId);
      expect(after?.status).toBe("dispatched");
      expect(after?.execution).toBeUndefined();
    } finally {
      delete connector.prepare;
    }
    expect((await execute(rt.deps, d.decisionId))?.status).toBe("executed");
    expect(rt.sandbox.entries.map((e) => e.decisionId)).toEqual([d.decisionId]);
  });

  it("a write that claims nothing landing between the executor's read and its claim does not leave the send to the reconciler", async () => {
    await seedAcme(rt.deps, "acme");
    await pin(rt, "writer", "email.send", 3);
    const d = await propose("writer", "acme");
    const connector = rt.deps.connector as typeof rt.deps.connector & { prepare?: unknown };
    let once = true;
    // While the executor reads what its call needs, an outcome is attributed to the touch (an open
    // recorded by hand): the decision's version moves on, and the claim's condition with it.
    connector.prepare = async () => {
      if (!once) return;
      once = false;
      await recordOutcome(rt.deps, { decisionId: d.decisionId, type: "opened" }, approver);
    };
    // As in AWS, where the executor's process did not commit the decision: no version it last wrote.
    const cold = {
      ...rt.deps,
      decisions: Object.create(rt.deps.decisions, {
        lastKnown: { value: undefined },
      }) as typeof rt.deps.decisions,
    };
    try {
      // Before: it stayed dispatched and unattempted until the reconciler's next run.
      const done = await execute(cold, d.decisionId);
      expect(done?.status).toBe("executed");
      expect(rt.sandbox.entries.map((e) => e.decisionId)).toEqual([d.decisionId]);
      expect((await ledger(d.decisionId)).map((e) => e.type)).toEqual([
        "decided",
        "outcome",
        "executing",
        "executed",
      ]);
    } finally {
      delete connector.prepare;
    }
  });

  it("an outcome recorded on the decision while its call runs: a send is still executed, a refusal still failed, a turned-away call still handed back", async () => {
    await seedAcme(rt.deps, "acme");
    await pin(rt, "writer", "email.send", 3);
    const connector = rt.deps.connector;
    const original = connector.execute.bind(connector);
    let turnAway = false;
    // While the connector works, an outcome is attributed to the touch in flight (a reply by hand, say).
    connector.execute = async (req) => {
      await recordOutcome(rt.deps, { decisionId: req.decision.decisionId, type: "replied" }, approver);
      if (turnAway)
        throw new ConnectorError("SES SendEmail: still turned away (429)", false, { retryAfterMs: 1_000 });
      return original(req);
    };
    try {
      const sent = await propose("writer", "acme");
      const executed = await execute(rt.deps, sent.decisionId);
      expect(executed?.status).toBe("executed");
      expect(executed?.execution?.externalId).toBeDefined();
      expect((await ledger(sent.decisionId)).map((e) => e.type)).toEqual([
        "decided",
        "executing",
        "outcome",
        "executed",
      ]);
      await seedAcme(rt.deps, "acme-2");
      const refused = await propose("writer", "acme-2");
      rt.sandbox.failNext.push({ outcomeUnknown: false, message: "mailbox does not exist" });
      expect((await execute(rt.deps, refused.decisionId))?.status).toBe("failed");
      expect(await touchesOf("acme-2")).toEqual([]);
      await seedAcme(rt.deps, "acme-3");
      const throttled = await propose("writer", "acme-3");
      turnAway = true;
      const handedBack = await execute(rt.deps, throttled.decisionId);
      expect(handedBack?.status).toBe("dispatched");
      expect(handedBack?.execution?.retryAt).toBeDefined();
      expect((await ledger(throttled.decisionId)).map((e) => e.type)).toEqual([
        "decided",
        "executing",
        "outcome",
        "turned_away",
      ]);
    } finally {
      connector.execute = original;
    }
  });

  it("a connector refusal (known outcome) fails the decision and releases the reservation", async () => {
    await seedAcme(rt.deps, "acme");
    await pin(rt, "writer", "email.send", 3);
    const d = await propose("writer", "acme");
    rt.sandbox.failNext.push({ outcomeUnknown: false, message: "mailbox does not exist" });
    expect((await execute(rt.deps, d.decisionId))?.status).toBe("failed");
    expect(rt.sandbox.entries).toEqual([]);
    expect(await touchesOf("acme")).toEqual([]);
    expect(await touchCounters(rt, "writer", "email")).toEqual({ agent: 0, channel: 0 });
    expect((await ledger(d.decisionId)).map((e) => e.type)).toEqual(["decided", "executing", "failed"]);
  });

  it("recoverDispatched marks a stale dispatched decision with an attempt on record in_doubt, and executes unattempted ones", async () => {
    await seedAcme(rt.deps, "crashed");
    await seedAcme(rt.deps, "waiting");
    await pin(rt, "writer", "email.send", 3);
    const crashed = await propose("writer", "crashed");
    const waiting = await propose("writer", "waiting");
    expect([crashed.status, waiting.status]).toEqual(["dispatched", "dispatched"]);

    // The process recorded its attempt, then died before the connector call returned.
    await rt.deps.decisions.transition({
      decisionId: crashed.decisionId,
      expectStatus: ["dispatched"],
      expectVersion: crashed.version,
      patch: { execution: { at: iso(rt.clock.now()), idempotencyKey: crashed.idempotencyKey } },
      event: {
        type: "executing",
        at: iso(rt.clock.now()),
        actor: "harness",
        detail: `calling the email connector with key ${crashed.idempotencyKey}`,
      },
    });

    const staleMs = 5 * MINUTE;
    rt.clock.advance(MINUTE);
    // Not stale yet: left alone; the never-attempted one is executed now.
    expect(await recoverDispatched(rt.deps, staleMs)).toEqual({
      executed: 1,
      inDoubt: 0,
      heldBack: 0,
      unchecked: 0,
    });
    expect(await status(crashed.decisionId)).toBe("dispatched");
    expect(await status(waiting.decisionId)).toBe("executed");
    expect(rt.sandbox.entries.map((e) => e.decisionId)).toEqual([waiting.decisionId]);

    rt.clock.advance(staleMs);
    expect(await recoverDispatched(rt.deps, staleMs)).toEqual({
      executed: 0,
      inDoubt: 1,
      heldBack: 0,
      unchecked: 0,
    });
    expect(await status(crashed.decisionId)).toBe("in_doubt");
    expect(rt.sandbox.entries.map((e) => e.decisionId)).toEqual([waiting.decisionId]);
    expect(await recoverDispatched(rt.deps, staleMs)).toEqual({
      executed: 0,
      inDoubt: 0,
      heldBack: 0,
      unchecked: 0,
    });
    expect((await ledger(crashed.decisionId)).map((e) => e.type)).toEqual([
      "decided",
      "executing",
      "in_doubt",
    ]);
  });

  it("recoverDispatched reaches the decisions waiting longest first when its run has time for only some", async () => {
    await pin(rt, "writer", "email.send", 3);
    const waiting: Decision[] = [];
    for (const account of ["first", "second", "third"]) {
      await seedAcme(rt.deps, account);
      waiting.push(await propose("writer", account));
      rt.clock.advance(MINUTE);
    }
    expect(waiting.map((d) => d.status)).toEqual(["dispatched", "dispatched", "dispatched"]);
    // A Lambda run's clock: time for one decision, then for the next one in a later run.
    let budget = 1;
    const timeLeft = () => budget-- > 0;
    expect(await recoverDispatched(rt.deps, 5 * MINUTE, { timeLeft })).toMatchObject({ executed: 1 });
    expect(rt.sandbox.entries.map((e) => e.decisionId)).toEqual([waiting[0]?.decisionId]);
    budget = 1;
    expect(await recoverDispatched(rt.deps, 5 * MINUTE, { timeLeft })).toMatchObject({ executed: 1 });
    expect(rt.sandbox.entries.map((e) => e.decisionId)).toEqual(
      [waiting[0], waiting[1]].map((d) => d?.decisionId),
    );
    expect(await status(waiting[2]?.decisionId ?? "")).toBe("dispatched");
  });
});

describe("the ledger", () => {
  it("records every transition: decided → approved → executing → executed, with seq 1..n", async () => {
    await seedAcme(rt.deps, "acme");
    const d = await propose("writer", "acme");
    rt.clock.advance(MINUTE);
    await approve(rt.deps, d.decisionId, { digest: d.payloadDigest, note: "looks good" }, approver);
    rt.clock.advance(MINUTE);
    await execute(rt.deps, d.decisionId);

    const events = await ledger(d.decisionId);
    expect(events.map((e) => ({ seq: e.seq, type: e.type, from: e.from, to: e.to, actor: e.actor }))).toEqual(
      [
        { seq: 1, type: "decided", from: undefined, to: "pending_approval", actor: "agent:writer" },
        { seq: 2, type: "approved", from: "pending_approval", to: "dispatched", actor: approver.subject },
        { seq: 3, type: "executing", from: undefined, to: undefined, actor: "harness" },
        { seq: 4, type: "executed", from: "dispatched", to: "executed", actor: "harness" },
      ],
    );
    expect(events.map((e) => e.at)).toEqual([
      iso(T0),
      iso(T0 + MINUTE),
      iso(T0 + 2 * MINUTE),
      iso(T0 + 2 * MINUTE),
    ]);
    for (const e of events) expect(e.stream).toBe(`DECISION#${d.decisionId}`);
    // The decision's version is the number of its events: nothing changed without one.
    const stored = await rt.deps.decisions.getDecision(d.decisionId);
    expect(stored?.version).toBe(events.length);
    expect(stored?.status).toBe("executed");
    // The status index follows the transitions (recovery and the approval queue read it).
    const byStatus = async (s: "executed" | "dispatched" | "pending_approval") =>
      (await rt.deps.decisions.queryDecisions({ status: s, limit: 10 })).items.map((x) => x.decisionId);
    expect(await byStatus("executed")).toEqual([d.decisionId]);
    expect(await byStatus("dispatched")).toEqual([]);
    expect(await byStatus("pending_approval")).toEqual([]);
    // The raw contact-state item agrees.
    expect((await rawContactState(rt, "acme"))?.touches.map((t) => t.decisionId)).toEqual([d.decisionId]);
  });
});
