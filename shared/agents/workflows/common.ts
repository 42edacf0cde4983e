/** Small helpers the workflows share. Pure; no I/O. */
import { createHash } from "node:crypto";
import { classifyTitle, ruleMatches } from "../../domain/checks/persona.ts";
import type { Spec } from "../../domain/spec-schema.ts";
import { localDate, localParts } from "../../domain/time.ts";
import type { CommitteeRole } from "../../domain/vocabulary.ts";
import type { PersonaOption } from "../ports.ts";

export const workspaceDate = (spec: Spec, at: number) => localDate(at, spec.workspace.timezone);

/**
 * The date of the lead list in force at `at`: today's on a working day, Friday's over the weekend.
 * SDRs work lists on weekdays (the writer runs Monday to Friday), so the builder writes none on
 * Saturday and Sunday (two CRM writes per listed account saved each week), and whatever reads "today's
 * list" on a weekend (the audiences List Sync keeps) keeps Friday's rather than emptying the audiences
 * on Saturday and refilling them on Monday.
 */
export function listDate(spec: Spec, at: number): string {
  const p = localParts(at, spec.workspace.timezone);
  const back = p.weekday === 6 ? 1 : p.weekday === 0 ? 2 : 0;
  if (back === 0) return localDate(at, spec.workspace.timezone);
  // Calendar arithmetic on the local date (not 24 h steps), so a DST change cannot shift the day.
  return new Date(Date.UTC(p.year, p.month - 1, p.day - back)).toISOString().slice(0, 10);
}

export const CONTACTABLE: CommitteeRole[] = ["decision_maker", "champion", "influencer"];

/** Roles the spec lets an action type target (every role when the spec does not restrict it). */
export function allowedRoles(spec: Spec, actionType: string): CommitteeRole[] {
  return spec.personas.allowedRoles[actionType] ?? ["decision_maker", "champion", "influencer", "too_junior"];
}

/** The spec's personas as options for the model, each with a readable hint from its title patterns. */
export function personaOptions(spec: Spec): PersonaOption[] {
  return spec.personas.rules.map((r) => ({
    name: r.name,
    role: r.role,
    hint: r.titlePatterns.map((p) => p.replace(/\\b/g, "").replace(/\\/g, "")).join(" | "),
  }));
}

/** Every persona rule whose patterns match: more than one role means the rules are unsure. */
export function matchingPersonas(spec: Spec, title: string) {
  const first = classifyTitle(spec, title);
  const all = spec.personas.rules.filter((r) => ruleMatches(r, title));
  return { first, roles: [...new Set(all.map((r) => r.role))] };
}

/** Titles no persona rule matches but that still look like buyers (revenue, sales, marketing...). */
export const BUYERISH =
  /\b(revenue|sales|marketing|growth|gtm|go-to-market|revops|demand|pipeline|customer success|business development)\b/i;

export const shortHash = (text: string) => createHash("sha256").update(text).digest("base64url").slice(0, 12);

export const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 40);

/**
 * Whether the gate's persona check will let this action target the person: the gate reads only the
 * spec's title rules (never a model's opinion), so agents do not propose touches it would block.
 */
export function targetable(spec: Spec, title: string, actionType: string): boolean {
  const m = classifyTitle(spec, title);
  return m !== undefined && allowedRoles(spec, actionType).includes(m.role);
}
