import type { CheckResult } from "../decision-types.ts";
import type { Person } from "../kb.ts";
import type { Spec } from "../spec-schema.ts";
import type { CommitteeRole } from "../vocabulary.ts";

export interface PersonaMatch {
  name: string;
  role: CommitteeRole;
}

const compiled = new WeakMap<Spec, { name: string; role: CommitteeRole; patterns: RegExp[] }[]>();

/** Title -> persona -> committee role; the first matching rule wins. */
export function classifyTitle(spec: Spec, title: string): PersonaMatch | undefined {
  let rules = compiled.get(spec);
  if (!rules) {
    rules = spec.personas.rules.map((r) => ({
      name: r.name,
      role: r.role,
      patterns: r.titlePatterns.map((p) => new RegExp(p, "i")),
    }));
    compiled.set(spec, rules);
  }
  const rule = rules.find((r) => r.patterns.some((p) => p.test(title)));
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
