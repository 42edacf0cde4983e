import type { CheckName } from "./decision-types.ts";
import { formatPath } from "./validation.ts";
import { ActionType, Channel, CommitteeRole, Weekday } from "./vocabulary.ts";
import * as z from "./zod-mini.ts";

/** Rules in shadow mode are evaluated and recorded but never change a verdict. */
export const Mode = z._default(z.enum(["enforce", "shadow"]), "enforce");
export type RuleMode = "enforce" | "shadow";

/**
 * The spec's unnamed rules, by the fixed name every trace entry and shadow outcome uses. Each is put in
 * shadow through its section's `modes` map under `key` (e.g. `icp: { modes: { employees: shadow } }`).
 */
export const FIXED_RULES = {
  "icp.industries": { section: "icp", key: "industries", check: "icp" },
  "icp.employees": { section: "icp", key: "employees", check: "icp" },
  "icp.countries": { section: "icp", key: "countries", check: "icp" },
  "icp.techStackAnyOf": { section: "icp", key: "techStackAnyOf", check: "icp" },
  "icp.fundingStages": { section: "icp", key: "fundingStages", check: "icp" },
  "personas.match": { section: "personas", key: "match", check: "persona" },
  "personas.allowedRoles": { section: "personas", key: "allowedRoles", check: "persona" },
  "quality.minIntent": { section: "quality", key: "minIntent", check: "intent" },
  "quality.minContentQuality": { section: "quality", key: "minContentQuality", check: "content_quality" },
  "quality.reviewBelowConfidence": { section: "quality", key: "reviewBelowConfidence", check: "confidence" },
  "volume.perAgentPerDay": { section: "volume", key: "perAgentPerDay", check: "volume" },
  "volume.perChannelPerDay": { section: "volume", key: "perChannelPerDay", check: "volume" },
  "volume.perActionTypePerDay": { section: "volume", key: "perActionTypePerDay", check: "volume" },
  "volume.accountsPerOwnerPerDay": { section: "volume", key: "accountsPerOwnerPerDay", check: "volume" },
  "suppression.lifecycles": { section: "suppression", key: "lifecycles", check: "suppression" },
  "suppression.competitors": { section: "suppression", key: "competitors", check: "suppression" },
} as const satisfies Record<string, { section: string; key: string; check: CheckName }>;

export type FixedRuleName = keyof typeof FIXED_RULES;
export type ModeSection = (typeof FIXED_RULES)[FixedRuleName]["section"];

const keysOf = (section: ModeSection) =>
  Object.values(FIXED_RULES)
    .filter((r) => r.section === section)
    .map((r) => r.key as string);

/**
 * A section's `modes` map. A key that names no rule of the section is refused with its own path, so a
 * typo (`modes: { employes: shadow }`) cannot silently leave a rule enforced.
 */
export const modesFor = (section: ModeSection) => {
  const known = keysOf(section);
  return z.optional(
    z.record(z.string(), z.enum(["enforce", "shadow"])).check(
      z.superRefine((modes, ctx) => {
        for (const key of Object.keys(modes)) {
          if (!known.includes(key))
            ctx.addIssue({
              code: "custom",
              path: [key],
              message: `unknown rule "${key}" in ${section}.modes: expected one of ${known.join(", ")}`,
            });
        }
      }),
    ),
  );
};

/** The mode of a fixed-name rule in a spec section's `modes` map. */
export const modeOf = (modes: Record<string, RuleMode> | undefined, key: string): RuleMode =>
  modes?.[key] ?? "enforce";

/** Bounds keep a conditional rule's cost per decision small and linear in the payload's length. */
export const MAX_SPEC_RULES = 200;
const MAX_LIST = 50;
const MAX_PHRASES = 20;
const MAX_PHRASE_LENGTH = 200;

const list = <T extends z.core.SomeType>(item: T) =>
  z.optional(z.array(item).check(z.minLength(1), z.maxLength(MAX_LIST)));

export const RuleName = z.string().check(z.trim(), z.minLength(1), z.maxLength(100));

const bounded = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
/** The longest industry or persona a rule's condition can name (learning/rules.ts names only those). */
export const RULE_VALUE_MAX_LENGTH = 100;

const When = z
  .strictObject({
    actionTypes: list(ActionType),
    agents: list(bounded(128)),
    channels: list(Channel),
    industries: list(bounded(RULE_VALUE_MAX_LENGTH)),
    countries: list(z.string().check(z.length(2))),
    personas: list(bounded(RULE_VALUE_MAX_LENGTH)),
    roles: list(CommitteeRole),
    /** In the recipient's local time (the person's zone, else the account's), like quiet hours. */
    weekdays: list(Weekday),
    /** Plain substrings, matched case-insensitively in the payload's text fields. */
    phrases: z.optional(
      z
        .array(z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_PHRASE_LENGTH)))
        .check(z.minLength(1), z.maxLength(MAX_PHRASES)),
    ),
  })
  .check(z.refine((w) => Object.values(w).some((v) => v !== undefined), "name at least one condition"));

/** A conditional rule: when every listed condition holds (any value within a list), apply the effect. */
export const SpecRuleSchema = z.strictObject({
  name: RuleName,
  when: When,
  effect: z.enum(["block", "defer", "review"]),
  mode: Mode,
  note: z.optional(z.string().check(z.maxLength(1000))),
  origin: z.optional(
    z.strictObject({
      draftId: z.optional(bounded(128)),
      decisionId: z.optional(bounded(128)),
    }),
  ),
});

export type SpecRule = z.infer<typeof SpecRuleSchema>;

/** The named rules of a spec, with the path of each name (for duplicate errors). */
export interface NamedRuleSource {
  icp: { exclusions: { name: string; mode: RuleMode }[] };
  personas: { rules: { name: string; mode: RuleMode }[] };
  coordination: Record<
    "frequencyCaps" | "cooldowns" | "channelDiversity" | "quietHours",
    { name: string; mode: RuleMode }[]
  >;
  rules: { name: string; mode: RuleMode }[];
}

export const NAMED_SECTIONS = [
  { path: ["icp", "exclusions"], check: "icp" },
  { path: ["personas", "rules"], check: "persona" },
  { path: ["coordination", "frequencyCaps"], check: "coordination" },
  { path: ["coordination", "cooldowns"], check: "coordination" },
  { path: ["coordination", "channelDiversity"], check: "coordination" },
  { path: ["coordination", "quietHours"], check: "coordination" },
  { path: ["rules"], check: "rule" },
] as const satisfies { path: readonly string[]; check: CheckName }[];

export function namedRuleList(
  spec: NamedRuleSource,
  path: (typeof NAMED_SECTIONS)[number]["path"],
): { name: string; mode: RuleMode }[] {
  if (path.length === 1) return spec.rules ?? []; // a version stored before `rules` existed has none
  if (path[0] === "icp") return spec.icp.exclusions;
  if (path[0] === "personas") return spec.personas.rules;
  return spec.coordination[path[1] as keyof NamedRuleSource["coordination"]];
}

/**
 * At most this many rules in shadow at once: each shadow rule that would flip a decision adds two items
 * to the decision's commit transaction (its flip and a count, adapters/dynamo/flip-store.ts), which
 * DynamoDB bounds at 100 items; a bound here means no flip is ever dropped.
 */
export const MAX_SHADOW_RULES = 40;

/** The named rules in shadow plus the `modes` entries set to shadow, against MAX_SHADOW_RULES. */
export function shadowCountIssue(
  spec: NamedRuleSource &
    Record<"icp" | "personas" | "quality" | "volume" | "suppression", { modes?: object }>,
): { path: (string | number)[]; message: string } | undefined {
  let count = 0;
  for (const { path } of NAMED_SECTIONS)
    count += namedRuleList(spec, path).filter((r) => r.mode === "shadow").length;
  for (const section of ["icp", "personas", "quality", "volume", "suppression"] as const)
    count += Object.values(spec[section].modes ?? {}).filter((m) => m === "shadow").length;
  return count > MAX_SHADOW_RULES
    ? { path: [], message: `${count} rules are in shadow; at most ${MAX_SHADOW_RULES} may be at once` }
    : undefined;
}

/** Rule names are unique across the spec, and no named rule takes a fixed rule's name. */
export function duplicateNameIssues(spec: NamedRuleSource): { path: (string | number)[]; message: string }[] {
  const seen = new Map<string, string>();
  for (const name of Object.keys(FIXED_RULES)) seen.set(name, "a fixed rule name");
  const issues: { path: (string | number)[]; message: string }[] = [];
  for (const { path } of NAMED_SECTIONS) {
    namedRuleList(spec, path).forEach((rule, i) => {
      const where = [...path, i, "name"];
      const first = seen.get(rule.name);
      if (first)
        issues.push({ path: where, message: `rule name "${rule.name}" is already used by ${first}` });
      else seen.set(rule.name, formatPath(where));
    });
  }
  return issues;
}
