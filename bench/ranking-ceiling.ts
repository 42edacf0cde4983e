/**
 * How much can any set of intent weights lift meetings through the lead lists alone? Issue 9 asks that
 * expected meetings per 100 touches in weeks 5–8 with learning on be ≥ 1.2× learning off. Learning
 * reaches that figure through the variants (which message) and through the signal weights (who is
 * listed). This measures the second lever's ceiling on the seed's own world, without running the
 * harness:
 *
 *   npx tsx bench/ranking-ceiling.ts [--seeds 101-105] [--accounts 2000]
 *
 * Each weekday of weeks 5–8, every ICP tier 1–2 account above the lists' floor (the sim spec's
 * minIntent × 0.75 under the hand weights, as lead-list-builder.ts) is ranked per SDR, with its tier
 * bonus, by (a) the hand weights' intent capped at 100 (the ranking before the uncapped change),
 * (b) the hand weights uncapped (lead-list-builder.ts now), and (c) the market's hidden log-odds
 * Σ w_s·x_s (an oracle no learner can beat on ranking); the top 40 per SDR are "listed". Printed: the
 * noise-free meetings per 100 listed account-days of a grounded email with one variant to a VP, so
 * only who is listed differs. The floor is the hand weights' in all three, so this is the ranking's
 * lever among the accounts the lists consider, not the gate's bar.
 */
import { parseArgs } from "node:util";
import { computeIntent } from "../shared/domain/checks/quality.ts";
import type { Account } from "../shared/domain/kb.ts";
import { SpecSchema } from "../shared/domain/spec-schema.ts";
import { icpTier } from "../shared/kb/scoring.ts";
import { simSpec } from "../sim/spec.ts";
import { drawTruth, expectedOutcome, type SignalType, signalFeatures } from "../sim/truth.ts";
import { generateWorld } from "../sim/world.ts";

const DAY = 86_400_000;
const LIST_SIZE = 40;
const TIER_BONUS: Record<number, number> = { 1: 20, 2: 10 };

const { values } = parseArgs({
  options: { seeds: { type: "string", default: "101-105" }, accounts: { type: "string", default: "2000" } },
});
const [lo, hi] = (values.seeds ?? "101-105").split("-").map(Number);
const seeds = Array.from({ length: (hi ?? lo ?? 101) - (lo ?? 101) + 1 }, (_, i) => (lo ?? 101) + i);
const accounts = Number(values.accounts);
const spec = SpecSchema.parse(simSpec(accounts));
const floor = Math.round(spec.quality.minIntent * 0.75);
const RANKINGS = ["capped", "uncapped", "hidden"] as const;

for (const seed of seeds) {
  const start = Date.UTC(2026, 0, 5);
  const world = generateWorld({ seed, accounts, start, days: 56 });
  const truth = drawTruth(seed);
  const listed: Record<(typeof RANKINGS)[number], number[]> = { capped: [], uncapped: [], hidden: [] };
  for (let d = 28; d < 56; d++) {
    const at = start + d * DAY + 11 * 3_600_000;
    const weekday = new Date(at).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    const rows: { id: string; owner: string; pMeeting: number; score: Record<string, number> }[] = [];
    for (const c of world.companies) {
      if (c.arrivesAt > at) continue;
      const account = {
        ...c.account,
        accountId: c.accountId,
        signals: c.signals
          .filter((s) => s.at >= c.visibleFrom && s.at <= at)
          .map((s) => ({ type: s.type, occurredAt: new Date(s.at).toISOString() })),
      } as unknown as Account;
      const tier = icpTier(spec, account).tier;
      if (tier !== 1 && tier !== 2) continue;
      const intent = computeIntent(spec, account, at);
      if (intent.score < floor) continue;
      const features = signalFeatures(c.signals, at, c.visibleFrom);
      let z = 0;
      for (const [t, x] of Object.entries(features)) z += truth.signalWeights[t as SignalType] * (x ?? 0);
      const bonus = TIER_BONUS[tier] ?? 0;
      rows.push({
        id: c.accountId,
        owner: c.account.ownerId ?? "unassigned",
        pMeeting: expectedOutcome(truth, {
          signals: features,
          persona: "vp",
          variant: "fact-led",
          channel: "email",
          grounded: true,
          bounces: false,
        }).pMeeting,
        score: {
          capped: intent.score + bonus,
          uncapped: intent.counted.reduce((s, x) => s + x.count * x.weight, 0) + bonus,
          // Log-odds ×100 puts the oracle on the points' scale, so the tier bonus weighs about the same.
          hidden: 100 * z + bonus,
        },
      });
    }
    const byOwner = new Map<string, typeof rows>();
    for (const r of rows) byOwner.set(r.owner, [...(byOwner.get(r.owner) ?? []), r]);
    for (const k of RANKINGS)
      for (const list of byOwner.values()) {
        const ranked = [...list].sort(
          (a, b) => (b.score[k] ?? 0) - (a.score[k] ?? 0) || a.id.localeCompare(b.id),
        );
        for (const r of ranked.slice(0, LIST_SIZE)) listed[k].push(r.pMeeting);
      }
  }
  const per100 = (xs: number[]) => (100 * xs.reduce((a, b) => a + b, 0)) / Math.max(1, xs.length);
  const base = per100(listed.capped);
  console.log(
    `seed ${seed}: meetings per 100 listed (weeks 5-8): hand capped ${base.toFixed(2)}, hand uncapped ${per100(listed.uncapped).toFixed(2)} (×${(per100(listed.uncapped) / base).toFixed(3)}), hidden weights ${per100(listed.hidden).toFixed(2)} (×${(per100(listed.hidden) / base).toFixed(3)})`,
  );
}
