/**
 * What must hold after a fault run, as pure functions of what was observed: the agents' answers, the
 * ledger read back through the API, the vendors' counts by idempotency key and the processes' fate.
 * Each check returns its violations (empty when it holds), so a failure says exactly what broke.
 */
import type { ChaosLog } from "./chaos.ts";
import type { SendRecord, VendorStats } from "./vendor-server.ts";
import { AGENTS, CAPPED_PER_DAY, type ProposalLog } from "./workload.ts";

export interface DecisionView {
  decisionId: string;
  proposalId: string;
  agentId: string;
  actionType: string;
  accountId: string;
  verdict: string;
  status: string;
  idempotencyKey: string;
  decidedAt: string;
  events?: { type: string; from?: string; to?: string; at: string }[];
}

export interface Observations {
  logs: ProposalLog[];
  /** Every decision id an agent was given, read back with GET /v1/decisions/{id} (undefined: not found). */
  decisions: Map<string, DecisionView | undefined>;
  /** Every decision of the run's agents, from GET /v1/decisions?agentId=. */
  listed: DecisionView[];
  sends: SendRecord[];
  segmentsPerAudience: Record<string, number>;
  vendorStats: ({ system: string } & VendorStats)[];
  chaos: ChaosLog;
  approvals: { approved: number; rejected: number; failedCalls: number };
  end: { alive: boolean; health: number | undefined };
  wallMs: number;
  /** When the run started (wall clock), for the timeline. */
  startedAt: number;
}

const TRANSIENT = new Set(["scheduled", "pending_approval", "dispatched"]);
/** Statuses in which a decision keeps its reservation (touch and counters). */
const HOLDS = new Set(["scheduled", "pending_approval", "dispatched", "executed", "in_doubt"]);
const GRANTED = new Set(["allow", "schedule", "require_approval"]);
const TOUCHES = new Set(["email.send", "linkedin.message"]);
const TZ = "America/New_York";
const localDay = (at: string, tz: string) => new Date(at).toLocaleDateString("en-CA", { timeZone: tz });

const byKey = (o: Observations) => {
  const m = new Map<string, DecisionView>();
  for (const d of o.decisions.values()) if (d) m.set(d.idempotencyKey, d);
  return m;
};

function everyProposalDecided(o: Observations): string[] {
  return o.logs
    .filter((l) => l.decisionIds.length === 0)
    .map(
      (l) =>
        `${l.proposal.proposalId}: no 2xx (statuses ${l.statuses.join(",") || "none"}, ${l.networkErrors} dropped connections)`,
    );
}

function noDuplicateSends(o: Observations): string[] {
  const out: string[] = [];
  const decisions = byKey(o);
  const keysPerDecision = new Map<string, Set<string>>();
  for (const s of o.sends) {
    if (!s.idempotent && s.processed > 1)
      out.push(`${s.system} ${s.endpoint} ${s.idempotencyKey}: carried out ${s.processed} times`);
    const d = decisions.get(s.idempotencyKey);
    if (!d) {
      out.push(`${s.system} ${s.endpoint} ${s.idempotencyKey}: a send no decision of the ledger carries`);
      continue;
    }
    const keys = keysPerDecision.get(d.decisionId) ?? new Set();
    keys.add(s.idempotencyKey);
    keysPerDecision.set(d.decisionId, keys);
  }
  for (const [id, keys] of keysPerDecision)
    if (keys.size > 1) out.push(`decision ${id} was sent under ${keys.size} keys: ${[...keys].join(", ")}`);
  return out;
}

function noLostDecisions(o: Observations): string[] {
  const out: string[] = [];
  for (const l of o.logs) {
    const ids = new Set(l.decisionIds);
    if (ids.size > 1) out.push(`${l.proposal.proposalId}: answered with ${ids.size} different decisions`);
    for (const id of ids) {
      const d = o.decisions.get(id);
      if (!d) {
        out.push(
          `${l.proposal.proposalId}: decision ${id} was answered ${l.statuses.join(",")} (${l.networkErrors} dropped) by ${(((l.answeredAt ?? 0) - o.startedAt) / 1000).toFixed(1)}s but is not in the ledger`,
        );
        continue;
      }
      const events = d.events ?? [];
      const lastTo = [...events].reverse().find((e) => e.to)?.to;
      if (events[0]?.type !== "decided") out.push(`${id}: the ledger does not start with its decision`);
      else if (lastTo !== undefined && lastTo !== d.status)
        out.push(`${id}: status ${d.status} but the ledger's last transition is to ${lastTo}`);
    }
  }
  return out;
}

function oneDecisionPerProposal(o: Observations): string[] {
  const count = new Map<string, number>();
  for (const d of o.listed) count.set(d.proposalId, (count.get(d.proposalId) ?? 0) + 1);
  const out = [...count].filter(([, n]) => n > 1).map(([p, n]) => `${p}: ${n} decisions`);
  for (const l of o.logs)
    if (l.decisionIds.length > 0 && !count.has(l.proposal.proposalId))
      out.push(`${l.proposal.proposalId}: missing from the decisions listing`);
  return out;
}

function uncertainSendsInDoubt(o: Observations): string[] {
  const out: string[] = [];
  for (const d of o.decisions.values())
    if (d && TRANSIENT.has(d.status))
      out.push(`${d.decisionId} (${d.actionType}) still ${d.status} after settling`);
  const decisions = byKey(o);
  for (const s of o.sends) {
    const d = decisions.get(s.idempotencyKey);
    if (!d || d.status === "in_doubt") continue;
    if (d.status !== "executed")
      out.push(`${d.decisionId}: ${s.system} carried it out but the ledger says ${d.status}`);
    else if (s.withheld === s.processed)
      out.push(`${d.decisionId}: ${s.system} never answered it, yet the ledger says executed`);
  }
  return out;
}

function executedReachedVendor(o: Observations): string[] {
  const sent = new Set(o.sends.map((s) => s.idempotencyKey));
  return [...o.decisions.values()]
    .filter((d): d is DecisionView => d?.status === "executed" && !sent.has(d.idempotencyKey))
    .map((d) => `${d.decisionId} (${d.actionType}) executed but no vendor received ${d.idempotencyKey}`);
}

function capsExact(o: Observations): string[] {
  const out: string[] = [];
  const touches = new Map<string, DecisionView[]>();
  // The capped writer's accounts are deferred by its cap, not by coordination: checked below.
  for (const d of o.listed)
    if (TOUCHES.has(d.actionType) && d.agentId !== AGENTS.capped.id) {
      const k = `${d.accountId}@${localDay(d.decidedAt, TZ)}`;
      touches.set(k, [...(touches.get(k) ?? []), d]);
    }
  for (const [k, ds] of touches) {
    const held = ds.filter((d) => HOLDS.has(d.status));
    if (held.length > 1)
      out.push(
        `${k}: ${held.length} touches hold the one-per-day slot (${held.map((d) => d.decisionId).join(", ")})`,
      );
    if (!ds.some((d) => GRANTED.has(d.verdict)))
      out.push(`${k}: no touch was granted (a reservation leaked?)`);
  }
  const capped = new Map<string, DecisionView[]>();
  for (const d of o.listed)
    if (d.agentId === AGENTS.capped.id) {
      const day = localDay(d.decidedAt, TZ);
      capped.set(day, [...(capped.get(day) ?? []), d]);
    }
  for (const [day, ds] of capped) {
    const held = ds.filter((d) => GRANTED.has(d.verdict) && HOLDS.has(d.status)).length;
    const granted = ds.filter((d) => GRANTED.has(d.verdict)).length;
    if (held > CAPPED_PER_DAY)
      out.push(`${AGENTS.capped.id} ${day}: ${held} actions hold a cap of ${CAPPED_PER_DAY}`);
    if (granted < Math.min(CAPPED_PER_DAY, ds.length))
      out.push(
        `${AGENTS.capped.id} ${day}: only ${granted} of a cap of ${CAPPED_PER_DAY} granted to ${ds.length} proposals`,
      );
  }
  return out;
}

function unavailableNotBroken(o: Observations): string[] {
  const out: string[] = [];
  for (const l of o.logs) {
    for (const e of l.errors) out.push(`${l.proposal.proposalId}: ${e.slice(0, 300)}`);
    if (l.unavailableWithoutRetryAfter > 0)
      out.push(`${l.proposal.proposalId}: ${l.unavailableWithoutRetryAfter} 503s without Retry-After`);
  }
  return out;
}

function servedThroughOutage(o: Observations): string[] {
  return o.chaos.outages.flatMap((x, i) => [
    ...(x.serverDied ? [`outage ${i + 1}: harness serve exited while its database was down`] : []),
    ...(x.healthStatuses.some((s) => s !== 200)
      ? [`outage ${i + 1}: /v1/health answered ${x.healthStatuses.map((s) => s ?? "nothing").join(",")}`]
      : []),
    ...(!x.unavailableSeen && !x.serverDied ? [`outage ${i + 1}: no agent got a 503 within 20 s`] : []),
  ]);
}

function aliveAtTheEnd(o: Observations): string[] {
  return [
    ...(o.end.alive ? [] : ["harness serve is not running at the end"]),
    ...(o.end.health === 200 ? [] : [`/v1/health answered ${o.end.health ?? "nothing"} at the end`]),
  ];
}

export const INVARIANTS = {
  "every proposal was eventually decided (2xx)": everyProposalDecided,
  "0 duplicate sends (by idempotency key at the vendors)": noDuplicateSends,
  "0 lost decisions (every 2xx is in the ledger with its events)": noLostDecisions,
  "1 decision per proposalId": oneDecisionPerProposal,
  "every uncertain send surfaced as in_doubt (none left dispatched, none done twice)": uncertainSendsInDoubt,
  "every executed action reached its vendor": executedReachedVendor,
  "caps exact (1 touch per account per day, the capped writer's daily cap)": capsExact,
  "a dependency failure is a 503 with Retry-After, never a 500 or a 4xx": unavailableNotBroken,
  "harness serve kept serving while its database was down": servedThroughOutage,
  "harness serve alive at the end and /v1/health 200": aliveAtTheEnd,
} as const;

export function checkInvariants(o: Observations): Record<keyof typeof INVARIANTS, string[]> {
  return Object.fromEntries(Object.entries(INVARIANTS).map(([name, check]) => [name, check(o)])) as Record<
    keyof typeof INVARIANTS,
    string[]
  >;
}
