/**
 * The learning loops' pure parts: choosing a message variant from engagement (loop 3) and re-fitting
 * intent-signal weights from what preceded meetings (loop 4).
 */
import type { TemplateStat } from "./types.ts";

export interface VariantChoice {
  variant: string;
  why: string;
}

/**
 * UCB1 over variants for one persona × industry (falling back to the persona across industries when
 * the cell is thin): untried variants first, then the best reward plus an exploration bonus.
 */
export function chooseVariant(
  variants: readonly string[],
  stats: TemplateStat[],
  persona: string,
  industry: string,
  tieBreak: number,
): VariantChoice {
  const cell = stats.filter((s) => s.persona === persona && s.industry === industry.toLowerCase());
  const pool = cell.reduce((n, s) => n + s.sent, 0) >= 20 ? cell : stats.filter((s) => s.persona === persona);
  const by = new Map<string, { sent: number; reward: number }>();
  for (const s of pool) {
    const cur = by.get(s.variant) ?? { sent: 0, reward: 0 };
    by.set(s.variant, {
      sent: cur.sent + s.sent,
      reward: cur.reward + s.replied + 2 * s.meetings - 2 * s.negative,
    });
  }
  const untried = variants.filter((v) => (by.get(v)?.sent ?? 0) === 0);
  if (untried.length > 0) {
    const v = untried[tieBreak % untried.length] as string;
    return { variant: v, why: `variant ${v} not yet tried for ${persona}` };
  }
  const total = [...by.values()].reduce((n, x) => n + x.sent, 0);
  let best = variants[0] as string;
  let bestScore = Number.NEGATIVE_INFINITY;
  let bestMean = 0;
  for (const v of variants) {
    const x = by.get(v) ?? { sent: 1, reward: 0 };
    const mean = x.reward / x.sent;
    const score = mean + 0.5 * Math.sqrt(Math.log(total) / x.sent);
    if (score > bestScore) {
      best = v;
      bestScore = score;
      bestMean = mean;
    }
  }
  const n = by.get(best)?.sent ?? 0;
  return {
    variant: best,
    why: `variant ${best}: reward ${bestMean.toFixed(2)} per send over ${n} sends to ${persona}`,
  };
}

export interface SignalTallies {
  touches: number;
  meetings: number;
  touchesWith: Record<string, number>;
  meetingsWith: Record<string, number>;
}

/**
 * A multiplier per signal type: how much more often it was present before a meeting than before a
 * touch in general (lift), shrunk toward 1 while evidence is thin and clamped to [0.5, 2].
 */
export function fitMultipliers(t: SignalTallies, prior = 10): Record<string, number> {
  const out: Record<string, number> = {};
  if (t.touches === 0 || t.meetings === 0) return out;
  for (const type of Object.keys(t.touchesWith)) {
    const base = (t.touchesWith[type] ?? 0) / t.touches;
    if (base === 0) continue;
    const lift = (t.meetingsWith[type] ?? 0) / t.meetings / base;
    const shrunk = (lift * t.meetings + prior) / (t.meetings + prior);
    out[type] = Number(Math.min(2, Math.max(0.5, shrunk)).toFixed(3));
  }
  return out;
}
