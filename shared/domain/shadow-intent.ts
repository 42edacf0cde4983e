/**
 * The gate's second reading of intent while a refit's weights are in shadow (spec-signals.ts): recorded
 * on the decision next to the real one, never changing its verdict.
 */
import { computeIntent } from "./checks/quality.ts";
import type { Account } from "./kb.ts";
import { type PreparedIntent, prepareIntent } from "./prepared-spec.ts";
import type { Spec } from "./spec-schema.ts";
import { signalSettings, withWeights } from "./spec-signals.ts";

/** A touch's intent under the weights in shadow, recorded next to the real one. */
export interface ShadowIntent {
  draftId: string;
  score: number;
  /** Whether it would clear `quality.minIntent` (the real verdict does not change). */
  passes: boolean;
  /**
   * The sum before the cap at 100: the shadow evidence compares rankings, and most touched accounts sit
   * at the cap under one weight set or the other, where the capped scores tie. Absent on older decisions.
   */
  raw?: number;
}

/** Intent before the cap: Σ count × weight over what the reading counted. */
export const uncappedIntent = (reading: { counted: readonly { count: number; weight: number }[] }): number =>
  reading.counted.reduce((s, c) => s + c.count * c.weight, 0);

const prepared = new Map<string, PreparedIntent>();

/** Intent under the shadow weights of `spec` (prepared once per spec hash), if it has any. */
export function shadowIntent(
  spec: Spec,
  hash: string,
  account: Account,
  now: number,
): ShadowIntent | undefined {
  const shadow = signalSettings(spec).shadow;
  if (!shadow) return undefined;
  const key = `${hash}#${shadow.draftId}`;
  let p = prepared.get(key);
  if (!p) {
    // A handful of versions are live at a time; the bound only stops a leak.
    if (prepared.size >= 100) prepared.clear();
    p = prepareIntent(withWeights(spec, shadow.weights, shadow.windowDays, shadow.maxCount));
    prepared.set(key, p);
  }
  const reading = computeIntent(spec, account, now, p);
  const score = reading.score;
  return {
    draftId: shadow.draftId,
    score,
    passes: score >= spec.quality.minIntent,
    raw: uncappedIntent(reading),
  };
}
