/**
 * The simulated market's truths, drawn from the seed. Nothing under shared/ imports this module (a
 * test checks it): the harness only ever sees outcomes; the demo's learning report reads the truth to
 * say how close the harness got.
 *
 * The generative model of one touch (a message to one person at one account):
 *
 *   x_s       = min(3, number of signals of type s the account showed in the 30 days before the touch)
 *   z         = Σ_s w_s · x_s                                  (the account's hidden intent, in log-odds)
 *   logit P(reply)           = a + z + persona[p] + variant[p][v] + channel[c] + grounded·g
 *   logit P(meeting | reply) = b + κ · z
 *   P(meeting)               = P(reply) · P(meeting | reply)
 *
 * where p is the recipient's persona (from their title: c-level, vp, director, other), v the message
 * variant, c the channel, and grounded whether the message stands on facts about the company. A
 * bouncing address never replies. `expectedOutcome` computes both probabilities noise-free: the demo's
 * `expectedMeetings` is their sum over executed touches.
 *
 * Every number below is drawn per seed from a range; the ranges encode what B2B outbound looks like,
 * never a seed's answer:
 * - base reply rate 0.6–1.5% to a cold, generic touch with no signal (a grounded message to a senior
 *   buyer with the right variant adds up to about ×3 through the persona, grounding and variant terms),
 *   and 15–30% of replies becoming a meeting: cold B2B email benchmarks sit at 1–5% replies and well
 *   under 1% meetings per touch;
 * - signal weights, per occurrence (capped at 3 occurrences in 30 days): a hand-raiser is what outbound
 *   teams learn to trust first, so a demo request is always strong (+0.5 to +1: one request multiplies
 *   the odds of an answer by 1.6 to 2.7) and a pricing-page visit always helps (+0.1 to +0.3 per visit,
 *   up to ×2.5 for three); the softer signals are where teams disagree and markets differ, so of
 *   g2_research, website_visit, blog_visit, new_sales_leader and funding_round one is useless (weight
 *   0), one hurts (−0.3 to −0.1: e.g. a visitor who reads the careers page or blog is a job seeker, not
 *   a buyer; a freshly funded company is flooded by vendors) and the others help by +0.05 to +0.25;
 *   which is which is drawn, so the spec's hand-set weights are right about the hand-raisers and can be
 *   badly wrong about the rest. An account in a buying window (three pricing visits, G2 research, site
 *   visits) answers about 1.5 to 3.5 times as often as a cold one (median ×2.4 over seeds), and a
 *   well-aimed message to it books about 1.4 meetings per 100 touches (0.4–5 over seeds): intent-led
 *   outbound's few percent of replies and one or two meetings per 100 touches;
 * - personas: seniority effects in ranges (VPs answer most, juniors rarely own a budget);
 * - variants: each persona's taste for each message variant, ±0.5 log-odds, independent draws, so the
 *   best variant differs by persona and seed;
 * - agents: a careful and a sloppy email writer proposing the same actions, and every record-keeping
 *   agent with its own quality (see `AgentTruth`).
 */
import { type Rng, rngFor } from "./random.ts";
import { SIM_VARIANTS } from "./world.ts";

export const SIGNAL_TYPES = [
  "pricing_page_visit",
  "demo_request",
  "g2_research",
  "website_visit",
  "blog_visit",
  "new_sales_leader",
  "funding_round",
] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];
/** The signals that are not a hand-raise: among these the truth draws a useless one and a harmful one. */
const SOFT_SIGNALS: readonly SignalType[] = [
  "g2_research",
  "website_visit",
  "blog_visit",
  "new_sales_leader",
  "funding_round",
];

export const PERSONAS = ["c-level", "vp", "director", "other"] as const;
export type TruePersona = (typeof PERSONAS)[number];

/** How far back an account's signals count, and the most occurrences of one type that count. */
export const FEATURE_WINDOW_DAYS = 30;
export const FEATURE_CAP = 3;
/** Conversion from reply to meeting rises with intent, at half the slope of the reply itself. */
export const MEETING_INTENT_SLOPE = 0.5;

/** The email writers: same code and actions, different hidden quality. */
export const CAREFUL_WRITER = "outreach-writer";
export const SLOPPY_WRITER = "outreach-writer-b";

/**
 * An agent's hidden quality q in [0, 1]. For a writer, each touch is off-persona (retargeted to
 * someone else at the account) with probability (1 − q)/2 and makes an ungrounded claim (no research
 * facts, a generic boast) with probability 1 − q; ungrounded and off-persona messages are answered less
 * and complained about more. For a record agent (CRM updates, lead lists, list syncs, audience adds),
 * a record is wrong with probability 1 − q, and a person notices a wrong record with probability
 * `FLAG_NOTICED` and flags it (flagged_bad_lead) or corrects it (record_corrected), half each.
 */
export interface AgentTruth {
  quality: number;
  kind: "writer" | "records";
}
export const FLAG_NOTICED = 0.3;

export interface MarketTruth {
  seed: number;
  replyIntercept: number;
  meetingIntercept: number;
  signalWeights: Record<SignalType, number>;
  persona: Record<TruePersona, number>;
  /** Log-odds effect of each variant for each persona. */
  variant: Record<TruePersona, Record<string, number>>;
  channel: { email: number; linkedin: number };
  grounded: number;
  agents: Record<string, AgentTruth>;
}

const logit = (p: number) => Math.log(p / (1 - p));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const uniform = (rng: Rng, lo: number, hi: number) => lo + rng.next() * (hi - lo);
const round = (x: number) => Number(x.toFixed(4));

const RECORD_AGENTS = [
  "list-sync",
  "manual-list-sync",
  "buying-committee-builder",
  "persona-finder",
  "persona-classifier",
  "web-research",
  "lead-list-builder",
  "linkedin-audience-manager",
  "crm-sync",
];

/** Draw every truth of the market from the seed (independent of the world's size and horizon). */
export function drawTruth(seed: number): MarketTruth {
  const rng = rngFor(seed, "truth");
  const soft = SOFT_SIGNALS.map((t) => t);
  const useless = soft.splice(rng.int(0, soft.length - 1), 1)[0] as SignalType;
  const negative = soft.splice(rng.int(0, soft.length - 1), 1)[0] as SignalType;
  const signalWeights = {} as Record<SignalType, number>;
  for (const t of SIGNAL_TYPES)
    signalWeights[t] =
      t === "demo_request"
        ? round(uniform(rng, 0.5, 1))
        : t === "pricing_page_visit"
          ? round(uniform(rng, 0.1, 0.3))
          : t === useless
            ? 0
            : t === negative
              ? round(uniform(rng, -0.3, -0.1))
              : round(uniform(rng, 0.05, 0.25));
  const persona: Record<TruePersona, number> = {
    "c-level": round(uniform(rng, -0.5, 0.2)),
    vp: round(uniform(rng, 0, 0.5)),
    director: round(uniform(rng, -0.2, 0.3)),
    other: round(uniform(rng, -1.5, -0.6)),
  };
  const variant = {} as Record<TruePersona, Record<string, number>>;
  for (const p of PERSONAS) {
    variant[p] = {};
    for (const v of SIM_VARIANTS) variant[p][v] = round(uniform(rng, -0.5, 0.5));
  }
  const agents: Record<string, AgentTruth> = {
    [CAREFUL_WRITER]: { quality: round(uniform(rng, 0.75, 0.95)), kind: "writer" },
    [SLOPPY_WRITER]: { quality: round(uniform(rng, 0.2, 0.5)), kind: "writer" },
  };
  for (const id of RECORD_AGENTS) agents[id] = { quality: round(uniform(rng, 0.5, 0.97)), kind: "records" };
  return {
    seed,
    replyIntercept: round(logit(uniform(rng, 0.006, 0.015))),
    meetingIntercept: round(logit(uniform(rng, 0.15, 0.3))),
    signalWeights,
    persona,
    variant,
    channel: { email: 0, linkedin: round(uniform(rng, -0.3, 0.3)) },
    grounded: round(uniform(rng, 0.2, 0.6)),
    agents,
  };
}

/** A person's persona as the market sees it (their title), independent of the harness's spec rules. */
export function truePersona(title: string): TruePersona {
  if (/\bchief\b|\bC[A-Z]?[EROTFM]O\b|\bfounder\b|\bpresident\b/i.test(title)) return "c-level";
  if (/\b[SE]?VP\b|\bvice[\s-]president\b|\bhead of\b/i.test(title)) return "vp";
  if (/\bdirector\b/i.test(title)) return "director";
  return "other";
}

/** The variant that works best for a persona (the report's yardstick for loop 3). */
export function bestVariant(truth: MarketTruth, persona: TruePersona): string {
  const effects = truth.variant[persona];
  return [...SIM_VARIANTS].sort(
    (a, b) => (effects[b] ?? 0) - (effects[a] ?? 0) || a.localeCompare(b),
  )[0] as string;
}

/** x_s: signal counts in the window before `at`, capped. Only signals the harness could have seen count. */
export function signalFeatures(
  signals: readonly { at: number; type: string }[],
  at: number,
  visibleFrom = Number.NEGATIVE_INFINITY,
): Partial<Record<SignalType, number>> {
  const from = Math.max(visibleFrom, at - FEATURE_WINDOW_DAYS * 86_400_000);
  const out: Partial<Record<SignalType, number>> = {};
  for (const s of signals) {
    if (s.at < from || s.at > at || !(s.type in SIGNAL_WEIGHT_KEYS)) continue;
    const t = s.type as SignalType;
    out[t] = Math.min(FEATURE_CAP, (out[t] ?? 0) + 1);
  }
  return out;
}
const SIGNAL_WEIGHT_KEYS = Object.fromEntries(SIGNAL_TYPES.map((t) => [t, true]));

export interface TouchFeatures {
  signals: Partial<Record<SignalType, number>>;
  persona: TruePersona;
  variant: string;
  channel: "email" | "linkedin";
  grounded: boolean;
  bounces: boolean;
}

/** The hidden model, noise-free: P(reply) and P(meeting) for one touch. */
export function expectedOutcome(truth: MarketTruth, f: TouchFeatures): { pReply: number; pMeeting: number } {
  if (f.bounces && f.channel === "email") return { pReply: 0, pMeeting: 0 };
  let z = 0;
  for (const [t, x] of Object.entries(f.signals)) z += (truth.signalWeights[t as SignalType] ?? 0) * (x ?? 0);
  const pReply = sigmoid(
    truth.replyIntercept +
      z +
      truth.persona[f.persona] +
      (truth.variant[f.persona][f.variant] ?? 0) +
      truth.channel[f.channel] +
      (f.grounded ? truth.grounded : 0),
  );
  const pMeetingGivenReply = sigmoid(truth.meetingIntercept + MEETING_INTENT_SLOPE * z);
  return { pReply, pMeeting: pReply * pMeetingGivenReply };
}
