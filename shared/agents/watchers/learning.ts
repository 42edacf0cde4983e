/**
 * The learning loops fed by the ledger's events: sends and outcomes per message variant (loop 3),
 * signals present before touches and before meetings (loop 4), and reviews that keep rejecting the
 * same pattern becoming an emerged rule agents respect (loop 2). Trust (loop 1) is the core's.
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
const MIN_REJECTIONS = 3;
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
    const from = (event.detail as { from?: string }).from;
    if (ev.data.to === "executed") {
      const d = await deps.decisions.getDecision(ev.data.decisionId);
      if (d?.actionKind !== "touch") return;
      const k = keyOf(d);
      if (k) await deps.learned.bumpTemplateStat(k, "sent");
      await tallySignals(deps, d, "touch");
    } else if (from === "pending_approval" && (ev.data.to === "dispatched" || ev.data.to === "rejected")) {
      const d = await deps.decisions.getDecision(ev.data.decisionId);
      if (!d?.review) return;
      await learnFromReview(deps, d, ev.data.to === "dispatched" ? "approved" : "rejected");
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

async function learnFromReview(deps: LearningDeps, d: Decision, result: "approved" | "rejected") {
  const persona = d.context.person?.persona ?? "unknown";
  const industry = d.context.account?.industry ?? "unknown";
  const tally = await deps.learned.bumpReview({ actionType: d.actionType, persona, industry }, result);
  const reviewed = tally.approved + tally.rejected;
  if (tally.rejected >= MIN_REJECTIONS && tally.rejected / reviewed >= 0.5) {
    await deps.learned.putRule({
      ruleId: `avoid:${d.actionType}:${persona}:${industry.toLowerCase()}`,
      description: `Reviewers rejected ${tally.rejected} of ${reviewed} ${d.actionType} proposals to ${persona} at ${industry} companies: agents skip them until the spec says otherwise.`,
      match: { actionType: d.actionType, persona, industry },
      evidence: { rejected: tally.rejected, reviewed },
      createdAt: iso(deps.clock.now()),
    });
  }
}
