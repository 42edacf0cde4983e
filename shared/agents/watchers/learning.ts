/**
 * The variants loop's evidence, fed by the ledger's events: sends and outcomes per message variant ×
 * persona × industry (shared/learning/variants.ts chooses from them). Each event is counted once
 * whatever the redeliveries (EventBridge delivers at least once) and concurrent lanes: the learned
 * store's `countOnce` writes a marker keyed by the event's id in the same transaction as the counters'
 * atomic adds. Evidence is recorded with learning off too (the writer then ignores it). The other
 * loops keep their evidence in the core: trust per outcome (shared/learning/trust.ts), review tallies
 * (rules.ts), and the signals refit reads executed decisions and their outcomes (signals.ts).
 */

import type { Decision } from "../../domain/decision.ts";
import * as z from "../../domain/zod-mini.ts";
import type { LearnedStore } from "../../kb/ports.ts";
import type { TemplateField } from "../../kb/types.ts";
import { weekOf } from "../../learning/variants.ts";
import type { DecisionStore, DomainEvent } from "../../ports.ts";
import { ExecutedEvent } from "../events.ts";

export interface LearningDeps {
  decisions: Pick<DecisionStore, "getDecision">;
  learned: LearnedStore;
}

const OutcomeEvent = z.looseObject({
  type: z.string(),
  decisionId: z.nullable(z.string()),
  outcomeId: z.optional(z.string()),
});
const FIELD: Record<string, TemplateField> = {
  opened: "opened",
  replied: "replied",
  meeting_booked: "meetings",
  bounced: "negative",
  unsubscribed: "negative",
  complaint: "negative",
};

/**
 * The cell a send counts in: its variant, the recipient's persona as the gate saw it, the account's
 * industry. A message written for one persona and sent to someone of another (a writer that picked
 * the wrong person: `payload.persona` is who it was written for) is no evidence of how either persona
 * takes that variant, and it is not counted. Counted, it was worse than noise: the variant a writer
 * favours for C-level buyers reached VPs in such misdirected messages, answered less for being
 * misaddressed, and the VPs' cell blamed the variant (seed 104 of the simulated market: the VPs'
 * best variant looked ×1.09 better than the runner-up in the sends' own odds where the truth is ×1.3).
 */
const keyOf = (d: Decision) => {
  const variant = typeof d.payload.variant === "string" ? d.payload.variant : undefined;
  if (!variant) return undefined;
  const writtenFor = typeof d.payload.persona === "string" ? d.payload.persona : undefined;
  const persona = d.context.person?.persona ?? writtenFor ?? "unknown";
  if (writtenFor !== undefined && writtenFor !== persona) return undefined;
  // The send and its outcomes count in the week it went out (the variants loop compares like weeks).
  const sentAt = d.execution?.at;
  return {
    variant,
    persona,
    industry: d.context.account?.industry ?? "unknown",
    ...(sentAt ? { week: weekOf(sentAt) } : {}),
  };
};

export async function learnFrom(deps: LearningDeps, event: DomainEvent): Promise<void> {
  if (event.type === "decision.transitioned") {
    const ev = ExecutedEvent.safeParse(event.detail);
    if (!ev.success) return;
    if (ev.data.to === "failed") return takeBackSend(deps, ev.data.decisionId);
    if (ev.data.to !== "executed") return;
    if (ev.data.from === "failed") return recountSend(deps, ev.data.decisionId);
    const d = await deps.decisions.getDecision(ev.data.decisionId);
    // Executed by the ledger, not only by the event (ingest.ts); one SES has since said never went
    // out (failed) is not counted sent.
    if (d?.actionKind !== "touch" || d.status !== "executed") return;
    // A decision is executed once: its id names the send; not counted once taken back (takeBackSend).
    await count(deps, d, `executed#${d.decisionId}`, "sent", `unsent#${d.decisionId}`);
    return;
  }
  if (event.type === "outcome.recorded") {
    const ev = OutcomeEvent.safeParse(event.detail);
    if (!ev.success || !ev.data.decisionId) return;
    const field = FIELD[ev.data.type];
    if (!field) return;
    const d = await deps.decisions.getDecision(ev.data.decisionId);
    // Only a send's outcomes: a holdout's organic reply is recorded on the touch the holdout blocked
    // (usecases/outcomes.ts), and a reply to a message never sent would credit a variant nobody read.
    if (d?.status !== "executed") return;
    // A send earns a reply or it does not (variants.ts: successes = replied + w·meetings, failures =
    // sent − replied): the second reply in a thread, or a client's retry under a fresh outcome id, is
    // the same success again, and counted it made talkative prospects' variants look better.
    const first = d.outcomes?.find((o) => FIELD[o.type] === field);
    if (first?.outcomeId && ev.data.outcomeId && first.outcomeId !== ev.data.outcomeId) return;
    // The outcome's own id; an older event without one is named by its decision and type.
    await count(deps, d, `outcome#${ev.data.outcomeId ?? `${d.decisionId}#${ev.data.type}`}`, field);
  }
}

async function count(
  deps: LearningDeps,
  d: Decision,
  eventId: string,
  field: TemplateField,
  unless?: string,
) {
  const key = keyOf(d);
  if (key) await deps.learned.countOnce("variants", eventId, [{ key, field }], unless);
}

/**
 * A send counted when it was executed, which SES then said never went out (a Reject, a soft bounce
 * after its retries: world-outcomes.ts fails it): its count is taken back, once. Before, it stayed a
 * send nobody answered, and the variant it used looked worse by it. Events come in no set order: a
 * failure handled before its executed event leaves a mark, and that event then counts nothing
 * (learned store's takeBackOnce), also when it lands between the ledger read and the count.
 */
const takeBackSend = (deps: LearningDeps, decisionId: string) =>
  moveSend(deps, decisionId, "failed", -1, ["unsent", "executed", "restored"]);

/**
 * A send failed by a soft bounce SES reported before its Delivery, which then restored it (ses-settle.ts):
 * the send counts again, once, where its failure took it back. Before, the executed event's marker was
 * already there and nothing counted: the email stayed sent with no send in its cell, and its replies
 * made the variant look better than it was. Handled before the failure (events come in no set order),
 * it leaves its mark and the failure then takes nothing back (takeBackSend's `unless`).
 */
const recountSend = (deps: LearningDeps, decisionId: string) =>
  moveSend(deps, decisionId, "executed", 1, ["restored", "unsent"]);

/**
 * A touch's send moved by `by` in its cell, once, while the ledger holds it `status`: as the event
 * `markers[0]`, only where `markers[1]` counted, unless `markers[2]` was handled (takeBackOnce).
 */
async function moveSend(
  deps: LearningDeps,
  decisionId: string,
  status: Decision["status"],
  by: 1 | -1,
  markers: [string, string, string?],
) {
  const d = await deps.decisions.getDecision(decisionId);
  if (d?.actionKind !== "touch" || d.status !== status) return;
  const key = keyOf(d);
  const [marker, countedBy, unless] = markers.map((m) => m && `${m}#${d.decisionId}`);
  if (key && marker && countedBy)
    await deps.learned.takeBackOnce("variants", marker, [{ key, field: "sent", by }], countedBy, unless);
}
