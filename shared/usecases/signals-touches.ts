/**
 * What the signals loop reads (usecases/signals-refit.ts fits on it, signals-adopt.ts judges the shadow
 * with it): the executed touches of a window, as the gate recorded them, and what followed each.
 */
import type { Decision } from "../domain/decision.ts";
import { prepareIntent } from "../domain/prepared-spec.ts";
import type { SpecVersion } from "../domain/spec-schema.ts";
import { signalSettings } from "../domain/spec-signals.ts";
import { iso } from "../domain/time.ts";
import type { DecisionStatus } from "../domain/vocabulary.ts";
import { type SignalRow, signalRow, type TouchSignals } from "../learning/signals.ts";
import type { DraftDeps } from "./drafts.ts";
import type { Principal } from "./principal.ts";

/** Decisions read per refit or adoption check at most (a bounded read, never a scan). */
export const MAX_REFIT_DECISIONS = 50_000;
/** Who the loop's drafts, adoptions and spec versions are by. */
export const HARNESS: Principal = { subject: "harness", roles: ["admin"] };

const CONTACTED = new Set<DecisionStatus>(["executed", "dispatched", "in_doubt"]);
const isTouch = (d: Decision) => d.actionKind === "touch" && CONTACTED.has(d.status);
export const hadMeeting = (d: Decision) => d.outcomes.some((o) => o.type === "meeting_booked");
/** A positive answer: a reply, or a meeting (which began with one even when only the booking was recorded). */
export const hadReply = (d: Decision) =>
  d.outcomes.some((o) => o.type === "replied" || o.type === "meeting_booked");

export async function touchesBetween(deps: DraftDeps, since: number, until: number): Promise<Decision[]> {
  if (!deps.decisions.decisionsBetween) return [];
  // Touches only, filtered by the store: the window's record updates are most of its decisions.
  // Signals, intents and outcomes are all the loop reads: nobody's personal data is opened for it.
  // Only the statuses of a touch that reached someone, newest first: past MAX_REFIT_DECISIONS the
  // oldest of the window are left out, never the touches in shadow (the newest).
  const page = await deps.decisions.decisionsBetween(iso(since), iso(until), MAX_REFIT_DECISIONS, {
    actionKind: "touch",
    personalData: false,
    statuses: [...CONTACTED],
    newestFirst: true,
  });
  return page.items.filter(isTouch);
}

/** Each executed touch's signals as the gate saw them (Decision.facts) and what followed. */
export function refitTouches(touches: readonly Decision[]): TouchSignals[] {
  const out: TouchSignals[] = [];
  for (const d of touches) {
    const signals = d.facts?.account?.signals;
    if (signals)
      out.push({ signals, at: Date.parse(d.decidedAt), meeting: hadMeeting(d), replied: hadReply(d) });
  }
  return out;
}

/** The rows a refit fits over the spec's own windows (features capped at `maxCount`). */
export function refitRows(spec: SpecVersion, touches: readonly Decision[]): SignalRow[] {
  const p = prepareIntent(spec.spec);
  const cap = signalSettings(spec.spec).maxCount;
  return refitTouches(touches).map((t) => ({
    x: signalRow(t.signals, t.at, p.types, p.windowMs, cap),
    meeting: t.meeting,
    replied: t.replied,
  }));
}
