/**
 * The hidden response model: how the market answers a touch. Reply and meeting probabilities depend
 * on persona fit, signal strength at the time of the touch and message quality (grounding in real
 * facts, the variant's appeal to this company). The harness never sees it; it only sees outcomes.
 */

import { DAY, HOUR } from "../shared/domain/time.ts";
import type { OutcomeType } from "../shared/domain/vocabulary.ts";
import type { Rng } from "./random.ts";
import type { SimCompany, SimPerson } from "./world.ts";

export interface Touch {
  channel: "email" | "linkedin";
  role: string;
  variant: string;
  grounded: boolean;
  at: number;
}

export interface PlannedOutcome {
  type: OutcomeType;
  at: number;
}

const ROLE_FIT: Record<string, number> = {
  decision_maker: 0.8,
  champion: 1.4,
  influencer: 1.0,
  too_junior: 0.2,
};

export function respond(
  rng: Rng,
  company: SimCompany,
  person: SimPerson | undefined,
  touch: Touch,
): PlannedOutcome[] {
  const out: PlannedOutcome[] = [];
  if (touch.channel === "email" && person?.bounces) return [{ type: "bounced", at: touch.at + 5 * 60_000 }];
  const m = company.hidden.inMarket;
  const inMarket = m !== undefined && touch.at >= m.from && touch.at < m.to;
  const intent = 0.4 + company.hidden.propensity * 0.6 + (inMarket ? 1.2 : 0);
  const quality = (touch.grounded ? 1.3 : 0.8) * (company.hidden.variantAffinity[touch.variant] ?? 1);
  const fit = ROLE_FIT[touch.role] ?? 0.5;
  const pReply = Math.min(0.6, (touch.channel === "email" ? 0.07 : 0.09) * fit * intent * quality);
  if (touch.channel === "email" && rng.chance(0.5))
    out.push({ type: "opened", at: touch.at + rng.int(1, 20) * HOUR });
  if (rng.chance(0.006 / quality))
    return [...out, { type: "complaint", at: touch.at + rng.int(1, 30) * HOUR }];
  if (rng.chance(0.012 / quality))
    return [...out, { type: "unsubscribed", at: touch.at + rng.int(1, 48) * HOUR }];
  if (!rng.chance(pReply)) return out;
  const replyAt = touch.at + rng.int(4, 60) * HOUR;
  out.push({ type: "replied", at: replyAt });
  if (!rng.chance(Math.min(0.8, 0.3 * fit * (inMarket ? 1.5 : 0.8)))) return out;
  const meetingAt = replyAt + rng.int(1, 3) * DAY;
  out.push({ type: "meeting_booked", at: meetingAt });
  if (rng.chance(0.35 * company.hidden.propensity + (inMarket ? 0.1 : 0)))
    out.push({ type: "deal_created", at: meetingAt + rng.int(3, 10) * DAY });
  return out;
}
