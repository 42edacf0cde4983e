/**
 * The local due-queue (the embedded default's stand-in for Step Functions waits) against the real
 * store: items fire once, at their time, and one item that cannot be processed does not stop the rest.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalScheduler } from "../../shared/adapters/local/scheduler.ts";
import { HOUR } from "../../shared/domain/time.ts";
import { execute, expire, release } from "../../shared/usecases/lifecycle.ts";
import { startRuntime, T0, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, seedAcme } from "../helpers/world.ts";
import { dueFor, pin } from "./helpers/store.ts";

let rt: TestRuntime;
beforeEach(async () => {
  rt = await startRuntime();
});
afterEach(() => rt.close());

describe("due queue", () => {
  it("one due item that keeps failing does not hold back later ones", async () => {
    await seedAcme(rt.deps, "stuck");
    await seedAcme(rt.deps, "fine");
    const stuck = (await rt.deps.gate.propose(emailProposal("writer", "stuck"), agent("writer"))).decision;
    expect(stuck.verdict).toBe("require_approval"); // expires at T0 + 24 h

    rt.clock.set(T0 + 24 * HOUR - 10 * 60_000);
    await pin(rt, "sdr", "email.send", 2);
    const fine = (await rt.deps.gate.propose(emailProposal("sdr", "fine"), agent("sdr"))).decision;
    expect(fine.verdict).toBe("schedule"); // fires at T0 + 24 h + 20 min, after the stuck item

    // The same wiring as the local runtime, except that expiring `stuck` fails every time (a store
    // error, a bug, a poisoned item: anything a later tick cannot fix on its own).
    const errors: string[] = [];
    const scheduler = new LocalScheduler(
      rt.deps.decisions,
      {
        release: async (id) => {
          const d = await release(rt.deps, id);
          if (d?.status === "dispatched") await execute(rt.deps, id);
        },
        expire: async (id) => {
          if (id === stuck.decisionId) throw new Error("simulated persistent failure");
          return expire(rt.deps, id);
        },
      },
      () => rt.clock.now(),
      (err, item) => errors.push(`${item.decisionId}: ${(err as Error).message}`),
    );

    rt.clock.set(T0 + 25 * HOUR);
    await scheduler.tick();
    await scheduler.tick();
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.startsWith(stuck.decisionId))).toBe(true);
    // The failing item stays queued for a later attempt...
    expect(await dueFor(rt, stuck.decisionId)).toHaveLength(1);
    // ...and the item behind it fired anyway.
    expect((await rt.deps.decisions.getDecision(fine.decisionId))?.status).toBe("executed");
    expect(rt.sandbox.entries.map((e) => e.decisionId)).toEqual([fine.decisionId]);
  });
});
