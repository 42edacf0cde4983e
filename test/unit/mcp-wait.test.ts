/** wait_for_decision's loop (shared/mcp/wait.ts) on a fake clock: it returns on a final status or at its bound. */
import { describe, expect, it } from "vitest";
import { waitFor } from "../../shared/mcp/wait.ts";

function fakeTime() {
  let t = 0;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
  };
}

describe("waitFor", () => {
  it("polls until the decision leaves the statuses it can still leave on its own", async () => {
    const statuses = ["scheduled", "scheduled", "dispatched", "executed"];
    let reads = 0;
    const time = fakeTime();
    const r = await waitFor(async () => ({ status: statuses[reads++] ?? "executed" }), {
      timeoutMs: 60_000,
      pollMs: 1000,
      ...time,
    });
    expect(r).toEqual({ decision: { status: "executed" }, done: true, waitedMs: 3000 });
    expect(reads).toBe(4);
  });

  it("returns at once for a final status (deferred, blocked, vetoed ...)", async () => {
    for (const status of ["deferred", "blocked", "vetoed", "rejected", "expired", "failed", "in_doubt"]) {
      const r = await waitFor(async () => ({ status }), { timeoutMs: 60_000, ...fakeTime() });
      expect(r).toMatchObject({ done: true, waitedMs: 0 });
    }
  });

  it("gives up at its bound with done false, never sleeping past it", async () => {
    const time = fakeTime();
    const r = await waitFor(async () => ({ status: "pending_approval" }), {
      timeoutMs: 2500,
      pollMs: 1000,
      ...time,
    });
    expect(r).toEqual({ decision: { status: "pending_approval" }, done: false, waitedMs: 2500 });
  });

  it("stops when the request is cancelled", async () => {
    const controller = new AbortController();
    let reads = 0;
    const r = await waitFor(
      async () => {
        if (++reads === 2) controller.abort();
        return { status: "scheduled" };
      },
      { timeoutMs: 60_000, pollMs: 10, signal: controller.signal, ...fakeTime() },
    );
    expect(r.done).toBe(false);
    expect(reads).toBe(2);
  });
});
