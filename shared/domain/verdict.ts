import { roundTo } from "./decimal.ts";
import type { CheckResult, Evaluation } from "./decision-types.ts";
import type { Verdict } from "./vocabulary.ts";

/** Whether an entry counts: enforced, or the one shadow rule being asked about (`enforce`). */
const counts = (c: CheckResult, enforce: string | undefined) =>
  c.result === "fail" && (!c.shadow || (enforce !== undefined && c.rule === enforce));

/** Whether an enforced failure forces a human review (low confidence, a `review` rule). A loop: no callback per decision. */
export function forcesReview(checks: CheckResult[], enforce?: string): boolean {
  for (let i = 0; i < checks.length; i++) {
    const c = checks[i] as CheckResult;
    if (c.effect === "review" && counts(c, enforce)) return true;
  }
  return false;
}

/**
 * The verdict from the enforced failures: block beats defer beats the autonomy level. Shadow entries
 * never count, except those of the rule named by `enforce` (the would-be verdict of a shadow rule).
 */
export function verdictOf(checks: CheckResult[], level: 1 | 2 | 3, enforce?: string): Verdict {
  let deferred = false;
  for (const c of checks) {
    if (!counts(c, enforce)) continue;
    if (c.effect === "block") return "block";
    if (c.effect === "defer") deferred = true;
  }
  if (deferred) return "defer";
  return level === 1 ? "require_approval" : level === 2 ? "schedule" : "allow";
}

const STATUS = {
  block: "blocked",
  defer: "deferred",
  require_approval: "pending_approval",
  schedule: "scheduled",
  allow: "dispatched",
} as const;

/** A failed check as a reason reads: "check (rule): detail" (the decision's reasons, a stopped review's). */
export const checkReason = (c: Pick<CheckResult, "check" | "rule" | "detail">): string =>
  `${c.check}${c.rule ? ` (${c.rule})` : ""}: ${c.detail}`;

export function finish(
  checks: CheckResult[],
  level: 1 | 2 | 3,
  autonomySource: Evaluation["autonomySource"],
  trustScore: number,
  intent: Evaluation["intent"],
  reservation: Evaluation["reservation"],
): Evaluation {
  const verdict = verdictOf(checks, level);
  // Loops rather than filter + map: no callbacks or intermediate list per decision (issue 8).
  const reasons: string[] = [];
  if (verdict === "block" || verdict === "defer") {
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i] as CheckResult;
      if (c.result === "fail" && !c.shadow && c.effect === verdict) reasons.push(checkReason(c));
    }
  } else reasons.push(checks[checks.length - 1]?.detail ?? "");
  const reserves = verdict === "allow" || verdict === "schedule" || verdict === "require_approval";
  const evaluation: Evaluation = {
    verdict,
    status: STATUS[verdict],
    checks,
    reasons,
    autonomyLevel: level,
    autonomySource,
    trustScore: roundTo(trustScore, 4),
    reservation: reserves ? reservation : { counters: [] },
  };
  // Assigned, not spread: a conditional spread per decision was measurable (issue 8).
  if (intent) evaluation.intent = intent;
  return evaluation;
}
