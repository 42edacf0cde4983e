/**
 * The current spec is read about once per proposal outside the gate (execution's trust window, a
 * release's day, trust outcomes, the agents): a read is reused for up to a second unless a publish
 * went through this process meanwhile, which is seen at once; another process's publish is seen
 * once the reuse ends. The gate reads CURRENT in its own batch and is not concerned.
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stateKeys } from "../../shared/adapters/dynamo/keys.ts";
import { DynamoSpecStore } from "../../shared/adapters/dynamo/spec-store.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { operationsOf, publishVariant } from "./helpers/store.ts";

let rt: TestRuntime;
beforeEach(async () => {
  rt = await startRuntime({ runWorkers: false });
});
afterEach(() => rt.close());

describe("reads of the current spec", () => {
  it("reuse a read, and see a publish made through any store of this process at once", async () => {
    const specs = new DynamoSpecStore(rt.db);
    const first = await operationsOf(rt, () => specs.current());
    expect(first.ops).toEqual(["GetItem"]);
    const again = await operationsOf(rt, () => specs.current());
    expect(again.ops).toEqual([]);
    expect(again.result?.version).toBe(first.result?.version);

    // Published through the runtime's own store (the admin use case), not through `specs`.
    const published = await publishVariant(rt, (s) => {
      s.volume.perAgentPerDay.default = 7;
    });
    const after = await operationsOf(rt, () => specs.current());
    expect(after.ops).toEqual(["GetItem"]);
    expect(after.result?.version).toBe(published.version);
    expect(after.result?.spec.volume.perAgentPerDay.default).toBe(7);
  });

  it("see another process's publish once the reuse has ended", async () => {
    let wall = 0;
    const specs = new DynamoSpecStore(rt.db, { wallClock: () => wall });
    const before = await specs.current();
    if (!before) throw new Error("no spec");
    // Another process moved CURRENT on (its publish never passed through this one).
    await rt.db.doc.send(
      new PutCommand({
        TableName: rt.db.tables.state,
        Item: { ...stateKeys.specCurrent(), ...before, version: before.version + 1 },
      }),
    );
    wall += 999;
    expect((await specs.current())?.version).toBe(before.version);
    wall += 1;
    expect((await specs.current())?.version).toBe(before.version + 1);
  });
});
