/**
 * The spec's `learning` section: the switch over every learning loop and each loop's settings
 * (shared/learning/). Every key has a default, so specs written before this section stay valid, and a
 * section given in part is completed (`prefault` parses `{}` through the inner defaults).
 */

import { LearningSignalsSchema } from "./spec-signals.ts";
import * as z from "./zod-mini.ts";

/**
 * Variants loop (shared/learning/variants.ts): how a reward is scored and how far a persona × industry
 * cell's own evidence may pull away from the pooled evidence.
 */
const LearningVariants = z.strictObject({
  /** A booked meeting counts as this many replies on top of its own reply (reward = replies + w × meetings). */
  meetingWeight: z._default(z.number().check(z.gte(0), z.lte(10)), 1),
  /**
   * How many sends of pooled evidence a persona's own evidence about a variant must outweigh before
   * it leads (the prior's strength, in pseudo-sends; shared/learning/variants.ts).
   */
  personaPriorStrength: z._default(z.number().check(z.positive(), z.lte(100_000)), 50),
  /** The same for one persona × industry cell against its persona's pooled evidence. */
  cellPriorStrength: z._default(z.number().check(z.positive(), z.lte(100_000)), 200),
});

export const LearningSchema = z.strictObject({
  /**
   * Off: the loops record evidence but nothing learned changes behaviour (variants rotate uniformly,
   * no signal refit reaches agents or the gate). Trust is the gate's control, not a learned preference,
   * and keeps working (shared/learning/README.md).
   */
  enabled: z._default(z.boolean(), true),
  variants: z.prefault(LearningVariants, {}),
  /** Signals loop (shared/learning/signals.ts): refits of the intent weights, reaching the gate via drafts. */
  signals: z.prefault(LearningSignalsSchema, {}),
});

export type LearningSettings = z.infer<typeof LearningSchema>;
