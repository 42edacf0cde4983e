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

/** The fixed rule names, written once (a name built per entry was a new string per decision). */
const VOLUME_RULES: Record<VolumeRule, string> = {
  perAgentPerDay: "volume.perAgentPerDay",
  perChannelPerDay: "volume.perChannelPerDay",
  perActionTypePerDay: "volume.perActionTypePerDay",
  accountsPerOwnerPerDay: "volume.accountsPerOwnerPerDay",
};

/** "per email per day" by channel (a handful of channels: each written once). */
const channelLabels = new Map<string, string>();
function channelLabel(channel: string): string {
  let label = channelLabels.get(channel);
  if (label === undefined) {
    label = `per ${channel} per day`;
    channelLabels.set(channel, label);
  }
  return label;
}

/** One decision's volume plan as it is built (volumeCap appends to it). */
interface PlanState {
  checks: CheckResult[];
  bumps: CounterBump[];
  hit: boolean;
  day: string;
  tz: string;
  modes: Spec["volume"]["modes"];
  fullCounters: string[] | undefined;
}

/**
 * A cap in shadow still counts (its counter is bumped with a cap no count reaches) so the gate can
 * tell when enforcing it would have deferred; it never defers itself. A module function with its state
 * passed in, not a closure made per decision (issue 8: fewer allocations in the hot path).
 */
function volumeCap(
  st: PlanState,
  rule: VolumeRule,
  label: string,
  counter: string,
  used: number | undefined,
  limit: number | undefined,
): void {
  if (limit === undefined) return;
  const shadow = modeOf(st.modes, rule) === "shadow";
  st.bumps.push({ counter, day: st.day, cap: shadow ? SHADOW_CAP : limit });
  const ok = (used ?? 0) < limit && !st.fullCounters?.includes(counter);
  if (!ok && !shadow) st.hit = true;
  const detail = `${label}: ${used ?? 0} of ${limit} used today (${st.day}, ${st.tz})`;
  st.checks.push(ruleEntry("volume", VOLUME_RULES[rule], ok, "defer", shadow, detail));
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
  const modes = spec.volume.modes;
  const st: PlanState = {
    checks: [],
    bumps: [],
    hit: false,
    day: localDate(now, tz),
    tz,
    modes,
    fullCounters: ctx.fullCounters,
  };
  const { checks, bumps, day } = st;
  const v = spec.volume;
  volumeCap(
    st,
    "perAgentPerDay",
    "per agent per day",
    counterNames.agent(proposal.agentId),
    counts.agent,
    v.perAgentPerDay.agents[proposal.agentId] ?? v.perAgentPerDay.default,
  );
  // Texts only for caps the spec sets (most specs cap no action type).
  const channelLimit =
    action.channel && action.kind !== "record" ? v.perChannelPerDay[action.channel] : undefined;
  if (action.channel && channelLimit !== undefined)
    volumeCap(
      st,
      "perChannelPerDay",
      channelLabel(action.channel),
      counterNames.channel(action.channel),
      counts.channel,
      channelLimit,
    );
  const typeLimit = v.perActionTypePerDay[proposal.action.type];
  if (typeLimit !== undefined)
    volumeCap(
      st,
      "perActionTypePerDay",
      `per ${proposal.action.type} per day`,
      counterNames.actionType(proposal.action.type),
      counts.actionType,
      typeLimit,
    );
  if (action.kind === "touch" && account?.ownerId && v.accountsPerOwnerPerDay !== undefined) {
    // Only the account's first touch of the workspace day counts against its owner's account cap.
    const dayStart = startOfLocalDay(now, tz);
    let firstToday = true;
    for (let i = 0; i < touches.length && firstToday; i++) {
      const t = touches[i] as Touch;
      if (t.to >= dayStart && t.from <= now) firstToday = false;
    }
    if (firstToday) {
      const limit = v.accountsPerOwnerPerDay;
      const counter = counterNames.owner(account.ownerId);
      const shadow = modeOf(modes, "accountsPerOwnerPerDay") === "shadow";
      // Enforced only by the reservation's conditional write: in shadow nothing can find it full.
      const full = ctx.fullCounters?.includes(counter) ?? false;
      bumps.push({ counter, day, cap: shadow ? SHADOW_CAP : limit });
      if (full && !shadow) st.hit = true;
      const detail = `accounts per owner per day: ${full ? `${account.ownerId} already has ${limit} accounts today` : `cap ${limit}, enforced at reservation`}`;
      checks.push(ruleEntry("volume", "volume.accountsPerOwnerPerDay", !full, "defer", shadow, detail));
    }
  }
  return st.hit ? { checks, bumps, resetAt: startOfNextLocalDay(now, tz) } : { checks, bumps };
}
