/**
 * `harness spec drafts show ID` for a weights draft: each signal's points in force against proposed,
 * and the scale the refit was put on (how many ICP accounts it keeps over minIntent), or that it fell
 * back to the touches' mean.
 */
import { describe, expect, it } from "vitest";
import { type DraftView, formatDraftView } from "../../bin/commands/spec-steer.ts";

const none = { total: 0, byAgent: {}, byActionType: {}, byDay: {} };
const weightsDraft = (scaledBy?: {
  accountsOver: number;
  icpAccounts: number;
  inForceOver?: number;
}): DraftView => ({
  draftId: "dr_1",
  status: "shadow",
  kind: "weights",
  weights: {
    from: { website_visit: 5, g2_research: 15 },
    to: { website_visit: 31.2, g2_research: -8.4 },
    fitted: { website_visit: { logOdds: 0.61, se: 0.2 }, g2_research: { logOdds: -0.164, se: 0.31 } },
    since: "2026-01-01T00:00:00.000Z",
    until: "2026-02-01T00:00:00.000Z",
    ...(scaledBy ? { scaledBy } : {}),
  },
  baseVersion: 3,
  shadowVersion: 4,
  correction: { kind: "refit", touches: 812, meetings: 19 },
  createdAt: "2026-02-01T00:00:00.000Z",
  createdBy: "harness",
  flips: { totals: none, versions: [] },
});

describe("spec drafts show: a weights draft", () => {
  it("prints each signal's points and the count of ICP accounts the scale keeps over the bar", () => {
    const lines = formatDraftView(weightsDraft({ accountsOver: 412, icpAccounts: 1630 }));
    expect(lines[0]).toContain("intent weights (refit on 812 touches, 19 meetings)");
    expect(lines).toContain("  website_visit: 5 -> 31.2 points (fitted 0.610 ± 0.200 log-odds)");
    expect(lines).toContain("  g2_research: 15 -> -8.4 points (fitted -0.164 ± 0.310 log-odds)");
    expect(lines).toContain(
      "  scale: keeps 412 of 1630 ICP accounts over minIntent, as the weights in force do",
    );
  });

  it("says how many clear the bar under the weights in force when the fit could keep fewer", () => {
    expect(
      formatDraftView(weightsDraft({ accountsOver: 300, icpAccounts: 1630, inForceOver: 412 })),
    ).toContain("  scale: keeps 300 of 1630 ICP accounts over minIntent (under the weights in force: 412)");
  });

  it("says when the refit fell back to the touches' mean", () => {
    expect(formatDraftView(weightsDraft())).toContain(
      "  scale: the touches' mean intent (the account directory could not set it)",
    );
  });
});
