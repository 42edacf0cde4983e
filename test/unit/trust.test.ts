import { describe, expect, it } from "vitest";
import type { ActionConfig } from "../../shared/domain/spec-schema.ts";
import {
  applyOutcome,
  decayed,
  earnedLevelFor,
  effectiveLevel,
  newTrust,
  type TrustRecord,
  trustStats,
} from "../../shared/domain/trust.ts";
import type { OutcomeType } from "../../shared/domain/vocabulary.ts";
import { DAY, defaultSpec, NOW, trust } from "./helpers/fixtures.ts";

const spec = defaultSpec();
const policy = spec.trust;
const email = spec.autonomy.actions["email.send"]!;

/** Apply outcomes in order at the given instant; returns the final record and every level change. */
function run(record: TrustRecord, outcomes: OutcomeType[], at = NOW) {
  const changes: { after: number; from: number; to: number; reason: string }[] = [];
  let r = record;
  outcomes.forEach((o, i) => {
    const out = applyOutcome(r, o, at, policy);
    r = out.record;
    if (out.change) changes.push({ after: i + 1, ...out.change });
  });
  return { record: r, changes };
}

const times = (n: number, o: OutcomeType): OutcomeType[] => Array(n).fill(o);

describe("trust: Beta posterior statistics", () => {
  it("starts at Beta(1,1): score 0.5 with a wide bound and no sample", () => {
    const s = trustStats({ successes: 0, failures: 0 }, policy.confidenceZ);
    expect(s.score).toBe(0.5);
    expect(s.sample).toBe(0);
    expect(s.lowerBound).toBeCloseTo(0.5 - 1.645 * Math.sqrt(1 / 12), 10);
  });

  it("more evidence tightens the bound; the bound is below the mean and never negative", () => {
    const few = trustStats({ successes: 4, failures: 1 }, policy.confidenceZ);
    const many = trustStats({ successes: 40, failures: 10 }, policy.confidenceZ);
    expect(few.score).toBeCloseTo(5 / 7, 10);
    expect(many.score).toBeCloseTo(41 / 52, 10);
    expect(few.lowerBound).toBeLessThan(few.score);
    expect(many.score - many.lowerBound).toBeLessThan(few.score - few.lowerBound);
    expect(trustStats({ successes: 0, failures: 50 }, 3).lowerBound).toBe(0);
  });

  it("newTrust starts empty at the action's start level", () => {
    expect(newTrust("writer", "email.send", 2, NOW)).toEqual({
      agentId: "writer",
      actionType: "email.send",
      successes: 0,
      failures: 0,
      earnedLevel: 2,
      updatedAt: NOW,
      version: 0,
    });
  });
});

describe("trust: promotion", () => {
  it("needs the minimum sample: 9 replies stay at level 1, the 10th promotes to 2", () => {
    const nine = run(newTrust("writer", "email.send", 1, NOW), times(9, "replied"));
    expect(nine.record.earnedLevel).toBe(1);
    // The bound alone would qualify; the sample does not.
    expect(trustStats(nine.record, policy.confidenceZ).lowerBound).toBeGreaterThan(
      policy.level2.minLowerBound,
    );
    const ten = run(nine.record, ["replied"]);
    expect(ten.record.earnedLevel).toBe(2);
    expect(ten.changes).toEqual([
      { after: 1, from: 1, to: 2, reason: expect.stringContaining("cleared the level 2 bar") },
    ]);
  });

  it("promotes to 3 at 30 weighted successes, not at 29", () => {
    const { record, changes } = run(newTrust("writer", "email.send", 1, NOW), times(30, "replied"));
    expect(changes.map((c) => [c.after, c.from, c.to])).toEqual([
      [10, 1, 2],
      [30, 2, 3],
    ]);
    expect(record.earnedLevel).toBe(3);
    expect(changes[1]?.reason).toContain("cleared the level 3 bar");
  });

  it("the sample is weighted: 5 meetings booked (weight 2) count as 10", () => {
    expect(run(newTrust("w", "email.send", 1, NOW), times(4, "meeting_booked")).record.earnedLevel).toBe(1);
    expect(run(newTrust("w", "email.send", 1, NOW), times(5, "meeting_booked")).record.earnedLevel).toBe(2);
  });

  it("needs the lower bound: a large sample with too many failures stays at 1", () => {
    const mixed = run(newTrust("w", "email.send", 1, NOW), [...times(4, "bounced"), ...times(12, "replied")]);
    expect(trustStats(mixed.record, policy.confidenceZ).sample).toBe(16);
    expect(trustStats(mixed.record, policy.confidenceZ).lowerBound).toBeLessThan(0.6);
    expect(mixed.record.earnedLevel).toBe(1);
  });

  it("can jump from 1 straight to 3 when the evidence clears the higher bar", () => {
    const r = trust({ successes: 35, failures: 0, earnedLevel: 1 });
    const out = applyOutcome(r, "replied", NOW, policy);
    expect(out.change).toMatchObject({ from: 1, to: 3 });
  });

  it("edited counts as partly good, partly bad", () => {
    const out = applyOutcome(trust(), "edited", NOW, policy);
    expect(out.record.successes).toBeCloseTo(0.3, 10);
    expect(out.record.failures).toBeCloseTo(0.7, 10);
  });

  it("an outcome the policy does not weigh changes nothing but the decay", () => {
    const bare = { ...policy, outcomes: {} };
    const r = trust({ successes: 8, failures: 2, earnedLevel: 2 });
    const out = applyOutcome(r, "replied", NOW + 30 * DAY, bare);
    expect(out.change).toBeUndefined();
    expect(out.record).toMatchObject({
      successes: 4,
      failures: 1,
      earnedLevel: 2,
      updatedAt: NOW + 30 * DAY,
    });
  });

  it("a good outcome never demotes an agent from its start level", () => {
    // linkedin.audience.add starts at level 2 in the default spec; crm.update at 3.
    const audience = applyOutcome(newTrust("w", "linkedin.audience.add", 2, NOW), "approved", NOW, policy);
    expect(audience.record.earnedLevel).toBe(2);
    expect(audience.change).toBeUndefined();
    const crm = applyOutcome(newTrust("w", "crm.update", 3, NOW), "approved", NOW, policy);
    expect(crm.record.earnedLevel).toBe(3);
  });
});

describe("trust: decay", () => {
  it("halves the evidence after halfLifeDays and quarters it after two", () => {
    const r = trust({ successes: 8, failures: 2 });
    expect(decayed(r, NOW + 30 * DAY, policy)).toMatchObject({
      successes: 4,
      failures: 1,
      updatedAt: NOW + 30 * DAY,
    });
    expect(decayed(r, NOW + 60 * DAY, policy)).toMatchObject({ successes: 2, failures: 0.5 });
    expect(decayed(r, NOW + 15 * DAY, policy).successes).toBeCloseTo(8 / Math.SQRT2, 10);
  });

  it("never grows evidence when the clock goes backwards", () => {
    expect(decayed(trust({ successes: 8, failures: 2 }), NOW - DAY, policy)).toMatchObject({
      successes: 8,
      failures: 2,
    });
  });

  it("is applied before each new outcome", () => {
    const out = applyOutcome(trust({ successes: 8, failures: 2 }), "replied", NOW + 30 * DAY, policy);
    expect(out.record.successes).toBeCloseTo(5, 10);
    expect(out.record.failures).toBeCloseTo(1, 10);
    expect(out.record.updatedAt).toBe(NOW + 30 * DAY);
  });

  it("stale evidence weighs less: the same failures demote an agent whose record is old, not a fresh one", () => {
    const record = trust({ successes: 40, failures: 0, earnedLevel: 3 });
    const fresh = run(record, times(4, "bounced"), NOW);
    expect(fresh.record.earnedLevel).toBe(3);
    const stale = run(record, times(4, "bounced"), NOW + 60 * DAY);
    expect(stale.record.successes).toBeCloseTo(10, 10);
    expect(stale.record.earnedLevel).toBe(1);
    expect(stale.changes.at(-1)?.reason).toContain("fell below the level 2 bar");
  });
});

describe("trust: hysteresis", () => {
  it("level 2 holds while the bound stays within the demotion margin", () => {
    // Lower bound ~0.598: below 0.6 (no promotion from 1) but above 0.55 (no demotion from 2).
    const at2 = applyOutcome(trust({ successes: 14, failures: 4, earnedLevel: 2 }), "opened", NOW, policy);
    expect(at2.record.earnedLevel).toBe(2);
    expect(at2.change).toBeUndefined();
    const at1 = applyOutcome(trust({ successes: 14, failures: 4, earnedLevel: 1 }), "opened", NOW, policy);
    expect(at1.record.earnedLevel).toBe(1);
  });

  it("level 2 is lost when the bound drops below threshold minus margin", () => {
    const out = applyOutcome(
      trust({ successes: 12, failures: 3, earnedLevel: 2 }),
      "flagged_bad_lead",
      NOW,
      policy,
    );
    expect(trustStats(out.record, policy.confidenceZ).lowerBound).toBeLessThan(0.55);
    expect(out.change).toMatchObject({ from: 2, to: 1 });
  });

  it("level 3 holds within the margin; level 2 does not rise on the same evidence", () => {
    const at3 = applyOutcome(trust({ successes: 40, failures: 5, earnedLevel: 3 }), "opened", NOW, policy);
    expect(at3.record.earnedLevel).toBe(3);
    const at2 = applyOutcome(trust({ successes: 40, failures: 5, earnedLevel: 2 }), "opened", NOW, policy);
    expect(at2.record.earnedLevel).toBe(2);
  });

  it("level 3 falls to 2, not 1, when only the level 3 bar is lost", () => {
    const r = earnedLevelFor(trust({ successes: 20, failures: 6, earnedLevel: 3 }), policy, NOW);
    expect(r.level).toBe(2);
    expect(r.why).toContain("fell below the level 3 bar");
  });
});

describe("trust: severe outcomes", () => {
  for (const severe of ["complaint", "unsubscribed", "rejected"] as const) {
    it(`${severe} demotes to level 1 at once, whatever the evidence`, () => {
      const out = applyOutcome(trust({ successes: 100, failures: 0, earnedLevel: 3 }), severe, NOW, policy);
      expect(out.record.earnedLevel).toBe(1);
      expect(out.change).toEqual({ from: 3, to: 1, reason: `severe outcome "${severe}" demotes at once` });
      expect(out.record.noPromotionUntil).toBe(NOW + 7 * DAY);
    });
  }

  it("records no change when already at level 1, but still freezes promotion", () => {
    const out = applyOutcome(trust({ earnedLevel: 1 }), "complaint", NOW, policy);
    expect(out.change).toBeUndefined();
    expect(out.record.noPromotionUntil).toBe(NOW + 7 * DAY);
    expect(out.record.failures).toBe(3);
  });

  it("blocks re-promotion for 7 days, then allows it", () => {
    const demoted = applyOutcome(
      trust({ successes: 40, failures: 0, earnedLevel: 3 }),
      "complaint",
      NOW,
      policy,
    );
    // A day later the evidence would clear level 3, but promotion is frozen.
    const during = applyOutcome(demoted.record, "replied", NOW + DAY, policy);
    expect(trustStats(during.record, policy.confidenceZ).lowerBound).toBeGreaterThan(0.8);
    expect(during.record.earnedLevel).toBe(1);
    expect(during.change).toBeUndefined();
    expect(earnedLevelFor(during.record, policy, NOW + DAY).why).toBe(
      "promotion frozen after a severe outcome",
    );
    const almost = applyOutcome(during.record, "replied", NOW + 7 * DAY - 1, policy);
    expect(almost.record.earnedLevel).toBe(1);
    // From the end of the freeze on, the evidence counts again.
    const after = applyOutcome(almost.record, "replied", NOW + 7 * DAY, policy);
    expect(after.record.earnedLevel).toBe(3);
    expect(after.change).toMatchObject({ from: 1, to: 3 });
  });

  it("a second severe outcome extends the freeze", () => {
    const first = applyOutcome(trust({ successes: 40 }), "complaint", NOW, policy);
    const second = applyOutcome(first.record, "unsubscribed", NOW + 3 * DAY, policy);
    expect(second.record.noPromotionUntil).toBe(NOW + 10 * DAY);
  });
});

describe("trust: effective level (pin > earned > start, capped by the spec)", () => {
  const capped: ActionConfig = { ...email, maxLevel: 2 };

  it("without a record: the action's start level", () => {
    expect(effectiveLevel(undefined, email)).toEqual({ level: 1, source: "start", capped: false });
    expect(effectiveLevel(undefined, spec.autonomy.actions["crm.update"]!)).toEqual({
      level: 3,
      source: "start",
      capped: false,
    });
  });

  it("with a record: the earned level", () => {
    expect(effectiveLevel(trust({ earnedLevel: 2 }), email)).toEqual({
      level: 2,
      source: "earned",
      capped: false,
    });
  });

  it("a pin overrides the earned level, up or down", () => {
    expect(effectiveLevel(trust({ earnedLevel: 1, pinnedLevel: 3 }), email)).toEqual({
      level: 3,
      source: "pinned",
      capped: false,
    });
    expect(effectiveLevel(trust({ earnedLevel: 3, pinnedLevel: 1 }), email)).toEqual({
      level: 1,
      source: "pinned",
      capped: false,
    });
  });

  it("the spec's maxLevel caps pins and earned levels alike", () => {
    expect(effectiveLevel(trust({ pinnedLevel: 3 }), capped)).toEqual({
      level: 2,
      source: "pinned",
      capped: true,
    });
    expect(effectiveLevel(trust({ earnedLevel: 3 }), capped)).toEqual({
      level: 2,
      source: "earned",
      capped: true,
    });
    expect(effectiveLevel(trust({ earnedLevel: 1 }), capped)).toEqual({
      level: 1,
      source: "earned",
      capped: false,
    });
  });
});
