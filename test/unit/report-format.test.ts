import { describe, expect, it } from "vitest";
import { formatOutcomes } from "../../bin/commands/report.ts";
import { wilson } from "../../shared/domain/wilson.ts";
import type { OutcomesReport } from "../../shared/usecases/reports.ts";

const rate = (k: number, n: number) => wilson(k, n) ?? null;

const report: OutcomesReport = {
  by: "arm",
  from: "2026-03-01T00:00:00.000Z",
  to: "2026-03-31T00:00:00.000Z",
  experiment: "tone",
  decisionsRead: 130,
  groups: [
    {
      key: "control",
      arm: "control",
      specVersions: [1],
      accounts: 40,
      touches: 80,
      counts: { replies: 8, meetings: 2, unsubscribes: 1, complaints: 0 },
      perTouch: {
        replies: rate(8, 80),
        meetings: rate(2, 80),
        unsubscribes: rate(1, 80),
        complaints: rate(0, 80),
      },
      accountsWith: { replies: 7, meetings: 2, unsubscribes: 1, complaints: 0 },
      perAccount: {
        replies: rate(7, 40),
        meetings: rate(2, 40),
        unsubscribes: rate(1, 40),
        complaints: rate(0, 40),
      },
    },
    {
      key: "holdout",
      arm: "holdout",
      specVersions: [3],
      holdout: true,
      accounts: 10,
      touches: 0,
      heldOut: 10,
      counts: { replies: 0, meetings: 1, unsubscribes: 0, complaints: 0 },
      perTouch: { replies: null, meetings: null, unsubscribes: null, complaints: null },
      accountsWith: { replies: 0, meetings: 1, unsubscribes: 0, complaints: 0 },
      perAccount: {
        replies: rate(0, 10),
        meetings: rate(1, 10),
        unsubscribes: rate(0, 10),
        complaints: rate(0, 10),
      },
    },
  ],
};

describe("harness report outcomes", () => {
  it("prints one row per arm with counts, rates and intervals, and a per-account row", () => {
    const lines = formatOutcomes(report);
    expect(lines[0]).toContain("experiment tone");
    const control = lines.find((l) => l.startsWith("control v1")) as string;
    expect(control).toMatch(/\b40\s+80\s+8 10\.0% \[5\.2–18\.5\]/);
    const held = lines.find((l) => l.startsWith("holdout* v3")) as string;
    // No touches: no rate per touch, only the count.
    expect(held).toMatch(/\b10\s+0\s+0 —\s+1 —/);
    const perAccount = lines[lines.indexOf(held) + 1] as string;
    expect(perAccount).toMatch(/\(10\)/);
    expect(perAccount).toContain("1 10.0% [1.8–40.4]");
    expect(lines.at(-1)).toMatch(/holdout: no outreach/);
  });

  it("says so when the window holds nothing", () => {
    expect(formatOutcomes({ ...report, by: "specVersion", groups: [] })).toContain(
      "(no decisions in the window)",
    );
  });
});
