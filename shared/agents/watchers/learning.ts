/**
 * The learning loops fed by the ledger's events: sends and outcomes per message variant (loop 3) and
 * signals present before touches and before meetings (loop 4). Trust (loop 1) and rules that emerge
 * from reviews (loop 2: the harness's review tally makes draft spec rules, usecases/drafts.ts) are the
 * core's: no agent obeys a rule the spec does not hold.
 */

import { z } from "zod";
import type { Decision } from "../../domain/decision.ts";
import { DAY, iso } from "../../domain/time.ts";
import { fitMultipliers } from "../../kb/learning.ts";
import type { LearnedStore } from "../../kb/ports.ts";
import type { LearnedWeights } from "../../kb/types.ts";
import type { KnowledgeView } from "../../kb/view.ts";
import type { Clock, DecisionStore, DomainEvent } from "../../ports.ts";
import { ExecutedEvent } from "../events.ts";

export interface LearningDeps {
  clock: Clock;
  decisions: DecisionStore;
  learned: LearnedStore;
  view: KnowledgeView;
}

const OutcomeEvent = z.object({ type: z.string(), decisionId: z.string().nullable() }).loose();
const FIELD: Record<string, "opened" | "replied" | "meetings" | "negative"> = {
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
    if (!ev.success) return;
    if (ev.data.to === "executed") {
      const d = await deps.decisions.getDecision(ev.data.decisionId);
      if (d?.actionKind !== "touch") return;
      const k = keyOf(d);
      if (k) await deps.learned.bumpTemplateStat(k, "sent");
      await tallySignals(deps, d, "touch");
    }
    return;
  }
  if (event.type === "outcome.recorded") {
    const ev = OutcomeEvent.safeParse(event.detail);
    if (!ev.success || !ev.data.decisionId) return;
    const field = FIELD[ev.data.type];
    if (!field) return;
    const d = await deps.decisions.getDecision(ev.data.decisionId);
    if (!d) return;
    const k = keyOf(d);
    if (k) await deps.learned.bumpTemplateStat(k, field);
    if (ev.data.type === "meeting_booked") await tallySignals(deps, d, "meeting");
  }
}

async function tallySignals(deps: LearningDeps, d: Decision, what: "touch" | "meeting") {
  const account = await deps.view.account(d.accountId);
  if (!account) return;
  const now = deps.clock.now();
  const present = new Set(
    account.signals
      .filter((s) => Date.parse(s.occurredAt) > now - SIGNAL_LOOKBACK && Date.parse(s.occurredAt) <= now)
      .map((s) => s.type),
  );
  const current: LearnedWeights = (await deps.learned.intentWeights()) ?? {
    multipliers: {},
    fittedAt: iso(now),
    tallies: { touches: 0, meetings: 0, touchesWith: {}, meetingsWith: {} },
  };
  const t = current.tallies;
  if (what === "touch") {
    t.touches++;
    for (const s of present) t.touchesWith[s] = (t.touchesWith[s] ?? 0) + 1;
  } else {
    t.meetings++;
    for (const s of present) t.meetingsWith[s] = (t.meetingsWith[s] ?? 0) + 1;
  }
  // Re-fit on meetings only: that is when the evidence about which signals matter changes.
  const multipliers = what === "meeting" ? fitMultipliers(t) : current.multipliers;
  await deps.learned.putIntentWeights({
    multipliers,
    fittedAt: what === "meeting" ? iso(now) : current.fittedAt,
    tallies: t,
  });
}
