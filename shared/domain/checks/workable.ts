/**
 * Whether an account can take a touch today: the question an SDR's daily list answers ("these are the
 * accounts to work today"). Asked of the gate's own coordination rules (coordination.ts), so a list
 * never disagrees with what the gate will let through: an account touched on every channel this week
 * (channel diversity), or inside every channel's cooldown, is not workable today, and a list slot
 * spent on it is a slot another account could have used. Pure.
 *
 * A touch channel is clear today when, at some instant from `from` to the end of the account's
 * workspace day, every enforced coordination rule passes for a touch on it. The instants tried are
 * `from` and the instants at which a rule may change its answer (coordinationBoundaries), as the gate
 * looks for a deferred proposal's retry instant. No recipient is chosen yet: person-scoped rules pass
 * (another member of the committee may be free), and quiet hours are read in the account's zone.
 */
import type { Touch } from "../decision-types.ts";
import type { Spec } from "../spec-schema.ts";
import { startOfNextLocalDay } from "../time.ts";
import type { Channel } from "../vocabulary.ts";
import { type Candidate, coordinationBoundaries, evaluateCoordination, liveTouches } from "./coordination.ts";

/** The channels of the spec's touch actions, in the spec's order, each once. */
export function touchChannels(spec: Spec): Channel[] {
  const out: Channel[] = [];
  for (const a of Object.values(spec.autonomy.actions))
    if (a.kind === "touch" && a.channel && !out.includes(a.channel)) out.push(a.channel);
  return out;
}

/** The touch channels that are clear at some instant between `from` and the end of the account's day. */
export function channelsClearToday(
  spec: Spec,
  touches: readonly Touch[],
  from: number,
  accountTimeZone: string,
  channels: readonly Channel[] = touchChannels(spec),
): Channel[] {
  const until = startOfNextLocalDay(from, accountTimeZone);
  const live = liveTouches(touches, from);
  return channels.filter((channel) => {
    const base: Candidate = { at: from, channel, timeZone: accountTimeZone, accountTimeZone };
    const instants = [from, ...coordinationBoundaries(spec, base, live).filter((b) => b > from && b < until)];
    return instants.some((at) =>
      evaluateCoordination(spec, { ...base, at }, live).every((o) => o.ok || o.shadow),
    );
  });
}
