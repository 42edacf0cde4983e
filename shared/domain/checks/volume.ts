import { ruleEntry } from "../check-entry.ts";
import type { CheckResult, CounterBump, GateContext, Touch } from "../decision-types.ts";
import type { Account } from "../kb.ts";
import { modeOf } from "../spec-modes.ts";
import type { ActionConfig, Spec } from "../spec-schema.ts";
import { localDate, startOfLocalDay, startOfNextLocalDay } from "../time.ts";

/** Counter names are part of the key design: see adapters/dynamo/keys.ts for how they are stored. */
export const counterNames = {
  agent: (agentId: string) => `agent:${agentId}`,
  channel: (channel: string) => `channel:${channel}`,
  actionType: (type: string) => `action:${type}`,
  owner: (ownerId: string) => `owner:${ownerId}`,
};

type VolumeRule = "perAgentPerDay" | "perChannelPerDay" | "perActionTypePerDay" | "accountsPerOwnerPerDay";

/** The cap a shadow counter is bumped with: it counts, and no count ever reaches it. */
export const SHADOW_CAP = Number.MAX_SAFE_INTEGER;

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
  const modes = spec.volume.modes;
  /**
   * A cap in shadow still counts (its counter is bumped with a cap no count reaches) so the gate can
   * tell when enforcing it would have deferred; it never defers itself.
   */
  const cap = (
    rule: VolumeRule,
    label: string,
    counter: string,
    used: number | undefined,
    limit: number | undefined,
  ) => {
    if (limit === undefined) return;
    const shadow = modeOf(modes, rule) === "shadow";
    bumps.push({ counter, day, cap: shadow ? SHADOW_CAP : limit });
    const ok = (used ?? 0) < limit && !ctx.fullCounters?.includes(counter);
    if (!ok && !shadow) hit = true;
    const detail = `${label}: ${used ?? 0} of ${limit} used today (${day}, ${tz})`;
    checks.push(ruleEntry("volume", `volume.${rule}`, ok, "defer", shadow, detail));
  };
  const v = spec.volume;
  cap(
    "perAgentPerDay",
    "per agent per day",
    counterNames.agent(proposal.agentId),
    counts.agent,
    v.perAgentPerDay.agents[proposal.agentId] ?? v.perAgentPerDay.default,
  );
  if (action.channel && action.kind !== "record")
    cap(
      "perChannelPerDay",
      `per ${action.channel} per day`,
      counterNames.channel(action.channel),
      counts.channel,
      v.perChannelPerDay[action.channel],
    );
  cap(
    "perActionTypePerDay",
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
      const shadow = modeOf(modes, "accountsPerOwnerPerDay") === "shadow";
      // Enforced only by the reservation's conditional write: in shadow nothing can find it full.
      const full = ctx.fullCounters?.includes(counter) ?? false;
      bumps.push({ counter, day, cap: shadow ? SHADOW_CAP : limit });
      if (full && !shadow) hit = true;
      const detail = `accounts per owner per day: ${full ? `${account.ownerId} already has ${limit} accounts today` : `cap ${limit}, enforced at reservation`}`;
      checks.push(ruleEntry("volume", "volume.accountsPerOwnerPerDay", !full, "defer", shadow, detail));
    }
  }
  return hit ? { checks, bumps, resetAt: startOfNextLocalDay(now, tz) } : { checks, bumps };
}
