/**
 * Trust against peers (learning/trust-peers.ts) through the use case and the real store: each market
 * outcome publishes the agent's snapshot to its action type's peers item, and level 3 reads them.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { streams } from "../../shared/domain/decision.ts";
import { DAY, HOUR } from "../../shared/domain/time.ts";
import type { OutcomeType } from "../../shared/domain/vocabulary.ts";
import type { TrustRecord } from "../../shared/learning/trust.ts";
import type { TrustStore } from "../../shared/ports.ts";
import { recordTrustOutcome } from "../../shared/usecases/trust.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";

let rt: TestRuntime;
beforeEach(async () => {
  rt = await startRuntime({ runWorkers: false });
});
afterEach(() => rt.close());

const answered = (rate: number, i: number): OutcomeType =>
  Math.floor((i + 1) * rate) > Math.floor(i * rate) ? "replied" : "silence";

describe("trust against peers, stored", () => {
  it("two writers on the same lists: the one earning half the replies never reaches level 3, the other does", async () => {
    const spec = (await rt.deps.specs.current())!;
    const feed = (agentId: string, o: OutcomeType, i: number) =>
      recordTrustOutcome(rt.deps, spec, agentId, "email.send", o, `${o} ${i}`);
    for (let i = 0; i < 40; i++) {
      await feed("careful", "approved", i);
      await feed("sloppy", "approved", i);
    }
    // In a warm market (15% and 8% reply rates) both clear the absolute bars; only the comparison differs.
    for (let i = 0; i < 320; i++) {
      await feed("careful", answered(0.15, i), i);
      await feed("sloppy", answered(0.08, i), i);
    }
    const careful = await rt.deps.trust.get("careful", "email.send");
    const sloppy = await rt.deps.trust.get("sloppy", "email.send");
    expect(careful?.earnedLevel).toBe(3);
    expect(sloppy?.earnedLevel).toBe(2);
    const levels = (await rt.deps.decisions.events(streams.trust("sloppy", "email.send")))
      .filter((e) => e.type === "trust.level_changed")
      .map((e) => e.to);
    expect(levels).not.toContain("3");

    const peers = await rt.deps.trust.peers("email.send");
    expect(peers.map((p) => p.agentId).sort()).toEqual(["careful", "sloppy"]);
    // Published when its market sample grew a tenth (or an hour passed): never far behind the record.
    const mine = peers.find((p) => p.agentId === "careful");
    const market = careful?.market ?? { success: 0, failure: 0 };
    expect(mine?.settled).toBe(true);
    expect(mine?.success).toBeLessThanOrEqual(market.success);
    // Its reviews travel with it (compared too, trust-peers.ts): 40 approvals, each of weight 1.
    expect(mine?.reviews?.success).toBeCloseTo(40, 0);
    expect(mine?.reviews?.successSq).toBeCloseTo(40, 0);
    expect((mine?.success ?? 0) + (mine?.failure ?? 0)).toBeGreaterThan(
      (market.success + market.failure) / 1.15,
    );

    // A complaint demotes at once and freezes promotion for a week; the promotion after it is judged
    // against the peer's evidence, market and reviews.
    await feed("careful", "complaint", 0);
    expect((await rt.deps.trust.get("careful", "email.send"))?.earnedLevel).toBe(1);
    rt.clock.advance(8 * DAY);
    for (let i = 0; i < 10; i++) await feed("careful", "replied", i);
    expect((await rt.deps.trust.get("careful", "email.send"))?.earnedLevel).toBe(3);
    const promoted = (await rt.deps.decisions.events(streams.trust("careful", "email.send")))
      .filter((e) => e.type === "trust.level_changed" && e.to === "3")
      .at(-1);
    expect(promoted?.data).toMatchObject({ evidence: { peers: { peers: 1 } } });
    expect(promoted?.detail).toMatch(
      /× the odds of a good outcome of its 1 peer \(.*market \d+\.\d\d×, reviews \d+\.\d\d×\)/,
    );
  });

  it("a late write of an older snapshot does not replace a newer one; reviews publish nothing", async () => {
    const snap = { agentId: "w", success: 5, failure: 1, successSq: 5, failureSq: 0.1, settled: true };
    await rt.deps.trust.sharePeer("email.send", { ...snap, updatedAt: 2_000 });
    await rt.deps.trust.sharePeer("email.send", { ...snap, success: 1, updatedAt: 1_000 });
    expect(await rt.deps.trust.peers("email.send")).toEqual([{ ...snap, updatedAt: 2_000 }]);
    await rt.deps.trust.sharePeer("email.send", { ...snap, success: 9, updatedAt: 3_000 });
    expect((await rt.deps.trust.peers("email.send"))[0]?.success).toBe(9);

    const spec = (await rt.deps.specs.current())!;
    await recordTrustOutcome(rt.deps, spec, "reviewed", "linkedin.message", "approved", "review");
    expect(await rt.deps.trust.peers("linkedin.message")).toEqual([]);
    await recordTrustOutcome(rt.deps, spec, "reviewed", "linkedin.message", "silence", "window closed");
    expect((await rt.deps.trust.peers("linkedin.message")).map((p) => p.agentId)).toEqual(["reviewed"]);
  });

  it("reads the peers and publishes its own snapshot at most once an hour per agent, not once per outcome", async () => {
    const spec = (await rt.deps.specs.current())!;
    const calls = { peers: 0, sharePeer: 0 };
    const store = rt.deps.trust;
    const trust: TrustStore = {
      get: (a, t) => store.get(a, t),
      list: (p) => store.list(p),
      save: (r, v, e) => store.save(r, v, e),
      peers: (t) => {
        calls.peers++;
        return store.peers(t);
      },
      sharePeer: (t, s) => {
        calls.sharePeer++;
        return store.sharePeer(t, s);
      },
    };
    const deps = { clock: rt.clock, trust };
    // An agent whose evidence holds level 3: each outcome asks whether its peers allow it.
    const now = rt.clock.now();
    const held: TrustRecord = {
      agentId: "steady",
      actionType: "email.send",
      successes: 150,
      failures: 3,
      reviews: { success: 60, failure: 0 },
      market: { success: 90, failure: 3 },
      marketSquares: { success: 90, failure: 0.1 },
      silence: 100,
      settled: 100,
      earnedLevel: 3,
      updatedAt: now,
      version: 0,
    };
    await store.save(held, 0);
    for (let i = 0; i < 6; i++)
      await recordTrustOutcome(deps, spec, "steady", "email.send", "replied", `r${i}`);
    expect((await store.get("steady", "email.send"))?.earnedLevel).toBe(3);
    expect(calls).toEqual({ peers: 1, sharePeer: 1 });
    rt.clock.advance(HOUR);
    await recordTrustOutcome(deps, spec, "steady", "email.send", "silence", "an hour on");
    expect(calls).toEqual({ peers: 2, sharePeer: 2 });
  });
});
