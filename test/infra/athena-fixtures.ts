/**
 * Decisions for the Athena query test, with every version each goes through (decided, executed or
 * reviewed, each outcome), spread over three weeks, several agents, two spec versions, experiment
 * arms, blocking and deferring rules, shadow rules and outcomes. Deterministic.
 */

import type { Decision } from "../../shared/domain/decision.ts";
import type { CheckResult } from "../../shared/domain/decision-types.ts";
import type { OutcomeType, Verdict } from "../../shared/domain/vocabulary.ts";

/** Fields added by issue 8 (shadow rules, experiment arms), typed here so the fixture does not wait for them. */
export type ArchivedDecision = Decision & {
  shadow?: { rule: string; check: string; verdict: string }[];
  arm?: string;
};
/** One version of a decision and the archive partition its new image lands in. */
export interface Snapshot {
  d: ArchivedDecision;
  dt: string;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** Monday 2 March 2026, 15:00 UTC. */
const START = Date.parse("2026-03-02T15:00:00Z");
const iso = (t: number) => new Date(t).toISOString();

const AGENTS = [
  { agentId: "outreach-writer", actionType: "email.send", actionKind: "touch", channel: "email" },
  { agentId: "linkedin-agent", actionType: "linkedin.message", actionKind: "touch", channel: "linkedin" },
  { agentId: "list-builder", actionType: "list.sync", actionKind: "audience" },
] as const;
const VERDICTS: Verdict[] = ["allow", "allow", "block", "defer", "require_approval", "allow", "schedule"];
const FIRST_STATUS = {
  allow: "dispatched",
  schedule: "scheduled",
  require_approval: "pending_approval",
  defer: "deferred",
  block: "blocked",
} as const;
const ARMS = ["control", "treatment", "holdout", undefined];

function decided(i: number): ArchivedDecision {
  const a = AGENTS[i % 3] as (typeof AGENTS)[number];
  const verdict = VERDICTS[i % 7] as Verdict;
  const at = START + Math.floor(i / 3) * DAY + (i % 3) * HOUR;
  const personId = a.actionKind === "touch" ? (i % 2 ? "acme-jane" : "globex-bob") : undefined;
  const checks: CheckResult[] = [{ check: "icp", result: "pass", detail: "in ICP" }];
  if (verdict === "block") {
    checks.push({
      check: "icp",
      rule: "icp.employees",
      result: "fail",
      effect: "block",
      detail: "12 employees",
    });
    if (i % 2)
      checks.push({
        check: "suppression",
        rule: "suppression.competitors",
        result: "fail",
        effect: "block",
        detail: "competitor",
      });
  }
  if (verdict === "defer")
    checks.push({
      check: "volume",
      rule: "volume.perAgentPerDay",
      result: "fail",
      effect: "defer",
      detail: "cap 20 reached",
    });
  if (i % 5 === 0)
    checks.push({
      check: "coordination",
      rule: "no-weekend",
      result: "fail",
      shadow: true,
      effect: "block",
      detail: "shadow",
    });
  const shadow: NonNullable<ArchivedDecision["shadow"]> = [];
  if (i % 5 === 0) shadow.push({ rule: "no-weekend", check: "coordination", verdict: "block" });
  if (i % 6 === 0)
    shadow.push({ rule: "quality.minIntent", check: "intent", verdict: i % 12 === 0 ? "defer" : verdict });
  const arm = ARMS[i % 4];
  return {
    decisionId: `d${String(i).padStart(3, "0")}`,
    proposalId: `p${i}`,
    agentId: a.agentId,
    actionType: a.actionType,
    actionKind: a.actionKind,
    ...("channel" in a ? { channel: a.channel } : {}),
    accountId: personId?.split("-")[0] ?? "acme",
    ...(personId ? { personId } : {}),
    payload: { to: "jane.doe@acme.io", body: "Hi Jane Doe, as VP Sales you..." },
    payloadDigest: `sha256:${i}`,
    reasoning: "Jane Doe matches the VP Sales persona.",
    confidence: 0.9,
    verdict,
    status: FIRST_STATUS[verdict as keyof typeof FIRST_STATUS],
    checks,
    reasons: checks.filter((c) => c.result === "fail" && !c.shadow).map((c) => c.detail),
    autonomyLevel: 3,
    autonomySource: "earned",
    trustScore: 0.8,
    specVersion: i < 30 ? 3 : 4,
    specHash: i < 30 ? "hash3" : "hash4",
    ...(arm ? { arm } : {}),
    ...(shadow.length ? { shadow } : {}),
    context: {
      account: {
        name: "Acme",
        domain: "acme.io",
        industry: "software",
        employees: 250,
        country: "US",
        timezone: "America/New_York",
        lifecycle: "prospect",
      },
      ...(personId
        ? { person: { name: "Jane Doe", title: "VP Sales", persona: "vp", role: "champion" } }
        : {}),
      touchesSeen: 0,
    },
    decidedAt: iso(at),
    idempotencyKey: `idem-${i}`,
    reservation: { touch: a.actionKind === "touch", counters: [] },
    outcomes: [],
    version: 1,
    updatedAt: iso(at),
  };
}

/** The outcomes an executed decision earns, and when. */
function outcomesOf(i: number, executedAt: number): { type: OutcomeType; at: number }[] {
  const out: { type: OutcomeType; at: number }[] = [];
  if (i % 13 === 0) out.push({ type: "bounced", at: executedAt + HOUR });
  if (i % 9 === 0) out.push({ type: "unsubscribed", at: executedAt + DAY });
  if (i % 11 === 0) out.push({ type: "complaint", at: executedAt + DAY + HOUR });
  if (i % 4 === 0 || i % 4 === 1) out.push({ type: "replied", at: executedAt + 2 * DAY });
  if (i % 8 === 0 || i % 8 === 1) out.push({ type: "meeting_booked", at: executedAt + 4 * DAY });
  return out;
}

/** Every version of every decision, each with the dt partition of its updatedAt. */
export function snapshots(n = 60): Snapshot[] {
  const out: Snapshot[] = [];
  for (let i = 0; i < n; i++) {
    let d = decided(i);
    const versions = [d];
    const next = (at: number, patch: Partial<ArchivedDecision>) => {
      d = { ...d, ...patch, version: d.version + 1, updatedAt: iso(at) };
      versions.push(d);
    };
    const t0 = Date.parse(d.decidedAt);
    let executedAt: number | undefined;
    if (d.verdict === "allow" || d.verdict === "schedule")
      executedAt = t0 + (d.verdict === "allow" ? 2 * HOUR : DAY);
    if (d.verdict === "require_approval") {
      const at = t0 + 3 * HOUR;
      const action = i % 2 ? "approved" : "rejected";
      next(at, {
        status: action === "approved" ? "dispatched" : "rejected",
        review: {
          action,
          by: "alice",
          at: iso(at),
          digest: d.payloadDigest,
          note: "Jane Doe is the right person",
        },
      });
      if (action === "approved") executedAt = at + HOUR;
    }
    if (executedAt !== undefined) {
      next(executedAt, {
        status: "executed",
        // A scheduled touch whose workflow was restarted late is released after its time.
        ...(d.verdict === "schedule" && i % 2 ? { releasedAt: iso(executedAt - 60_000) } : {}),
        execution: { at: iso(executedAt), idempotencyKey: d.idempotencyKey, externalId: `x${i}` },
      });
      // SES's Delivery for most emails, written on the decision (world-outcomes.ts).
      if (d.channel === "email" && i % 13 !== 0)
        next(executedAt + 60_000, {
          execution: {
            ...(d.execution as NonNullable<Decision["execution"]>),
            deliveredAt: iso(executedAt + 60_000),
          },
        });
      if (d.actionKind === "touch")
        for (const o of outcomesOf(i, executedAt))
          next(o.at, {
            outcomes: [...d.outcomes, { type: o.type, at: iso(o.at), outcomeId: `o${i}-${o.type}` }],
          });
    }
    for (const v of versions) out.push({ d: v, dt: v.updatedAt.slice(0, 10) });
  }
  return out;
}
