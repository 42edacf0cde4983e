/**
 * What is checked again of a dispatched decision before it goes out: by the executor just before it
 * claims the attempt (execution.ts), and by the reconciler before it hands one back (a touch the vendor
 * turned away, tried again up to 30 minutes after its dispatch, or one nobody attempted, up to two
 * hours after). Without it an agent paused by a person (a kill switch hit while its sends wait in the
 * executors' queue), or a prospect who unsubscribed, bounced or complained meanwhile, was contacted
 * all the same.
 *
 * Only what the world changes under a decision within that time, and what may never be overridden:
 * a pause in force (a kill switch) and the suppression list. The spec's rules, persona and content
 * were checked when it was decided, approved or released, as for any dispatched decision.
 */
import { activePauses, describePause } from "../domain/checks/kill-switch.ts";
import { listedSuppressions } from "../domain/checks/suppression.ts";
import type { Decision } from "../domain/decision.ts";
import { localDate } from "../domain/time.ts";
import type { DecisionStore, GateReadRequest } from "../ports.ts";
import type { Recheck } from "./execution.ts";

/**
 * Why the decision may no longer go out (`stop`), or must wait (`wait`: every pause in force ends, at
 * `until`, as the gate defers rather than blocks for such a pause; the reconciler stops it instead
 * when that is past the latest it may go out), or undefined if nothing holds it back. One batched
 * read (the gate's: `readGateContext`), so the store must be the checking one
 * (adapters/dynamo/gate-read.ts).
 */
export async function heldBack(decisions: DecisionStore, d: Decision, now: number): Promise<Recheck> {
  const members = listSyncAdds(d);
  const read = await decisions.readGateContext({ ...gateReadOf(d, now), ...(members ? { members } : {}) });
  const paused = activePauses(read.pauses, d.agentId, d.channel, d.accountId, now);
  const why = paused.map(describePause).join("; ");
  if (paused.every((p) => p.until) && paused.length > 0)
    return { wait: why, until: Math.max(...paused.map((p) => Date.parse(p.until as string))) };
  if (paused.length > 0) return { stop: why };
  // A record action reaches nobody: only a pause stops it, as at the Release step (domain/revalidate.ts).
  // A list sync goes without the people it would add whom the suppression list names since it was
  // proposed (an unsubscribe while it waited for approval): the SDR's list feeds their sequences.
  if (d.actionKind === "record")
    return read.suppressedMembers?.length ? { without: read.suppressedMembers } : undefined;
  const listed = listedSuppressions(read.suppressions, d.channel);
  return listed.length > 0 ? { stop: listed.join("; ") } : undefined;
}

/** Whom a list sync would add (shared/agents/workflows/audiences.ts), read without its schema. */
const listSyncAdds = (d: Decision): string[] | undefined => {
  const add =
    d.actionType === "list.sync" ? (d.payload as { add?: { personId?: unknown }[] }).add : undefined;
  return Array.isArray(add)
    ? add.flatMap((m) => (typeof m?.personId === "string" ? [m.personId] : []))
    : undefined;
};

/** The gate's batched read of a decision's current data (the Release step's re-check reads the same). */
export const gateReadOf = (d: Decision, now: number): GateReadRequest => ({
  decisionId: d.decisionId,
  agentId: d.agentId,
  actionType: d.actionType,
  accountId: d.accountId,
  day: localDate(now, "UTC"),
  ...(d.channel ? { channel: d.channel } : {}),
  ...(d.personId ? { personId: d.personId } : {}),
});
