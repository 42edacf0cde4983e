/**
 * The demo's learning report: how close what the harness learned is to the market's hidden truth
 * (sim/truth.ts). Pure: the demo gathers the inputs (the market's record of each executed touch, the
 * trust records, the harness's current intent weights) and this module compares them with the truth.
 * Field names are issue 9's; the 95% intervals are extra fields next to them.
 */
import type { WeightsAmendment } from "../shared/domain/drafts.ts";
import { DAY } from "../shared/domain/time.ts";
import type { TrustEvidence } from "../shared/learning/trust.ts";
import type { SignalsTick } from "../shared/usecases/signals-refit.ts";
import {
  CHECK_BARS,
  type NoiseCeiling,
  spearmanNoiseCeiling,
  variantShareCeiling,
} from "./learning-ceiling.ts";
import type { TouchRecord } from "./market.ts";
import { rngFor } from "./random.ts";
import type { TrustPoint } from "./simulation.ts";
import { expectedCountInterval, type Interval, per100, spearman, spearmanInterval, wilson } from "./stats.ts";
import { bestVariant, type MarketTruth, PERSONAS, SIGNAL_TYPES, type TruePersona } from "./truth.ts";

export interface LearningWeek {
  week: number;
  touches: number;
  replies: number;
  meetings: number;
  /** Σ P(meeting) over the week's touches, from the hidden model: no noise. */
  expectedMeetings: number;
  /** Where realised meetings fall 95% of the time if the model holds (Poisson-binomial). */
  expectedMeetingsInterval: Interval;
  expectedMeetingsPer100: number;
  repliesPer100: Interval;
  meetingsPer100: Interval;
}

export interface LearningTrust {
  agentId: string;
  actionType: string;
  /** The agent's hidden quality (sim/truth.ts), or null for an agent the market has no truth about. */
  hiddenQuality: number | null;
  score: number;
  lowerBound: number;
  /** Evidence behind the score (decayed successes + failures). */
  sample: number;
  level: number;
  /** The two streams behind the score, silences and the market's own lower bound (learning/trust.ts). */
  evidence?: TrustEvidence;
}

/** One agent × action type's trust at the end of a week (the learning check reads week 4). */
export interface LearningTrustWeek {
  week: number;
  agentId: string;
  actionType: string;
  hiddenQuality: number | null;
  score: number;
  lowerBound: number;
  level: number;
  /** The highest level it had on any day up to this week's end. */
  maxLevel: number;
  /** Reviews and outcomes (silences and records kept included) recorded by this week's end. */
  outcomes: number;
  /** Of a record agent: reviews, and records whose window closed, by this week's end (the trust-order ceiling). */
  reviews?: number;
  judged?: number;
  /** The decayed evidence streams behind the score at the week's end (bench/trust-rescore.ts reads them). */
  streams?: TrustPoint["streams"];
}

export interface LearningReport {
  enabled: boolean;
  weeks: LearningWeek[];
  trust: LearningTrust[];
  trustWeeks: LearningTrustWeek[];
  signalWeights: {
    /** The weight in force at the end per signal type: the spec's `quality.signals` (a refit reaches it via a draft). */
    fitted: Record<string, number>;
    /** The market's log-odds per occurrence. */
    hidden: Record<string, number>;
    spearman: number;
    spearmanInterval: Interval;
    source: string;
    /** A refit's weights still in shadow at the end (not yet adopted). */
    shadow?: Record<string, number>;
    /**
     * Spearman(shadow, hidden): the latest refit's view, on more touches than the weights in force
     * when it is not yet adopted. Printed next to the check, which stays on the weights in force.
     */
    shadowSpearman?: number;
    /**
     * What the market's noise allows at the last refit's volume (sim/learning-ceiling.ts): the hidden
     * weights plus noise of that refit's standard errors, against the hidden ones. Absent before a refit.
     */
    noiseCeiling?: NoiseCeiling & { touches: number };
    /**
     * Every refit the loop drafted, in order: the day, what it was fitted on, its proposed points'
     * Spearman against the hidden weights, and the day it was adopted (absent: never). Whether the fits
     * converge on the truth, apart from whether the shadow evidence let them reach the gate.
     */
    refits: RefitAgainstTruth[];
    /** The signals loop's turns that did something, and its last word. */
    loop: string[];
  };
  variants: {
    /** Share of touches in the last two weeks using the hidden best variant for the recipient's persona. */
    bestVariantShare: number;
    bestVariantShareInterval: Interval;
    /**
     * Share of the same touches whose variant is within 0.1 log-odds of the persona's best: variants
     * closer than that differ by a fraction of a point of reply rate, beyond telling apart at demo volume.
     */
    nearBestShare: number;
    /**
     * Of the lift the best variant has over a uniform pick (its effect minus the mean effect, per
     * recipient), the share the choices captured: 0 is no better than uniform, 1 always the best.
     */
    liftCaptured: number;
    /**
     * A reference at this volume (learning-ceiling.ts `variantShareCeiling`, not a bound either way):
     * the sends before the last two weeks dealt evenly to the variants, each persona's most-replied
     * variant sent in the last two weeks; `earlierSends` is how many sends that evidence had.
     */
    shareCeiling?: NoiseCeiling & { earlierSends: number };
    sendsLastTwoWeeks: number;
    /** The same share per week, to see the direction. */
    byWeek: { week: number; share: number; sends: number }[];
    /**
     * The last two weeks per persona (the market's): sends, the hidden best variant and its share, the
     * variant sent most and the gap in log-odds between the best and the next best (how hard it is
     * to tell them apart).
     */
    byPersona: {
      persona: string;
      sends: number;
      best: string;
      bestShare: number;
      mostSent: string;
      gap: number;
      /**
       * What the writers had learned from when the last two weeks began: the sends of the best and
       * of the most-sent variant to this persona before then, the replies they earned (by the end)
       * and the replies the market's model expected of them (Σ P(reply), noise-free). A best variant
       * far below its expected replies lost on luck; one near them, on method.
       */
      evidence: { variant: string; sends: number; replies: number; expectedReplies: number }[];
    }[];
  };
  /** Touches executed, and expected meetings per 100 touches over the run (noise-free). */
  totals: { touches: number; expectedMeetingsPer100: number; meetingsPer100: Interval };
}

export interface LearningInputs {
  enabled: boolean;
  truth: MarketTruth;
  touches: TouchRecord[];
  start: number;
  days: number;
  trust: Omit<LearningTrust, "hiddenQuality">[];
  /** Each day's trust per agent × action (sim/simulation.ts). */
  trustPoints?: readonly TrustPoint[];
  /** When each review and outcome of an agent × action was recorded (ms since the run's start), keyed `agentId actionType`. */
  evidenceTimes?: ReadonlyMap<string, readonly number[]>;
  /** Per agent × action, when each review was recorded and each record's window closed (sim/demo.ts evidenceTimes(...).records). */
  recordEvidence?: ReadonlyMap<string, { reviews: readonly number[]; judged: readonly number[] }>;
  /** The spec's signal weights in force at the end (refits reach them as confirmed weights drafts). */
  specWeights: Record<string, number>;
  /** The weights of a refit still in shadow at the end, if any (reported next to them, not ranked). */
  shadowWeights?: Record<string, number>;
  /** What the signals loop did, one line per refit, shadow check or adoption (signalsLoopLines). */
  signalsLoop?: string[];
  /** The loop's daily turns, for each refit's distance to the truth (refitsAgainstTruth). */
  signalsTurns?: readonly { day: number; tick: SignalsTick }[];
  /** The last refit's touches and standard errors (lastRefitOf), for the noise ceiling. */
  lastRefit?: LastRefit;
}

export interface RefitAgainstTruth {
  day: number;
  touches: number;
  meetings: number;
  spearman: number;
  /** The points per occurrence it proposed. */
  weights: Record<string, number>;
  /** How its log-odds became points; absent: the touches' mean. */
  scaledBy?: WeightsAmendment["scaledBy"];
  adoptedDay?: number;
}

/** Each refit drafted in a run against the hidden weights (see `signalWeights.refits`). */
export function refitsAgainstTruth(
  turns: readonly { day: number; tick: SignalsTick }[],
  hidden: Readonly<Record<string, number>>,
): RefitAgainstTruth[] {
  const out = new Map<string, RefitAgainstTruth>();
  for (const { day, tick } of turns) {
    if (tick.action === "refit" && tick.created && tick.draft.weights) {
      const { to, scaledBy } = tick.draft.weights;
      const c = tick.draft.correction;
      out.set(tick.draft.draftId, {
        day,
        touches: c.kind === "refit" ? c.touches : 0,
        meetings: c.kind === "refit" ? c.meetings : 0,
        spearman: r3(
          spearman(
            SIGNAL_TYPES.map((t) => to[t] ?? 0),
            SIGNAL_TYPES.map((t) => hidden[t] ?? 0),
          ),
        ),
        weights: { ...to },
        ...(scaledBy ? { scaledBy: { ...scaledBy } } : {}),
      });
    }
    if (tick.action === "adopted") {
      const r = out.get(tick.draft.draftId);
      if (r) r.adoptedDay = day;
    }
  }
  return [...out.values()];
}

export interface LastRefit {
  touches: number;
  se: Record<string, number>;
}

/** The last refit the signals loop made in a run, if any: its volume and its weights' standard errors. */
export function lastRefitOf(turns: readonly { tick: SignalsTick }[]): LastRefit | undefined {
  for (let i = turns.length - 1; i >= 0; i--) {
    const tick = turns[i]?.tick;
    if (tick?.action !== "refit" || !tick.created) continue;
    const { draft } = tick;
    if (draft.kind !== "weights" || draft.correction.kind !== "refit" || !draft.weights) continue;
    const se = Object.fromEntries(Object.entries(draft.weights.fitted).map(([t, f]) => [t, f.se]));
    return { touches: draft.correction.touches, se };
  }
  return undefined;
}

const WEEK = 7 * DAY;
const roundCeiling = (c: NoiseCeiling): NoiseCeiling => ({ ...c, mean: r3(c.mean), atLeast: r3(c.atLeast) });
const r3 = (x: number) => Number(x.toFixed(3));

export function learningReport(input: LearningInputs): LearningReport {
  const { truth, touches, start, days } = input;
  const end = start + days * DAY;
  const weekOf = (at: number) => Math.floor((at - start) / WEEK) + 1;
  const nWeeks = Math.max(1, Math.ceil(days / 7));
  const weeks: LearningWeek[] = [];
  for (let w = 1; w <= nWeeks; w++) {
    const ts = touches.filter((t) => weekOf(t.at) === w);
    const replies = ts.filter((t) => t.replyAt !== undefined && t.replyAt < end).length;
    const meetings = ts.filter((t) => t.meetingAt !== undefined && t.meetingAt < end).length;
    const expected = expectedCountInterval(ts.map((t) => t.pMeeting));
    weeks.push({
      week: w,
      touches: ts.length,
      replies,
      meetings,
      expectedMeetings: r3(expected.value),
      expectedMeetingsInterval: expected,
      expectedMeetingsPer100: ts.length ? r3((100 * expected.value) / ts.length) : 0,
      repliesPer100: per100(replies, ts.length),
      meetingsPer100: per100(meetings, ts.length),
    });
  }

  const hidden: Record<string, number> = {};
  const fitted: Record<string, number> = {};
  for (const t of SIGNAL_TYPES) {
    hidden[t] = truth.signalWeights[t];
    fitted[t] = r3(input.specWeights[t] ?? 0);
  }
  const rho = spearman(
    SIGNAL_TYPES.map((t) => fitted[t] as number),
    SIGNAL_TYPES.map((t) => hidden[t] as number),
  );

  // The last two weeks are judged; what was sent before them is what the writers learned from.
  const lastTwoFrom = Math.max(start, end - 2 * WEEK);
  const lastTwo = touches.filter((t) => t.at >= lastTwoFrom);
  const earlier = touches.filter((t) => t.at < lastTwoFrom);
  const best = lastTwo.filter((t) => t.bestVariant).length;
  const share = wilson(best, lastTwo.length);
  const variantFit = variantsAgainstTruth(truth, lastTwo, earlier, end);
  const shareCeiling = lastTwo.length
    ? variantShareCeiling(
        PERSONAS.map((persona) => {
          const effects = truth.variant[persona];
          return {
            effects,
            best: bestVariant(truth, persona),
            judged: lastTwo.filter((t) => t.persona === persona).length,
            earlier: earlier
              .filter((t) => t.persona === persona)
              .map((t) => ({ pReply: t.pReply, effect: effects[t.variant] ?? 0 })),
          };
        }),
        rngFor(truth.seed, "variant-share-ceiling"),
        CHECK_BARS.bestVariantShare,
      )
    : undefined;

  const all = touches.length;
  const allMeetings = touches.filter((t) => t.meetingAt !== undefined && t.meetingAt < end).length;
  return {
    enabled: input.enabled,
    weeks,
    trust: input.trust
      .map((t) => ({ ...t, hiddenQuality: truth.agents[t.agentId]?.quality ?? null }))
      .sort((a, b) => a.actionType.localeCompare(b.actionType) || a.agentId.localeCompare(b.agentId)),
    trustWeeks: trustByWeek(
      truth,
      input.trustPoints ?? [],
      input.evidenceTimes ?? new Map(),
      nWeeks,
      input.recordEvidence,
    ),
    signalWeights: {
      fitted,
      hidden,
      spearman: rho,
      spearmanInterval: spearmanInterval(rho, SIGNAL_TYPES.length),
      source:
        "the spec's quality.signals weights in force at the end (learning/signals.ts refits reach them via weights drafts)",
      ...(input.shadowWeights
        ? {
            shadow: input.shadowWeights,
            shadowSpearman: spearman(
              SIGNAL_TYPES.map((t) => input.shadowWeights?.[t] ?? 0),
              SIGNAL_TYPES.map((t) => hidden[t] as number),
            ),
          }
        : {}),
      ...(input.lastRefit
        ? {
            noiseCeiling: {
              touches: input.lastRefit.touches,
              ...roundCeiling(
                spearmanNoiseCeiling(
                  SIGNAL_TYPES.map((t) => hidden[t] as number),
                  SIGNAL_TYPES.map((t) => input.lastRefit?.se[t] ?? 0),
                  rngFor(truth.seed, "noise-ceiling"),
                  CHECK_BARS.spearman,
                ),
              ),
            },
          }
        : {}),
      refits: refitsAgainstTruth(input.signalsTurns ?? [], hidden),
      loop: input.signalsLoop ?? [],
    },
    variants: {
      bestVariantShare: share.value,
      bestVariantShareInterval: share,
      ...variantFit,
      ...(shareCeiling
        ? { shareCeiling: { ...roundCeiling(shareCeiling), earlierSends: earlier.length } }
        : {}),
      sendsLastTwoWeeks: lastTwo.length,
      byWeek: weeks.map((w) => {
        const ts = touches.filter((t) => weekOf(t.at) === w.week);
        return {
          week: w.week,
          sends: ts.length,
          share: ts.length ? r3(ts.filter((t) => t.bestVariant).length / ts.length) : 0,
        };
      }),
    },
    totals: {
      touches: all,
      expectedMeetingsPer100: all ? r3((100 * touches.reduce((s, t) => s + t.pMeeting, 0)) / all) : 0,
      meetingsPer100: per100(allMeetings, all),
    },
  };
}

/**
 * The signals loop's daily turns in words: every refit and adoption, the shadow evidence once a week
 * while a refit waits, then its last word.
 */
export function signalsLoopLines(turns: readonly { day: number; tick: SignalsTick }[]): string[] {
  const out: string[] = [];
  for (const { day, tick } of turns) {
    if (tick.action === "refit" && tick.created)
      out.push(
        `day ${day}: refit on ${tick.draft.correction.kind === "refit" ? `${tick.draft.correction.touches} touches, ${tick.draft.correction.meetings} meetings` : "?"}: draft ${tick.draft.draftId} in shadow`,
      );
    if (tick.action === "adopted")
      out.push(`day ${day}: adopted ${tick.draft.draftId}: ${tick.evidence.why}`);
    // Once a week while a refit waits in shadow: why it is not adopted yet.
    if (tick.action === "shadow" && day % 7 === 0 && day !== turns.at(-1)?.day)
      out.push(`day ${day}: shadow: ${tick.evidence.why}`);
  }
  const last = turns.at(-1);
  if (last) {
    const t = last.tick;
    const why = t.action === "shadow" ? t.evidence.why : "why" in t ? t.why : t.action;
    out.push(`day ${last.day} (last turn): ${t.action}: ${why}`);
  }
  return out;
}

/** Trust at the end of each week (its last day's point), with the evidence recorded by then. */
function trustByWeek(
  truth: MarketTruth,
  points: readonly TrustPoint[],
  evidence: ReadonlyMap<string, readonly number[]>,
  nWeeks: number,
  records?: LearningInputs["recordEvidence"],
): LearningTrustWeek[] {
  const out: LearningTrustWeek[] = [];
  const keys = [...new Set(points.map((p) => `${p.agentId} ${p.actionType}`))].sort();
  for (let week = 1; week <= nWeeks; week++)
    for (const key of keys) {
      const mine = points.filter((p) => `${p.agentId} ${p.actionType}` === key && p.day <= 7 * week);
      const last = mine.reduce<TrustPoint | undefined>((a, p) => (!a || p.day > a.day ? p : a), undefined);
      if (!last) continue;
      const weekEnd = evidenceEnd(week);
      const byWeekEnd = (times: readonly number[] = []) => times.filter((at) => at < weekEnd).length;
      out.push({
        week,
        agentId: last.agentId,
        actionType: last.actionType,
        hiddenQuality: truth.agents[last.agentId]?.quality ?? null,
        score: last.score,
        lowerBound: last.lowerBound,
        level: last.level,
        maxLevel: Math.max(...mine.map((p) => p.level)),
        outcomes: byWeekEnd(evidence.get(key)),
        ...(last.streams ? { streams: last.streams } : {}),
        ...(records && truth.agents[last.agentId]?.kind === "records"
          ? {
              reviews: byWeekEnd(records.get(key)?.reviews),
              judged: byWeekEnd(records.get(key)?.judged),
            }
          : {}),
      });
    }
  return out;
}
/** Evidence times are relative to the run's start (ms): week w ends at 7w days. */
const evidenceEnd = (week: number) => week * WEEK;

/** Near-best share and lift captured of touches' variants, against the persona's hidden effects. */
function variantsAgainstTruth(
  truth: MarketTruth,
  touches: readonly TouchRecord[],
  earlier: readonly TouchRecord[],
  end: number,
) {
  const evidenceOf = (persona: string, variant: string) => {
    const sent = earlier.filter((t) => t.persona === persona && t.variant === variant);
    return {
      variant,
      sends: sent.length,
      replies: sent.filter((t) => t.replyAt !== undefined && t.replyAt < end).length,
      expectedReplies: r3(sent.reduce((a, t) => a + t.pReply, 0)),
    };
  };
  let near = 0;
  let lift = 0;
  let maxLift = 0;
  for (const t of touches) {
    const effects = truth.variant[t.persona as TruePersona];
    if (!effects) continue;
    const values = Object.values(effects);
    const top = Math.max(...values);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const mine = effects[t.variant] ?? mean;
    if (mine >= top - 0.1) near++;
    lift += mine - mean;
    maxLift += top - mean;
  }
  return {
    nearBestShare: touches.length ? r3(near / touches.length) : 0,
    liftCaptured: maxLift > 0 ? r3(lift / maxLift) : 0,
    byPersona: PERSONAS.flatMap((persona) => {
      const mine = touches.filter((t) => t.persona === persona);
      if (mine.length === 0) return [];
      const sent = new Map<string, number>();
      for (const t of mine) sent.set(t.variant, (sent.get(t.variant) ?? 0) + 1);
      const effects = Object.values(truth.variant[persona]).sort((a, b) => b - a);
      const best = bestVariant(truth, persona);
      const mostSent = [...sent].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? "";
      return [
        {
          persona,
          sends: mine.length,
          best,
          bestShare: r3(mine.filter((t) => t.bestVariant).length / mine.length),
          mostSent,
          gap: r3((effects[0] ?? 0) - (effects[1] ?? 0)),
          evidence: [...new Set([best, mostSent])].map((v) => evidenceOf(persona, v)),
        },
      ];
    }),
  };
}

/** A trust row's market stream: successes/failures, silences, and its own lower bound. */
const marketLine = (e: TrustEvidence) =>
  `${e.market.success.toFixed(1)}/${e.market.failure.toFixed(1)} (${e.silence.toFixed(0)} silent, lower ${e.marketLowerBound.toFixed(2)})`;

/** The learning report as printable lines. */
export function formatLearning(l: LearningReport): string[] {
  const iv = (i: Interval, d = 1) => `${i.value.toFixed(d)} [${i.lo.toFixed(d)}, ${i.hi.toFixed(d)}]`;
  const lines = [
    `Learning (${l.enabled ? "on" : "off: the spec says learning.enabled: false"}), judged against the market's hidden truth`,
    `  ${"week".padEnd(6)}${"touches".padStart(9)}${"replies".padStart(9)}${"meetings".padStart(10)}${"expected".padStart(10)}${"exp/100".padStart(9)}   meetings/100 [95%]`,
  ];
  for (const w of l.weeks)
    lines.push(
      `  ${String(w.week).padEnd(6)}${String(w.touches).padStart(9)}${String(w.replies).padStart(9)}${String(w.meetings).padStart(10)}${w.expectedMeetings.toFixed(1).padStart(10)}${w.expectedMeetingsPer100.toFixed(2).padStart(9)}   ${iv(w.meetingsPer100, 2)}`,
    );
  lines.push(
    `  all: ${l.totals.touches} touches, ${l.totals.expectedMeetingsPer100.toFixed(2)} expected meetings per 100 (noise-free), ${iv(l.totals.meetingsPer100, 2)} realised`,
  );
  lines.push("  Trust vs hidden quality");
  for (const t of l.trust)
    lines.push(
      `    ${`${t.agentId} × ${t.actionType}`.padEnd(48)} quality ${t.hiddenQuality === null ? "  -  " : t.hiddenQuality.toFixed(2)}  score ${t.score.toFixed(2)} (lower ${t.lowerBound.toFixed(2)}, n ${t.sample.toFixed(0)})  level ${t.level}${t.evidence ? `  market ${marketLine(t.evidence)}` : ""}`,
    );
  const sw = l.signalWeights;
  lines.push(
    `  Signal weights: Spearman(fitted, hidden) ${sw.spearman.toFixed(2)} [${sw.spearmanInterval.lo.toFixed(2)}, ${sw.spearmanInterval.hi.toFixed(2)}]${sw.shadowSpearman === undefined ? "" : `; the refit in shadow: ${sw.shadowSpearman.toFixed(2)}`}`,
  );
  if (sw.noiseCeiling)
    lines.push(
      `    noise ceiling at the last refit's ${sw.noiseCeiling.touches} touches: mean Spearman ${sw.noiseCeiling.mean.toFixed(2)}, P(≥ ${sw.noiseCeiling.bar}) ${sw.noiseCeiling.atLeast.toFixed(2)} for any learner that precise`,
    );
  for (const t of Object.keys(sw.hidden))
    lines.push(
      `    ${t.padEnd(22)} fitted ${String(sw.fitted[t]).padStart(7)}${sw.shadow ? `   in shadow ${String(sw.shadow[t] ?? "-").padStart(7)}` : ""}   hidden ${(sw.hidden[t] ?? 0).toFixed(2).padStart(6)}`,
    );
  if (sw.refits.length)
    lines.push(
      `    refits' Spearman against hidden: ${sw.refits.map((r) => `day ${r.day} (${r.touches} touches) ${r.spearman.toFixed(2)}${r.adoptedDay === undefined ? "" : ` adopted day ${r.adoptedDay}`}`).join("; ")}`,
    );
  for (const line of sw.loop) lines.push(`    loop: ${line}`);
  lines.push(
    `  Variants: best-variant share in the last two weeks ${iv(l.variants.bestVariantShareInterval, 2)} over ${l.variants.sendsLastTwoWeeks} touches (within 0.1 log-odds of the best ${l.variants.nearBestShare.toFixed(2)}, lift over uniform captured ${l.variants.liftCaptured.toFixed(2)}); by week ${l.variants.byWeek.map((w) => w.share.toFixed(2)).join(" ")}`,
  );
  const vc = l.variants.shareCeiling;
  if (vc)
    lines.push(
      `    a learner that dealt the ${vc.earlierSends} sends before the last two weeks evenly to the variants, then sent each persona's most-replied one: mean share ${vc.mean.toFixed(2)}, P(≥ ${vc.bar}) ${vc.atLeast.toFixed(2)} (a reference, not a bound)`,
    );
  for (const p of l.variants.byPersona)
    lines.push(
      `    ${p.persona.padEnd(9)} ${String(p.sends).padStart(5)} sends: best ${p.best} (${p.gap.toFixed(2)} log-odds over the next) sent ${p.bestShare.toFixed(2)}, most sent ${p.mostSent}; before the last two weeks ${p.evidence.map((e) => `${e.variant} ${e.replies} replies in ${e.sends} sends (${e.expectedReplies.toFixed(1)} expected)`).join(", ")}`,
    );
  return lines;
}
