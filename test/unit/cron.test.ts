/**
 * Agents' schedules in the workspace's zone (shared/agents/cron.ts, infra/cron.ts): EventBridge
 * Scheduler fires at every minute an expression may fire in any zone, and the function asks whether
 * this minute is a firing in the spec's zone.
 */
import { describe, expect, it } from "vitest";
import { workspaceTickExpression } from "../../infra/cron.ts";
import { firesAt, parseCron, quarterHourMinutes } from "../../shared/agents/cron.ts";

const at = (iso: string) => Date.parse(iso);

describe("schedules in the workspace's time zone", () => {
  it("ticks at the expression's minutes and each quarter hour apart, every hour", () => {
    expect(workspaceTickExpression("0 9 * * 1-5")).toBe("cron(0,15,30,45 * * * ? *)");
    expect(workspaceTickExpression("5 6 * * *")).toBe("cron(5,20,35,50 * * * ? *)");
    expect(workspaceTickExpression("*/15 * * * *")).toBe("cron(0,15,30,45 * * * ? *)");
    expect(workspaceTickExpression("* * * * *")).toBe("cron(* * * * ? *)");
    expect(quarterHourMinutes(parseCron("0,10 * * * *"))).toEqual([0, 10, 15, 25, 30, 40, 45, 55]);
  });

  it("every zone's 09:00 on a weekday is one of the ticks, and exactly one", () => {
    const cron = parseCron("0 9 * * 1-5");
    for (const zone of ["America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata", "Asia/Kathmandu", "UTC"]) {
      const firings: number[] = [];
      // Every quarter hour of Tuesday 2026-03-10 in UTC, and the days around it.
      for (let t = at("2026-03-09T00:00:00Z"); t < at("2026-03-12T00:00:00Z"); t += 15 * 60_000)
        if (firesAt(cron, t, zone)) firings.push(t);
      expect(firings, zone).toHaveLength(3);
      for (const f of firings)
        expect(new Intl.DateTimeFormat("en-GB", { timeZone: zone, timeStyle: "short" }).format(f)).toBe(
          "09:00",
        );
    }
  });

  it("an hour that repeats when clocks go back fires once; one skipped when they go forward fires once", () => {
    const quarterHours = (expr: string, from: string, to: string) => {
      const cron = parseCron(expr);
      const out: number[] = [];
      for (let t = at(from); t < at(to); t += 15 * 60_000)
        if (firesAt(cron, t, "America/New_York")) out.push(t);
      return out;
    };
    // 2026-11-01: 01:30 happens twice in New York (EDT, then EST).
    expect(quarterHours("30 1 * * *", "2026-11-01T04:00:00Z", "2026-11-01T08:00:00Z")).toHaveLength(1);
    // 2026-03-08: 02:00 to 03:00 does not happen in New York; 02:30 fires once all the same.
    expect(quarterHours("30 2 * * *", "2026-03-08T05:00:00Z", "2026-03-08T09:00:00Z")).toHaveLength(1);
    expect(quarterHours("30 1 * * *", "2026-03-08T04:00:00Z", "2026-03-08T09:00:00Z")).toHaveLength(1);
  });
});
