import type { CheckResult, GateContext, Pause } from "../decision-types.ts";
import type { Channel } from "../vocabulary.ts";

/** Pauses that apply to this proposal and are in force at instant `at`. */
export function activePauses(
  pauses: Pause[],
  agentId: string,
  channel: Channel | undefined,
  accountId: string,
  at: number,
): Pause[] {
  return pauses.filter((p) => {
    if (p.until && Date.parse(p.until) <= at) return false;
    switch (p.scope) {
      case "global":
        return true;
      case "agent":
        return p.target === agentId;
      case "channel":
        return channel !== undefined && p.target === channel;
      case "account":
        return p.target === accountId;
      default:
        return false;
    }
  });
}

/** A pause in words: who paused what, why and until when. */
export function describePause(p: Pause): string {
  const what = p.scope === "global" ? "everything" : `${p.scope} ${p.target}`;
  return `${what} paused by ${p.createdBy}: ${p.reason}${p.until ? ` (until ${p.until})` : ""}`;
}

/** The entry of (nearly) every decision: no pause in force. */
const NO_PAUSE = "no pause applies";

export function checkKillSwitches(ctx: GateContext, channel: Channel | undefined): CheckResult {
  // Most decisions find no pause at all: no filter, no callback.
  if (ctx.pauses.length === 0) return { check: "kill_switch", result: "pass", detail: NO_PAUSE };
  const active = activePauses(
    ctx.pauses,
    ctx.proposal.agentId,
    channel,
    ctx.proposal.target.accountId,
    ctx.now,
  );
  if (active.length === 0) return { check: "kill_switch", result: "pass", detail: NO_PAUSE };
  // A pause with an end defers; a pause without one blocks, since there is no time to retry at.
  const effect = active.every((p) => p.until) ? "defer" : "block";
  return { check: "kill_switch", result: "fail", effect, detail: active.map(describePause).join("; ") };
}
