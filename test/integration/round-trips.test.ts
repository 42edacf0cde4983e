/**
 * The gate's cost on the wire: one batched read (BatchGetItem over both tables) and one transaction
 * (TransactWriteItems) per decision, once the gate has seen the current spec.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchGetAll, itemId } from "../../shared/adapters/dynamo/db.ts";
import { stateKeys } from "../../shared/adapters/dynamo/keys.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, seedAcme } from "../helpers/world.ts";
import { pin } from "./helpers/store.ts";

let rt: TestRuntime;
beforeAll(async () => {
  rt = await startRuntime();
  await seedAcme(rt.deps, "warm");
  await seedAcme(rt.deps, "acme");
  await pin(rt, "writer", "email.send", 3);
  // Warm-up: the gate learns the spec (its time zone keys the counters of the single batched read).
  await rt.deps.gate.propose(emailProposal("writer", "warm"), agent("writer"));
});
afterAll(() => rt.close());

/** Round trips sent while `fn` runs, with the DynamoDB operation of each request as seen on the wire. */
async function measure<T>(fn: () => Promise<T>) {
  const operations: string[] = [];
  const name = "integrationTestOperations";
  // Execution of earlier allowed decisions runs in the background (the execute-allowed worker):
  // let it finish so only the gate's own requests are counted.
  await rt.bus.drain();
  rt.db.raw.middlewareStack.add(
    (next) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
      operations.push((headers["x-amz-target"] ?? "?").replace("DynamoDB_20120810.", ""));
      return next(args);
    },
    { step: "finalizeRequest", name },
  );
  const start = rt.db.roundTrips.count;
  try {
    const result = await fn();
    return { result, trips: rt.db.roundTrips.count - start, operations };
  } finally {
    rt.db.raw.middlewareStack.remove(name);
  }
}

describe("round trips per decision", () => {
  it("a happy-path gated decision costs exactly 2 round trips: one BatchGetItem, one TransactWriteItems", async () => {
    const { result, trips, operations } = await measure(() =>
      rt.deps.gate.propose(emailProposal("writer", "acme"), agent("writer")),
    );
    expect(result.decision.verdict).toBe("allow");
    expect(result.replay).toBe(false);
    expect(trips).toBe(2);
    expect(operations).toEqual(["BatchGetItem", "TransactWriteItems"]);
  });

  it("a deferral costs 2 as well, and a replayed proposalId only the read", async () => {
    const p = emailProposal("sdr", "acme");
    const deferred = await measure(() => rt.deps.gate.propose(p, agent("sdr")));
    expect(deferred.result.decision.verdict).toBe("defer");
    expect(deferred.trips).toBe(2);
    expect(deferred.operations).toEqual(["BatchGetItem", "TransactWriteItems"]);
    const replay = await measure(() => rt.deps.gate.propose(p, agent("sdr")));
    expect(replay.result.replay).toBe(true);
    expect(replay.trips).toBe(1);
    expect(replay.operations).toEqual(["BatchGetItem"]);
  });
});

describe("the batched read", () => {
  it("asks for a key wanted twice once: DynamoDB refuses a batch that names a key twice", async () => {
    const key = stateKeys.account("acme");
    const { result, trips } = await measure(() =>
      batchGetAll(rt.db, [
        { table: rt.db.tables.state, key },
        { table: rt.db.tables.state, key },
      ]),
    );
    expect(trips).toBe(1);
    expect(result.get(itemId(key))?.accountId).toBe("acme");
  });
});
