/**
 * Invariants checked on the ledger a run produced: what the harness promises, verified from its own
 * records. Used by the CI demo test and printed at the end of every demo.
 */
import type { Decision, LedgerEvent } from "../shared/domain/decision.ts";
import type { Spec } from "../shared/domain/spec-schema.ts";
import { HOUR, localDate } from "../shared/domain/time.ts";

const CONTACTED = new Set(["executed", "dispatched", "in_doubt"]);
const HOLDING = new Set(["executed", "dispatched", "in_doubt", "scheduled", "pending_approval"]);

/** When a touch counts: approved ones at the review, scheduled ones when their window closed. */
export const touchAt = (d: Decision) => Date.parse(d.review?.at ?? d.executeAt ?? d.decidedAt);

export interface InvariantResult {
  name: string;
  ok: boolean;
  detail: string;
}

export function checkInvariants(input: {
  spec: Spec;
  decisions: Decision[];
  outbox: { decisionId: string; idempotencyKey: string }[];
  eventsOf: Map<string, LedgerEvent[]>;
  trustChanges: number;
}): InvariantResult[] {
  const { spec, decisions } = input;
  const byId = new Map(decisions.map((d) => [d.decisionId, d]));
  const touches = decisions.filter((d) => d.actionKind === "touch" && CONTACTED.has(d.status));
  const results: InvariantResult[] = [];

  const perDay = new Map<string, Decision[]>();
  for (const d of touches) {
    const k = `${d.accountId}|${localDate(touchAt(d), d.context.account?.timezone ?? "UTC")}`;
    perDay.set(k, [...(perDay.get(k) ?? []), d]);
  }
  const twice = [...perDay].filter(([, ds]) => ds.length > 1);
  results.push({
    name: "no account touched twice in a day",
    ok: twice.length === 0,
    detail: twice.length
      ? `violations: ${twice
          .slice(0, 3)
          .map(([k]) => k)
          .join(", ")}`
      : `${touches.length} touches on ${perDay.size} account-days`,
  });

  const cooldownViolations: string[] = [];
  for (const rule of spec.coordination.cooldowns.filter((r) => r.mode === "enforce")) {
    const byAccount = new Map<string, Decision[]>();
    for (const d of touches) byAccount.set(d.accountId, [...(byAccount.get(d.accountId) ?? []), d]);
    for (const [accountId, ds] of byAccount) {
      const sorted = ds.sort((a, b) => touchAt(a) - touchAt(b));
      for (let i = 0; i < sorted.length; i++)
        for (let j = i + 1; j < sorted.length; j++) {
          const a = sorted[i] as Decision;
          const b = sorted[j] as Decision;
          if (
            a.channel === rule.after &&
            b.channel === (rule.before ?? rule.after) &&
            touchAt(b) - touchAt(a) < rule.hours * HOUR
          )
            cooldownViolations.push(
              `${rule.name} on ${accountId} (${a.decisionId} ${a.status} at ${new Date(touchAt(a)).toISOString()}, ${b.decisionId} ${b.status} at ${new Date(touchAt(b)).toISOString()})`,
            );
        }
    }
  }
  results.push({
    name: "no cooldown broken",
    ok: cooldownViolations.length === 0,
    detail: cooldownViolations.length
      ? cooldownViolations.slice(0, 3).join(", ")
      : "every same-channel pair respects its cooldown",
  });

  const counts = new Map<string, { n: number; cap: number }>();
  for (const d of decisions.filter((x) => HOLDING.has(x.status)))
    for (const c of d.reservation.counters) {
      const k = `${c.counter}|${c.day}`;
      const cur = counts.get(k) ?? { n: 0, cap: c.cap };
      counts.set(k, { n: cur.n + 1, cap: Math.min(cur.cap, c.cap) });
    }
  const over = [...counts].filter(([, v]) => v.n > v.cap);
  results.push({
    name: "no volume cap exceeded",
    ok: over.length === 0,
    detail: over.length
      ? over
          .slice(0, 3)
          .map(([k, v]) => `${k} ${v.n}/${v.cap}`)
          .join(", ")
      : `${counts.size} counter-days within their caps`,
  });

  const untraced: string[] = [];
  for (const e of input.outbox) {
    const d = byId.get(e.decisionId);
    const events = input.eventsOf.get(e.decisionId) ?? [];
    if (
      d?.status !== "executed" ||
      d.idempotencyKey !== e.idempotencyKey ||
      d.checks.length === 0 ||
      !events.some((x) => x.type === "decided") ||
      !events.some((x) => x.type === "executed")
    )
      untraced.push(e.decisionId);
  }
  results.push({
    name: "every executed action has a decision with a trace",
    ok: untraced.length === 0,
    detail: untraced.length
      ? `untraced: ${untraced.slice(0, 3).join(", ")}`
      : `${input.outbox.length} outbox entries, each with its decision, checks and ledger events`,
  });

  results.push({
    name: "trust moved for at least one agent × action",
    ok: input.trustChanges > 0,
    detail: `${input.trustChanges} trust level changes in the ledger`,
  });
  return results;
}
