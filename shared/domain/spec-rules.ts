import type { CheckName } from "./decision-types.ts";
import { ValidationError } from "./errors.ts";
import {
  FIXED_RULES,
  type FixedRuleName,
  NAMED_SECTIONS,
  namedRuleList,
  type RuleMode,
  type SpecRule,
} from "./spec-modes.ts";
import { type Spec, SpecSchema } from "./spec-schema.ts";
import { parseWith } from "./validation.ts";

export interface RuleInfo {
  name: string;
  check: CheckName;
  mode: RuleMode;
}

/** Whether a fixed-name rule is configured in this spec (an unset ICP field or empty cap map is no rule). */
function present(spec: Spec, name: FixedRuleName): boolean {
  switch (name) {
    case "icp.industries":
      return spec.icp.industries !== undefined;
    case "icp.employees":
      return spec.icp.employees !== undefined;
    case "icp.countries":
      return spec.icp.countries !== undefined;
    case "icp.techStackAnyOf":
      return spec.icp.techStackAnyOf !== undefined;
    case "icp.fundingStages":
      return spec.icp.fundingStages !== undefined;
    case "personas.allowedRoles":
      return Object.keys(spec.personas.allowedRoles).length > 0;
    case "volume.perChannelPerDay":
      return Object.keys(spec.volume.perChannelPerDay).length > 0;
    case "volume.perActionTypePerDay":
      return Object.keys(spec.volume.perActionTypePerDay).length > 0;
    case "volume.accountsPerOwnerPerDay":
      return spec.volume.accountsPerOwnerPerDay !== undefined;
    case "suppression.lifecycles":
      return spec.suppression.blockLifecycles.length > 0;
    case "suppression.competitors":
      return spec.suppression.competitorDomains.length > 0;
    default:
      return true; // personas.match, the quality thresholds and the per-agent cap always exist
  }
}

type Modes = Record<string, RuleMode> | undefined;
const sectionOf = (spec: Spec, section: (typeof FIXED_RULES)[FixedRuleName]["section"]) =>
  spec[section] as { modes?: Modes };

/** Every rule of a spec with its name, the check it belongs to and its mode, in spec order. */
export function ruleNames(spec: Spec): RuleInfo[] {
  const out: RuleInfo[] = [];
  for (const name of Object.keys(FIXED_RULES) as FixedRuleName[]) {
    if (!present(spec, name)) continue;
    const { section, key, check } = FIXED_RULES[name];
    out.push({ name, check, mode: sectionOf(spec, section).modes?.[key] ?? "enforce" });
  }
  for (const { path, check } of NAMED_SECTIONS)
    for (const r of namedRuleList(spec, path)) out.push({ name: r.name, check, mode: r.mode });
  return out;
}

const unknown = (name: string) =>
  new ValidationError([{ path: "rule", message: `unknown rule "${name}": not a rule of this spec` }]);

const isFixed = (name: string): name is FixedRuleName => Object.hasOwn(FIXED_RULES, name);

/** Where a named rule lives: its list and index. */
function locate(spec: Spec, name: string): { list: { name: string; mode: RuleMode }[]; index: number } {
  for (const { path } of NAMED_SECTIONS) {
    const list = namedRuleList(spec, path);
    const index = list.findIndex((r) => r.name === name);
    if (index >= 0) return { list, index };
  }
  throw unknown(name);
}

const validated = (spec: Spec): Spec => parseWith(SpecSchema, spec);

/** The spec with a conditional rule appended to `rules` (validated: a duplicate name is a 400 naming it). */
export function addRule(spec: Spec, rule: SpecRule): Spec {
  const next = structuredClone(spec);
  next.rules = [...(next.rules ?? []), structuredClone(rule)]; // a stored version may predate `rules`
  return validated(next);
}

/**
 * The spec without the rule. A named rule leaves its list; a fixed rule's setting is cleared (an ICP
 * field unset, a cap map emptied, a quality threshold set to 0, which nothing fails). The per-agent cap
 * and `personas.match` cannot be removed, only put in shadow.
 */
export function removeRule(spec: Spec, name: string): Spec {
  const next = structuredClone(spec);
  if (!isFixed(name)) {
    const { list, index } = locate(next, name);
    list.splice(index, 1);
    return validated(next);
  }
  if (!present(next, name)) throw unknown(name);
  const { section, key } = FIXED_RULES[name];
  switch (name) {
    case "volume.perAgentPerDay":
    case "personas.match":
      throw new ValidationError([
        { path: "rule", message: `${name} cannot be removed; set its mode to shadow instead` },
      ]);
    case "icp.industries":
      delete next.icp.industries;
      break;
    case "icp.employees":
      delete next.icp.employees;
      break;
    case "icp.countries":
      delete next.icp.countries;
      break;
    case "icp.techStackAnyOf":
      delete next.icp.techStackAnyOf;
      break;
    case "icp.fundingStages":
      delete next.icp.fundingStages;
      break;
    case "personas.allowedRoles":
      next.personas.allowedRoles = {};
      break;
    case "quality.minIntent":
      next.quality.minIntent = 0;
      break;
    case "quality.minContentQuality":
      next.quality.minContentQuality = 0;
      break;
    case "quality.reviewBelowConfidence":
      next.quality.reviewBelowConfidence = 0;
      break;
    case "volume.perChannelPerDay":
      next.volume.perChannelPerDay = {};
      break;
    case "volume.perActionTypePerDay":
      next.volume.perActionTypePerDay = {};
      break;
    case "volume.accountsPerOwnerPerDay":
      delete next.volume.accountsPerOwnerPerDay;
      break;
    case "suppression.lifecycles":
      next.suppression.blockLifecycles = [];
      break;
    case "suppression.competitors":
      next.suppression.competitorDomains = [];
      break;
  }
  setMode(sectionOf(next, section), key, "enforce");
  return validated(next);
}

/** The spec with one rule's mode set: inline `mode` for a named rule, its section's `modes` for a fixed one. */
export function setRuleMode(spec: Spec, name: string, mode: RuleMode): Spec {
  const next = structuredClone(spec);
  if (!isFixed(name)) {
    const { list, index } = locate(next, name);
    const rule = list[index];
    if (rule) rule.mode = mode;
    return validated(next);
  }
  if (!present(next, name)) throw unknown(name);
  const { section, key } = FIXED_RULES[name];
  setMode(sectionOf(next, section), key, mode);
  return validated(next);
}

/** Enforce is the default: it is written by leaving the key out, so an all-enforced spec has no `modes`. */
function setMode(section: { modes?: Modes }, key: string, mode: RuleMode) {
  const modes = { ...(section.modes ?? {}) };
  if (mode === "shadow") modes[key] = mode;
  else delete modes[key];
  if (Object.keys(modes).length > 0) section.modes = modes;
  else delete section.modes;
}
