/**
 * Agent-side scoring on the structured ring: ICP tier and intent with the learned weights. The gate
 * computes intent with the spec's weights only; agents rank with the learned multipliers on top, so
 * what they prioritise sharpens as outcomes arrive (loop 4) while the gate's bar stays the spec's.
 */
import type { IntentReading } from "../domain/decision-types.ts";
import type { Account } from "../domain/kb.ts";
import type { Spec } from "../domain/spec-schema.ts";
import { DAY } from "../domain/time.ts";
import type { IcpTier, LearnedWeights } from "./types.ts";

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

/** Intent with the learned multipliers applied to the spec's weights, capped at 100. */
export function learnedIntent(
  spec: Spec,
  account: Account,
  now: number,
  learned: LearnedWeights | undefined,
): IntentReading {
  const counted: IntentReading["counted"] = [];
  let score = 0;
  for (const [type, { weight, windowDays }] of Object.entries(spec.quality.signals)) {
    const since = now - windowDays * DAY;
    const count = account.signals.filter(
      (s) => s.type === type && Date.parse(s.occurredAt) > since && Date.parse(s.occurredAt) <= now,
    ).length;
    if (count === 0) continue;
    const w = Number((weight * (learned?.multipliers[type] ?? 1)).toFixed(2));
    counted.push({ type, count, weight: w, windowDays });
    score += count * w;
  }
  return { score: Math.min(100, Math.round(score)), counted };
}
