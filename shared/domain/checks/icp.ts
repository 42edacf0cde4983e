import type { CheckResult } from "../decision-types.ts";
import type { Account } from "../kb.ts";
import type { Spec } from "../spec-schema.ts";
import { localParts } from "../time.ts";
import { WEEKDAY_NAMES } from "../vocabulary.ts";

const norm = (s: string) => s.trim().toLowerCase();
const includesNorm = (list: string[], value: string) => list.some((v) => norm(v) === norm(value));

/** ICP rules, evaluated on the knowledge base's account record only. */
export function checkIcp(spec: Spec, account: Account, now: number): CheckResult[] {
  const icp = spec.icp;
  const misses: string[] = [];
  const matches: string[] = [];
  if (icp.industries) {
    if (includesNorm(icp.industries, account.industry)) matches.push(`industry ${account.industry}`);
    else misses.push(`industry ${account.industry} is not one of ${icp.industries.join(", ")}`);
  }
  if (icp.employees) {
    const { min, max } = icp.employees;
    if (account.employees >= min && account.employees <= max) matches.push(`${account.employees} employees`);
    else misses.push(`${account.employees} employees is outside ${min}-${max}`);
  }
  if (icp.countries) {
    if (includesNorm(icp.countries, account.country)) matches.push(`country ${account.country}`);
    else misses.push(`country ${account.country} is not one of ${icp.countries.join(", ")}`);
  }
  if (icp.techStackAnyOf) {
    const hit = (account.techStack ?? []).find((t) => includesNorm(icp.techStackAnyOf ?? [], t));
    if (hit) matches.push(`uses ${hit}`);
    else misses.push(`tech stack has none of ${icp.techStackAnyOf.join(", ")}`);
  }
  if (icp.fundingStages) {
    if (account.fundingStage && includesNorm(icp.fundingStages, account.fundingStage))
      matches.push(`funding ${account.fundingStage}`);
    else
      misses.push(
        `funding stage ${account.fundingStage ?? "unknown"} is not one of ${icp.fundingStages.join(", ")}`,
      );
  }
  const results: CheckResult[] = [
    misses.length === 0
      ? {
          check: "icp",
          rule: "fit",
          result: "pass",
          detail: `${account.name} matches the ICP: ${matches.join(", ") || "no criteria set"}`,
        }
      : {
          check: "icp",
          rule: "fit",
          result: "fail",
          effect: "block",
          detail: `${account.name}: ${misses.join("; ")}`,
        },
  ];
  const weekday = WEEKDAY_NAMES[localParts(now, spec.workspace.timezone).weekday] ?? "sun";
  for (const ex of icp.exclusions) {
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
    const hit = values.find((v) => includesNorm(ex.in, v));
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
