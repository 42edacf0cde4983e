/**
 * Issue 9's "Checked by" items, judged on demo runs (learning on and off, same seeds) against the
 * market's hidden truth. Pure: it reads what `harness demo --json` wrote (the learning report of
 * sim/learning-report.ts and the daily trust points) and returns each check with its figure, its 95%
 * interval where one applies, and PASS/FAIL per seed. bench/learning-check.ts runs the demos and prints
 * this; test/sim/learning-checks.test.ts checks the arithmetic on hand-made reports.
 */
import {
  CHECK_BARS,
  evidenceSeparation,
  type RecordEvidence,
  trustOrderCeiling,
} from "./learning-ceiling.ts";
import type { LearningReport, LearningTrustWeek } from "./learning-report.ts";
import { rngFor } from "./random.ts";
import type { TrustPoint } from "./simulation.ts";
import { type Interval, per100, wilson } from "./stats.ts";
import { CAREFUL_WRITER, FLAG_NOTICED, RECORD_CAUGHT, SLOPPY_WRITER } from "./truth.ts";

/** The part of a demo's JSON the checks read. */
export interface DemoRun {
  options: { days: number; accounts: number; seed: number; learning?: boolean };
  learning: LearningReport;
  trust: TrustPoint[];
  simulateMs?: number;
}

export interface SeedRuns {
  seed: number;
  on: DemoRun;
  off: DemoRun;
}

export interface CheckResult {
  name: string;
  seed: number;
  pass: boolean;
  /** The figure the check is decided on, in words. */
  figure: string;
}

/** Thresholds of issue 9 (named, so the printout and the test say the same thing). */
export const CHECKS = {
  trustWeek: 4,
  trustMinOutcomes: 30,
  spearman: CHECK_BARS.spearman,
  liftOverOff: 1.2,
  bestVariantShare: CHECK_BARS.bestVariantShare,
  minTouches: 3000,
  touchesWeeks: 8,
} as const;

const WRITER_ACTION = "email.send";
const f2 = (x: number) => x.toFixed(2);
const iv = (i: Interval, d = 2) => `${i.value.toFixed(d)} [${i.lo.toFixed(d)}, ${i.hi.toFixed(d)}]`;

/** Touches, expected (noise-free) and realised meetings over weeks `from`–`to` of a run. */
export function weeksWindow(l: LearningReport, from: number, to: number) {
  const ws = l.weeks.filter((w) => w.week >= from && w.week <= to);
  const touches = ws.reduce((n, w) => n + w.touches, 0);
  const expected = ws.reduce((n, w) => n + w.expectedMeetings, 0);
  const meetings = ws.reduce((n, w) => n + w.meetings, 0);
  return {
    touches,
    expectedPer100: touches ? (100 * expected) / touches : 0,
    meetingsPer100: per100(meetings, touches),
  };
}

/** z of the simulated workspace's trust bounds (default.yaml trust.confidenceZ): lower bound = score − z·sd. */
const TRUST_Z = 1.645;
/** A trust row's standard deviation, read back from its score and lower bound (0 when the bound was clipped at 0). */
const sdOf = (r: LearningTrustWeek) => Math.max(0, r.score - r.lowerBound) / TRUST_Z;

/**
 * Whether an out-of-order pair is inverted beyond the noise of its two scores (the gap exceeds 1.96
 * standard deviations of the difference). An inversion within the noise means the evidence could not
 * tell these two agents apart yet (close hidden qualities, few flags); one beyond it means the score
 * ranks them wrongly. Printed next to the verdict, which stays the issue's: every pair in order.
 */
export function invertedBeyondNoise(a: LearningTrustWeek, b: LearningTrustWeek): boolean {
  return Math.abs(a.score - b.score) > 1.96 * Math.hypot(sdOf(a), sdOf(b));
}

/**
 * Trust order at week 4: within each action type, every pair of agents that both have ≥ 30 outcomes
 * and a hidden quality must be scored in the order of their qualities (agents of different action
 * types earn trust from different evidence, so they are not compared).
 */
export function trustOrder(rows: readonly LearningTrustWeek[], week: number, minOutcomes: number) {
  const eligible = rows.filter(
    (r) => r.week === week && r.outcomes >= minOutcomes && r.hiddenQuality !== null,
  );
  const pairs: { a: LearningTrustWeek; b: LearningTrustWeek; ok: boolean }[] = [];
  for (const [i, a] of eligible.entries())
    for (const b of eligible.slice(i + 1)) {
      if (a.actionType !== b.actionType || a.hiddenQuality === b.hiddenQuality) continue;
      const ok = Math.sign(a.score - b.score) === Math.sign((a.hiddenQuality ?? 0) - (b.hiddenQuality ?? 0));
      pairs.push({ a, b, ok });
    }
  return { eligible, pairs, discordant: pairs.filter((p) => !p.ok) };
}

/** A record agent's evidence as the ceiling reads it, when the report counted it. */
const recordEvidenceOf = (r: LearningTrustWeek): RecordEvidence | undefined =>
  r.reviews === undefined || r.judged === undefined || r.hiddenQuality === null
    ? undefined
    : { actionType: r.actionType, quality: r.hiddenQuality, reviews: r.reviews, judged: r.judged };

/**
 * For an out-of-order pair of record agents: how far apart the evidence puts them. The scores' own
 * noise (above) says only how wide their intervals are; a pair the evidence separates by several
 * standard deviations is misordered by the score, not by the market's luck (seed 105 on the record
 * rungs of 0.5–0.97: crm-sync, 2,450 records judged, above lead-list-builder, 4,837, qualities 0.57
 * and 0.69, 4.5 sd apart).
 */
function pairNote(a: LearningTrustWeek, b: LearningTrustWeek): string {
  const notes = invertedBeyondNoise(a, b) ? [] : ["within the scores' noise"];
  const ea = recordEvidenceOf(a);
  const eb = recordEvidenceOf(b);
  if (ea && eb) {
    const z = evidenceSeparation(ea, eb, { caught: RECORD_CAUGHT, noticed: FLAG_NOTICED });
    // 0 means one of them has no evidence at all: nothing to say, not "equal".
    if (z > 0)
      notes.push(`the evidence ${z.toFixed(1)} sd apart${z >= 2 ? ": the score misorders them" : ""}`);
  }
  return notes.length ? ` (${notes.join(", ")})` : "";
}

/**
 * The trust-order ceiling (sim/learning-ceiling.ts) over the eligible record agents, when the report
 * counted their evidence: how often a scorer that knew the market's evidence model would order them all.
 */
export function orderCeilingOf(eligible: readonly LearningTrustWeek[], seed: number) {
  const rows = eligible.flatMap((r) => {
    const e = recordEvidenceOf(r);
    return e ? [e] : [];
  });
  const c = trustOrderCeiling(
    rows,
    { caught: RECORD_CAUGHT, noticed: FLAG_NOTICED },
    rngFor(seed, "order-ceiling"),
  );
  return c.pairs > 0 ? c : undefined;
}

const maxLevel = (points: readonly TrustPoint[], agentId: string, actionType?: string, byDay = Infinity) =>
  Math.max(
    0,
    ...points
      .filter((p) => p.agentId === agentId && (!actionType || p.actionType === actionType) && p.day <= byDay)
      .map((p) => p.level),
  );

/** Every check for one seed's pair of runs. */
export function checkSeed(s: SeedRuns): CheckResult[] {
  const out: CheckResult[] = [];
  const add = (name: string, pass: boolean, figure: string) => out.push({ name, seed: s.seed, pass, figure });
  const weeks = s.on.learning.weeks.length;

  for (const [mode, run] of [
    ["on", s.on],
    ["off", s.off],
  ] as const) {
    const touches = run.learning.totals.touches;
    const scaled =
      weeks >= CHECKS.touchesWeeks ? touches : (touches * CHECKS.touchesWeeks) / Math.max(1, weeks);
    add(
      `volume: ≥ ${CHECKS.minTouches} touches in ${CHECKS.touchesWeeks} weeks (learning ${mode})`,
      weeks >= CHECKS.touchesWeeks && touches >= CHECKS.minTouches,
      `${touches} touches in ${weeks} weeks${weeks < CHECKS.touchesWeeks ? ` (≈ ${Math.round(scaled)} scaled to ${CHECKS.touchesWeeks}; not decided on a shorter run)` : ""}`,
    );
    const order = trustOrder(run.learning.trustWeeks, CHECKS.trustWeek, CHECKS.trustMinOutcomes);
    const ceiling = orderCeilingOf(order.eligible, s.seed);
    add(
      `trust order matches hidden quality at week ${CHECKS.trustWeek} (agent × action with ≥ ${CHECKS.trustMinOutcomes} outcomes; learning ${mode})`,
      order.pairs.length > 0 && order.discordant.length === 0,
      `${order.pairs.length - order.discordant.length}/${order.pairs.length} pairs in order over ${order.eligible.length} agent × action rows${order.discordant.length ? `; out of order: ${order.discordant.map((p) => `${p.a.agentId} (q ${f2(p.a.hiddenQuality ?? 0)}, score ${f2(p.a.score)}) vs ${p.b.agentId} (q ${f2(p.b.hiddenQuality ?? 0)}, score ${f2(p.b.score)}) on ${p.a.actionType}${pairNote(p.a, p.b)}`).join("; ")}` : ""}${ceiling ? `; ceiling: a scorer that knew the market's evidence model would order all ${ceiling.pairs} record-agent pairs in ${f2(ceiling.allInOrder)} of runs with this evidence` : ""}`,
    );
    const sloppy = maxLevel(run.trust, SLOPPY_WRITER);
    add(
      `sloppy writer never at level 3 (learning ${mode})`,
      sloppy < 3,
      `highest level of ${SLOPPY_WRITER} on any action, any day: ${sloppy}`,
    );
    const careful4 = maxLevel(run.trust, CAREFUL_WRITER, WRITER_ACTION, 7 * CHECKS.trustWeek);
    const carefulEnd = maxLevel(run.trust, CAREFUL_WRITER, WRITER_ACTION);
    add(
      `careful writer reaches level ≥ 2 on ${WRITER_ACTION} by week ${CHECKS.trustWeek} (learning ${mode})`,
      careful4 >= 2,
      `highest level by day ${7 * CHECKS.trustWeek}: ${careful4}; by the end: ${carefulEnd}`,
    );
  }

  const sw = s.on.learning.signalWeights;
  add(
    `Spearman(fitted, hidden signal weights) ≥ ${CHECKS.spearman} by week ${weeks}`,
    sw.spearman >= CHECKS.spearman,
    `${f2(sw.spearman)} [${f2(sw.spearmanInterval.lo)}, ${f2(sw.spearmanInterval.hi)}] (learning off, the spec's hand weights: ${f2(s.off.learning.signalWeights.spearman)}${sw.shadowSpearman === undefined ? "" : `; the latest refit, still in shadow: ${f2(sw.shadowSpearman)}`}${sw.noiseCeiling ? `; noise ceiling at ${sw.noiseCeiling.touches} touches: P(≥ ${sw.noiseCeiling.bar}) ${f2(sw.noiseCeiling.atLeast)} for any learner` : ""})`,
  );

  // Issue 9 names weeks 5–8; a shorter run has none of them and fails, a longer one is still judged on 5–8.
  const late = [5, 8] as const;
  const onLate = weeksWindow(s.on.learning, ...late);
  const offLate = weeksWindow(s.off.learning, ...late);
  const onEarly = weeksWindow(s.on.learning, 1, 2);
  const ratio = offLate.expectedPer100 > 0 ? onLate.expectedPer100 / offLate.expectedPer100 : 0;
  const range = `weeks ${late[0]}–${late[1]}`;
  add(
    `expected meetings per 100 touches, ${range}: on ≥ ${CHECKS.liftOverOff} × off`,
    weeks >= 5 && onLate.touches > 0 && ratio >= CHECKS.liftOverOff,
    `on ${f2(onLate.expectedPer100)} vs off ${f2(offLate.expectedPer100)}: ×${f2(ratio)} (realised per 100 [95%]: on ${iv(onLate.meetingsPer100)} over ${onLate.touches}, off ${iv(offLate.meetingsPer100)} over ${offLate.touches})`,
  );
  add(
    `expected meetings per 100 touches, ${range} ≥ weeks 1–2 (learning on)`,
    weeks >= 5 && onLate.touches > 0 && onLate.expectedPer100 >= onEarly.expectedPer100,
    `${f2(onLate.expectedPer100)} vs ${f2(onEarly.expectedPer100)} (realised: ${iv(onLate.meetingsPer100)} vs ${iv(onEarly.meetingsPer100)} over ${onEarly.touches})`,
  );

  const v = s.on.learning.variants;
  add(
    `best-variant share ≥ ${CHECKS.bestVariantShare} in the last two weeks (learning on)`,
    v.bestVariantShare >= CHECKS.bestVariantShare,
    `${iv(v.bestVariantShareInterval)} over ${v.sendsLastTwoWeeks} touches (learning off: ${iv(s.off.learning.variants.bestVariantShareInterval)}; within 0.1 log-odds of the best ${f2(v.nearBestShare)}${v.shareCeiling ? `; a learner that explored the ${v.shareCeiling.earlierSends} earlier sends evenly: P(≥ ${v.shareCeiling.bar}) ${f2(v.shareCeiling.atLeast)}` : ""})`,
  );
  return out;
}

/** Pooled over seeds: the lift and the best-variant share with their intervals, for the summary line. */
export function pooled(seeds: readonly SeedRuns[]) {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const ratios = seeds.map((s) => {
    const on = weeksWindow(s.on.learning, 5, 8).expectedPer100;
    const off = weeksWindow(s.off.learning, 5, 8).expectedPer100;
    return off > 0 ? on / off : 0;
  });
  const best = sum(
    seeds.map((s) =>
      Math.round(s.on.learning.variants.bestVariantShare * s.on.learning.variants.sendsLastTwoWeeks),
    ),
  );
  const sends = sum(seeds.map((s) => s.on.learning.variants.sendsLastTwoWeeks));
  return { ratios, bestVariantShare: wilson(best, sends) };
}

/** The printout: each check per seed with its figure, then the verdict. */
export function formatChecks(seeds: readonly SeedRuns[]): { lines: string[]; pass: boolean } {
  const results = seeds.flatMap(checkSeed);
  const lines: string[] = [];
  const names = [...new Set(results.map((r) => r.name))];
  for (const name of names) {
    lines.push(name);
    for (const r of results.filter((x) => x.name === name))
      lines.push(`  seed ${String(r.seed).padEnd(6)} ${r.pass ? "PASS" : "FAIL"}  ${r.figure}`);
  }
  const p = pooled(seeds);
  lines.push(
    `pooled over ${seeds.length} seeds: on/off lift ${p.ratios.map(f2).join(", ")}; best-variant share ${iv(p.bestVariantShare)}`,
  );
  lines.push(
    "the same outcome delivered 10 times concurrently is counted once: not a demo figure; test/integration/learned-once.test.ts asserts it",
  );
  const pass = results.every((r) => r.pass);
  lines.push(
    `${pass ? "PASS" : "FAIL"}: ${results.filter((r) => r.pass).length}/${results.length} checks passed`,
  );
  return { lines, pass };
}
