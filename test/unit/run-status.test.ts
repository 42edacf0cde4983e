/**
 * A manual run's status from its invocations' records (shared/agents/run-status.ts): what GET
 * /v1/agents/{agentId}/runs/{runId} answers, in AWS and locally.
 */
import { describe, expect, it } from "vitest";
import { describeRun, type RunRecord, runOutcome } from "../../shared/agents/run-status.ts";
import type { RunSummary } from "../../shared/agents/runner.ts";

const T = Date.parse("2026-03-10T13:00:00Z");
const proposal = (n: number, replay = false) => ({
  proposalId: `outreach-writer:p${n}`,
  actionType: "email.send",
  verdict: "allow",
  status: "executed",
  replay,
});
const summary = (proposals: RunSummary["proposals"], extra: Partial<RunSummary> = {}): RunSummary => ({
  agentId: "outreach-writer",
  trigger: "manual",
  proposals,
  ...extra,
});

describe("a run's outcome", () => {
  it("counts new proposals and lists the first 25; replays and due retries are apart", () => {
    const many = Array.from({ length: 30 }, (_, i) => proposal(i));
    const o = runOutcome(summary([proposal(99, true), ...many]), summary([proposal(100)]), false);
    expect(o.proposals).toBe(30);
    expect(o.retried).toBe(1);
    expect(o.listed).toHaveLength(25);
    expect(o.listed[0]).toEqual({
      proposalId: "outreach-writer:p0",
      actionType: "email.send",
      verdict: "allow",
      status: "executed",
    });
    expect(o).not.toHaveProperty("continued");
    expect(runOutcome(summary([], { error: "refused" }), undefined, true)).toMatchObject({
      error: "refused",
      continued: true,
      retried: 0,
    });
  });
});

describe("a run's status", () => {
  const done = (continuation: number, n: number, continued = false): RunRecord => ({
    continuation,
    state: "done",
    startedAt: T + continuation * 300_000,
    finishedAt: T + continuation * 300_000 + 290_000,
    attempts: 1,
    outcome: runOutcome(
      summary(Array.from({ length: n }, (_, i) => proposal(continuation * 100 + i))),
      undefined,
      continued,
    ),
  });

  it("is unknown until an invocation has taken it", () => {
    expect(describeRun("outreach-writer", "run_1", [], T)).toBeUndefined();
  });

  it("running while its lease holds; stopped once its holder died; final when Lambda's retries are spent", () => {
    const running: RunRecord = {
      continuation: 0,
      state: "running",
      until: T + 45_000,
      startedAt: T,
      attempts: 1,
    };
    expect(describeRun("outreach-writer", "run_1", [running], T + 10_000)).toMatchObject({
      status: "running",
      final: false,
      startedAt: "2026-03-10T13:00:00.000Z",
    });
    expect(describeRun("outreach-writer", "run_1", [running], T + 45_001)).toMatchObject({
      status: "stopped",
      final: false,
    });
    expect(describeRun("outreach-writer", "run_1", [{ ...running, attempts: 3 }], T + 45_001)).toMatchObject({
      status: "stopped",
      final: true,
    });
  });

  it("a continued run is running until its last invocation ends, and sums what every invocation did", () => {
    const first = done(0, 20, true);
    expect(describeRun("outreach-writer", "run_1", [first], T + 300_000)).toMatchObject({
      status: "running",
      invocations: 1,
      proposals: 20,
    });
    // Read in any order: the last continuation decides.
    const all = describeRun("outreach-writer", "run_1", [done(1, 10), first], T + 900_000);
    expect(all).toMatchObject({
      status: "done",
      final: true,
      invocations: 2,
      proposals: 30,
      startedAt: new Date(T).toISOString(),
      finishedAt: new Date(T + 590_000).toISOString(),
    });
    expect(all?.listed).toHaveLength(25);
    expect(all?.listed[20]?.proposalId).toBe("outreach-writer:p100");
  });

  it("failed: retried by Lambda until its deliveries are spent, or at once final where it is delivered once", () => {
    const failed: RunRecord = {
      continuation: 0,
      state: "failed",
      error: "throttled",
      attempts: 1,
      finishedAt: T,
    };
    expect(describeRun("outreach-writer", "run_1", [failed], T)).toMatchObject({
      status: "failed",
      final: false,
      error: "throttled",
    });
    expect(describeRun("outreach-writer", "run_1", [{ ...failed, attempts: 3 }], T)).toMatchObject({
      final: true,
    });
    expect(describeRun("outreach-writer", "run_1", [failed], T, 1)).toMatchObject({ final: true });
    // An error no retry repairs (its input refused) ends it where it stands.
    const refused: RunRecord = {
      ...done(0, 0),
      outcome: runOutcome(summary([], { error: "no audience sdr-9" }), undefined, false),
    };
    expect(describeRun("outreach-writer", "run_1", [refused], T)).toMatchObject({
      status: "failed",
      final: true,
      error: "no audience sdr-9",
    });
  });
});
