/**
 * The scheduled reconciler (functions/workflow/reconcile.ts) against DynamoDB Local: an executor
 * killed mid-call leaves its decision dispatched with an attempt on record; once the attempt is older
 * than the executor can run, the reconciler makes it in_doubt (never sent again). A dispatched
 * decision nobody attempted is handed to the executor instead, and a fresh attempt is left alone. A
 * backlog longer than a run is read on by the next run, from where the last stopped. It is also the
 * deployment's sweep of the trust evidence the harness records itself.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHandler as executeAllowed } from "../../functions/events/execute-allowed.ts";
import { makeHandler as executeHandler } from "../../functions/workflow/execute.ts";
import {
  type ReconcilerWiring,
  makeHandler as reconcileHandler,
  restartWorkflows,
} from "../../functions/workflow/reconcile.ts";
import { LambdaExecutorInvoker } from "../../shared/adapters/aws/executor-invoker.ts";
import { SfnWorkflowStarter } from "../../shared/adapters/aws/sfn.ts";
import { DynamoResumePoint } from "../../shared/adapters/dynamo/checkpoint-store.ts";
import { type Decision, streams } from "../../shared/domain/decision.ts";
import { DependencyError } from "../../shared/domain/errors.ts";
import { type Connector, ConnectorError } from "../../shared/ports.ts";
import { EXECUTOR_STORES, LIFECYCLE_STORES, RECONCILE_STORES } from "../../shared/runtime/aws-stores.ts";
import { getSpec } from "../../shared/usecases/admin.ts";
import { execute } from "../../shared/usecases/lifecycle.ts";
import { pinTrust } from "../../shared/usecases/trust.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, seedAcme } from "../helpers/world.ts";
import { awsRuntimeFor, lambdaContext } from "./lambda.ts";

let rt: TestRuntime;
beforeAll(async () => {
  // AWS shape: nothing executes except the handlers under test.
  rt = await startRuntime({ runWorkers: false });
});
afterAll(() => rt?.close());

const ctx = lambdaContext("reconciler");
const STALE_MS = 90_000;

/** A level-3 (allowed) proposal: the gate leaves it dispatched for the executor. */
async function dispatched(accountId: string, agentId: string): Promise<Decision> {
  await seedAcme(rt.deps, accountId);
  const spec = await getSpec(rt.deps, "current");
  await pinTrust(rt.deps, spec, agentId, "email.send", 3, "reconciler test", "admin@example.com");
  const { decision } = await rt.deps.gate.propose(emailProposal(agentId, accountId), agent(agentId));
  expect(decision.status).toBe("dispatched");
  return decision;
}

/** A connector whose call never returns: the Lambda running it is killed at its timeout. */
const killedMidCall: Connector = { execute: () => new Promise(() => {}) };

/** A resume point of its own (a fresh one reads from the oldest), in the state table as deployed. */
let points = 0;
const freshPoint = () => new DynamoResumePoint(rt.db, `reconcile-test-${++points}`);

function reconciler(
  resume: ReconcilerWiring["resume"] = freshPoint(),
  runtime = awsRuntimeFor(rt, { stores: RECONCILE_STORES }),
) {
  const handedOver: string[] = [];
  const restarted: string[] = [];
  const handler = reconcileHandler(() => ({
    runtime,
    staleMs: STALE_MS,
    executor: { execute: async (id: string) => void handedOver.push(id) },
    workflows: {
      restart: async (d: Decision, attempt: string) => void restarted.push(`${d.decisionId}-${attempt}`),
    },
    resume,
  }));
  return { handler, handedOver, restarted };
}

describe("reconciler (scheduled)", () => {
  it("a killed executor's decision is in_doubt after the reconciler runs, and nothing is sent", async () => {
    const d = await dispatched("rc-killed", "rc-sdr");
    const untouched = await dispatched("rc-untouched", "rc-sdr2");
    const executor = executeHandler(() =>
      awsRuntimeFor(rt, { extras: { connector: () => killedMidCall }, stores: EXECUTOR_STORES }),
    );
    void executor({ decisionId: d.decisionId }, lambdaContext("execute"));
    await expect
      .poll(async () => (await rt.deps.decisions.getDecision(d.decisionId))?.execution?.at, {
        timeout: 15_000,
      })
      .toBeDefined();

    // Within the executor's timeout the attempt may still be running: left alone.
    const early = reconciler();
    rt.clock.advance(STALE_MS - 1000);
    const first = await early.handler({ "detail-type": "Scheduled Event" }, ctx);
    expect(first.inDoubt).toBe(0);
    expect((await rt.deps.decisions.getDecision(d.decisionId))?.status).toBe("dispatched");

    rt.clock.advance(2000);
    const late = reconciler();
    const out = await late.handler({ "detail-type": "Scheduled Event" }, ctx);
    expect(out.inDoubt).toBe(1);
    const after = await rt.deps.decisions.getDecision(d.decisionId);
    expect(after?.status).toBe("in_doubt");
    expect(rt.sandbox.entries.some((e) => e.decisionId === d.decisionId)).toBe(false);
    // The one nobody attempted was not sent: the executor gets it, it is not in doubt.
    expect(late.handedOver).toContain(untouched.decisionId);
    expect(late.handedOver).not.toContain(d.decisionId);
    expect((await rt.deps.decisions.getDecision(untouched.decisionId))?.status).toBe("dispatched");

    // A second run changes nothing: the in_doubt decision is no longer dispatched.
    const again = await reconciler().handler({ "detail-type": "Scheduled Event" }, ctx);
    expect(again.inDoubt).toBe(0);
  });

  it("what it hands over is an event the executor accepts: the decision is executed, once", async () => {
    const d = await dispatched("rc-handover", "rc-sdr3");
    const payloads: unknown[] = [];
    const lambda = {
      send: async (cmd: { input: { FunctionName: string; InvocationType: string; Payload: Uint8Array } }) => {
        expect(cmd.input).toMatchObject({
          FunctionName: "dev-harness-execute-allowed",
          InvocationType: "Event",
        });
        payloads.push(JSON.parse(new TextDecoder().decode(cmd.input.Payload)));
      },
    };
    const invoker = new LambdaExecutorInvoker(lambda as never, "dev-harness-execute-allowed");
    const out = await reconcileHandler(() => ({
      runtime: awsRuntimeFor(rt, { stores: RECONCILE_STORES }),
      staleMs: STALE_MS,
      executor: invoker,
      workflows: { restart: async () => {} },
      resume: freshPoint(),
    }))({ "detail-type": "Scheduled Event" }, ctx);
    expect(out.redriven).toBeGreaterThanOrEqual(1);
    const mine = payloads.filter(
      (p) => (p as { detail: { decisionId: string } }).detail.decisionId === d.decisionId,
    );
    expect(mine).toHaveLength(1);
    const executor = executeAllowed(() =>
      awsRuntimeFor(rt, { sandbox: rt.sandbox, stores: EXECUTOR_STORES }),
    );
    expect(await executor(mine[0] as never, lambdaContext("execute-allowed"))).toEqual({
      decisionId: d.decisionId,
      status: "executed",
    });
    expect(rt.sandbox.entries.filter((e) => e.decisionId === d.decisionId)).toHaveLength(1);
  });

  it("a backlog larger than half a run is left to the next run: the scan stops, what it found is handed over", async () => {
    const first = await dispatched("rc-backlog-1", "rc-sdr4");
    const second = await dispatched("rc-backlog-2", "rc-sdr5");
    const resume = freshPoint();
    const r = reconciler(resume);
    // The run's clock: 10 s left until it has handed one decision over, then 4 s (under half of it).
    const short = { ...ctx, getRemainingTimeInMillis: () => (r.handedOver.length === 0 ? 10_000 : 4_000) };
    const out = await r.handler({ "detail-type": "Scheduled Event" }, short);
    // Two at least are undone (earlier tests may have left more): it handed over one and stopped.
    expect(out.redriven).toBe(1);
    expect(r.handedOver).toHaveLength(1);
    // The next run goes on after it, to the end of the listing, and hands over what is still undone.
    const next = reconciler(resume);
    await next.handler({ "detail-type": "Scheduled Event" }, ctx);
    expect(next.handedOver).not.toContain(r.handedOver[0]);
    expect(next.handedOver).toContain(second.decisionId);
    // Having read to the end, the one after starts from the oldest again.
    expect(await resume.get()).toBeUndefined();
    const third = reconciler(resume);
    await third.handler({ "detail-type": "Scheduled Event" }, ctx);
    expect(third.handedOver).toEqual(
      expect.arrayContaining([r.handedOver[0], first.decisionId, second.decisionId]),
    );
  });

  it("a backlog no run gets through (sends turned away for ten minutes) keeps no newer killed send from in_doubt", async () => {
    const waiting: Decision[] = [];
    for (let i = 0; i < 4; i++) waiting.push(await dispatched(`rc-wait-${i}`, `rc-wait-sdr${i}`));
    const turnedAway: Connector = {
      execute: async () => {
        throw new ConnectorError("SES SendEmail: turned away (429)", false, { retryAfterMs: 600_000 });
      },
    };
    const executor = (connector: Connector) =>
      executeHandler(() =>
        awsRuntimeFor(rt, { extras: { connector: () => connector }, stores: EXECUTOR_STORES }),
      );
    for (const d of waiting)
      await executor(turnedAway)({ decisionId: d.decisionId }, lambdaContext("execute"));
    const killed = await dispatched("rc-wait-killed", "rc-wait-sdr-killed");
    void executor(killedMidCall)({ decisionId: killed.decisionId }, lambdaContext("execute"));
    await expect
      .poll(async () => (await rt.deps.decisions.getDecision(killed.decisionId))?.execution?.at, {
        timeout: 15_000,
      })
      .toBeDefined();
    rt.clock.advance(STALE_MS + 30_000);
    const backlog = (await rt.deps.decisions.queryDecisions({ status: "dispatched", limit: 1000 })).items
      .length;
    // Each run has time for two decisions of the listing (and none for its sweeps): its clock runs out
    // once it has read two.
    const PER_RUN = 2;
    const resume = freshPoint();
    let runs = 0;
    while ((await rt.deps.decisions.getDecision(killed.decisionId))?.status === "dispatched") {
      expect(runs++).toBeLessThanOrEqual(Math.ceil(backlog / PER_RUN));
      const runtime = awsRuntimeFor(rt, { stores: RECONCILE_STORES });
      const read = runtime.deps.decisions.getDecision.bind(runtime.deps.decisions);
      let reads = 0;
      runtime.deps.decisions.getDecision = (id: string) => (reads++, read(id));
      const short = { ...ctx, getRemainingTimeInMillis: () => (reads < PER_RUN ? 10_000 : 4_000) };
      await reconciler(resume, runtime).handler({ "detail-type": "Scheduled Event" }, short);
    }
    expect((await rt.deps.decisions.getDecision(killed.decisionId))?.status).toBe("in_doubt");
    for (const d of waiting)
      expect((await rt.deps.decisions.getDecision(d.decisionId))?.status).toBe("dispatched");
  });

  it("a resume point that cannot be read or written (a throttle) costs the run nothing: it reads from the oldest", async () => {
    const d = await dispatched("rc-point", "rc-sdr-point");
    const throttled = () => Promise.reject(new DependencyError("DynamoDB: throttled"));
    const r = reconciler({ get: throttled, set: throttled });
    const out = await r.handler({ "detail-type": "Scheduled Event" }, ctx);
    expect(r.handedOver).toContain(d.decisionId);
    expect(out.redriven).toBeGreaterThanOrEqual(1);
  });

  it("a turned-away send is checked again before it is handed back: a suppression since stops it", async () => {
    const d = await dispatched("rc-held", "rc-sdr6");
    const kept = await dispatched("rc-clear", "rc-sdr7");
    const turnedAway: Connector = {
      execute: async () => {
        throw new ConnectorError("SES SendEmail: still turned away (429)", false, { retryAfterMs: 1_000 });
      },
    };
    const executor = executeHandler(() =>
      awsRuntimeFor(rt, { extras: { connector: () => turnedAway }, stores: EXECUTOR_STORES }),
    );
    for (const id of [d.decisionId, kept.decisionId])
      expect(await executor({ decisionId: id }, lambdaContext("execute"))).toMatchObject({
        status: "dispatched",
      });
    // Jane complained about another email meanwhile: do-not-contact on email.
    await rt.deps.kb.addSuppression(
      { kind: "person", value: "rc-held-jane", reason: "complaint", channels: ["email"] },
      new Date(rt.clock.now()).toISOString(),
    );
    rt.clock.advance(3 * 60_000);
    const r = reconciler();
    const out = await r.handler({ "detail-type": "Scheduled Event" }, ctx);
    expect(out.heldBack).toBe(1);
    expect(r.handedOver).not.toContain(d.decisionId);
    expect(r.handedOver).toContain(kept.decisionId);
    const held = await rt.deps.decisions.getDecision(d.decisionId);
    expect(held?.status).toBe("failed");
    expect(held?.execution?.error).toBe("held back");
    const events = await rt.deps.decisions.events(streams.decision(d.decisionId));
    expect(events.at(-1)?.detail).toMatch(
      /held back before its send \(person rc-held-jane is unsubscribed from email: complaint\)/,
    );
    expect(rt.sandbox.entries.some((e) => e.decisionId === d.decisionId)).toBe(false);
  });

  it("a decision whose checks cannot be read is left for a later run, and the run says so", async () => {
    const d = await dispatched("rc-unread", "rc-sdr8");
    const turnedAway: Connector = {
      execute: async () => {
        throw new ConnectorError("SES SendEmail: still turned away (429)", false, { retryAfterMs: 1_000 });
      },
    };
    await executeHandler(() =>
      awsRuntimeFor(rt, { extras: { connector: () => turnedAway }, stores: EXECUTOR_STORES }),
    )({ decisionId: d.decisionId }, lambdaContext("execute"));
    rt.clock.advance(3 * 60_000);
    // Built without the gate's read: every recheck fails, as a throttled read or an unopened key would.
    const handedOver: string[] = [];
    let restarted = 0;
    const handler = reconcileHandler(() => ({
      runtime: awsRuntimeFor(rt, { stores: LIFECYCLE_STORES }),
      staleMs: STALE_MS,
      executor: { execute: async (id: string) => void handedOver.push(id) },
      workflows: { restart: async () => void restarted++ },
      resume: freshPoint(),
    }));
    await expect(handler({ "detail-type": "Scheduled Event" }, ctx)).rejects.toThrow(
      /could not be checked again; left for a later run/,
    );
    expect(handedOver).not.toContain(d.decisionId);
    expect((await rt.deps.decisions.getDecision(d.decisionId))?.status).toBe("dispatched");
    // The next run, its reads back, decides it.
    const r = reconciler();
    await r.handler({ "detail-type": "Scheduled Event" }, ctx);
    expect(r.handedOver).toContain(d.decisionId);
  });

  it("a decision that fails to reconcile (a throttle, a key that will not open) leaves the others handed over", async () => {
    const b = await dispatched("rc-fine", "rc-sdr9");
    // Listed first (newest first), and unreadable this run.
    const a = await dispatched("rc-throttled", "rc-sdr10");
    const runtime = awsRuntimeFor(rt, { stores: RECONCILE_STORES });
    const read = runtime.deps.decisions.getDecision.bind(runtime.deps.decisions);
    runtime.deps.decisions.getDecision = (id: string) =>
      id === a.decisionId ? Promise.reject(new DependencyError("KMS Decrypt: throttled")) : read(id);
    const handedOver: string[] = [];
    const handler = reconcileHandler(() => ({
      runtime,
      staleMs: STALE_MS,
      executor: { execute: async (id: string) => void handedOver.push(id) },
      workflows: { restart: async () => {} },
      resume: freshPoint(),
    }));
    // Before: the run ended at the first, and nothing after it (nor the sweeps) was reached.
    await expect(handler({ "detail-type": "Scheduled Event" }, ctx)).rejects.toThrow(
      /1 dispatched decisions could not be checked again; left for a later run/,
    );
    expect(handedOver).toContain(b.decisionId);
    expect(handedOver).not.toContain(a.decisionId);
    expect((await rt.deps.decisions.getDecision(a.decisionId))?.status).toBe("dispatched");
  });

  // Last: it moves the shared clock by days.
  it("records the trust evidence the harness owes: a blocked draft at once, silence when a window closes", async () => {
    await seedAcme(rt.deps, "rc-blocked");
    const blocked = (
      await rt.deps.gate.propose(
        emailProposal("rc-writer", "rc-blocked", "rc-blocked-jane", {
          payload: {
            subject: "Hello",
            body: "Hi Priya, saw your team comparing plans this week. Worth a chat?",
          },
        }),
        agent("rc-writer"),
      )
    ).decision;
    expect(blocked.status).toBe("blocked");
    const sent = await dispatched("rc-silent", "rc-writer");
    expect((await execute(rt.deps, sent.decisionId))?.status).toBe("executed");

    const first = await reconciler().handler({ "detail-type": "Scheduled Event" }, ctx);
    expect(first.recorded).toBeGreaterThanOrEqual(1);
    const outcomes = async (id: string) =>
      (await rt.deps.decisions.getDecision(id))?.outcomes.map((o) => o.type);
    expect(await outcomes(blocked.decisionId)).toEqual(["draft_blocked"]);
    expect(await outcomes(sent.decisionId)).toEqual([]);
    // The blocked draft (1) and the unreviewed send (0.5) as review evidence.
    const trust = await rt.deps.trust.get("rc-writer", "email.send");
    expect(trust?.reviews?.failure).toBe(1);
    expect(trust?.reviews?.success).toBe(0.5);

    rt.clock.advance(8 * 86_400_000);
    await reconciler().handler({ "detail-type": "Scheduled Event" }, ctx);
    expect(await outcomes(sent.decisionId)).toEqual(["silence"]);
    // Run again (a redelivered schedule): nothing counted twice.
    await reconciler().handler({ "detail-type": "Scheduled Event" }, ctx);
    expect(await outcomes(blocked.decisionId)).toEqual(["draft_blocked"]);
    expect(await outcomes(sent.decisionId)).toEqual(["silence"]);
    expect((await rt.deps.trust.get("rc-writer", "email.send"))?.silence).toBeCloseTo(1, 5);
  });

  it("a scheduled decision its workflow never released gets another workflow each hour, then is vetoed; a pending one past its expiry is expired", async () => {
    const spec = await getSpec(rt.deps, "current");
    await seedAcme(rt.deps, "rc-overdue-s");
    await seedAcme(rt.deps, "rc-overdue-p");
    await pinTrust(rt.deps, spec, "rc-l2", "email.send", 2, "reconciler test", "admin@example.com");
    await pinTrust(rt.deps, spec, "rc-l1", "email.send", 1, "reconciler test", "admin@example.com");
    const scheduled = (await rt.deps.gate.propose(emailProposal("rc-l2", "rc-overdue-s"), agent("rc-l2")))
      .decision;
    const pending = (await rt.deps.gate.propose(emailProposal("rc-l1", "rc-overdue-p"), agent("rc-l1")))
      .decision;
    expect([scheduled.status, pending.status]).toEqual(["scheduled", "pending_approval"]);
    const executeAt = Date.parse(scheduled.executeAt as string);

    // Within the grace after its time, the workflow may still act: nothing is done.
    rt.clock.set(executeAt + 10 * 60_000);
    const early = reconciler();
    await early.handler({ "detail-type": "Scheduled Event" }, ctx);
    expect(early.restarted).toEqual([]);

    // Overdue: another workflow, named by the hour; the item stays, so a failed one is tried again.
    rt.clock.set(executeAt + 20 * 60_000);
    const first = reconciler();
    await first.handler({ "detail-type": "Scheduled Event" }, ctx);
    expect(first.restarted).toEqual([`${scheduled.decisionId}-r${Math.floor(rt.clock.now() / 3_600_000)}`]);
    rt.clock.set(executeAt + 90 * 60_000);
    const second = reconciler();
    await second.handler({ "detail-type": "Scheduled Event" }, ctx);
    expect(second.restarted).toEqual([`${scheduled.decisionId}-r${Math.floor(rt.clock.now() / 3_600_000)}`]);

    // Too late to send (its re-check does not look at send windows): vetoed, reservation back.
    rt.clock.set(Date.parse(pending.expiresAt as string) + 16 * 60_000);
    const late = reconciler();
    const out = await late.handler({ "detail-type": "Scheduled Event" }, ctx);
    expect(late.restarted).toEqual([]);
    expect(out.overdue).toMatchObject({ vetoed: 1, failed: 0 });
    expect(out.overdue.expired).toBeGreaterThanOrEqual(1);
    const vetoed = await rt.deps.decisions.getDecision(scheduled.decisionId);
    expect(vetoed?.status).toBe("vetoed");
    expect((await rt.deps.decisions.getDecision(pending.decisionId))?.status).toBe("expired");
    // Each once: the items are gone.
    const again = reconciler();
    const quiet = await again.handler({ "detail-type": "Scheduled Event" }, ctx);
    expect(quiet.overdue).toMatchObject({ expired: 0, restarted: 0, vetoed: 0 });

    // The restart is another execution of the machine, named apart from the first, whose wait ends at once.
    const sent: { name: string; input: string }[] = [];
    const sfn = {
      send: async (cmd: { input: { name: string; input: string } }) => void sent.push(cmd.input),
    };
    await restartWorkflows(
      new SfnWorkflowStarter(sfn as never, "arn:aws:states:us-east-1:123456789012:stateMachine:dev"),
    ).restart(scheduled, "r493");
    expect(sent[0]?.name).toBe(`${scheduled.decisionId}-r493`);
    expect(JSON.parse(sent[0]?.input as string)).toEqual({
      decisionId: scheduled.decisionId,
      status: "scheduled",
      executeAt: scheduled.executeAt,
    });
  });
});
