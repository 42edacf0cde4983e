/**
 * What one decision does to an account's contact state and to the volume counters over time, as the
 * live system does it (usecases/lifecycle.ts): a reservation is made when the gate decides; approval
 * re-times a pending touch to a point at the approval instant; reject, veto, expiry and a failed send
 * give the touch back and the counters of the release day and later (a past day's counter is kept).
 * The replay (replay.ts) uses it twice per changed decision: once for what really happened, to take it
 * out of the recorded state, and once for what would have happened under the proposed spec, to put it in.
 */
import type { Decision } from "./decision.ts";
import type { CounterBump, Evaluation, Touch } from "./decision-types.ts";
import { localDate } from "./time.ts";
import type { DecisionStatus, Verdict } from "./vocabulary.ts";

export interface Timeline {
  decisionId: string;
  accountId: string;
  decidedAt: number;
  /** The touch held from `at` on (undefined: none); ordered by `at`, the first at `decidedAt`. */
  touch: { at: number; touch?: Touch }[];
  counters: CounterBump[];
  /** When the reservation was given back, if it was. */
  releasedAt?: number;
  /** Whether the action goes out (an executed, dispatched or scheduled send; an approved one). */
  sent: boolean;
}

const RESERVING: readonly Verdict[] = ["allow", "schedule", "require_approval"];
export const reserves = (v: Verdict) => RESERVING.includes(v);

const RELEASED: readonly DecisionStatus[] = ["rejected", "vetoed", "expired", "failed"];
const SENT: readonly DecisionStatus[] = ["dispatched", "executed", "in_doubt", "scheduled"];

/** When the live system gave a decision's reservation back, if it did. */
function actualRelease(d: Decision): number | undefined {
  if (!RELEASED.includes(d.status)) return undefined;
  if ((d.status === "rejected" || d.status === "vetoed") && d.review) return Date.parse(d.review.at);
  // Expiry, a failed send, a failed re-validation: the last transition is the release.
  return Date.parse(d.updatedAt);
}

/** Whether the real decision was sent (or is on its way). */
export const actuallySent = (d: Decision) => SENT.includes(d.status);

/** The counters the real decision holds; its touch is taken from the recorded contact states instead. */
export function actualTimeline(d: Decision): Timeline {
  const releasedAt = actualRelease(d);
  return {
    decisionId: d.decisionId,
    accountId: d.accountId,
    decidedAt: Date.parse(d.decidedAt),
    touch: [],
    counters: reserves(d.verdict) ? d.reservation.counters : [],
    ...(releasedAt !== undefined ? { releasedAt } : {}),
    sent: actuallySent(d),
  };
}

/**
 * The replayed decision's effects. Where it lands on the same verdict as the real one, the real
 * review (approval, rejection, veto, expiry, a failed send) is mirrored at its real instant; a
 * newly pending approval with no real review to mirror occupies its window until it expires; a newly
 * allowed or scheduled send is assumed to go out.
 */
export function replayTimeline(d: Decision, e: Evaluation, decisionId: string): Timeline {
  const decidedAt = Date.parse(d.decidedAt);
  const base = { decisionId, accountId: d.accountId, decidedAt };
  if (!reserves(e.verdict)) return { ...base, touch: [], counters: [], sent: false };
  const touch = e.reservation.touch ? { ...e.reservation.touch, decisionId } : undefined;
  const phases: Timeline["touch"] = [{ at: decidedAt, ...(touch ? { touch } : {}) }];
  const counters = e.reservation.counters;
  const mirror = d.verdict === e.verdict;
  const realRelease = mirror ? actualRelease(d) : undefined;
  if (e.verdict !== "require_approval") {
    if (realRelease !== undefined) phases.push({ at: realRelease, touch: undefined });
    return {
      ...base,
      touch: phases,
      counters,
      ...(realRelease !== undefined ? { releasedAt: realRelease } : {}),
      sent: realRelease === undefined,
    };
  }
  const review = mirror ? d.review : undefined;
  if (review && (review.action === "approved" || review.action === "edited")) {
    const at = Date.parse(review.at);
    if (touch) {
      const { expiresAt: _e, ...point } = touch;
      phases.push({ at, touch: { ...point, from: at, to: at } });
    }
    if (realRelease !== undefined) phases.push({ at: realRelease, touch: undefined });
    return {
      ...base,
      touch: phases,
      counters,
      ...(realRelease !== undefined ? { releasedAt: realRelease } : {}),
      sent: realRelease === undefined,
    };
  }
  // Rejected or expired for real; or never reviewed for real: it expires when its window closes.
  const still = mirror && d.status === "pending_approval";
  const releasedAt = realRelease ?? (still ? undefined : e.expiresAt);
  if (releasedAt !== undefined) phases.push({ at: releasedAt, touch: undefined });
  return {
    ...base,
    touch: phases,
    counters,
    ...(releasedAt !== undefined ? { releasedAt } : {}),
    sent: false,
  };
}

/** The touch a timeline holds at instant `at` (undefined: none). */
export function touchAt(t: Timeline, at: number): Touch | undefined {
  let current: Touch | undefined;
  for (const p of t.touch) {
    if (p.at > at) break;
    current = p.touch;
  }
  return current;
}

/** Whether the timeline holds one unit of `counter` on `day` at instant `at` (release day rule of lifecycle.ts). */
export function holds(t: Timeline, counter: string, day: string, at: number, timeZone: string): boolean {
  if (!t.counters.some((c) => c.counter === counter && c.day === day)) return false;
  if (t.releasedAt === undefined || t.releasedAt > at) return true;
  return day < localDate(t.releasedAt, timeZone);
}
