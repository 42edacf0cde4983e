import type { CheckResult, CounterBump, GateContext, Touch } from "../decision-types.ts";
import type { Account } from "../kb.ts";
import type { ActionConfig, Spec } from "../spec-schema.ts";
import { localDate, startOfLocalDay, startOfNextLocalDay } from "../time.ts";

/** Counter names are part of the key design: see adapters/dynamo/keys.ts for how they are stored. */
export const counterNames = {
  agent: (agentId: string) => `agent:${agentId}`,
  channel: (channel: string) => `channel:${channel}`,
  actionType: (type: string) => `action:${type}`,
  owner: (ownerId: string) => `owner:${ownerId}`,
};

export interface VolumePlan {
  checks: CheckResult[];
  bumps: CounterBump[];
  /** When the caps reset (start of the next workspace day), if one was hit. */
  resetAt?: number;
}

/**
 * Hard daily caps in the workspace's time zone. The counts read here may be stale under concurrency;
 * the reservation's conditional writes (`count < cap`) are what actually enforce them.
 */
export function planVolume(
  ctx: GateContext,
  spec: Spec,
  action: ActionConfig,
  account: Account | undefined,
  touches: Touch[],
): VolumePlan {
  const { proposal, now, counts } = ctx;
  const tz = spec.workspace.timezone;
  const day = localDate(now, tz);
  const checks: CheckResult[] = [];
  const bumps: CounterBump[] = [];
  let hit = false;
  const cap = (label: string, counter: string, used: number | undefined, limit: number | undefined) => {
    if (limit === undefined) return;
    bumps.push({ counter, day, cap: limit });
    const ok = (used ?? 0) < limit && !ctx.fullCounters?.includes(counter);
    if (!ok) hit = true;
    checks.push({
      check: "volume",
      rule: label,
      result: ok ? "pass" : "fail",
      ...(ok ? {} : { effect: "defer" as const }),
      detail: `${label}: ${used ?? 0} of ${limit} used today (${day}, ${tz})`,
    });
  };
  const v = spec.volume;
  cap(
    "per agent per day",
    counterNames.agent(proposal.agentId),
    counts.agent,
    v.perAgentPerDay.agents[proposal.agentId] ?? v.perAgentPerDay.default,
  );
  if (action.channel && action.kind !== "record")
    cap(
      `per ${action.channel} per day`,
      counterNames.channel(action.channel),
      counts.channel,
      v.perChannelPerDay[action.channel],
    );
  cap(
    `per ${proposal.action.type} per day`,
    counterNames.actionType(proposal.action.type),
    counts.actionType,
    v.perActionTypePerDay[proposal.action.type],
  );
  if (action.kind === "touch" && account?.ownerId && v.accountsPerOwnerPerDay !== undefined) {
    // Only the account's first touch of the workspace day counts against its owner's account cap.
    const dayStart = startOfLocalDay(now, tz);
    const firstToday = !touches.some((t) => t.to >= dayStart && t.from <= now);
    if (firstToday) {
      const limit = v.accountsPerOwnerPerDay;
      const counter = counterNames.owner(account.ownerId);
      const full = ctx.fullCounters?.includes(counter) ?? false;
      bumps.push({ counter, day, cap: limit });
      if (full) hit = true;
      checks.push({
        check: "volume",
        rule: "accounts per owner per day",
        result: full ? "fail" : "pass",
        ...(full ? { effect: "defer" as const } : {}),
        detail: `accounts per owner per day: ${full ? `${account.ownerId} already has ${limit} accounts today` : `cap ${limit}, enforced at reservation`}`,
      });
    }
  }
  return hit ? { checks, bumps, resetAt: startOfNextLocalDay(now, tz) } : { checks, bumps };
}
