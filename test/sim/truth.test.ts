import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AgentContext, AgentProposal } from "../../shared/agents/context.ts";
import type { SpecDraft } from "../../shared/domain/drafts.ts";
import { SpecSchema } from "../../shared/domain/spec-schema.ts";
import type { KnowledgeView } from "../../shared/kb/view.ts";
import type { ShadowEvidence } from "../../shared/learning/signals-shadow.ts";
import type { SignalsTick } from "../../shared/usecases/signals-refit.ts";
import { simAgents, writerContext, writerFor } from "../../sim/agents.ts";
import { formatLearning, learningReport } from "../../sim/learning-report.ts";
import { misaddressed, type TouchRecord } from "../../sim/market.ts";
import { rngFor } from "../../sim/random.ts";
import { respond } from "../../sim/response-model.ts";
import { simSpec } from "../../sim/spec.ts";
import { spearman, wilson } from "../../sim/stats.ts";
import {
  bestVariant,
  CAREFUL_WRITER,
  drawTruth,
  expectedOutcome,
  type MarketTruth,
  RECORD_RUNGS,
  respacedRecordQualities,
  SIGNAL_TYPES,
  SLOPPY_WRITER,
  signalFeatures,
  truePersona,
} from "../../sim/truth.ts";

const DAY = 86_400_000;
const START = Date.parse("2026-03-02T05:00:00Z");

/** A hand-written truth, so the model's arithmetic can be checked by hand. */
function fixedTruth(): MarketTruth {
  const t = drawTruth(1);
  for (const s of SIGNAL_TYPES) t.signalWeights[s] = 0;
  t.signalWeights.pricing_page_visit = 0.5;
  t.signalWeights.blog_visit = -0.3;
  t.replyIntercept = -4;
  t.meetingIntercept = -1;
  t.persona.vp = 0.2;
  t.variant.vp = { "signal-led": 0, "fact-led": 0.1, "peer-proof": -0.2, "short-question": 0 };
  t.channel = { email: 0, linkedin: -0.25 };
  t.grounded = 0.4;
  t.misaddressed = -0.9;
  return t;
}

describe("the market's truths", () => {
  it("are drawn per seed: same seed, same truths; other seeds, other hidden weights and qualities", () => {
    expect(drawTruth(7)).toEqual(drawTruth(7));
    const weights = [1, 2, 3, 4, 5].map((s) => JSON.stringify(drawTruth(s).signalWeights));
    expect(new Set(weights).size).toBe(5);
    expect(drawTruth(1).agents[SLOPPY_WRITER]).not.toEqual(drawTruth(2).agents[SLOPPY_WRITER]);
  });

  it("space the record agents a rung apart, in an order drawn per seed", () => {
    const records = (seed: number) =>
      Object.entries(drawTruth(seed).agents)
        .filter(([, a]) => a.kind === "records")
        .sort(([, a], [, b]) => a.quality - b.quality);
    for (let seed = 1; seed <= 50; seed++) {
      const q = records(seed).map(([, a]) => a.quality);
      expect(q[0]).toBeGreaterThanOrEqual(0.19);
      expect(q[0]).toBeLessThanOrEqual(0.21);
      expect(q.at(-1)).toBeLessThanOrEqual(0.98);
      // Evenly spaced rungs ≈ 0.096 apart, jittered ±0.01: neighbours at least 0.076 apart.
      for (let i = 1; i < q.length; i++)
        expect((q[i] as number) - (q[i - 1] as number)).toBeGreaterThan(0.076);
    }
    const lowest = new Set([1, 2, 3, 4, 5, 6].map((s) => records(s)[0]?.[0]));
    expect(lowest.size).toBeGreaterThan(2);
  });

  it("respace the record agents over other rungs keeping each one's rank and jitter", () => {
    const records = (seed: number) =>
      Object.entries(drawTruth(seed).agents).filter(([, a]) => a.kind === "records");
    for (const seed of [3, 9, 105]) {
      const { agents } = drawTruth(seed);
      const same = respacedRecordQualities(agents, RECORD_RUNGS.lo);
      expect(same.size).toBe(records(seed).length);
      for (const [id, q] of same) expect(q, id).toBeCloseTo(agents[id]?.quality ?? -1, 10);
      // Moving the lowest rung from 0.2 to 0.5 with the top fixed lifts rung k of 8 by 0.3·(1 − k/8).
      const narrow = respacedRecordQualities(agents, 0.5);
      const ranked = records(seed).sort(([, a], [, b]) => a.quality - b.quality);
      for (const [k, [id, a]] of ranked.entries())
        expect((narrow.get(id) as number) - a.quality, `${seed} ${id}`).toBeCloseTo(0.3 * (1 - k / 8), 9);
    }
    // No room for the jitter, or below 0: refused rather than reordered.
    expect(() => respacedRecordQualities(drawTruth(3).agents, 0.9)).toThrow(/wider than the jitter/);
    expect(() => respacedRecordQualities(drawTruth(3).agents, 0)).toThrow(/above 0/);
  });

  it("always have one useless signal, one that hurts, a careful and a sloppy writer, low B2B rates", () => {
    for (let seed = 1; seed <= 50; seed++) {
      const t = drawTruth(seed);
      const w = Object.values(t.signalWeights);
      expect(w.filter((x) => x === 0)).toHaveLength(1);
      expect(w.filter((x) => x < 0)).toHaveLength(1);
      expect(t.agents[CAREFUL_WRITER]?.quality).toBeGreaterThan(t.agents[SLOPPY_WRITER]?.quality ?? 1);
      // A touch to a director at an account that showed no signal at all: at most a few percent, and
      // possibly near silence (0.1-0.3%) where the signals this seed weighs most are the common ones.
      const cold = expectedOutcome(t, {
        signals: {},
        persona: "director",
        variant: "fact-led",
        channel: "email",
        grounded: true,
        bounces: false,
      });
      expect(cold.pReply).toBeGreaterThan(0.001);
      expect(cold.pReply).toBeLessThan(0.08);
      expect(cold.pMeeting).toBeLessThan(cold.pReply * 0.4);
    }
    // Which variant is best differs across personas or seeds: it is drawn, not fixed.
    const bests = new Set(
      [1, 2, 3, 4, 5].flatMap((s) =>
        (["c-level", "vp", "director"] as const).map((p) => bestVariant(drawTruth(s), p)),
      ),
    );
    expect(bests.size).toBeGreaterThan(1);
  });

  it("make hand-raisers strong and draw which soft signal is useless or harmful", () => {
    const uselessOrHarmful = new Set<string>();
    for (let seed = 1; seed <= 50; seed++) {
      const w = drawTruth(seed).signalWeights;
      // A demo request outweighs any soft signal: a hand-raise counts most.
      for (const t of [
        "g2_research",
        "website_visit",
        "blog_visit",
        "new_sales_leader",
        "funding_round",
      ] as const)
        expect(w.demo_request).toBeGreaterThan(w[t]);
      expect(w.pricing_page_visit).toBeGreaterThan(0);
      for (const t of SIGNAL_TYPES) if (w[t] <= 0) uselessOrHarmful.add(t);
    }
    expect(uselessOrHarmful.has("demo_request")).toBe(false);
    expect(uselessOrHarmful.has("pricing_page_visit")).toBe(false);
    // Every soft signal is the useless or the harmful one in some seed.
    expect([...uselessOrHarmful].sort()).toEqual(
      ["blog_visit", "funding_round", "g2_research", "new_sales_leader", "website_visit"].sort(),
    );
  });

  it("answer an account in a buying window a few times as often as a cold one (B2B intent-led outbound)", () => {
    const ratios: number[] = [];
    const meetings: number[] = [];
    for (let seed = 1; seed <= 50; seed++) {
      const t = drawTruth(seed);
      const touch = (signals: Partial<Record<(typeof SIGNAL_TYPES)[number], number>>) =>
        expectedOutcome(t, {
          signals,
          persona: "vp",
          variant: "fact-led",
          channel: "email",
          grounded: true,
          bounces: false,
        });
      const cold = touch({});
      const hot = touch({ pricing_page_visit: 3, g2_research: 2, website_visit: 3 });
      const hand = touch({ demo_request: 1, pricing_page_visit: 3 });
      ratios.push(hot.pReply / cold.pReply);
      meetings.push(hot.pMeeting);
      // A hand-raise with pricing visits: at least twice the cold rate, and never one reply in two.
      expect(hand.pReply / cold.pReply).toBeGreaterThan(2);
      expect(hand.pReply).toBeLessThan(0.5);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    expect(median(ratios)).toBeGreaterThan(1.5);
    expect(median(ratios)).toBeLessThan(5);
    // A well-aimed touch to a researching account: a few meetings per 100, not ten.
    expect(median(meetings)).toBeGreaterThan(0.005);
    expect(median(meetings)).toBeLessThan(0.04);
  });

  it("computes expected replies and meetings from the log-odds model (checked by hand)", () => {
    const t = fixedTruth();
    const f = {
      signals: { pricing_page_visit: 2, blog_visit: 1 },
      persona: "vp" as const,
      variant: "fact-led",
      channel: "email" as const,
      grounded: true,
      bounces: false,
    };
    // z = 2·0.5 − 0.3 = 0.7; logit P(reply) = −4 + 0.7 + 0.2 + 0.1 + 0 + 0.4 = −2.6
    // logit P(meeting | reply) = −1 + 0.5·0.7 = −0.65
    const e = expectedOutcome(t, f);
    expect(e.pReply).toBeCloseTo(1 / (1 + Math.exp(2.6)), 10);
    expect(e.pMeeting).toBeCloseTo((1 / (1 + Math.exp(2.6))) * (1 / (1 + Math.exp(0.65))), 10);
    expect(expectedOutcome(t, { ...f, channel: "linkedin" }).pReply).toBeCloseTo(
      1 / (1 + Math.exp(2.85)),
      10,
    );
    expect(expectedOutcome(t, { ...f, bounces: true })).toEqual({ pReply: 0, pMeeting: 0 });
    // Greeting someone other than the recipient: −2.6 − 0.9.
    expect(expectedOutcome(t, { ...f, misaddressed: true }).pReply).toBeCloseTo(1 / (1 + Math.exp(3.5)), 10);
  });

  it("tells a message greeting someone other than its recipient, and draws how much less it is answered", () => {
    const jane = { firstName: "Jane" };
    expect(misaddressed("Hi Priya, saw your team comparing plans.", jane)).toBe(true);
    expect(misaddressed("Hi jane, saw your team comparing plans.", jane)).toBe(false);
    expect(misaddressed("Hello Jane! Quick question.", jane)).toBe(false);
    expect(misaddressed("Saw your team comparing plans.", jane)).toBe(false);
    expect(misaddressed(undefined, jane)).toBe(false);
    expect(misaddressed("Hi Priya,", undefined)).toBe(false);
    for (const seed of [1, 2, 3, 4, 5]) {
      const m = drawTruth(seed).misaddressed;
      expect(m).toBeGreaterThanOrEqual(-1.2);
      expect(m).toBeLessThanOrEqual(-0.6);
    }
  });

  it("counts signals in the 30 days before the touch, capped at 3, and only once the harness could see them", () => {
    const at = START + 40 * DAY;
    const s = (day: number, type: string) => ({ at: START + day * DAY, type });
    const signals = [
      s(5, "pricing_page_visit"),
      s(20, "pricing_page_visit"),
      s(21, "pricing_page_visit"),
      s(22, "pricing_page_visit"),
      s(23, "pricing_page_visit"),
      s(39, "blog_visit"),
      s(41, "blog_visit"),
      s(30, "made_up"),
    ];
    expect(signalFeatures(signals, at)).toEqual({ pricing_page_visit: 3, blog_visit: 1 });
    expect(signalFeatures(signals, at, START + 22 * DAY)).toEqual({ pricing_page_visit: 2, blog_visit: 1 });
  });

  it("draws replies and meetings at the model's rates", () => {
    const t = fixedTruth();
    const f = {
      signals: { pricing_page_visit: 3 },
      persona: "vp" as const,
      variant: "fact-led",
      channel: "email" as const,
      grounded: true,
      bounces: false,
    };
    const n = 20_000;
    let replies = 0;
    let meetings = 0;
    for (let i = 0; i < n; i++) {
      const { planned } = respond(rngFor(9, "t", i), t, f, START);
      if (planned.some((o) => o.type === "replied")) replies++;
      if (planned.some((o) => o.type === "meeting_booked")) meetings++;
    }
    const e = expectedOutcome(t, f);
    for (const [k, p] of [
      [replies, e.pReply],
      [meetings, e.pMeeting],
    ] as const) {
      const ci = wilson(k, n);
      expect(p).toBeGreaterThan(ci.lo - 0.002);
      expect(p).toBeLessThan(ci.hi + 0.002);
    }
  });

  it("gives each title the market's persona", () => {
    expect(truePersona("Chief Revenue Officer")).toBe("c-level");
    expect(truePersona("VP Sales")).toBe("vp");
    expect(truePersona("Head of Growth")).toBe("vp");
    expect(truePersona("Director of Sales")).toBe("director");
    expect(truePersona("Software Engineer")).toBe("other");
  });
});

describe("the learning report", () => {
  const truth = fixedTruth();
  const touch = (day: number, over: Partial<TouchRecord> = {}): TouchRecord => ({
    decisionId: `d${day}-${Math.random()}`,
    agentId: CAREFUL_WRITER,
    actionType: "email.send",
    at: START + day * DAY + 1000,
    persona: "vp",
    variant: "fact-led",
    bestVariant: true,
    grounded: true,
    misaddressed: false,
    pReply: 0.1,
    pMeeting: 0.04,
    ...over,
  });

  it("counts touches, replies and meetings per week and sums the model's expected meetings", () => {
    const r = learningReport({
      enabled: true,
      truth,
      start: START,
      days: 14,
      touches: [
        touch(0, { replyAt: START + DAY, meetingAt: START + 2 * DAY }),
        touch(1, { pMeeting: 0.02 }),
        touch(8, { bestVariant: false, replyAt: START + 9 * DAY }),
        // A meeting after the end of the run has not happened yet.
        touch(13, { replyAt: START + 13.5 * DAY, meetingAt: START + 15 * DAY }),
      ],
      trust: [
        {
          agentId: SLOPPY_WRITER,
          actionType: "email.send",
          score: 0.4,
          lowerBound: 0.3,
          sample: 12,
          level: 1,
        },
      ],
      specWeights: { pricing_page_visit: 25, blog_visit: 1, website_visit: 5 },
    });
    expect(r.enabled).toBe(true);
    expect(r.weeks.map((w) => [w.week, w.touches, w.replies, w.meetings])).toEqual([
      [1, 2, 1, 1],
      [2, 2, 2, 0],
    ]);
    expect(r.weeks[0]?.expectedMeetings).toBeCloseTo(0.06, 10);
    expect(r.weeks[0]?.expectedMeetingsPer100).toBeCloseTo(3, 10);
    expect(r.weeks[0]?.meetingsPer100.lo).toBeLessThan(50);
    expect(r.trust[0]).toMatchObject({
      agentId: SLOPPY_WRITER,
      hiddenQuality: truth.agents[SLOPPY_WRITER]?.quality,
    });
    expect(r.signalWeights.fitted).toMatchObject({ pricing_page_visit: 25, blog_visit: 1, website_visit: 5 });
    expect(r.signalWeights.hidden.pricing_page_visit).toBe(0.5);
    expect(r.signalWeights.spearman).toBeGreaterThan(-1);
    // Last two weeks = the whole 14-day run: 3 of 4 sends used the best variant.
    expect(r.variants.bestVariantShare).toBe(0.75);
  });

  it("scores the variants against the hidden effects: near the best, and the lift over uniform captured", () => {
    // vp's hidden effects: fact-led 0.1 (best), signal-led 0 (within 0.1), peer-proof -0.2; mean -0.025.
    const report = (variants: string[]) =>
      learningReport({
        enabled: true,
        truth,
        start: START,
        days: 14,
        touches: variants.map((variant, i) => touch(i, { variant })),
        trust: [],
        specWeights: {},
      }).variants;
    const mixed = report(["fact-led", "signal-led", "peer-proof"]);
    expect(mixed.nearBestShare).toBe(0.667);
    // (0.125 + 0.025 - 0.175) / (3 × 0.125)
    expect(mixed.liftCaptured).toBe(-0.067);
    expect(report(["fact-led", "fact-led"]).liftCaptured).toBe(1);
    expect(report(["signal-led", "short-question"])).toMatchObject({ nearBestShare: 1, liftCaptured: 0.2 });
  });

  it("says per persona which variant was sent most against the hidden best, and how far the next best is", () => {
    const touches = [
      ...["peer-proof", "peer-proof", "fact-led"].map((variant, i) =>
        touch(i, { variant, bestVariant: variant === "fact-led" }),
      ),
      touch(3, { persona: "director", variant: "signal-led", bestVariant: false }),
    ];
    const report = learningReport({
      enabled: true,
      truth,
      start: START,
      days: 14,
      touches,
      trust: [],
      specWeights: {},
    });
    const { byPersona } = report.variants;
    expect(formatLearning(report).join("\n")).toContain(
      "vp            3 sends: best fact-led (0.10 log-odds over the next) sent 0.33, most sent peer-proof",
    );
    expect(byPersona.find((p) => p.persona === "vp")).toEqual({
      persona: "vp",
      sends: 3,
      best: "fact-led",
      bestShare: 0.333,
      mostSent: "peer-proof",
      // fact-led 0.1 over signal-led and short-question 0.
      gap: 0.1,
      // The whole 14-day run is the last two weeks: nothing was learned before them.
      evidence: [
        { variant: "fact-led", sends: 0, replies: 0, expectedReplies: 0 },
        { variant: "peer-proof", sends: 0, replies: 0, expectedReplies: 0 },
      ],
    });
    expect(byPersona.find((p) => p.persona === "director")).toMatchObject({
      sends: 1,
      best: bestVariant(truth, "director"),
      bestShare: 0,
    });
    // Personas with no send in the last two weeks are not listed.
    expect(byPersona.map((p) => p.persona).sort()).toEqual(["director", "vp"]);
  });

  it("shows what the writers learned from before the last two weeks: replies against the model's expectation", () => {
    const touches = [
      // Days 0-13 (before the last two weeks of a 28-day run): fact-led unlucky, peer-proof lucky.
      ...[0, 1, 2, 3].map((d) => touch(d, { variant: "fact-led", pReply: 0.25 })),
      ...[4, 5].map((d) =>
        touch(d, { variant: "peer-proof", bestVariant: false, pReply: 0.1, replyAt: START + 6 * DAY }),
      ),
      // A reply after the run's end does not count.
      touch(6, { variant: "peer-proof", bestVariant: false, pReply: 0.1, replyAt: START + 40 * DAY }),
      // Another persona's sends are not this persona's evidence.
      touch(7, { persona: "director", variant: "fact-led", pReply: 0.5, replyAt: START + 8 * DAY }),
      // The last two weeks: peer-proof sent most to VPs.
      ...[20, 21, 22].map((d) => touch(d, { variant: "peer-proof", bestVariant: false })),
    ];
    const report = learningReport({
      enabled: true,
      truth,
      start: START,
      days: 28,
      touches,
      trust: [],
      specWeights: {},
    });
    const vp = report.variants.byPersona.find((p) => p.persona === "vp");
    expect(vp?.evidence).toEqual([
      { variant: "fact-led", sends: 4, replies: 0, expectedReplies: 1 },
      { variant: "peer-proof", sends: 3, replies: 2, expectedReplies: 0.3 },
    ]);
    expect(formatLearning(report).join("\n")).toContain(
      "before the last two weeks fact-led 0 replies in 4 sends (1.0 expected), peer-proof 2 replies in 3 sends (0.3 expected)",
    );
  });

  it("scores every refit the signals loop drafted against the hidden weights, and when it was adopted", () => {
    // Hidden: pricing 0.5, blog -0.3, the other five 0.
    const draft = (draftId: string, to: Record<string, number>, touches: number, scaledBy?: object) =>
      ({
        draftId,
        correction: { kind: "refit", touches, meetings: touches / 100 },
        weights: { from: {}, to, fitted: {}, since: "", until: "", ...(scaledBy ? { scaledBy } : {}) },
      }) as unknown as SpecDraft;
    const right = draft("dr-right", { pricing_page_visit: 20, blog_visit: -10 }, 2000);
    const wrong = draft("dr-wrong", { pricing_page_visit: -10, blog_visit: 20 }, 900, {
      accountsOver: 40,
      icpAccounts: 300,
    });
    const turns: { day: number; tick: SignalsTick }[] = [
      { day: 10, tick: { action: "refit", draft: wrong, created: true } },
      // The same draft met again on a later turn (not created) is not a second refit.
      { day: 11, tick: { action: "refit", draft: wrong, created: false } },
      { day: 24, tick: { action: "refit", draft: right, created: true } },
      { day: 30, tick: { action: "adopted", draft: right, evidence: {} as ShadowEvidence } },
    ];
    const report = learningReport({
      enabled: true,
      truth,
      start: START,
      days: 14,
      touches: [],
      trust: [],
      specWeights: {},
      signalsTurns: turns,
    });
    const { refits } = report.signalWeights;
    expect(formatLearning(report).join("\n")).toContain(
      "refits' Spearman against hidden: day 10 (900 touches) -1.00; day 24 (2000 touches) 1.00 adopted day 30",
    );
    expect(refits).toEqual([
      {
        day: 10,
        touches: 900,
        meetings: 9,
        spearman: -1,
        weights: { pricing_page_visit: -10, blog_visit: 20 },
        scaledBy: { accountsOver: 40, icpAccounts: 300 },
      },
      {
        day: 24,
        touches: 2000,
        meetings: 20,
        spearman: 1,
        weights: { pricing_page_visit: 20, blog_visit: -10 },
        adoptedDay: 30,
      },
    ]);
  });

  it("ranks with ties (Spearman)", () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    expect(spearman([1, 1, 2, 3], [5, 5, 6, 7])).toBe(1);
  });
});

describe("the simulated workspace's agents", () => {
  const fakeCtx = (proposals: AgentProposal[]): AgentContext =>
    ({
      agentId: "x",
      clock: { now: () => START },
      kb: {
        templateStats: async () => [{ variant: "a" }],
        rules: async () => [{ ruleId: "r" }],
        leadList: async () => [
          { accountId: "co-00001", rank: 1 },
          { accountId: "co-00002", rank: 2 },
          { accountId: "co-00003", rank: 3 },
        ],
        peopleAt: async () => [
          { personId: "p1", email: "p1@x.example" },
          { personId: "p2", email: "p2@x.example" },
        ],
      } as unknown as KnowledgeView,
      model: {} as never,
      propose: async (p) => {
        proposals.push(p);
        return {} as never;
      },
      log: () => {},
      timeLeft: () => Number.POSITIVE_INFINITY,
      moreToDo: () => {},
      proposed: async () => false,
    }) as AgentContext;

  it("with learning off, the simulated workspace's spec says so", () => {
    expect(SpecSchema.parse(simSpec(100, { learning: false })).learning.enabled).toBe(false);
    expect(SpecSchema.parse(simSpec(100)).learning.enabled).toBe(true);
  });

  it("runs two writers on the same code, splitting the lead list, the sloppy one retargeting and inventing", async () => {
    const agents = simAgents(drawTruth(1));
    const writers = agents.filter((a) => a.actions.includes("email.send")).map((a) => a.id);
    expect(writers).toEqual([CAREFUL_WRITER, SLOPPY_WRITER]);
    const ids = ["co-00001", "co-00002", "co-00003", "co-00004"];
    expect(new Set(ids.map(writerFor)).size).toBe(2);

    const run = async (quality: number) => {
      const out: AgentProposal[] = [];
      const ctx = writerContext(fakeCtx(out), SLOPPY_WRITER, quality, 1);
      const mine = await ctx.kb.leadList("d");
      expect(mine.every((e) => writerFor(e.accountId) === SLOPPY_WRITER)).toBe(true);
      for (let i = 0; i < 400; i++)
        await ctx.propose({
          key: `email:${i}`,
          action: { type: "email.send" },
          target: { accountId: "co-00001", personId: "p1" },
          payload: { to: "p1@x.example", body: "Hi", groundedOn: [{ text: "fact" }] },
          reasoning: "r",
          confidence: 0.8,
        });
      return {
        ungrounded: out.filter((p) => (p.payload.groundedOn as unknown[]).length === 0).length / 400,
        retargeted:
          out.filter((p) => p.target.personId === "p2" && p.payload.to === "p2@x.example").length / 400,
      };
    };
    const sloppy = await run(0.3);
    const careful = await run(0.9);
    expect(sloppy.ungrounded).toBeGreaterThan(0.55);
    expect(careful.ungrounded).toBeLessThan(0.2);
    expect(sloppy.retargeted).toBeGreaterThan(careful.retargeted * 2);
  });
});

describe("the harness never reads the truth", () => {
  it("no file under shared/ imports sim/", () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|js|mjs)$/.test(f)) files.push(p);
      }
    };
    walk("shared");
    walk("functions");
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.filter((f) =>
      /from\s+["'](\.\.\/)+sim\/|import\(["'](\.\.\/)+sim\//.test(readFileSync(f, "utf8")),
    );
    expect(offenders).toEqual([]);
  });
});
