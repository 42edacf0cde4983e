import type { CheckEffect, CheckName, CheckResult } from "./decision-types.ts";

/**
 * A named rule's trace entry: passed or failed with its effect, in shadow or not. Built as one of four
 * object literals instead of with conditional spreads (`...(shadow ? { shadow } : {})`), which allocate
 * a temporary object per spread and give entries many hidden classes: spreads in the hot path were ~12%
 * of evaluation in the profile of issue 8. Same keys, in the order the spreads wrote them.
 */
export function ruleEntry(
  check: CheckName,
  rule: string,
  ok: boolean,
  effect: CheckEffect,
  shadow: boolean,
  detail: string,
): CheckResult {
  if (ok)
    return shadow ? { check, rule, result: "pass", shadow, detail } : { check, rule, result: "pass", detail };
  return shadow
    ? { check, rule, result: "fail", shadow, effect, detail }
    : { check, rule, result: "fail", effect, detail };
}
