/**
 * One run per schedule firing and continuation (shared/adapters/dynamo/agent-run-claims.ts), against
 * DynamoDB Local: the claim's conditional write, and the agent function's handler
 * (shared/runtime/agent-handler.ts) given the same payload twice, as Lambda may deliver it.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DynamoRunClaims, readRun } from "../../shared/adapters/dynamo/agent-run-claims.ts";
import type { RunSummary } from "../../shared/agents/runner.ts";
import { makeHandler } from "../../shared/runtime/agent-handler.ts";
import type { AgentsAwsRuntime } from "../../shared/runtime/agents-aws-core.ts";
import { CLAIM_LEASE_MS } from "../../shared/runtime/claimed-run.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";

let rt: TestRuntime;
let claims: DynamoRunClaims;
beforeEach(async () => {
  rt = await startRuntime({ runWorkers: false });
  claims = new DynamoRunClaims(rt.db);
});
afterEach(() => rt.close());

const T = Date.parse("2026-03-10T13:00:00Z");
const HOUR = 3_600_000;
const first = {
  agentId: "outreach-writer",
  schedule: "0 9 * * 1-5",
  triggeredAt: T,
  continuation: 0,
  holder: "a",
};

describe("run claims", () => {
  it("a firing is claimed once while it runs; a killed run's claim ends at its deadline", async () => {
    expect(await claims.claim(first, T + 300_000, T)).toBe(true);
    expect(await claims.claim(first, T + 300_000, T + 1_000)).toBe(false);
    // Another continuation, another firing, another agent: claims of their own.
    expect(await claims.claim({ ...first, continuation: 1 }, T + 300_000, T)).toBe(true);
    expect(await claims.claim({ ...first, triggeredAt: T + 60_000 }, T + 300_000, T)).toBe(true);
    expect(await claims.claim({ ...first, agentId: "list-sync" }, T + 300_000, T)).toBe(true);
    // Another schedule of the same agent firing in the same minute.
    expect(await claims.claim({ ...first, schedule: "0 9 * * *" }, T + 300_000, T)).toBe(true);
    // The holder died (it stopped renewing): Lambda's retry, after the lease, may run.
    expect(await claims.claim(first, T + 700_000, T + 300_001)).toBe(true);
  });

  it("a renewed claim holds past its first lease; a finished one cannot be renewed back to running", async () => {
    await claims.claim(first, T + 45_000, T);
    await claims.renew(first, T + 90_000);
    expect(await claims.claim(first, T + 200_000, T + 60_000)).toBe(false);
    expect(await claims.claim(first, T + 200_000, T + 90_001)).toBe(true);
    await claims.finish(first, T + 100_000);
    await claims.renew(first, T + 500_000);
    expect(await claims.claim(first, T + 900_000, T + 600_000)).toBe(false);
  });

  it("only its holder renews, finishes or gives back a claim: one a retry took after the lease lapsed is the retry's", async () => {
    const retry = { ...first, holder: "b" };
    await claims.claim(first, T + 45_000, T);
    // The first delivery stalled past its lease (its renewals failed); Lambda's retry took the claim.
    expect(await claims.claim(retry, T + 120_000, T + 60_000)).toBe(true);
    await claims.release(first, T + 61_000, "lost");
    await claims.renew(first, T + 900_000);
    await claims.finish(first, T + 61_000);
    // Still the retry's, running to its own lease: a duplicate stops, and after the lease one may run.
    expect(await claims.claim({ ...first, holder: "c" }, T + 200_000, T + 100_000)).toBe(false);
    expect(await claims.claim({ ...first, holder: "c" }, T + 300_000, T + 120_001)).toBe(true);
  });

  it("a finished run keeps its claim; a failed one gives it back", async () => {
    await claims.claim(first, T + 300_000, T);
    await claims.finish(first, T + 10_000);
    expect(await claims.claim(first, T + 900_000, T + 600_000)).toBe(false);
    const failed = { ...first, continuation: 2 };
    await claims.claim(failed, T + 300_000, T);
    await claims.release(failed, T + 1, "the model is down");
    expect(await claims.claim(failed, T + 300_000, T + 1)).toBe(true);
  });
});

describe("a run's records", () => {
  it("keep each delivery's start, attempts, end and outcome, per continuation", async () => {
    await claims.claim(first, T + 45_000, T);
    await claims.release(first, T + 2_000, "throttled");
    expect(await readRun(rt.db, first.agentId, first.schedule, T)).toEqual([
      {
        continuation: 0,
        state: "failed",
        startedAt: T,
        finishedAt: T + 2_000,
        attempts: 1,
        error: "throttled",
      },
    ]);
    // Lambda's retry: the first start stays, the error goes, the attempt counts.
    await claims.claim({ ...first, holder: "b" }, T + 120_000, T + 60_000);
    const outcome = { proposals: 1, retried: 0, listed: [], continued: true };
    await claims.finish({ ...first, holder: "b" }, T + 70_000, outcome);
    await claims.claim({ ...first, continuation: 1 }, T + 120_000, T + 71_000);
    // Another firing of the schedule is another run.
    await claims.claim({ ...first, triggeredAt: T + HOUR }, T + HOUR + 45_000, T + HOUR);
    expect(await readRun(rt.db, first.agentId, first.schedule, T)).toEqual([
      { continuation: 0, state: "done", startedAt: T, finishedAt: T + 70_000, attempts: 2, outcome },
      { continuation: 1, state: "running", until: T + 120_000, startedAt: T + 71_000, attempts: 1 },
    ]);
  });
});

describe("the agent function given one delivery twice", () => {
  function setup(outcome: { fail?: boolean } = {}) {
    const runs: unknown[] = [];
    const summary = (trigger: string): RunSummary => ({
      agentId: "outreach-writer",
      trigger: trigger as never,
      proposals: [],
    });
    const runner = {
      run: async (_id: string, invocation: unknown) => {
        runs.push(invocation);
        return outcome.fail ? { ...summary("schedule"), error: "the model is down" } : summary("schedule");
      },
      runDueRetries: async () => summary("retry"),
    };
    const handler = makeHandler(
      () => ({ agentId: "outreach-writer", runner, claims }) as unknown as AgentsAwsRuntime,
      () => T + 5_000,
    );
    return { handler, runs };
  }
  const context = {
    functionName: "agent",
    awsRequestId: "r1",
    getRemainingTimeInMillis: () => 300_000,
  } as never;
  const firing = {
    agentId: "outreach-writer",
    trigger: "schedule",
    cron: "0 9 * * 1-5",
    scheduledAt: "2026-03-10T13:00:00Z",
  };

  it("runs the firing once, also when the duplicate comes after it finished", async () => {
    const { handler, runs } = setup();
    const [a, b] = await Promise.all([handler(firing, context), handler(firing, context)]);
    expect(runs).toHaveLength(1);
    expect([a, b].map((r) => (r as unknown[]).length).sort()).toEqual([0, 2]);
    await handler(firing, context);
    expect(runs).toHaveLength(1);
    // The next firing runs.
    await handler({ ...firing, scheduledAt: "2026-03-11T13:00:00Z" }, context);
    expect(runs).toHaveLength(2);
  });

  it("a failed run is run again by Lambda's retry", async () => {
    const failing = setup({ fail: true });
    await expect(failing.handler(firing, context)).rejects.toThrow(/the model is down/);
    await expect(failing.handler(firing, context)).rejects.toThrow(/the model is down/);
    expect(failing.runs).toHaveLength(2);
  });

  it("a delivery whose run died without giving its claim back runs once the lease has lapsed", async () => {
    const { handler, runs } = setup();
    // The first delivery's process died mid-run (out of memory): its claim stayed, unrenewed.
    await claims.claim(first, T - 60_000 + CLAIM_LEASE_MS, T - 60_000);
    await handler(firing, context);
    expect(runs).toHaveLength(1);
  });

  it("the run stands when recording its end fails (logged): no retry of a run that went on", async () => {
    const { runs } = setup();
    const flaky = Object.assign(Object.create(claims), {
      finish: async () => {
        throw new Error("throttled");
      },
    });
    const summary = (trigger: string): RunSummary => ({
      agentId: "outreach-writer",
      trigger: trigger as never,
      proposals: [],
    });
    const handler = makeHandler(
      () =>
        ({
          agentId: "outreach-writer",
          runner: {
            run: async (_id: string, i: unknown) => (runs.push(i), summary("schedule")),
            runDueRetries: async () => summary("retry"),
          },
          claims: flaky,
        }) as unknown as AgentsAwsRuntime,
      () => T + 5_000,
    );
    await expect(handler(firing, context)).resolves.toHaveLength(2);
    expect(runs).toHaveLength(1);
  });

  it("a manual run is claimed by its run id: delivered twice, it runs once; one without an id claims nothing", async () => {
    const { handler, runs } = setup();
    const manual = { trigger: "manual", input: {}, by: "admin", runId: "run_dup1" };
    await Promise.all([handler(manual, context), handler(manual, context)]);
    await handler(manual, context);
    expect(runs).toHaveLength(1);
    // Its continuation is its own delivery, and works from where the run stopped, on the run's day.
    await handler({ ...manual, continuation: 1, triggeredAt: T - HOUR, resumeAt: "acme" }, context);
    expect(runs).toHaveLength(2);
    expect(runs[1]).toMatchObject({ kind: "manual", continuedFrom: T - HOUR, resumeAt: "acme" });
    // Another run id is another run.
    await handler({ ...manual, runId: "run_dup2" }, context);
    expect(runs).toHaveLength(3);
    // No id (the local server's, or an older API's): not claimed.
    const bare = { trigger: "manual", input: {}, by: "admin" };
    await handler(bare, context);
    await handler(bare, context);
    expect(runs).toHaveLength(5);
  });
});
