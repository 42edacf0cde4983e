import type { CheckResult } from "../decision-types.ts";
import type { Person } from "../kb.ts";
import { matches } from "../patterns.ts";
import { type PreparedPersona, personaMatches } from "../prepared-spec.ts";
import { modeOf } from "../spec-modes.ts";
import type { Spec } from "../spec-schema.ts";
import type { CommitteeRole } from "../vocabulary.ts";

export interface PersonaMatch {
  name: string;
  role: CommitteeRole;
}

/** Whether a persona rule's patterns match the title (linear time, compiled once per pattern text). */
export const ruleMatches = (rule: Spec["personas"]["rules"][number], title: string) =>
  rule.titlePatterns.some((p) => matches(p, title));

/** Whether a persona rule takes part in classification: enforced ones do, a shadow one only when asked. */
const active = (rule: Spec["personas"]["rules"][number], enforce?: string) =>
  rule.mode !== "shadow" || rule.name === enforce;

/**
 * Title -> persona -> committee role; the first matching rule wins. Persona rules in shadow classify
 * nobody (a permissive rule in shadow must not let anyone through), unless `enforce` names one: then
 * the classification is the one it would be with that rule enforced.
 */
export function classifyTitle(spec: Spec, title: string, enforce?: string): PersonaMatch | undefined {
  const rule = spec.personas.rules.find((r) => active(r, enforce) && ruleMatches(r, title));
  return rule ? { name: rule.name, role: rule.role } : undefined;
}

export interface PersonaCheck {
  /** The persona check's verdict entry: no match (`personas.match`) or the role allowed or not. */
  result: CheckResult;
  match?: PersonaMatch;
  /** One shadow entry per shadow persona rule that, enforced, would classify this title first. */
  trace: CheckResult[];
}

/**
 * `prepared`: the spec's persona rules compiled once per spec version (domain/prepared-spec.ts), in the
 * spec's order; without it each pattern is looked up by its text.
 */
export function checkPersona(
  spec: Spec,
  actionType: string,
  person: Person,
  enforce?: string,
  prepared?: PreparedPersona[],
): PersonaCheck {
  const modes = spec.personas.modes;
  const trace: CheckResult[] = [];
  let match: PersonaMatch | undefined;
  const rules = spec.personas.rules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as (typeof rules)[number];
    const compiled = prepared?.[i];
    if (!(compiled ? personaMatches(compiled, person.title) : ruleMatches(rule, person.title))) continue;
    if (active(rule, enforce)) {
      match = { name: rule.name, role: rule.role };
      break;
    }
    trace.push({
      check: "persona",
      rule: rule.name,
      result: "pass",
      shadow: true,
      detail: `in shadow: would classify the title as ${rule.name} → ${rule.role.replace("_", " ")}`,
    });
  }
  const allowed = spec.personas.allowedRoles[actionType];
  if (!match) {
    const shadow = modeOf(modes, "match") === "shadow";
    return {
      trace,
      result: {
        check: "persona",
        rule: "personas.match",
        result: "fail",
        effect: "block",
        ...(shadow ? { shadow } : {}),
        // The trace is not sealed (personal-data.ts): it names the persona, never the person's title,
        // which lives in the decision's sealed context and is erased with it.
        detail: "the title matches no persona rule",
      },
    };
  }
  const label = `title → ${match.name} → ${match.role.replace("_", " ")}`;
  if (allowed && !allowed.includes(match.role)) {
    const shadow = modeOf(modes, "allowedRoles") === "shadow";
    return {
      match,
      trace,
      result: {
        check: "persona",
        rule: "personas.allowedRoles",
        result: "fail",
        effect: "block",
        ...(shadow ? { shadow } : {}),
        detail: `${label}; ${actionType} may only target ${allowed.join(", ")}`,
      },
    };
  }
  return {
    match,
    trace,
    result: {
      check: "persona",
      rule: allowed ? "personas.allowedRoles" : "personas.match",
      result: "pass",
      detail: `${label}, may be targeted by ${actionType}`,
    },
  };
}

/**
 * A payload addressed to anyone but the person checked is the draft's fault, like a wrong persona: a
 * `persona` entry (rule `recipient`) that blocks.
 */
export const misaddressedEntry = (detail: string): CheckResult => ({
  check: "persona",
  rule: RECIPIENT_RULE,
  result: "fail",
  effect: "block",
  detail,
});

export const RECIPIENT_RULE = "recipient";
