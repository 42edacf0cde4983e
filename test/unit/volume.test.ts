import { describe, expect, it } from "vitest";
import { counterNames, planVolume } from "../../shared/domain/checks/volume.ts";
import { startOfNextLocalDay } from "../../shared/domain/time.ts";
import { account, ctx, defaultSpec, HOUR, NOW, proposal, specWith, t, touch } from "./helpers/fixtures.ts";

const spec = defaultSpec();
const email = spec.autonomy.actions["email.send"]!;
const crm = spec.autonomy.actions["crm.update"]!;
const nextNyMidnight = t("2026-03-18T04:00:00Z");

describe("check: volume (daily caps in the workspace time zone)", () => {
  it("under every cap: passes and plans one bump per capped counter, keyed by the workspace day", () => {
    const plan = planVolume(
      ctx({ counts: { agent: 3, channel: 10, actionType: 0 } }),
      spec,
      email,
      account(),
      [],
    );
    expect(plan.resetAt).toBeUndefined();
    expect(plan.checks).toEqual([
      {
        check: "volume",
        rule: "volume.perAgentPerDay",
        result: "pass",
        detail: "per agent per day: 3 of 200 used today (2026-03-17, America/New_York)",
      },
      {
        check: "volume",
        rule: "volume.perChannelPerDay",
        result: "pass",
        detail: "per email per day: 10 of 500 used today (2026-03-17, America/New_York)",
      },
    ]);
    expect(plan.bumps).toEqual([
      { counter: "agent:writer", day: "2026-03-17", cap: 200 },
      { counter: "channel:email", day: "2026-03-17", cap: 500 },
    ]);
  });

  it("a count at its cap defers until the next workspace day", () => {
    const plan = planVolume(
      ctx({ counts: { agent: 200, channel: 0, actionType: 0 } }),
      spec,
      email,
      account(),
      [],
    );
    const agent = plan.checks.find((c) => c.rule === "volume.perAgentPerDay");
    expect(agent).toMatchObject({ result: "fail", effect: "defer" });
    expect(agent?.detail).toContain("200 of 200 used today");
    expect(plan.resetAt).toBe(nextNyMidnight);
    expect(plan.resetAt).toBe(startOfNextLocalDay(NOW, "America/New_York"));
  });

  it("one below the cap passes", () => {
    const plan = planVolume(
      ctx({ counts: { agent: 199, channel: 499, actionType: 0 } }),
      spec,
      email,
      account(),
      [],
    );
    expect(plan.checks.every((c) => c.result === "pass")).toBe(true);
  });

  it("the workspace day is the workspace's, not UTC's", () => {
    // 23:30 in New York is already the next day in UTC.
    const late = t("2026-03-18T03:30:00Z");
    const plan = planVolume(
      ctx({ now: late, counts: { agent: 200, channel: 0, actionType: 0 } }),
      spec,
      email,
      account(),
      [],
    );
    expect(plan.bumps[0]?.day).toBe("2026-03-17");
    expect(plan.resetAt).toBe(nextNyMidnight);
  });

  it("a counter the reservation found full defers even if the read count was lower (fullCounters hint)", () => {
    const plan = planVolume(
      ctx({ fullCounters: [counterNames.channel("email")] }),
      spec,
      email,
      account(),
      [],
    );
    const channel = plan.checks.find((c) => c.rule === "volume.perChannelPerDay");
    expect(channel).toMatchObject({ result: "fail", effect: "defer" });
    expect(plan.resetAt).toBe(nextNyMidnight);
    expect(plan.checks.find((c) => c.rule === "volume.perAgentPerDay")?.result).toBe("pass");
  });

  it("per-agent overrides replace the default", () => {
    const s = specWith((raw) => {
      raw.volume.perAgentPerDay.agents = { writer: 5 };
    });
    const counts = { agent: 5, channel: 0, actionType: 0 };
    expect(planVolume(ctx({ counts }), s, email, account(), []).resetAt).toBe(nextNyMidnight);
    const other = ctx({ counts, proposal: proposal({ agentId: "other" }) });
    const plan = planVolume(other, s, email, account(), []);
    expect(plan.resetAt).toBeUndefined();
    expect(plan.bumps[0]).toEqual({ counter: "agent:other", day: "2026-03-17", cap: 200 });
  });

  it("per action type caps apply when set", () => {
    const s = specWith((raw) => {
      raw.volume.perActionTypePerDay = { "email.send": 2 };
    });
    const plan = planVolume(
      ctx({ counts: { agent: 0, channel: 0, actionType: 2 } }),
      s,
      email,
      account(),
      [],
    );
    expect(plan.checks.map((c) => [c.rule, c.result])).toEqual([
      ["volume.perAgentPerDay", "pass"],
      ["volume.perChannelPerDay", "pass"],
      ["volume.perActionTypePerDay", "fail"],
    ]);
    expect(plan.bumps.at(-1)).toEqual({ counter: "action:email.send", day: "2026-03-17", cap: 2 });
  });

  it("record actions have no channel cap", () => {
    const plan = planVolume(
      ctx({ proposal: proposal({ action: { type: "crm.update" } }) }),
      spec,
      crm,
      account(),
      [],
    );
    expect(plan.checks.map((c) => c.rule)).toEqual(["volume.perAgentPerDay"]);
    expect(plan.bumps.map((b) => b.counter)).toEqual(["agent:writer"]);
  });

  describe("accounts per owner per day", () => {
    const owned = account({ ownerId: "rep-1" });

    it("the account's first touch of the workspace day bumps its owner's counter", () => {
      const plan = planVolume(ctx(), spec, email, owned, []);
      expect(plan.bumps.at(-1)).toEqual({ counter: "owner:rep-1", day: "2026-03-17", cap: 40 });
      expect(plan.checks.at(-1)).toMatchObject({ rule: "volume.accountsPerOwnerPerDay", result: "pass" });
    });

    it("a later touch the same day does not count again", () => {
      const plan = planVolume(ctx(), spec, email, owned, [touch({ at: NOW - 2 * HOUR })]);
      expect(plan.bumps.map((b) => b.counter)).not.toContain("owner:rep-1");
      // A touch from yesterday does not make today's touch a repeat.
      const yesterday = planVolume(ctx(), spec, email, owned, [touch({ at: NOW - 20 * HOUR })]);
      expect(yesterday.bumps.map((b) => b.counter)).toContain("owner:rep-1");
    });

    it("a full owner counter defers", () => {
      const plan = planVolume(ctx({ fullCounters: ["owner:rep-1"] }), spec, email, owned, []);
      expect(plan.checks.at(-1)).toMatchObject({ result: "fail", effect: "defer" });
      expect(plan.checks.at(-1)?.detail).toContain("rep-1 already has 40 accounts today");
      expect(plan.resetAt).toBe(nextNyMidnight);
    });

    it("accounts without an owner are not counted", () => {
      expect(planVolume(ctx(), spec, email, account(), []).bumps.map((b) => b.counter)).not.toContain(
        "owner:undefined",
      );
      expect(planVolume(ctx(), spec, email, account(), []).bumps).toHaveLength(2);
    });
  });
});
