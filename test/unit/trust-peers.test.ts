import { describe, expect, it } from "vitest";
import type { OutcomeType } from "../../shared/domain/vocabulary.ts";
import {
  applyOutcome,
  decayed,
  earnedLevelFor,
  newTrust,
  type TrustRecord,
} from "../../shared/learning/trust.ts";
import {
  comparePeers,
  marketSquaresOf,
  type PeerMarket,
  peerSnapshot,
  peersAllow,
  peersPending,
  reviewSquaresOf,
} from "../../shared/learning/trust-peers.ts";
import { DAY, defaultSpec, NOW } from "./helpers/fixtures.ts";

const policy = defaultSpec().trust;

/**
 * An email writer after 60 approvals and `touches` sends answered at `replyRate` (the rest unanswered
 * when their window closed), its first window closed: what a writer looks like a few weeks in.
 */
function writer(
  agentId: string,
  replyRate: number,
  touches: number,
  peers: PeerMarket[] = [],
  { rejected = 0, using = policy } = {},
): TrustRecord {
  let r: TrustRecord = { ...newTrust(agentId, "email.send", 1, NOW), settled: 1 };
  const feed = (o: OutcomeType) => {
    r = applyOutcome(r, o, NOW, using, peers).record;
  };
  for (let i = 0; i < 60; i++) feed(i < rejected ? "rejected" : "approved");
  for (let i = 0; i < touches; i++)
    feed(Math.floor((i + 1) * replyRate) > Math.floor(i * replyRate) ? "replied" : "silence");
  return r;
}

describe("trust against peers on the same action (trust-peers.ts)", () => {
  // A warm market: even the weaker writer clears the absolute market bar (mean ≈ 0.74 ≥ 0.55).
  const careful = writer("careful", 0.15, 500);
  const sloppy = writer("sloppy", 0.08, 500);

  it("alone, the weaker writer reaches level 3 on the absolute bars: the warm market flatters it", () => {
    expect(sloppy.earnedLevel).toBe(3);
    expect(comparePeers(sloppy, [], NOW, policy)).toBeUndefined();
  });

  it("next to a peer earning twice its replies on the same action, it stays at level 2", () => {
    const held = writer("sloppy", 0.08, 500, [peerSnapshot(careful)]);
    expect(held.earnedLevel).toBe(2);
    const cmp = comparePeers(held, [peerSnapshot(careful)], NOW, policy);
    expect(cmp).toMatchObject({ peers: 1 });
    // Odds of a good outcome about half its peer's, well inside the noise's reach of the 0.8 floor.
    expect(Math.exp(cmp?.gap ?? 0)).toBeLessThan(0.6);
    expect(earnedLevelFor(held, policy, NOW, [peerSnapshot(careful)]).why).toContain("× the odds");
  });

  it("the better writer next to the weaker one still reaches level 3", () => {
    const promoted = writer("careful", 0.15, 500, [peerSnapshot(sloppy)]);
    expect(promoted.earnedLevel).toBe(3);
  });

  it("a writer at level 3 is demoted to 2 once its peers show it worse, and the change names the comparison", () => {
    const peers = [peerSnapshot(careful)];
    const out = applyOutcome(sloppy, "silence", NOW, policy, peers);
    expect(sloppy.earnedLevel).toBe(3);
    expect(out.record.earnedLevel).toBe(2);
    expect(out.change?.evidence.peers).toMatchObject({ peers: 1 });
    expect(out.change?.evidence.peers?.gap).toBeLessThan(Math.log(policy.level3.minPeerOdds));
  });

  it("holding level 3 asks only not to be shown worse: a peer as good keeps it there on thin evidence", () => {
    const twin = writer("twin", 0.15, 120);
    const cmp = comparePeers(careful, [peerSnapshot(twin)], NOW, policy);
    expect(cmp).toBeDefined();
    expect(peersAllow(cmp, policy, true)).toBe(true);
    // …while the same thin comparison could not promote (the gap's noise reaches below the floor).
    expect(peersAllow(cmp, policy, false)).toBe(false);
  });

  it("ignores itself, peers whose first window is open, and peers with too little market evidence", () => {
    const self = peerSnapshot(careful);
    expect(
      comparePeers(sloppy, [{ ...peerSnapshot(careful), agentId: "sloppy" }], NOW, policy),
    ).toBeUndefined();
    expect(comparePeers(sloppy, [{ ...self, settled: false }], NOW, policy)).toBeUndefined();
    const thin = writer("new", 0.15, 5);
    expect(comparePeers(sloppy, [peerSnapshot(thin)], NOW, policy)).toBeUndefined();
  });

  it("decays a peer's snapshot to now: old evidence weighs less and is known less well", () => {
    const fresh = comparePeers(sloppy, [peerSnapshot(careful)], NOW, policy);
    const old = comparePeers(
      sloppy,
      [{ ...peerSnapshot(careful), updatedAt: NOW - policy.halfLifeDays * DAY }],
      NOW,
      policy,
    );
    expect(old?.peerSample).toBeCloseTo((fresh?.peerSample ?? 0) / 2, 6);
    expect(old?.se ?? 0).toBeGreaterThan(fresh?.se ?? 0);
  });

  it("peers active on the action but too thin to compare with hold promotion back, not a level already held", () => {
    // The careful writer demoted early sends little: a handful of outcomes, or its first window still open.
    const thin = peerSnapshot(writer("careful", 0.15, 5));
    const opening = { ...peerSnapshot(careful), settled: false };
    for (const peer of [thin, opening]) {
      expect(comparePeers(writer("sloppy", 0.08, 500), [peer], NOW, policy)).toBeUndefined();
      expect(peersPending([peer], "sloppy", NOW, policy)).toBe(true);
      expect(writer("sloppy", 0.08, 500, [peer]).earnedLevel).toBe(2);
    }
    // Already at level 3: thin peers are no evidence against it.
    expect(applyOutcome(sloppy, "silence", NOW, policy, [thin]).record.earnedLevel).toBe(3);
    // Once the peer has shown what the market pays, the comparison decides (here: the sloppy one stays at 2).
    expect(peersPending([peerSnapshot(careful)], "sloppy", NOW, policy)).toBe(false);
  });

  it("a peer silent for a half-life (retired, paused) no longer holds the others back; nor does the agent itself", () => {
    const thin = peerSnapshot(writer("careful", 0.15, 5));
    const gone = { ...thin, updatedAt: NOW - policy.halfLifeDays * DAY };
    expect(peersPending([gone], "sloppy", NOW, policy)).toBe(false);
    expect(writer("sloppy", 0.08, 500, [gone]).earnedLevel).toBe(3);
    expect(peersPending([{ ...thin, agentId: "sloppy" }], "sloppy", NOW, policy)).toBe(false);
  });

  it("a market that cannot tell two writers apart leaves it to their reviews: rejected twice as often, it stays at 2", () => {
    // Same reply rate over enough touches to promote on the market alone; the reviewers rejected 12 of
    // its 60 drafts and 6 of its peer's.
    const peer = peerSnapshot(writer("careful", 0.1, 2000, [], { rejected: 6 }));
    const held = writer("sloppy", 0.1, 2000, [peer], { rejected: 12 });
    expect(held.earnedLevel).toBe(2);
    const cmp = comparePeers(held, [peer], NOW, policy);
    expect(cmp?.market.gap).toBeCloseTo(0, 1);
    expect(cmp?.reviews?.gap).toBeLessThan(Math.log(0.5));
    // Combined: between the two streams.
    expect(cmp?.gap).toBeLessThan(cmp?.market.gap ?? 0);
    expect(cmp?.gap).toBeGreaterThan(cmp?.reviews?.gap ?? 0);
    expect(earnedLevelFor(held, policy, NOW, [peer]).why).toMatch(/market 1\.\d\d×, reviews 0\.\d\d×/);
    // Reviews weighted 0 by the spec: the market alone, which cannot tell them apart, decides.
    const marketOnly = { ...policy, evidence: { ...policy.evidence, reviews: 0 } };
    expect(comparePeers(held, [peer], NOW, marketOnly)?.reviews).toBeUndefined();
    const alone = writer("sloppy", 0.1, 2000, [peer], { rejected: 12, using: marketOnly });
    expect(comparePeers(alone, [peer], NOW, marketOnly)?.gap).toBeCloseTo(cmp?.market.gap ?? 9, 6);
    expect(alone.earnedLevel).toBe(3);
    // A peer's snapshot shared before reviews were compared: the market alone too.
    const { reviews: _, ...old } = peer;
    expect(comparePeers(held, [old], NOW, policy)?.reviews).toBeUndefined();
  });

  it("streams that agree are pooled tighter than either; streams that contradict each other widen the comparison", () => {
    const careful = peerSnapshot(writer("careful", 0.1, 2000, [], { rejected: 6 }));
    // Worse on both: fewer replies and twice the rejections.
    const agree = comparePeers(writer("sloppy", 0.065, 2000, [], { rejected: 12 }), [careful], NOW, policy);
    expect(agree?.spread).toBeUndefined();
    expect(agree?.se).toBeLessThan(Math.min(agree?.market.se ?? 0, agree?.reviews?.se ?? 0));
    // Better on a thin market (what two early complaints do to a peer), far worse on reviews: the
    // disagreement (τ²) widens the comparison beyond either stream's own noise, and nothing is promoted on it.
    const thinPeer = peerSnapshot(writer("careful", 0.05, 300, [], { rejected: 3 }));
    const mixed = writer("sloppy", 0.2, 300, [], { rejected: 25 });
    const cmp = comparePeers(mixed, [thinPeer], NOW, policy);
    expect(cmp?.market.gap).toBeGreaterThan(Math.log(2));
    expect(cmp?.reviews?.gap).toBeLessThan(Math.log(0.5));
    expect(cmp?.spread).toBeGreaterThan(0);
    expect(cmp?.se).toBeGreaterThan(Math.max(cmp?.market.se ?? 9, cmp?.reviews?.se ?? 9));
    expect(peersAllow(cmp, policy, false)).toBe(false);
    // …while the same comparison does not demote an agent already at level 3 (hysteresis).
    expect(peersAllow(cmp, policy, true)).toBe(true);
  });

  it("minPeerOdds 0 turns the comparison off", () => {
    const off = { ...policy, level3: { ...policy.level3, minPeerOdds: 0 } };
    const cmp = comparePeers(sloppy, [peerSnapshot(careful)], NOW, off);
    expect(peersAllow(cmp, off, false)).toBe(true);
    expect(peersPending([peerSnapshot(writer("careful", 0.15, 5))], "sloppy", NOW, off)).toBe(false);
  });
});

describe("the market stream's squared weights", () => {
  it("add each market outcome's weight squared, reviews none, and decay with the square of the counts' decay", () => {
    let r = newTrust("w", "email.send", 1, NOW);
    for (const o of ["replied", "meeting_booked", "silence", "unsubscribed", "approved"] as OutcomeType[])
      r = applyOutcome(r, o, NOW, policy).record;
    const sq = marketSquaresOf(r);
    expect(sq.success).toBeCloseTo(1 + 4, 10);
    expect(sq.failure).toBeCloseTo(0.03 ** 2 + 4, 10);
    const later = decayed(r, NOW + policy.halfLifeDays * DAY, policy);
    expect(marketSquaresOf(later).success).toBeCloseTo(5 / 4, 10);
    expect(later.market?.success).toBeCloseTo(3 / 2, 10);
  });

  it("a record from before squares were kept reads its counts as squares (weight 1 each: more variance, not less)", () => {
    expect(marketSquaresOf({ market: { success: 3, failure: 2 } })).toEqual({ success: 3, failure: 2 });
    const old = { successes: 4, failures: 1 };
    expect(reviewSquaresOf({ ...old, reviews: { success: 3, failure: 2 } })).toEqual({
      success: 3,
      failure: 2,
    });
    // Before streams, a record's counts were its reviews (trust.ts).
    expect(reviewSquaresOf(old)).toEqual({ success: 4, failure: 1 });
  });

  it("reviews keep their own squares: a rejection weighs 2, so 4 in the squares", () => {
    let r = newTrust("w", "email.send", 1, NOW);
    for (const o of ["approved", "rejected", "edited"] as OutcomeType[])
      r = applyOutcome(r, o, NOW, policy).record;
    expect(reviewSquaresOf(r).success).toBeCloseTo(1 + 0.3 ** 2, 10);
    expect(reviewSquaresOf(r).failure).toBeCloseTo(4 + 0.7 ** 2, 10);
    expect(peerSnapshot(r).reviews).toMatchObject({ success: 1.3, failure: 2.7 });
    expect(marketSquaresOf(r)).toEqual({ success: 0, failure: 0 });
  });
});
