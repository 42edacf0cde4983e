/**
 * The spec's `learning` section as the loops read it. A version published before the section existed
 * is stored without it (the gate reads stored versions as they are, without parsing them again), so a
 * missing or partial section reads as the defaults: learning on.
 */

import { LearningSchema, type LearningSettings } from "../domain/spec-learning.ts";
import type { Spec } from "../domain/spec-schema.ts";

export function learningOf(spec: Pick<Spec, "learning"> | { learning?: unknown }): LearningSettings {
  const parsed = LearningSchema.safeParse(spec.learning ?? {});
  return parsed.success ? parsed.data : LearningSchema.parse({});
}

/** Spec `learning.enabled`: false turns every loop's effect on behaviour off (shared/learning/README.md). */
export const learningEnabled = (spec: Pick<Spec, "learning"> | { learning?: unknown }): boolean =>
  learningOf(spec).enabled;
