import type { CheckResult, ShadowOutcome } from "./decision-types.ts";
import { forcesReview, verdictOf } from "./verdict.ts";
import type { Verdict } from "./vocabulary.ts";

/** What the gate already computed, plus the two things a shadow rule can change beyond its own entries. */
export interface ShadowInputs {
  checks: CheckResult[];
  verdict: Verdict;
  /** The real autonomy level (1 when a review was forced). */
  level: 1 | 2 | 3;
  /**
   * The persona and conditional-rule entries as they would be with this shadow persona rule enforced:
   * a persona rule is permissive (it classifies), so enforcing it changes the persona, not one entry.
   */
  repersona?: (rule: string) => CheckResult[];
  /** The coordination entries for a touch made at once: a forced review turns a level 2 touch into level 1. */
  recoordinateNow?: () => CheckResult[];
}

const PERSONA_FIXED = new Set(["personas.match", "personas.allowedRoles"]);
const isPersonaRule = (c: CheckResult) =>
  c.check === "persona" && c.rule !== undefined && !PERSONA_FIXED.has(c.rule);

/**
 * For each shadow rule in the trace, the verdict the decision would have had with that one rule enforced
 * and everything else as it was. Computed from the checks already made: only a persona rule (which
 * reclassifies) and a review (which changes the level, and so when a level 2 touch would happen) need
 * anything recomputed. One entry per rule that fired or would have changed the verdict.
 */
export function shadowOutcomes(input: ShadowInputs): ShadowOutcome[] {
  const out: ShadowOutcome[] = [];
  const seen = new Set<string>();
  for (const c of input.checks) {
    if (!c.shadow || c.rule === undefined || seen.has(c.rule)) continue;
    seen.add(c.rule);
    const persona = isPersonaRule(c);
    // A persona rule's shadow entry exists only when, enforced, it would classify the title.
    const fired = persona || input.checks.some((x) => x.rule === c.rule && x.shadow && x.result === "fail");
    const verdict = wouldBe(input, c.rule, persona);
    if (fired || verdict !== input.verdict) out.push({ rule: c.rule, check: c.check, verdict });
  }
  return out;
}

function wouldBe(input: ShadowInputs, rule: string, persona: boolean): Verdict {
  // Nothing is copied for the common case: the rule's own entries are counted as enforced.
  let checks = input.checks;
  let enforce: string | undefined = rule;
  if (persona && input.repersona) {
    checks = checks.filter((c) => c.check !== "persona" && c.check !== "rule");
    checks.push(...input.repersona(rule));
    enforce = undefined; // the recomputed entries are the enforced ones
  }
  let level = input.level;
  if (level !== 1 && forcesReview(checks, enforce)) {
    if (level === 2 && input.recoordinateNow) {
      checks = checks.filter((c) => c.check !== "coordination");
      checks.push(...input.recoordinateNow());
    }
    level = 1;
  }
  return verdictOf(checks, level, enforce);
}
