import { describe, expect, inject, it } from "vitest";
import { runDemo } from "../../sim/demo.ts";
import { formatReport } from "../../sim/report.ts";

/**
 * `harness demo` in CI with a small world: the invariants are checked on the ledger it produced.
 * (The same run as `harness demo --days 14 --accounts 200 --seed 1`, on the test DynamoDB Local.)
 */
describe("harness demo (200 accounts, 14 days, seed 1)", () => {
  it("keeps every promise on the ledger it produced", async () => {
    const r = await runDemo({
      days: 14,
      accounts: 200,
      seed: 1,
      dynamo: { endpoint: inject("dynamoEndpoint"), credentials: inject("dynamoCredentials") },
    });
    const report = formatReport(r);
    console.log(report.join("\n"));
    for (const i of r.invariants) expect(i.ok, `${i.name}: ${i.detail}`).toBe(true);
    // No account touched twice in a day (recomputed here, independently of the report's checker).
    const touched = r.decisions.filter(
      (d) => d.actionKind === "touch" && ["executed", "dispatched", "in_doubt"].includes(d.status),
    );
    expect(touched.length).toBeGreaterThan(10);
    // Every agent that has work in a 14-day market did some.
    for (const id of [
      "persona-finder",
      "persona-classifier",
      "lead-list-builder",
      "outreach-writer",
      "crm-sync",
      "list-sync",
      "web-research",
      "linkedin-audience-manager",
      "buying-committee-builder",
    ])
      expect(
        r.decisions.some((d) => d.agentId === id),
        id,
      ).toBe(true);
    // The system did the things the README promises: collisions prevented, approvals, trust moved.
    expect(
      r.decisions.some(
        (d) =>
          d.verdict === "defer" && d.checks.some((c) => c.check === "coordination" && c.result === "fail"),
      ),
    ).toBe(true);
    expect(r.decisions.some((d) => d.retryOf)).toBe(true);
    expect(r.market.reviews.approved).toBeGreaterThan(5);
    expect(new Set(r.trust.map((t) => t.level)).size).toBeGreaterThan(1);
  });
});
