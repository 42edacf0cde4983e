/**
 * The decision store does not read back what its process just wrote (decision-versions.ts): a
 * transition from the version it committed or read costs one transaction, and a read of a decision it
 * knows costs one request. What another process did meanwhile (moved the decision on, erased its
 * person) is still seen, through the transaction's own conditions.
 */
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { DataKeys } from "../../shared/adapters/dynamo/data-keys.ts";
import { LocalKeyWrapper, throwawayMasterKey } from "../../shared/adapters/local/key-wrapper.ts";
import type { Decision } from "../../shared/domain/decision.ts";
import { ConflictError } from "../../shared/domain/errors.ts";
import { iso } from "../../shared/domain/time.ts";
import type { DecisionStatus } from "../../shared/domain/vocabulary.ts";
import type { Transition } from "../../shared/ports.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, seedAcme } from "../helpers/world.ts";
import { decisionEvents, pin, otherProcess as sharedOtherProcess } from "./helpers/store.ts";

let rt: TestRuntime;
beforeEach(async () => {
  rt = await startRuntime({ runWorkers: false });
  await seedAcme(rt.deps, "acme");
  // Level 1: the decision waits for approval, so nothing moves it but these tests.
  await pin(rt, "writer", "email.send", 1);
});
afterEach(() => rt.close());

const otherProcess = () => sharedOtherProcess(rt);

async function pending(): Promise<Decision> {
  const { decision } = await rt.deps.gate.propose(emailProposal("writer", "acme"), agent("writer"));
  expect(decision.status).toBe("pending_approval");
  return decision;
}

const move = (d: Decision, to: DecisionStatus): Transition => ({
  decisionId: d.decisionId,
  expectStatus: [d.status],
  expectVersion: d.version,
  patch: { status: to },
  event: {
    type: "rejected",
    at: iso(rt.clock.now()),
    actor: "user:alice",
    from: d.status,
    to,
    detail: "test",
  },
});

/** The DynamoDB operations `fn` sent, in order. */
async function operations<T>(fn: () => Promise<T>): Promise<{ result: T; ops: string[] }> {
  const ops: string[] = [];
  const name = "decisionRereadsOperations";
  rt.db.raw.middlewareStack.add(
    (next, context) => async (args) => {
      ops.push((context.commandName ?? "?").replace(/Command$/, ""));
      return next(args);
    },
    { step: "finalizeRequest", name },
  );
  try {
    return { result: await fn(), ops };
  } finally {
    rt.db.raw.middlewareStack.remove(name);
  }
}

describe("no re-read of what this process wrote", () => {
  it("a transition from the version the gate just committed is one transaction, and reads see it", async () => {
    const d = await pending();
    const { result: next, ops } = await operations(() => rt.deps.decisions.transition(move(d, "rejected")));
    expect(ops).toEqual(["TransactWriteItems"]);
    expect(next).toMatchObject({ status: "rejected", version: 2, payload: d.payload });
    // The next transition starts from the version just written, again without a read.
    const again = await operations(() => rt.deps.decisions.transition(move(next, "expired")));
    expect(again.ops).toEqual(["TransactWriteItems"]);
    // A read of a decision this process knows fetches the decision and its key in one request.
    const read = await operations(() => rt.deps.decisions.getDecision(d.decisionId));
    expect(read.ops).toEqual(["BatchGetItem"]);
    expect(read.result).toMatchObject({ status: "expired", version: 3, payload: d.payload });
    // What another process reads is the same, and the chain it verifies holds.
    expect(await otherProcess().getDecision(d.decisionId)).toEqual(read.result);
    expect((await decisionEvents(rt, d.decisionId)).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it("a decision another process moved on is a conflict, as a read would have said, and nothing is written", async () => {
    const d = await pending();
    await otherProcess().transition(move(d, "rejected"));
    await expect(rt.deps.decisions.transition(move(d, "expired"))).rejects.toBeInstanceOf(ConflictError);
    expect((await rt.deps.decisions.getDecision(d.decisionId))?.status).toBe("rejected");
    expect((await decisionEvents(rt, d.decisionId)).map((e) => e.to)).toEqual([
      "pending_approval",
      "rejected",
    ]);
  });

  it("a person erased by another process since is seen: the transition reads again and writes nothing personal", async () => {
    const d = await pending();
    expect(d.context.person?.name).toBeDefined();
    // Another process's erasure destroys the person's data key.
    await new DataKeys(rt.db, new LocalKeyWrapper(throwawayMasterKey(inject("dynamoEndpoint")))).destroy({
      kind: "person",
      id: d.personId as string,
    });
    const { result: next, ops } = await operations(() => rt.deps.decisions.transition(move(d, "rejected")));
    // The remembered key failed the transaction's key check; the fresh read found no key.
    expect(ops).toEqual(["TransactWriteItems", "BatchGetItem", "TransactWriteItems"]);
    expect(next.status).toBe("rejected");
    expect(next.erased).toBe(true);
    expect(next.payload).toEqual({});
    expect(next.context.person).toBeUndefined();
    const stored = await otherProcess().getDecision(d.decisionId);
    expect(stored).toMatchObject({ status: "rejected", erased: true, payload: {} });
  });
});
