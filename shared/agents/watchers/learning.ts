/**
 * The learning loops fed by the ledger's events: sends and outcomes per message variant (the variants
 * loop, shared/learning/variants.ts) and signals present before touches and before meetings (the
 * signals loop's tallies). Each event is counted once per loop whatever the redeliveries (EventBridge
 * delivers at least once) and concurrent lanes: the learned store's `countOnce` writes a marker keyed
 * by the event's id in the same transaction as the counters' atomic adds. Trust and rules that emerge
 * from reviews are the core's (shared/learning/trust.ts, rules.ts): no agent obeys a rule the spec
 * does not hold.
 */

import { z } from "zod";
import type { Decision } from "../../domain/decision.ts";
import { DAY, iso } from "../../domain/time.ts";
import { fitMultipliers } from "../../kb/learning.ts";
import type { LearnedStore } from "../../kb/ports.ts";
import type { LearnedCount, TemplateField } from "../../kb/types.ts";
import type { KnowledgeView } from "../../kb/view.ts";
import { learningEnabled } from "../../learning/switch.ts";
import type { Clock, DecisionStore, DomainEvent } from "../../ports.ts";
import { ExecutedEvent } from "../events.ts";

export interface LearningDeps {
  clock: Clock;
  decisions: DecisionStore;
  learned: LearnedStore;
  view: KnowledgeView;
}

const OutcomeEvent = z
  .object({ type: z.string(), decisionId: z.string().nullable(), outcomeId: z.string().optional() })
  .loose();
const FIELD: Record<string, TemplateField> = {
  opened: "opened",
  replied: "replied",
  meeting_booked: "meetings",
  bounced: "negative",
  unsubscribed: "negative",
  complaint: "negative",
};
const SIGNAL_LOOKBACK = 30 * DAY;

const keyOf = (d: Decision) => {
  const variant = typeof d.payload.variant === "string" ? d.payload.variant : undefined;
  const persona =
    d.context.person?.persona ?? (typeof d.payload.persona === "string" ? d.payload.persona : "unknown");
  return variant ? { variant, persona, industry: d.context.account?.industry ?? "unknown" } : undefined;
};

export async function learnFrom(deps: LearningDeps, event: DomainEvent): Promise<void> {
  if (event.type === "decision.transitioned") {
    const ev = ExecutedEvent.safeParse(event.detail);
    if (!ev.success || ev.data.to !== "executed") return;
    const d = await deps.decisions.getDecision(ev.data.decisionId);
    if (d?.actionKind !== "touch") return;
    // A decision is executed once: its id names the send.
    await count(deps, d, `executed#${d.decisionId}`, "sent", "touch");
    return;
  }
  if (event.type === "outcome.recorded") {
    const ev = OutcomeEvent.safeParse(event.detail);
    if (!ev.success || !ev.data.decisionId) return;
    const field = FIELD[ev.data.type];
    if (!field) return;
    const d = await deps.decisions.getDecision(ev.data.decisionId);
    if (!d) return;
    // The outcome's own id; an older event without one is named by its decision and type.
    const eventId = `outcome#${ev.data.outcomeId ?? `${d.decisionId}#${ev.data.type}`}`;
    await count(deps, d, eventId, field, ev.data.type === "meeting_booked" ? "meeting" : undefined);
  }
}

async function count(
  deps: LearningDeps,
  d: Decision,
  eventId: string,
  field: TemplateField,
  signals: "touch" | "meeting" | undefined,
) {
  const key = keyOf(d);
  if (key) await deps.learned.countOnce("variants", eventId, [{ kind: "template", key, field }]);
  if (!signals) return;
  const counts: LearnedCount[] = [{ kind: "signals", what: signals, present: await presentSignals(deps, d) }];
  const counted = await deps.learned.countOnce("signals", eventId, counts);
  // Re-fit on a newly counted meeting only: that is when the evidence about which signals matter
  // changes. With learning off the tallies still grow (evidence), but nothing is fitted from them.
  if (!counted || signals !== "meeting" || !learningEnabled(await deps.view.spec())) return;
  const current = await deps.learned.intentWeights();
  if (!current) return;
  await deps.learned.putIntentWeights({
    multipliers: fitMultipliers(current.tallies),
    fittedAt: iso(deps.clock.now()),
  });
}

async function presentSignals(deps: LearningDeps, d: Decision): Promise<string[]> {
  const account = await deps.view.account(d.accountId);
  if (!account) return [];
  const now = deps.clock.now();
  return [
    ...new Set(
      account.signals
        .filter((s) => Date.parse(s.occurredAt) > now - SIGNAL_LOOKBACK && Date.parse(s.occurredAt) <= now)
        .map((s) => s.type),
    ),
  ];
}
