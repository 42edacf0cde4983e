/**
 * The simulated market over time: companies become known to the harness, their people leave intent
 * signals, a human works the approval queue, and prospects answer executed touches according to the
 * hidden response model. Outcomes go back through the outcomes use case, as a CRM webhook would.
 */

import type { Decision } from "../shared/domain/decision.ts";
import { DAY, HOUR, localParts } from "../shared/domain/time.ts";
import type { OutcomeType } from "../shared/domain/vocabulary.ts";
import type { AppDeps } from "../shared/http/routes.ts";
import type { DomainEvent } from "../shared/ports.ts";
import type { LocalAgents } from "../shared/runtime/agents-local.ts";
import { addSignals, putAccount } from "../shared/usecases/admin.ts";
import { recordOutcome } from "../shared/usecases/outcomes.ts";
import { type ApproverStats, reviewQueue } from "./approver.ts";
import { rngFor } from "./random.ts";
import { respond } from "./response-model.ts";
import { bestVariant, FLAG_NOTICED, type MarketTruth, signalFeatures, truePersona } from "./truth.ts";
import type { SimCompany, SimPerson, SimSignal, SimWorld } from "./world.ts";

const ADMIN = { subject: "sim-crm-webhook", roles: ["admin"] };
const REVIEW_EVERY = 2 * HOUR;
/** The intent feed delivers in batches, as real providers do. */
const SIGNAL_BATCH_EVERY = 3 * HOUR;
const PARALLEL = 6;

async function inParallel<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  const work = [...items];
  await Promise.all(
    Array.from({ length: Math.min(PARALLEL, work.length) }, async () => {
      for (let x = work.shift(); x !== undefined; x = work.shift()) await fn(x);
    }),
  );
}

/** One executed touch as the market saw it: what the hidden model expected, and what happened. */
export interface TouchRecord {
  decisionId: string;
  agentId: string;
  actionType: string;
  at: number;
  persona: string;
  variant: string;
  bestVariant: boolean;
  grounded: boolean;
  /** The greeting named someone other than the recipient (a careless writer's retarget). */
  misaddressed: boolean;
  pReply: number;
  pMeeting: number;
  /** When the reply and meeting happen (they count only if before the end of the run). */
  replyAt?: number;
  meetingAt?: number;
}

export interface MarketStats {
  accountsKnown: number;
  signals: number;
  touchesAnswered: number;
  outcomes: Partial<Record<OutcomeType, number>>;
  reviews: ApproverStats;
}

/**
 * Who a touch reached: the person whose address it was sent to (the email's recipient, the LinkedIn
 * profile messaged), as in the world outside. The harness names people its own way (persona-finder:
 * the account and the address's local part), so matching its person id to the world's would miss:
 * every touch then read as a junior without a title, and no address bounced.
 */
export function recipientOf(
  company: Pick<SimCompany, "people">,
  decision: Pick<Decision, "personId" | "payload">,
): SimPerson | undefined {
  const { to, linkedinUrl } = decision.payload as { to?: unknown; linkedinUrl?: unknown };
  return (
    company.people.find(
      (p) =>
        (typeof to === "string" && p.email === to) ||
        (typeof linkedinUrl === "string" && p.linkedinUrl === linkedinUrl),
    ) ?? company.people.find((p) => p.personId === decision.personId)
  );
}

/**
 * Whether a message greets someone other than the person it reaches: written for one contact and
 * sent to another (a careless writer's retarget keeps the draft). A message without a greeting by
 * first name is not judged.
 */
export function misaddressed(body: unknown, recipient: Pick<SimPerson, "firstName"> | undefined): boolean {
  if (typeof body !== "string" || !recipient) return false;
  const greeted = /^\s*(?:hi|hello|hey|dear)\s+([^\s,!]+)/i.exec(body)?.[1];
  return greeted !== undefined && greeted.toLowerCase() !== recipient.firstName.toLowerCase();
}

export class SimMarket {
  readonly stats: MarketStats = {
    accountsKnown: 0,
    signals: 0,
    touchesAnswered: 0,
    outcomes: {},
    reviews: { approved: 0, edited: 0, rejected: 0 },
  };
  readonly touches: TouchRecord[] = [];
  private readonly arrivals: SimCompany[];
  private readonly signals: { company: SimCompany; signal: SimSignal }[];
  private readonly byAccount: Map<string, SimCompany>;
  private arrived = new Set<string>();
  private arrivalCursor = 0;
  private signalCursor = 0;
  private outcomes: { at: number; decisionId: string; type: OutcomeType }[] = [];
  private nextReview = 0;
  /** false: the simulated approver stays off and people work the queue (npm start --approver human). */
  reviewing = true;
  private nextSignals = 0;

  constructor(
    private readonly world: SimWorld,
    private readonly truth: MarketTruth,
    private readonly deps: AppDeps,
    private readonly agents: LocalAgents,
  ) {
    this.arrivals = [...world.companies].sort(
      (a, b) => a.arrivesAt - b.arrivesAt || a.accountId.localeCompare(b.accountId),
    );
    this.signals = world.companies
      .flatMap((company) => company.signals.map((signal) => ({ company, signal })))
      .sort((a, b) => a.signal.at - b.signal.at || a.company.accountId.localeCompare(b.company.accountId));
    this.byAccount = new Map(world.companies.map((c) => [c.accountId, c]));
    agents.observe("decision.transitioned", (e) => this.onTransition(e));
  }

  /** Everything the market does up to `now`. */
  async step(now: number): Promise<void> {
    const arriving: SimCompany[] = [];
    while (
      this.arrivalCursor < this.arrivals.length &&
      (this.arrivals[this.arrivalCursor]?.arrivesAt ?? 0) <= now
    )
      arriving.push(this.arrivals[this.arrivalCursor++] as SimCompany);
    await inParallel(arriving, async (c) => {
      await putAccount(this.deps, c.accountId, c.account);
      this.arrived.add(c.accountId);
      this.stats.accountsKnown++;
    });
    if (now >= this.nextSignals) {
      this.nextSignals = now + SIGNAL_BATCH_EVERY;
      await this.deliverSignals(now);
    }
    await this.deliverOutcomes(now);
    if (this.reviewing && now >= this.nextReview) {
      const tz = (await this.agents.view.spec()).workspace.timezone;
      const p = localParts(now, tz);
      if (p.weekday >= 1 && p.weekday <= 5 && p.hour >= 9 && p.hour < 18) {
        await reviewQueue(this.deps, this.truth, this.stats.reviews, (d) => this.misaddressed(d));
        this.nextReview = now + REVIEW_EVERY;
      }
    }
  }

  private async deliverSignals(now: number): Promise<void> {
    const due = new Map<string, SimSignal[]>();
    while (
      this.signalCursor < this.signals.length &&
      (this.signals[this.signalCursor]?.signal.at ?? 0) <= now
    ) {
      const { company, signal } = this.signals[this.signalCursor++] as {
        company: SimCompany;
        signal: SimSignal;
      };
      // Before the harness knows a company, its visits are anonymous: they are lost (the day-one list's
      // history is due at the first step, when its companies have just arrived).
      if (!this.arrived.has(company.accountId)) continue;
      due.set(company.accountId, [...(due.get(company.accountId) ?? []), signal]);
    }
    await inParallel([...due], async ([accountId, list]) => {
      await addSignals(this.deps, {
        // Visits are attributed to the account; the visitor is named only once they are a known contact.
        signals: list.map((s) => ({
          accountId,
          type: s.type,
          occurredAt: new Date(s.at).toISOString(),
          source: "sim-intent-feed",
        })),
      });
      this.stats.signals += list.length;
    });
  }

  private async deliverOutcomes(now: number): Promise<void> {
    this.outcomes.sort(
      (a, b) => a.at - b.at || a.decisionId.localeCompare(b.decisionId) || a.type.localeCompare(b.type),
    );
    while ((this.outcomes[0]?.at ?? Number.POSITIVE_INFINITY) <= now) {
      const o = this.outcomes.shift() as { at: number; decisionId: string; type: OutcomeType };
      try {
        await recordOutcome(
          this.deps,
          {
            decisionId: o.decisionId,
            type: o.type,
            occurredAt: new Date(o.at).toISOString(),
            outcomeId: `sim-${o.decisionId}-${o.type}`,
          },
          ADMIN,
        );
        this.stats.outcomes[o.type] = (this.stats.outcomes[o.type] ?? 0) + 1;
      } catch (err) {
        if ((err as Error).name !== "NotFoundError") throw err;
      }
    }
  }

  /**
   * An executed action. A touch: the prospect's answer is decided now by the hidden model (sim/truth.ts)
   * and arrives later. A record: if the agent got it wrong (probability 1 − its hidden quality), a
   * person may notice and flag it.
   */
  /** What a reviewer sees side by side: the greeting and the recipient the decision names. */
  private misaddressed(decision: Decision): boolean {
    const company = this.byAccount.get(decision.accountId);
    return company ? misaddressed(decision.payload.body, recipientOf(company, decision)) : false;
  }

  private async onTransition(e: DomainEvent): Promise<void> {
    const d = e.detail as { decisionId?: string; to?: string };
    if (d.to !== "executed" || !d.decisionId) return;
    const decision: Decision | undefined = await this.agents.view.decision(d.decisionId);
    if (!decision) return;
    const at = Date.parse(decision.execution?.at ?? decision.updatedAt);
    if (decision.actionKind !== "touch") return this.maybeFlag(decision, at);
    const company = this.byAccount.get(decision.accountId);
    if (!company) return;
    const person = recipientOf(company, decision);
    const persona = truePersona(person?.title ?? "");
    const variant = String(decision.payload.variant ?? "");
    const channel = decision.channel === "linkedin" ? "linkedin" : "email";
    const grounded = Array.isArray(decision.payload.groundedOn) && decision.payload.groundedOn.length > 0;
    const wrongName = misaddressed(decision.payload.body, person);
    const { planned, pReply, pMeeting } = respond(
      rngFor(this.world.seed, "respond", decision.decisionId),
      this.truth,
      {
        signals: signalFeatures(company.signals, at, company.visibleFrom),
        persona,
        variant,
        channel,
        grounded,
        misaddressed: wrongName,
        bounces: person?.bounces ?? false,
      },
      at,
    );
    const replyAt = planned.find((o) => o.type === "replied")?.at;
    const meetingAt = planned.find((o) => o.type === "meeting_booked")?.at;
    this.touches.push({
      decisionId: decision.decisionId,
      agentId: decision.agentId,
      actionType: decision.actionType,
      at,
      persona,
      variant,
      bestVariant: variant === bestVariant(this.truth, persona),
      grounded,
      misaddressed: wrongName,
      pReply,
      pMeeting,
      ...(replyAt !== undefined ? { replyAt } : {}),
      ...(meetingAt !== undefined ? { meetingAt } : {}),
    });
    this.stats.touchesAnswered++;
    for (const o of planned)
      if (o.at < this.world.end + 30 * DAY) this.outcomes.push({ ...o, decisionId: decision.decisionId });
  }

  private maybeFlag(decision: Decision, at: number): void {
    const quality = this.truth.agents[decision.agentId]?.quality;
    if (quality === undefined) return;
    const rng = rngFor(this.world.seed, "flag", decision.decisionId);
    if (!rng.chance(1 - quality) || !rng.chance(FLAG_NOTICED)) return;
    // A person who notices a wrong record either flags it or fixes it in the CRM (half each).
    this.outcomes.push({
      at: at + rng.int(2, 72) * HOUR,
      decisionId: decision.decisionId,
      type: rng.chance(0.5) ? "flagged_bad_lead" : "record_corrected",
    });
  }
}
