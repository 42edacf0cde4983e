import { type Candidate, coordinationBoundaries, evaluateCoordination } from "./checks/coordination.ts";
import { activePauses } from "./checks/kill-switch.ts";
import { ruleStopsMatching, weekdayAt } from "./checks/rules.ts";
import type { GateContext, Touch } from "./decision-types.ts";
import type { SpecRule } from "./spec-schema.ts";
import { localDate } from "./time.ts";

/** The enforced conditional rules that deferred, and the zone their weekdays are read in. */
export interface DeferringRules {
  rules: SpecRule[];
  timeZone: string;
  /**
   * How long after it is proposed the action happens on the day they read (a level 2 touch's override
   * window; 0 or absent: at once).
   */
  lead?: number;
}

/**
 * The earliest instant at which every deferring rule would pass (pauses, volume, coordination,
 * conditional rules on weekdays); undefined when one never stops deferring.
 */
export function earliestRetry(
  ctx: GateContext,
  candidate: Candidate | undefined,
  touches: Touch[],
  volumeResetAt: number | undefined,
  channel: Candidate["channel"] | undefined,
  deferring: DeferringRules,
): number | undefined {
  const spec = ctx.spec.spec;
  const { proposal, now } = ctx;
  const points = new Set<number>([now]);
  const pauses = activePauses(ctx.pauses, proposal.agentId, channel, proposal.target.accountId, now);
  for (const p of pauses) if (p.until) points.add(Date.parse(p.until));
  if (volumeResetAt) points.add(volumeResetAt);
  // A conditional rule's other conditions do not change with time, only its weekdays: it stops
  // deferring at the first local midnight of a day it does not list, or never. Read on the day the
  // action happens: proposing again at that midnight less the lead.
  const ruleLead = deferring.lead ?? 0;
  for (const rule of deferring.rules) {
    const stops = ruleStopsMatching(rule, now + ruleLead, deferring.timeZone);
    if (stops === undefined) return undefined;
    points.add(stops - ruleLead);
  }
  // A level 2 touch happens one override window after it is proposed: coordination is asked about
  // that instant, and a boundary at instant b means proposing again at b - lead.
  const lead = candidate ? candidate.at - now : 0;
  if (candidate) for (const b of coordinationBoundaries(spec, candidate, touches)) points.add(b - lead);
  const today = localDate(now, spec.workspace.timezone);
  const sorted = [...points].filter((p) => p >= now).sort((a, b) => a - b);
  const latestPause = Math.max(now, ...pauses.map((p) => (p.until ? Date.parse(p.until) : now)));
  for (const at of sorted) {
    if (at < latestPause) continue;
    if (volumeResetAt && localDate(at, spec.workspace.timezone) === today) continue;
    if (deferring.rules.length > 0) {
      const day = weekdayAt(at + ruleLead, deferring.timeZone);
      if (deferring.rules.some((r) => r.when.weekdays?.includes(day))) continue;
    }
    if (candidate) {
      const c = { ...candidate, at: at + lead };
      if (evaluateCoordination(spec, c, touches).some((o) => !o.ok && !o.shadow)) continue;
    }
    return at;
  }
  return undefined;
}
