/**
 * Agent-side scoring on the structured ring: the ICP tier. Intent is the gate's own computation with the
 * spec's weights (domain/checks/quality.ts computeIntent), so agents and the gate rank alike; the signals
 * loop (learning/signals.ts) changes those weights only through the spec.
 */
import type { Account } from "../domain/kb.ts";
import type { Spec } from "../domain/spec-schema.ts";
import type { IcpTier } from "./types.ts";

const norm = (s: string) => s.trim().toLowerCase();
const LATE_STAGES = new Set(["series b", "series c", "series d", "series e", "growth", "public"]);

export function icpTier(spec: Spec, account: Account): { tier: IcpTier; reasons: string[] } {
  if (spec.suppression.blockLifecycles.includes(account.lifecycle))
    return { tier: "out", reasons: [`lifecycle ${account.lifecycle}`] };
  const icp = spec.icp;
  const misses: string[] = [];
  const reasons: string[] = [];
  if (icp.industries && !icp.industries.some((i) => norm(i) === norm(account.industry)))
    misses.push(`industry ${account.industry}`);
  else reasons.push(`industry ${account.industry}`);
  if (icp.employees && (account.employees < icp.employees.min || account.employees > icp.employees.max))
    misses.push(`${account.employees} employees`);
  else reasons.push(`${account.employees} employees`);
  if (icp.countries && !icp.countries.some((c) => norm(c) === norm(account.country)))
    misses.push(`country ${account.country}`);
  for (const ex of icp.exclusions) {
    if (ex.mode === "shadow" || ex.onDays) continue;
    const values =
      ex.field === "techStack"
        ? (account.techStack ?? [])
        : ex.field === "fundingStage"
          ? [account.fundingStage ?? ""]
          : [account[ex.field]];
    if (values.some((v) => ex.in.some((x) => norm(x) === norm(v))))
      return { tier: "out", reasons: [ex.name] };
  }
  if (misses.length > 1) return { tier: "out", reasons: misses };
  if (misses.length === 1) return { tier: 3, reasons: [`near miss: ${misses[0]}`] };
  const strong =
    account.employees >= 200 ||
    (account.fundingStage !== undefined && LATE_STAGES.has(norm(account.fundingStage)));
  return strong
    ? {
        tier: 1,
        reasons: [...reasons, account.fundingStage ? `funding ${account.fundingStage}` : "200+ employees"],
      }
    : { tier: 2, reasons };
}
