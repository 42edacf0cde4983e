import { describe, expect, it } from "vitest";
import type { DecisionStatus } from "../../shared/domain/vocabulary.ts";
import {
  type DailyRow,
  dailyReport,
  isCollisionPrevented,
  tallyDays,
} from "../../shared/usecases/daily-report.ts";

const row = (over: Partial<DailyRow> = {}): DailyRow => ({
  decidedAt: "2026-06-02T10:00:00.000Z",
  verdict: "allow",
  actionKind: "touch",
  checks: [],
  outcomes: [],
  ...over,
});
const coordinationFail = { check: "coordination", result: "fail" };

describe("daily overview (pure tally)", () => {
  it("gives every day of the window, zeros included, and counts on the decision's day", () => {
    const rows: { row: DailyRow; status: DecisionStatus }[] = [
      { row: row({ outcomes: [{ type: "replied" }, { type: "meeting_booked" }] }), status: "executed" },
      { row: row({ verdict: "defer", checks: [coordinationFail] }), status: "deferred" },
      { row: row({ verdict: "defer", checks: [{ ...coordinationFail, shadow: true }] }), status: "deferred" },
      { row: row({ verdict: "schedule" }), status: "scheduled" },
      // A record sync that executed is not a touch sent; a day outside the window is not counted.
      { row: row({ actionKind: "record" }), status: "executed" },
      { row: row({ decidedAt: "2026-06-09T00:00:00.000Z" }), status: "executed" },
    ];
    const days = tallyDays("2026-06-01", "2026-06-03", rows);
    expect(days.map((d) => d.date)).toEqual(["2026-06-01", "2026-06-02", "2026-06-03"]);
    expect(days[0]?.proposals.total).toBe(0);
    expect(days[1]).toMatchObject({
      proposals: { total: 5, allow: 2, defer: 2, schedule: 1 },
      collisionsPrevented: 1,
      touchesSent: 1,
      replies: 1,
      meetings: 1,
    });
  });

  it("a collision prevented is a defer or block by a coordination rule in force, nothing else", () => {
    expect(isCollisionPrevented(row({ verdict: "block", checks: [coordinationFail] }))).toBe(true);
    expect(isCollisionPrevented(row({ verdict: "allow", checks: [coordinationFail] }))).toBe(false);
    expect(
      isCollisionPrevented(row({ verdict: "defer", checks: [{ check: "volume", result: "fail" }] })),
    ).toBe(false);
  });

  it("reads one key range per status and refuses a window past 92 days, naming from", async () => {
    const reads: string[] = [];
    const reader = {
      dailyRows: async (status: DecisionStatus, from: string, to: string) => {
        reads.push(`${status} ${from} ${to}`);
        return [];
      },
    };
    const clock = { now: () => Date.parse("2026-06-10T12:00:00Z") };
    const report = await dailyReport({ clock, reader }, { from: "2026-06-01", to: "2026-06-02" });
    expect(report.days).toHaveLength(2);
    expect(reads).toContain("executed 2026-06-01T00:00:00.000Z 2026-06-03T00:00:00.000Z");
    await expect(
      dailyReport({ clock, reader }, { from: "2026-01-01", to: "2026-06-02" }),
    ).rejects.toMatchObject({
      issues: [{ path: "from" }],
    });
    await expect(dailyReport({ clock, reader }, { from: "2026-02-30" })).rejects.toMatchObject({
      issues: [{ path: "from" }],
    });
  });
});
