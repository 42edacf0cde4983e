import { describe, expect, it } from "vitest";
import { blockedDraft } from "../../shared/domain/blocked-draft.ts";
import type { CheckResult } from "../../shared/domain/decision-types.ts";

const fail = (check: CheckResult["check"], over: Partial<CheckResult> = {}): CheckResult => ({
  check,
  result: "fail",
  effect: "block",
  detail: "",
  ...over,
});
const touch = (checks: CheckResult[], status = "blocked" as const) =>
  ({ actionKind: "touch", status, checks }) as const;

describe("a blocked draft (review evidence against its writer)", () => {
  it("is a touch blocked by a check of the draft itself: its content or whom it addresses", () => {
    expect(blockedDraft(touch([fail("content_quality")]))).toBe(true);
    expect(blockedDraft(touch([fail("persona")]))).toBe(true);
    expect(blockedDraft(touch([fail("volume"), fail("content_quality")]))).toBe(true);
  });

  it("is not a block by the world's state, a shadow rule, a record, or a touch that was not blocked", () => {
    for (const check of ["volume", "coordination", "intent", "suppression", "icp", "kill_switch"] as const)
      expect(blockedDraft(touch([fail(check)])), check).toBe(false);
    expect(blockedDraft(touch([fail("content_quality", { shadow: true })]))).toBe(false);
    expect(blockedDraft(touch([fail("content_quality", { effect: "review" })]))).toBe(false);
    expect(blockedDraft({ actionKind: "record", status: "blocked", checks: [fail("content_quality")] })).toBe(
      false,
    );
    expect(blockedDraft({ ...touch([fail("content_quality")]), status: "pending_approval" })).toBe(false);
  });
});
