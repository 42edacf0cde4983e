/**
 * What is left of the agents' former learning helpers: the intent multipliers' lift fit, used by the
 * learning watcher until the signals loop's refit (shared/learning/signals.ts) replaces it. The
 * variant picker moved to shared/learning/variants.ts.
 */
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
