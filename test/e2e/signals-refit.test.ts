/**
 * The signals loop end to end (issue 9 deliverable 3): outcomes recorded on executed touches → the
 * loop's refit → a weights draft whose spec version holds the new weights in shadow → decisions record
 * intent under both weights with the verdict unchanged → confirmed by an admin (or adopted by the
 * harness where learning.signals.autoAdopt allows and the shadow evidence ranks better) → the gate and
 * the agents' intent use the new weights.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { computeIntent } from "../../shared/domain/checks/quality.ts";
import { currentWeights, withWeights } from "../../shared/domain/spec-signals.ts";
import { signalsTick } from "../../shared/usecases/signals-refit.ts";
import { acme } from "../helpers/world.ts";
import {
  advance,
  expectStatus,
  type Harness,
  HOUR,
  MINUTE,
  pin,
  seedAccount,
  startHarness,
} from "./helpers/harness.ts";
import { directoryOf, signalHistory, touchedBy } from "./helpers/signals-history.ts";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const WRITER = "outreach-writer";

async function publishLearning(signals: Record<string, unknown>) {
  const current = expectStatus(await h.call("GET", "/v1/specs/current", h.viewer), 200);
  const spec = { ...current.spec, learning: { ...current.spec.learning, signals } };
  return expectStatus(await h.call("POST", "/v1/specs", h.admin, spec), 201);
}

const current = async () => expectStatus(await h.call("GET", "/v1/specs/current", h.viewer), 200);

/** An admin sets signal weights by hand: a spec version with only those weights changed. */
async function weightsByHand(weights: Record<string, number>) {
  const { spec } = await current();
  const signals = { ...spec.quality.signals };
  for (const [type, weight] of Object.entries(weights)) signals[type] = { ...signals[type], weight };
  expectStatus(
    await h.call("POST", "/v1/specs", h.admin, { ...spec, quality: { ...spec.quality, signals } }),
    201,
  );
}

const touched = (accountId: string, type: string) => touchedBy(h, WRITER, accountId, type);
const history = (prefix: string, n: number) => signalHistory(h, WRITER, prefix, n);

/**
 * With `autoAdopt` and the given shadow settings: four weeks' worth of history (website visitors book,
 * G2 researchers do not) and the loop's first refit, which drafts weights in shadow.
 */
async function firstAutoRefit(signals: Record<string, unknown>) {
  await publishLearning({ minReplies: 4, minMeetings: 4, autoAdopt: true, priorSd: 1, ...signals });
  await pin(h, WRITER, "email.send", 3);
  await history("a", 4);
  const tick = await signalsTick(h.rt.deps);
  expect(tick.action).toBe("refit");
  if (tick.action !== "refit") throw new Error(`expected a refit, got ${tick.action}`);
  return tick.draft;
}

describe("signals refit", () => {
  it("drafts new weights in shadow, records both intents with the verdict unchanged, and an admin's confirm puts them in force", async () => {
    await publishLearning({ minReplies: 4, minMeetings: 4, priorSd: 1 });
    await pin(h, WRITER, "email.send", 3);
    expect((await signalsTick(h.rt.deps)).action).toBe("none"); // no meetings yet
    const first = await history("a", 4);

    const tick = await signalsTick(h.rt.deps);
    expect(tick.action).toBe("refit");
    if (tick.action !== "refit") return;
    const draft = expectStatus(await h.call("GET", `/v1/specs/drafts/${tick.draft.draftId}`, h.admin), 200);
    expect(draft).toMatchObject({
      status: "shadow",
      kind: "weights",
      correction: { kind: "refit", meetings: 4 },
    });
    expect(draft.weights.to.website_visit).toBeGreaterThan(draft.weights.to.g2_research);
    expect(draft.weights.fitted.website_visit.se).toBeGreaterThan(0);
    const shadowVersion = await current();
    expect(shadowVersion.version).toBe(draft.shadowVersion);
    expect(shadowVersion.spec.learning.signals.shadow.draftId).toBe(draft.draftId);
    expect(shadowVersion.spec.quality.signals.website_visit.weight).toBe(5); // not in force
    // A second tick the same day makes no second draft.
    expect((await signalsTick(h.rt.deps)).action).toBe("shadow");

    await advance(h, MINUTE);
    const inShadow = await touched("sw", "website_visit");
    expect(inShadow.specVersion).toBe(shadowVersion.version);
    expect(inShadow.context.intent.score).toBe(85); // 3 × 25 + 2 × 5: the weights in force
    expect(inShadow.shadowIntent).toMatchObject({ draftId: draft.draftId });
    expect(inShadow.shadowIntent.score).toBe(
      Math.min(100, 3 * draft.weights.to.pricing_page_visit + 2 * draft.weights.to.website_visit),
    );
    // The same proposal to the same kind of account before the draft: the shadow changed nothing real.
    expect(inShadow.verdict).toBe(first.meetings[0].verdict);
    expect(inShadow.verdict).toBe("allow");

    const confirmed = expectStatus(
      await h.call("POST", `/v1/specs/drafts/${draft.draftId}/confirm`, h.admin, { reason: "looks right" }),
      200,
    );
    expect(confirmed.status).toBe("confirmed");
    const enforced = await current();
    expect(enforced.version).toBe(confirmed.confirmedVersion);
    expect(enforced.spec.quality.signals.website_visit.weight).toBe(draft.weights.to.website_visit);
    // Fitted per occurrence up to learning.signals.maxCount (3): the gate counts no more than that.
    expect(enforced.spec.quality.signals.website_visit.maxCount).toBe(3);
    expect(enforced.spec.learning.signals.shadow).toBeUndefined();
    const after = await touched("ew", "website_visit");
    expect(after.shadowIntent).toBeUndefined();
    expect(after.context.intent.counted).toContainEqual(
      expect.objectContaining({ type: "website_visit", weight: draft.weights.to.website_visit }),
    );
  });

  it("scaled on the knowledge base's directory, a refit keeps the number of ICP accounts over minIntent", async () => {
    // Counting up to 10 occurrences, so four and six website visits differ (the default cap is 3).
    await publishLearning({ minReplies: 4, minMeetings: 4, priorSd: 1, maxCount: 10 });
    await pin(h, WRITER, "email.send", 3);
    await history("a", 4); // website visitors book, G2 researchers do not
    // A week on, their visits have left the 7-day window: the touched accounts are under the bar of
    // 60 (G2 research, 14 days: 30). Of twelve fresh accounts, eight are over it: three pricing visits
    // (75) and four website visits, or three; four are under it, with six website visits alone (30).
    await advance(h, 8 * 24 * HOUR);
    const now = h.rt.clock.now();
    const visits = async (accountId: string, n: number) =>
      expectStatus(
        await h.call("POST", "/v1/signals", h.admin, {
          signals: Array.from({ length: n }, (_, d) => ({
            accountId,
            type: "website_visit",
            occurredAt: new Date(now - (d + 1) * HOUR).toISOString(),
          })),
        }),
        201,
      );
    for (let i = 0; i < 4; i++) {
      await seedAccount(h, `u4${i}`); // seeds the three pricing visits
      await visits(`u4${i}`, 4);
      await seedAccount(h, `u3${i}`);
      await visits(`u3${i}`, 3);
      expectStatus(
        await h.call("PUT", `/v1/accounts/u6${i}`, h.admin, { ...acme, domain: `u6${i}.io` }),
        200,
      );
      await visits(`u6${i}`, 6);
    }
    // The directory as the KB's agents see it (kb-watcher indexes accounts; no agents run here).
    const ids = ["aw", "ag", "u4", "u3", "u6"].flatMap((p) => [0, 1, 2, 3].map((i) => `${p}${i}`));
    const directory = directoryOf(h, ids);
    const tick = await signalsTick(h.rt.deps, directory);
    if (tick.action !== "refit") throw new Error(`expected a refit, got ${tick.action}`);
    const to = tick.draft.weights?.to ?? {};
    const spec = (await current()).spec;
    // The draft says why its weights have this scale.
    expect(tick.draft.weights?.scaledBy).toEqual({ accountsOver: 8, icpAccounts: 20, inForceOver: 8 });
    const accounts = await directory.accounts(ids);
    const over = (weights: Record<string, number>) =>
      accounts.filter(
        (a) => computeIntent(withWeights(spec, weights), a, h.rt.clock.now()).score >= spec.quality.minIntent,
      ).length;
    const inForce = over(currentWeights(spec));
    expect(accounts).toHaveLength(20);
    expect(inForce).toBe(8);
    // The refit values website visits and not pricing visits (every touched account had three): the
    // six-visit accounts now rank first, and the scale keeps eight over the bar: them and the four-visit
    // ones. Scaled on the touched accounts' mean instead, all twelve would clear it.
    expect(over(to)).toBe(8);
    const clearing = accounts.filter(
      (a) => computeIntent(withWeights(spec, to), a, h.rt.clock.now()).score >= spec.quality.minIntent,
    );
    expect(clearing.map((a) => a.accountId.slice(0, 2)).sort()).toEqual([
      ...Array(4).fill("u4"),
      ...Array(4).fill("u6"),
    ]);
    // Every weight is the fitted log-odds times one factor (to a tenth of a point).
    const fitted = tick.draft.weights?.fitted ?? {};
    const k = (to.website_visit as number) / (fitted.website_visit?.logOdds as number);
    for (const [t, w] of Object.entries(to)) expect(w).toBeCloseTo(k * (fitted[t]?.logOdds as number), 0);
  });

  it("with autoAdopt, adopts the weights once touches in shadow show they rank answers better", async () => {
    const draft = await firstAutoRefit({ adoptMinReplies: 3 });
    await advance(h, MINUTE);
    const waiting = await signalsTick(h.rt.deps);
    expect(waiting).toMatchObject({ action: "shadow", evidence: { adopt: false } });

    await history("s", 3);
    const adopted = await signalsTick(h.rt.deps);
    expect(adopted.action).toBe("adopted");
    if (adopted.action !== "adopted") return;
    expect(adopted.evidence.aucProposed).toBeGreaterThan(adopted.evidence.aucCurrent);
    // The shape test ran on every touch made under the weights in force, the history before the draft
    // included (8 + 6), in the spec's windows: pricing, website and G2 signals seen.
    expect(adopted.evidence.shape).toMatchObject({ df: 2, touches: 14 });
    expect(adopted.evidence.touches).toBe(6);
    expect(adopted.evidence.why).toMatch(/on the 14 touches made under them: LR [\d.]+ on 2 df/);
    expect(adopted.draft).toMatchObject({ status: "confirmed", closedBy: "harness" });
    const enforced = await current();
    expect(enforced.spec.quality.signals.website_visit.weight).toBe(draft.weights?.to.website_visit);
  });

  it("with autoAdopt, a refit that would let markedly fewer ICP accounts over minIntent is left for an admin", async () => {
    await publishLearning({ minReplies: 4, minMeetings: 4, autoAdopt: true, priorSd: 1, adoptMinReplies: 3 });
    await pin(h, WRITER, "email.send", 3);
    await history("a", 4);
    // All eight accounts clear the bar today (three pricing visits each); the refit, which sees the G2
    // researchers never book, scores them below zero: no factor keeps eight, it keeps the four it can.
    const directory = directoryOf(
      h,
      ["aw", "ag"].flatMap((p) => [0, 1, 2, 3].map((i) => `${p}${i}`)),
    );
    const tick = await signalsTick(h.rt.deps, directory);
    if (tick.action !== "refit") throw new Error(`expected a refit, got ${tick.action}`);
    expect(tick.draft.weights?.scaledBy).toEqual({ accountsOver: 4, icpAccounts: 8, inForceOver: 8 });

    // The shadow evidence that adopts the same refit in the test above: here it stays a draft.
    await history("s", 3);
    const held = await signalsTick(h.rt.deps, directory);
    expect(held).toMatchObject({ action: "shadow", evidence: { adopt: false } });
    if (held.action !== "shadow") return;
    expect(held.evidence.why).toMatch(
      /rank.*; it keeps 4 of the 8 ICP accounts over minIntent today: left for an admin/,
    );
    expect((await current()).spec.quality.signals.website_visit.weight).not.toBe(
      tick.draft.weights?.to.website_visit,
    );
  });

  it("with autoAdopt, a refit under which no ICP account scores above zero is left for an admin", async () => {
    await publishLearning({ minReplies: 4, minMeetings: 4, autoAdopt: true, priorSd: 1, adoptMinReplies: 3 });
    await pin(h, WRITER, "email.send", 3);
    await history("a", 4);
    // Only the G2 researchers, who never booked: over the bar today, at or below zero under the fit.
    const directory = directoryOf(
      h,
      [0, 1, 2, 3].map((i) => `ag${i}`),
    );
    const tick = await signalsTick(h.rt.deps, directory);
    if (tick.action !== "refit") throw new Error(`expected a refit, got ${tick.action}`);
    // No scale can keep them; the draft still says how many the weights as written keep.
    expect(tick.draft.weights?.scaledBy).toEqual({ accountsOver: 0, icpAccounts: 4, inForceOver: 4 });
    await history("s", 3);
    const held = await signalsTick(h.rt.deps, directory);
    expect(held).toMatchObject({ action: "shadow", evidence: { adopt: false } });
    if (held.action !== "shadow") return;
    expect(held.evidence.why).toMatch(
      /it keeps 0 of the 4 ICP accounts over minIntent today: left for an admin/,
    );
  });

  it("with autoAdopt, a refit whose shadow stays inconclusive gives way to a refit on the touches since", async () => {
    const first = await firstAutoRefit({ adoptMinReplies: 1000, shadowMaxDays: 14 });
    await advance(h, 13 * 24 * HOUR);
    expect(await signalsTick(h.rt.deps)).toMatchObject({ action: "shadow", evidence: { adopt: false } });
    await advance(h, 2 * 24 * HOUR);
    const second = await signalsTick(h.rt.deps);
    expect(second.action).toBe("refit");
    if (second.action !== "refit") return;
    expect(second.draft.draftId).not.toBe(first.draftId);
    const stale = expectStatus(await h.call("GET", `/v1/specs/drafts/${first.draftId}`, h.admin), 200);
    expect(stale.status).toBe("discarded");
    expect(stale.closedReason).toMatch(/superseded/);
    expect((await current()).spec.learning.signals.shadow.draftId).toBe(second.draft.draftId);
  });

  it("with autoAdopt, a refit is not superseded before a fresh refit may be made", async () => {
    const first = await firstAutoRefit({ adoptMinReplies: 1000, shadowMaxDays: 3, refitEveryDays: 7 });
    await advance(h, 4 * 24 * HOUR);
    // Past shadowMaxDays, but no refit may be made before day 7: it stays in shadow meanwhile.
    expect(await signalsTick(h.rt.deps)).toMatchObject({ action: "shadow", draftId: first.draftId });
    expect((await current()).spec.learning.signals.shadow.draftId).toBe(first.draftId);
    await advance(h, 4 * 24 * HOUR);
    const second = await signalsTick(h.rt.deps);
    expect(second.action).toBe("refit");
  });

  it("with autoAdopt, a superseded refit's shadow touches count toward the next refit's adoption", async () => {
    await firstAutoRefit({ adoptMinReplies: 4, shadowMaxDays: 14 });
    await history("s", 2);
    // Two replies in the first refit's shadow: fewer than the four needed to judge it.
    expect(await signalsTick(h.rt.deps)).toMatchObject({ action: "shadow", evidence: { positives: 2 } });
    await advance(h, 15 * 24 * HOUR);
    const second = await signalsTick(h.rt.deps);
    expect(second.action).toBe("refit");
    if (second.action !== "refit") return;
    await history("t", 2);
    // Two more under the second: judged alone it would wait; pooled with the first refit's, it is adopted.
    const adopted = await signalsTick(h.rt.deps);
    expect(adopted).toMatchObject({ action: "adopted", evidence: { positives: 4, strata: 2 } });
    if (adopted.action !== "adopted") return;
    expect(adopted.draft.draftId).toBe(second.draft.draftId);
    expect(adopted.evidence.why).toMatch(/over 2 refits' shadow periods/);
    const enforced = await current();
    expect(enforced.spec.quality.signals.website_visit.weight).toBe(second.draft.weights?.to.website_visit);
  });

  it("an admin's copy of the shadow version published after the adoption: the stale shadow is cleared, the loop goes on", async () => {
    const draft = await firstAutoRefit({ adoptMinReplies: 3, refitEveryDays: 7 });
    const copy = await current(); // read to edit, while the weights are in shadow
    await history("s", 3);
    expect((await signalsTick(h.rt.deps)).action).toBe("adopted");
    // The admin publishes their edit of the copy: its learning.signals.shadow names the closed draft.
    const edited = {
      ...copy.spec,
      quality: {
        ...copy.spec.quality,
        content: { ...copy.spec.quality.content, bannedPhrases: ["synergy"] },
      },
    };
    expectStatus(await h.call("POST", "/v1/specs", h.admin, edited), 201);
    expect((await current()).spec.learning.signals.shadow.draftId).toBe(draft.draftId);

    // Once "adopted" again every day and never refitted; now cleared, and the admin's edit kept.
    const tick = await signalsTick(h.rt.deps);
    expect(tick.action).not.toBe("adopted");
    const cleared = await current();
    expect(cleared.spec.learning.signals.shadow).toBeUndefined();
    expect(cleared.spec.quality.content.bannedPhrases).toEqual(["synergy"]);
    await advance(h, 8 * 24 * HOUR);
    await history("t", 4);
    expect((await signalsTick(h.rt.deps)).action).toBe("refit");
  });

  it("with autoAdopt, weights an admin set by hand during the shadow are not overwritten by the refit", async () => {
    const draft = await firstAutoRefit({ adoptMinReplies: 3 });
    await weightsByHand({ blog_visit: 9 });
    await history("s", 3);
    const tick = await signalsTick(h.rt.deps);
    expect(tick).toMatchObject({ action: "none", why: expect.stringMatching(/weights in force changed/) });
    const closed = expectStatus(await h.call("GET", `/v1/specs/drafts/${draft.draftId}`, h.admin), 200);
    expect(closed.status).toBe("discarded");
    const after = await current();
    expect(after.spec.quality.signals.blog_visit.weight).toBe(9);
    expect(after.spec.learning.signals.shadow).toBeUndefined();
  });

  it("after an admin's hand weights discard a refit, the next refit is judged on its own touches, not the discarded one's", async () => {
    await firstAutoRefit({ adoptMinReplies: 3 });
    // Shadow touches comparing that refit with the weights before the admin's edit.
    await advance(h, MINUTE);
    await history("s", 3);
    await weightsByHand({ g2_research: 1, website_visit: 20 });
    expect(await signalsTick(h.rt.deps)).toMatchObject({ action: "none" });
    await advance(h, 7 * 24 * HOUR + MINUTE);
    const next = await signalsTick(h.rt.deps);
    expect(next.action).toBe("refit");
    await advance(h, MINUTE);
    // No touch yet under the new refit: it stays in shadow, and the admin's weights stay in force.
    // Before, it was adopted at once "on 6 touches", the discarded refit's.
    const tick = await signalsTick(h.rt.deps);
    expect(tick.action, JSON.stringify(tick)).toBe("shadow");
    const after = await current();
    expect(after.spec.quality.signals.website_visit.weight).toBe(20);
    expect(after.spec.quality.signals.g2_research.weight).toBe(1);
  });

  it("with learning off, nothing is refitted", async () => {
    const spec = await current();
    expectStatus(
      await h.call("POST", "/v1/specs", h.admin, {
        ...spec.spec,
        learning: { ...spec.spec.learning, enabled: false, signals: { minMeetings: 1 } },
      }),
      201,
    );
    await pin(h, WRITER, "email.send", 3);
    await history("a", 2);
    expect((await signalsTick(h.rt.deps)).action).toBe("off");
  });
});
