import { describe, expect, inject, it } from "vitest";
import { loadSection, measureLoad, perSecond } from "../../bench/load.ts";
import { table } from "../../bench/report.ts";

/**
 * `npm run bench`'s load section at a tenth of its size: it runs end to end against DynamoDB Local
 * and its numbers are sane. How fast is not asserted (timed assertions do not belong in tests).
 */
describe("bench: load through HTTP next to DynamoDB Local's ceiling", () => {
  it("measures the gate and the bare write at each concurrency, with the planned mix", async () => {
    const result = await measureLoad(
      { endpoint: inject("dynamoEndpoint"), credentials: inject("dynamoCredentials") },
      { concurrencies: [1, 5], rounds: 2, perBlock: () => 20, warmUp: 10 },
    );
    expect(result.rows.map((r) => r.concurrency)).toEqual([1, 5]);
    for (const { gate, ceiling } of result.rows) {
      for (const side of [gate, ceiling]) {
        expect(side.ops).toBe(40);
        expect(side.latencies).toHaveLength(40);
        expect(Number.isFinite(perSecond(side)) && perSecond(side) > 0).toBe(true);
        expect(side.latencies.every((ms) => ms > 0)).toBe(true);
      }
    }
    // Every proposal was decided (a 201), in the mix the section describes.
    expect(result.verdicts).toEqual({ allow: 48, schedule: 8, require_approval: 8, defer: 8, block: 8 });
    // The ceiling replays the gate's own write: the decision, its first event and the reservation.
    expect(result.writeItems.length).toBeGreaterThanOrEqual(3);
    expect(result.writeItems).toContain("Put ledger DECISION/DECISION");
    expect(result.gateWritesPerProposal).toBeGreaterThanOrEqual(1);
    // At least the gate's read and write for each proposal.
    expect(result.roundTripsPerProposal).toBeGreaterThanOrEqual(2);
    const text = loadSection([result], table);
    expect(text).toMatch(/^6\. Load through HTTP/);
    expect(text.split("\n").filter((l) => /^\s+(1|5)\s/.test(l))).toHaveLength(2);
  });
});
