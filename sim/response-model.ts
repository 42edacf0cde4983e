/**
 * How the market answers a touch: the hidden model of sim/truth.ts (`expectedOutcome`) drawn once with
 * the touch's own random stream, plus the events around it (opens, unsubscribes, complaints, deals).
 * The harness never sees this; it only sees outcomes.
 */

import { DAY, HOUR } from "../shared/domain/time.ts";
import type { OutcomeType } from "../shared/domain/vocabulary.ts";
import type { Rng } from "./random.ts";
import { expectedOutcome, type MarketTruth, type TouchFeatures } from "./truth.ts";

export interface PlannedOutcome {
  type: OutcomeType;
  at: number;
}

/**
 * Complaints and unsubscribes: about 0.1% and 0.8% of cold touches, more for generic messages with
 * claims about the recipient nobody checked (×4 and ×2) and for messages to the wrong person, or
 * written for someone else (×2).
 */
const COMPLAINT = 0.001;
const UNSUBSCRIBE = 0.008;

export function respond(
  rng: Rng,
  truth: MarketTruth,
  f: TouchFeatures,
  at: number,
): { planned: PlannedOutcome[]; pReply: number; pMeeting: number } {
  const { pReply, pMeeting } = expectedOutcome(truth, f);
  if (f.channel === "email" && f.bounces)
    return { planned: [{ type: "bounced", at: at + 5 * 60_000 }], pReply, pMeeting };
  const out: PlannedOutcome[] = [];
  if (f.channel === "email" && rng.chance(0.45)) out.push({ type: "opened", at: at + rng.int(1, 20) * HOUR });
  // One uniform draw decides reply and meeting together, so both happen exactly at the model's rates;
  // complaints and unsubscribes come from those who did not reply.
  const u = rng.next();
  if (u >= pReply) {
    const careless = (f.grounded ? 1 : 4) * (f.persona === "other" || f.misaddressed ? 2 : 1);
    if (rng.chance(COMPLAINT * careless))
      return { planned: [...out, { type: "complaint", at: at + rng.int(1, 30) * HOUR }], pReply, pMeeting };
    if (rng.chance(UNSUBSCRIBE * Math.sqrt(careless)))
      return {
        planned: [...out, { type: "unsubscribed", at: at + rng.int(1, 48) * HOUR }],
        pReply,
        pMeeting,
      };
    return { planned: out, pReply, pMeeting };
  }
  const replyAt = at + rng.int(4, 60) * HOUR;
  out.push({ type: "replied", at: replyAt });
  if (u >= pMeeting) return { planned: out, pReply, pMeeting };
  const meetingAt = replyAt + rng.int(1, 3) * DAY;
  out.push({ type: "meeting_booked", at: meetingAt });
  if (rng.chance(0.3)) out.push({ type: "deal_created", at: meetingAt + rng.int(3, 10) * DAY });
  return { planned: out, pReply, pMeeting };
}
