import { ruleEntry } from "../check-entry.ts";
import type { CheckResult } from "../decision-types.ts";
import type { Account } from "../kb.ts";
import { type PreparedIcp, prepareIcp } from "../prepared-spec.ts";
import { modeOf } from "../spec-modes.ts";
import type { Spec } from "../spec-schema.ts";
import { localParts } from "../time.ts";
import { WEEKDAY_NAMES } from "../vocabulary.ts";

const norm = (s: string) => s.trim().toLowerCase();
const includesNorm = (list: string[], value: string) => list.some((v) => norm(v) === norm(value));
/** `includesNorm` on a list prepared once per spec (domain/prepared-spec.ts): a Set of normed values. */
const inSet = (set: Set<string> | undefined, value: string) => set?.has(norm(value)) ?? false;

/** The fixed rule names, written once (a name built per entry was a new string per decision). */
const ICP_RULES = {
  industries: "icp.industries",
  employees: "icp.employees",
  countries: "icp.countries",
  techStackAnyOf: "icp.techStackAnyOf",
  fundingStages: "icp.fundingStages",
} as const;

/** One ICP field's answer: its fixed rule name, in shadow when its section's `modes` says so. */
function field(
  modes: Spec["icp"]["modes"],
  key: "industries" | "employees" | "countries" | "techStackAnyOf" | "fundingStages",
  ok: boolean,
  detail: string,
): CheckResult {
  return ruleEntry("icp", ICP_RULES[key], ok, "block", modeOf(modes, key) === "shadow", detail);
}

/**
 * ICP rules, evaluated on the knowledge base's account record only: one entry per field the spec sets,
 * so each can be put in shadow on its own.
 */
export function checkIcp(
  spec: Spec,
  account: Account,
  now: number,
  prepared: PreparedIcp = prepareIcp(spec),
): CheckResult[] {
  const icp = spec.icp;
  const m = icp.modes;
  const results: CheckResult[] = [];
  if (icp.industries) {
    const ok = inSet(prepared.industries, account.industry);
    results.push(
      field(
        m,
        "industries",
        ok,
        ok
          ? `industry ${account.industry}`
          : `industry ${account.industry} is not one of ${icp.industries.join(", ")}`,
      ),
    );
  }
  if (icp.employees) {
    const { min, max } = icp.employees;
    const ok = account.employees >= min && account.employees <= max;
    results.push(
      field(
        m,
        "employees",
        ok,
        ok ? `${account.employees} employees` : `${account.employees} employees is outside ${min}-${max}`,
      ),
    );
  }
  if (icp.countries) {
    const ok = inSet(prepared.countries, account.country);
    results.push(
      field(
        m,
        "countries",
        ok,
        ok
          ? `country ${account.country}`
          : `country ${account.country} is not one of ${icp.countries.join(", ")}`,
      ),
    );
  }
  if (icp.techStackAnyOf) {
    const hit = (account.techStack ?? []).find((t) => inSet(prepared.techStackAnyOf, t));
    results.push(
      field(
        m,
        "techStackAnyOf",
        hit !== undefined,
        hit ? `uses ${hit}` : `tech stack has none of ${icp.techStackAnyOf.join(", ")}`,
      ),
    );
  }
  if (icp.fundingStages) {
    const ok = account.fundingStage !== undefined && inSet(prepared.fundingStages, account.fundingStage);
    results.push(
      field(
        m,
        "fundingStages",
        ok,
        ok
          ? `funding ${account.fundingStage}`
          : `funding stage ${account.fundingStage ?? "unknown"} is not one of ${icp.fundingStages.join(", ")}`,
      ),
    );
  }
  if (results.length === 0)
    results.push({ check: "icp", result: "pass", detail: `${account.name}: no ICP criteria set` });
  // Local time only when some exclusion may need it (most specs have none: no local time per decision).
  const weekday =
    icp.exclusions.length > 0
      ? (WEEKDAY_NAMES[localParts(now, spec.workspace.timezone).weekday] ?? "sun")
      : "sun";
  for (let i = 0; i < icp.exclusions.length; i++) {
    const ex = icp.exclusions[i] as (typeof icp.exclusions)[number];
    const shadow = ex.mode === "shadow";
    if (ex.onDays && !ex.onDays.includes(weekday)) {
      results.push({
        check: "icp",
        rule: ex.name,
        result: "n/a",
        shadow,
        detail: `applies only on ${ex.onDays.join(", ")}`,
      });
      continue;
    }
    const values = fieldValues(account, ex.field);
    const excluded = prepared.exclusions[i];
    const hit = values.find((v) => (excluded ? excluded.has(norm(v)) : includesNorm(ex.in, v)));
    results.push(
      hit
        ? {
            check: "icp",
            rule: ex.name,
            result: "fail",
            effect: "block",
            shadow,
            detail: `${ex.field} ${hit} is excluded${ex.onDays ? ` on ${ex.onDays.join(", ")}` : ""}`,
          }
        : { check: "icp", rule: ex.name, result: "pass", shadow, detail: `${ex.field} is not excluded` },
    );
  }
  return results;
}

function fieldValues(
  account: Account,
  field: "industry" | "country" | "fundingStage" | "techStack" | "domain",
): string[] {
  switch (field) {
    case "techStack":
      return account.techStack ?? [];
    case "fundingStage":
      return account.fundingStage ? [account.fundingStage] : [];
    default:
      return [account[field]];
  }
}
