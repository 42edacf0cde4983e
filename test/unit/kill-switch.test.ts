import { describe, expect, it } from "vitest";
import { activePauses, checkKillSwitches } from "../../shared/domain/checks/kill-switch.ts";
import { ctx, HOUR, NOW, pause, proposal } from "./helpers/fixtures.ts";

const inOneHour = new Date(NOW + HOUR).toISOString();
const anHourAgo = new Date(NOW - HOUR).toISOString();

describe("check: kill switches", () => {
  it("passes when no pause applies", () => {
    expect(checkKillSwitches(ctx(), "email")).toEqual({
      check: "kill_switch",
      result: "pass",
      detail: "no pause applies",
    });
  });

  it("a global pause without an end blocks everything", () => {
    const r = checkKillSwitches(ctx({ pauses: [pause({ reason: "bad copy shipped" })] }), "email");
    expect(r.result).toBe("fail");
    expect(r.effect).toBe("block");
    expect(r.detail).toContain("everything paused by ops@example.com: bad copy shipped");
    // Also for actions without a channel.
    expect(checkKillSwitches(ctx({ pauses: [pause()] }), undefined).result).toBe("fail");
  });

  it("an agent pause applies to that agent only", () => {
    const pauses = [pause({ scope: "agent", target: "writer" })];
    const mine = checkKillSwitches(ctx({ pauses }), "email");
    expect(mine).toMatchObject({ result: "fail", effect: "block" });
    expect(mine.detail).toContain("agent writer");
    const other = ctx({ pauses, proposal: proposal({ agentId: "someone-else" }) });
    expect(checkKillSwitches(other, "email").result).toBe("pass");
  });

  it("a channel pause applies to that channel only", () => {
    const pauses = [pause({ scope: "channel", target: "email" })];
    expect(checkKillSwitches(ctx({ pauses }), "email").result).toBe("fail");
    expect(checkKillSwitches(ctx({ pauses }), "linkedin").result).toBe("pass");
    // Record actions have no channel: a channel pause does not stop them.
    expect(checkKillSwitches(ctx({ pauses }), undefined).result).toBe("pass");
  });

  it("an account pause applies to that account only", () => {
    const pauses = [pause({ scope: "account", target: "acme", reason: "replied: stop on reply" })];
    const r = checkKillSwitches(ctx({ pauses }), "linkedin");
    expect(r.result).toBe("fail");
    expect(r.detail).toContain("account acme");
    const other = ctx({ pauses, proposal: proposal({ target: { accountId: "globex", personId: "p" } }) });
    expect(checkKillSwitches(other, "linkedin").result).toBe("pass");
  });

  it("a pause with an end defers (there is a time to retry at)", () => {
    const r = checkKillSwitches(
      ctx({ pauses: [pause({ scope: "account", target: "acme", until: inOneHour })] }),
      "email",
    );
    expect(r).toMatchObject({ check: "kill_switch", result: "fail", effect: "defer" });
    expect(r.detail).toContain(`until ${inOneHour}`);
  });

  it("an expired pause is ignored, including one ending exactly now", () => {
    expect(checkKillSwitches(ctx({ pauses: [pause({ until: anHourAgo })] }), "email").result).toBe("pass");
    const endsNow = new Date(NOW).toISOString();
    expect(checkKillSwitches(ctx({ pauses: [pause({ until: endsNow })] }), "email").result).toBe("pass");
  });

  it("one open-ended pause among timed ones blocks", () => {
    const pauses = [
      pause({ pauseId: "a", until: inOneHour }),
      pause({ pauseId: "b", scope: "agent", target: "writer" }),
    ];
    const r = checkKillSwitches(ctx({ pauses }), "email");
    expect(r.effect).toBe("block");
    expect(r.detail.split("; ")).toHaveLength(2);
  });

  it("activePauses filters by scope, target and time", () => {
    const pauses = [
      pause({ pauseId: "g" }),
      pause({ pauseId: "a", scope: "agent", target: "writer" }),
      pause({ pauseId: "a2", scope: "agent", target: "other" }),
      pause({ pauseId: "c", scope: "channel", target: "linkedin" }),
      pause({ pauseId: "acc", scope: "account", target: "acme" }),
      pause({ pauseId: "old", until: anHourAgo }),
    ];
    expect(activePauses(pauses, "writer", "email", "acme", NOW).map((p) => p.pauseId)).toEqual([
      "g",
      "a",
      "acc",
    ]);
    expect(activePauses(pauses, "other", "linkedin", "globex", NOW).map((p) => p.pauseId)).toEqual([
      "g",
      "a2",
      "c",
    ]);
    // The old pause was in force before it ended.
    expect(activePauses(pauses, "x", undefined, "y", NOW - 2 * HOUR).map((p) => p.pauseId)).toEqual([
      "g",
      "old",
    ]);
  });
});
