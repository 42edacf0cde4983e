/**
 * Execution and the end of an override window start from the version of the decision this process
 * last wrote (DecisionStore.lastKnown) instead of reading it back: the transition that claims the
 * attempt (or dispatches) is conditioned on that version. A hint another process made stale loses
 * that condition, and the decision is read and judged as before: nothing is sent twice or sent after
 * a veto.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Decision } from "../../shared/domain/decision.ts";
import { iso } from "../../shared/domain/time.ts";
import type { DecisionStatus } from "../../shared/domain/vocabulary.ts";
import { execute, release } from "../../shared/usecases/lifecycle.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, seedAcme } from "../helpers/world.ts";
import { operationsOf, otherProcess, pin } from "./helpers/store.ts";

let rt: TestRuntime;
beforeEach(async () => {
  rt = await startRuntime({ runWorkers: false });
  await seedAcme(rt.deps, "acme");
});
afterEach(() => rt.close());

async function decided(level: 2 | 3, status: DecisionStatus): Promise<Decision> {
  await pin(rt, "writer", "email.send", level);
  const { decision } = await rt.deps.gate.propose(emailProposal("writer", "acme"), agent("writer"));
  expect(decision.status).toBe(status);
  return decision;
}

/** Another process moves the decision on (its own store: this process's hint is now behind). */
const elsewhere = (d: Decision, to: DecisionStatus, patch: Partial<Decision> = {}) =>
  otherProcess(rt).transition({
    decisionId: d.decisionId,
    expectStatus: [d.status],
    expectVersion: d.version,
    patch: { status: to, ...patch },
    event: { type: "executing", at: iso(rt.clock.now()), actor: "harness", detail: "elsewhere" },
  });

const decisionReads = (ops: string[]) => ops.filter((o) => o === "BatchGetItem" || o === "Query");

describe("execution from the version this process committed", () => {
  it("claims and records the send in two transactions, with no read of the decision", async () => {
    const d = await decided(3, "dispatched");
    const { ops, result } = await operationsOf(rt, () => execute(rt.deps, d.decisionId));
    expect(result?.status).toBe("executed");
    // The re-check at the send (one batch read of pauses and suppressions, not of the decision), the
    // claim, the send; then, sent unreviewed, the writer's trust learns the draft passed (a
    // conditional put of its record; the GetItems are the spec and the trust record).
    expect(ops.filter((o) => o !== "GetItem")).toEqual([
      "BatchGetItem",
      "TransactWriteItems",
      "TransactWriteItems",
      "PutItem",
    ]);
    expect((await rt.deps.trust.get(d.agentId, d.actionType))?.reviews?.success).toBeGreaterThan(0);
    expect(rt.sandbox.entries.map((e) => e.decisionId)).toEqual([d.decisionId]);
  });

  it("a hint made stale by another process's claim reads the decision and sends nothing", async () => {
    const d = await decided(3, "dispatched");
    await elsewhere(d, "dispatched", {
      execution: { at: iso(rt.clock.now()), idempotencyKey: d.idempotencyKey },
    });
    const { ops, result } = await operationsOf(rt, () => execute(rt.deps, d.decisionId));
    // The re-check, the claim that finds another's, the read of the decision as it is.
    expect(ops).toEqual(["BatchGetItem", "TransactWriteItems", "BatchGetItem"]);
    expect(result).toMatchObject({ status: "dispatched", version: 2 });
    expect(result?.execution?.idempotencyKey).toBe(d.idempotencyKey);
    expect(rt.sandbox.entries).toEqual([]);
  });
});

describe("the end of an override window from the version this process committed", () => {
  it("re-checks and dispatches without reading the decision first", async () => {
    const d = await decided(2, "scheduled");
    rt.clock.set(Date.parse(d.executeAt as string) + 1000);
    const { ops, result } = await operationsOf(rt, () => release(rt.deps, d.decisionId));
    expect(result?.status).toBe("dispatched");
    // The one batch read is the re-check's (rules, counters, contact state), not a read of the decision.
    expect(decisionReads(ops)).toEqual(["BatchGetItem"]);
  });

  it("a hint made stale by a veto elsewhere reads the decision and dispatches nothing", async () => {
    const d = await decided(2, "scheduled");
    await elsewhere(d, "vetoed");
    rt.clock.set(Date.parse(d.executeAt as string) + 1000);
    const result = await release(rt.deps, d.decisionId);
    expect(result).toMatchObject({ status: "vetoed", version: 2 });
    expect(await execute(rt.deps, d.decisionId)).toMatchObject({ status: "vetoed" });
    expect(rt.sandbox.entries).toEqual([]);
  });
});
