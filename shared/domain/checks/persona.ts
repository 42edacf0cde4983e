import type { CheckResult } from "../decision-types.ts";
import type { Person } from "../kb.ts";
import { matches } from "../patterns.ts";
import type { Spec } from "../spec-schema.ts";
import type { CommitteeRole } from "../vocabulary.ts";

export interface PersonaMatch {
  name: string;
  role: CommitteeRole;
}

/** Whether a persona rule's patterns match the title (linear time, compiled once per pattern text). */
export const ruleMatches = (rule: Spec["personas"]["rules"][number], title: string) =>
  rule.titlePatterns.some((p) => matches(p, title));

/** Title -> persona -> committee role; the first matching rule wins. */
export function classifyTitle(spec: Spec, title: string): PersonaMatch | undefined {
  const rule = spec.personas.rules.find((r) => ruleMatches(r, title));
  return rule ? { name: rule.name, role: rule.role } : undefined;
}

export function checkPersona(
  spec: Spec,
  actionType: string,
  person: Person,
): { result: CheckResult; match?: PersonaMatch } {
  const match = classifyTitle(spec, person.title);
  const allowed = spec.personas.allowedRoles[actionType];
  if (!match) {
    return {
      result: {
        check: "persona",
        result: "fail",
        effect: "block",
        detail: `title "${person.title}" matches no persona rule`,
      },
    };
  }
  const label = `${person.title} → ${match.name} → ${match.role.replace("_", " ")}`;
  if (allowed && !allowed.includes(match.role)) {
    return {
      match,
      result: {
        check: "persona",
        result: "fail",
        effect: "block",
        detail: `${label}; ${actionType} may only target ${allowed.join(", ")}`,
      },
    };
  }
  return {
    match,
    result: { check: "persona", result: "pass", detail: `${label}, may be targeted by ${actionType}` },
  };
}
