/**
 * Auto-adoption changes who is contacted, never how many (usecases/signals-adopt.ts volumeCut): a refit
 * whose weights would put markedly fewer or more ICP accounts over minIntent than today is left for an
 * admin, whatever its shadow evidence.
 */
import { describe, expect, it } from "vitest";
import type { SpecDraft } from "../../shared/domain/drafts.ts";
import { volumeCut } from "../../shared/usecases/signals-adopt.ts";

const draft = (accountsOver: number, inForceOver: number | undefined): SpecDraft =>
  ({
    weights: {
      from: {},
      to: {},
      fitted: {},
      since: "2026-03-01T00:00:00.000Z",
      until: "2026-03-10T00:00:00.000Z",
      scaledBy: { accountsOver, icpAccounts: 1000, ...(inForceOver === undefined ? {} : { inForceOver }) },
    },
  }) as unknown as SpecDraft;

describe("a refit's volume against today's", () => {
  it("within 90% to 1/0.9 of today's count: adoptable", () => {
    expect(volumeCut(draft(337, 337))).toBeUndefined();
    expect(volumeCut(draft(304, 337))).toBeUndefined(); // 90.2%
    expect(volumeCut(draft(374, 337))).toBeUndefined(); // 111.0%
  });

  it("markedly fewer: left for an admin", () => {
    expect(volumeCut(draft(300, 337))).toBe(
      "it keeps 300 of the 337 ICP accounts over minIntent today: left for an admin",
    );
  });

  it("markedly more (accounts tied at the cut): left for an admin", () => {
    expect(volumeCut(draft(387, 337))).toBe(
      "it lets 387 ICP accounts over minIntent, 337 today: left for an admin",
    );
  });

  it("no count to compare with: nothing to say", () => {
    expect(volumeCut(draft(387, undefined))).toBeUndefined();
    expect(volumeCut({} as SpecDraft)).toBeUndefined();
  });
});
