/**
 * The spec's `learning.signals` section (the signals loop, shared/learning/signals.ts) and what the gate
 * does with it: while a refit's weights are in shadow (`learning.signals.shadow`), every touch's intent is
 * also computed under them and recorded on the decision (`Decision.shadowIntent`), never changing its
 * verdict; confirming the weights draft moves them into `quality.signals`, discarding drops them.
 */

import type { Spec } from "./spec-schema.ts";
import * as z from "./zod-mini.ts";

/** Bounds of one signal weight in intent points (the score itself is capped at 100). */
export const MAX_SIGNAL_WEIGHT = 100;
export const SignalWeightValue = z.number().check(z.gte(-MAX_SIGNAL_WEIGHT), z.lte(MAX_SIGNAL_WEIGHT));
const WindowDays = z.number().check(z.int(), z.positive(), z.lte(365));

const ShadowWeights = z.strictObject({
  /** The weights draft these belong to (usecases/signals-refit.ts). */
  draftId: z.string().check(z.minLength(1)),
  weights: z.record(z.string(), SignalWeightValue),
  /** The window each weight was fitted over, when the refit chose another than the spec's. */
  windowDays: z.optional(z.record(z.string(), WindowDays)),
  /** Occurrences per type the weights were fitted on at most (`maxCount` when refitted): their cap. */
  maxCount: z.optional(z.number().check(z.int(), z.positive(), z.lte(100))),
});

export const LearningSignalsSchema = z.strictObject({
  /** Adopt a refit without an admin when its shadow evidence says it ranks meetings better. */
  autoAdopt: z._default(z.boolean(), false),
  /**
   * Replies (a meeting counts as one) among the touches fitted on before a refit is proposed: the fit
   * learns from replies and meetings together (shared/learning/signals.ts).
   */
  minReplies: z._default(z.number().check(z.int(), z.positive()), 30),
  /** Meetings among them, at least (the meeting rate needs a few of its own). */
  minMeetings: z._default(z.number().check(z.int(), z.nonnegative()), 5),
  /** Days between refits. */
  refitEveryDays: z._default(z.number().check(z.positive()), 7),
  /** How far back the touches fitted on go. */
  lookbackDays: z._default(z.number().check(z.positive(), z.lte(365)), 90),
  /** Occurrences of one signal type counted at most (diminishing returns). */
  maxCount: z._default(z.number().check(z.int(), z.positive(), z.lte(100)), 3),
  /** Prior standard deviation of a weight around the weights' mean, log-odds of an answer per occurrence. */
  priorSd: z._default(z.number().check(z.positive(), z.lte(10)), 0.5),
  /**
   * Windows (days, one for every signal type) the refit also fits over, besides the spec's own; the
   * one the touches support best (Laplace evidence) is proposed with the weights.
   */
  windowCandidates: z._default(z.array(WindowDays).check(z.maxLength(10)), [7, 14, 30, 60, 90]),
  /** Replies among the touches made in shadow before auto-adoption can decide (AUC on replies). */
  adoptMinReplies: z._default(z.number().check(z.int(), z.positive()), 30),
  /** Meetings among them, at least. */
  adoptMinMeetings: z._default(z.number().check(z.int(), z.nonnegative()), 0),
  /**
   * With `autoAdopt`: days a refit may stay in shadow without being shown to rank better before a
   * refit on the touches since replaces it (the stale draft is discarded, with its evidence as reason).
   */
  shadowMaxDays: z._default(z.number().check(z.positive(), z.lte(365)), 14),
  /** When the last refit was drafted (written by the harness with the draft). */
  lastFitAt: z.optional(z.iso.datetime()),
  /** A refit's weights in shadow: recorded on each touch's decision, enforced nowhere. */
  shadow: z.optional(ShadowWeights),
});

export type LearningSignals = z.infer<typeof LearningSignalsSchema>;

/** The section of a stored spec (stored versions are not parsed again, so it may be absent). */
export function signalSettings(spec: Spec): LearningSignals {
  const s = (spec as { learning?: { signals?: LearningSignals } }).learning?.signals;
  return s ?? LearningSignalsSchema.parse({});
}

/** The weights in force, by signal type. */
export function currentWeights(spec: Spec): Record<string, number> {
  return Object.fromEntries(Object.entries(spec.quality.signals).map(([t, s]) => [t, s.weight]));
}

/**
 * `spec` with new weights (and windows and the occurrence cap they were fitted with, if given) in
 * `quality.signals`; types not in the spec are ignored.
 */
export function withWeights(
  spec: Spec,
  weights: Readonly<Record<string, number>>,
  windowDays: Readonly<Record<string, number>> = {},
  maxCount?: number,
): Spec {
  const signals: Spec["quality"]["signals"] = {};
  for (const [t, s] of Object.entries(spec.quality.signals))
    signals[t] = {
      ...s,
      weight: weights[t] ?? s.weight,
      windowDays: windowDays[t] ?? s.windowDays,
      ...(maxCount !== undefined && weights[t] !== undefined ? { maxCount } : {}),
    };
  return { ...spec, quality: { ...spec.quality, signals } };
}

type WithSignals = Spec & { learning: { signals: LearningSignals } };

/** `spec` with `patch` merged into `learning.signals` (undefined values remove keys). */
export function patchSignals(spec: Spec, patch: Partial<LearningSignals>): Spec {
  const learning = (spec as Partial<WithSignals>).learning ?? {};
  const signals: Record<string, unknown> = { ...signalSettings(spec), ...patch };
  for (const [k, v] of Object.entries(signals)) if (v === undefined) delete signals[k];
  return { ...spec, learning: { ...learning, signals } } as Spec;
}

/**
 * A weights draft closed: confirmed puts the shadow weights in force, discarded drops them; either way
 * the shadow section goes. Undefined when `draftId`'s weights are not in shadow in `spec`.
 */
export function closeShadowWeights(
  spec: Spec,
  draftId: string,
  to: "confirmed" | "discarded",
): Spec | undefined {
  const shadow = signalSettings(spec).shadow;
  if (shadow?.draftId !== draftId) return undefined;
  const base =
    to === "confirmed" ? withWeights(spec, shadow.weights, shadow.windowDays, shadow.maxCount) : spec;
  return patchSignals(base, { shadow: undefined });
}
