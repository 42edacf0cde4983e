/**
 * What the gate read, recorded on each decision (`Decision.facts`) so a proposed spec can re-decide it
 * later (domain/replay.ts) without asking today's knowledge base, which has moved on since. Compact:
 * only the fields the checks read, signals as [type, epoch ms] pairs, every list bounded, so a decision
 * item stays far below DynamoDB's 400 KB. The person's personal fields (title, first name, email domain)
 * and the suppressions (whose reasons may quote a person) are split off and sealed with the decision's
 * other personal fields (personal-data.ts), so an erasure removes them: such a decision is then not
 * replayable rather than guessed.
 */

import type { TrustRecord } from "../learning/trust.ts";
import { liveTouches } from "./checks/coordination.ts";
import { RECIPIENT_RULE } from "./checks/persona.ts";
import type { Decision } from "./decision.ts";
import type { GateContext, Pause, Touch, VolumeCounts } from "./decision-types.ts";
import { parseInstant } from "./instant.ts";
import type { Account, Person, SuppressionEntry } from "./kb.ts";
import type { Proposal } from "./proposal.ts";
import type { SpecVersion } from "./spec-schema.ts";
import { DAY, iso } from "./time.ts";
import type { Channel } from "./vocabulary.ts";

/** Longer than any signal window a sane spec uses; older signals cannot count towards intent. */
export const SIGNAL_HORIZON = 180 * DAY;
export const MAX_FACT_SIGNALS = 500;
/** A contact state holds at most the touches of its 30-day horizon; this bounds a pathological one. */
export const MAX_FACT_TOUCHES = 300;
const MAX_FACT_PAUSES = 50;
const MAX_FACT_SUPPRESSIONS = 50;

/** The personal part: sealed under the decision's key, gone after an erasure. */
export interface PersonalFacts {
  person?: { title: string; firstName: string; emailDomain: string };
  suppressions: SuppressionEntry[];
}

export interface DecisionFacts {
  v: 1;
  account?: {
    name: string;
    domain: string;
    industry: string;
    employees: number;
    country: string;
    timezone: string;
    lifecycle: Account["lifecycle"];
    ownerId?: string;
    techStack?: string[];
    fundingStage?: string;
    /** [type, occurredAt in epoch ms], newest first, within SIGNAL_HORIZON of the decision. */
    signals: [string, number][];
  };
  person?: { personId: string; accountId: string; timezone?: string };
  /** The channel the proposal claimed, if any (a mismatch with the spec's channel blocks). */
  claimedChannel?: Channel;
  trust?: Pick<TrustRecord, "successes" | "failures" | "earnedLevel" | "pinnedLevel">;
  counts: VolumeCounts;
  fullCounters?: string[];
  pauses: Pause[];
  touches: Touch[];
  /** Present in a decision as the core sees it; stored sealed, absent once the owner is erased. */
  personal?: PersonalFacts;
}

/** The facts of one evaluation, from the context the gate evaluated. */
export function factsOf(ctx: GateContext): DecisionFacts {
  const { now, account: a, person: p, trust } = ctx;
  const facts: DecisionFacts = {
    v: 1,
    counts: { ...ctx.counts },
    pauses: ctx.pauses.filter((x) => !x.until || Date.parse(x.until) > now).slice(0, MAX_FACT_PAUSES),
    // The touches evaluate() reads: a pending reservation past its expiry is absent for it too.
    touches: liveTouches(ctx.touches, now).slice(-MAX_FACT_TOUCHES),
    personal: { suppressions: ctx.suppressions.slice(0, MAX_FACT_SUPPRESSIONS) },
  };
  if (a) {
    const signals: [string, number][] = [];
    for (const s of a.signals) {
      const at = s.occurredAtMs ?? parseInstant(s.occurredAt);
      if (at > now - SIGNAL_HORIZON && at <= now) signals.push([s.type, at]);
    }
    signals.sort((x, y) => y[1] - x[1]);
    facts.account = {
      name: a.name,
      domain: a.domain,
      industry: a.industry,
      employees: a.employees,
      country: a.country,
      timezone: a.timezone,
      lifecycle: a.lifecycle,
      ...(a.ownerId ? { ownerId: a.ownerId } : {}),
      ...(a.techStack ? { techStack: a.techStack } : {}),
      ...(a.fundingStage ? { fundingStage: a.fundingStage } : {}),
      signals: signals.slice(0, MAX_FACT_SIGNALS),
    };
  }
  if (p) {
    facts.person = {
      personId: p.personId,
      accountId: p.accountId,
      ...(p.timezone ? { timezone: p.timezone } : {}),
    };
    (facts.personal as PersonalFacts).person = {
      title: p.title,
      firstName: p.firstName,
      emailDomain: p.email.slice(p.email.lastIndexOf("@") + 1),
    };
  }
  if (trust)
    facts.trust = {
      successes: trust.successes,
      failures: trust.failures,
      earnedLevel: trust.earnedLevel,
      ...(trust.pinnedLevel ? { pinnedLevel: trust.pinnedLevel } : {}),
    };
  if (ctx.fullCounters?.length) facts.fullCounters = [...ctx.fullCounters];
  if (ctx.proposal.action.channel) facts.claimedChannel = ctx.proposal.action.channel;
  return facts;
}

/** Why a recorded decision cannot be re-decided, if it cannot. */
export function notReplayable(d: Decision): "no_facts" | "erased" | undefined {
  if (d.erased) return "erased";
  if (!d.facts) return "no_facts";
  if (!d.facts.personal) return "erased";
  if (d.facts.person && !d.facts.personal.person) return "erased";
  return undefined;
}

/** The proposal as the agent made it, from the decision (payload and reasoning are opened). */
export function proposalOf(d: Decision): Proposal {
  const channel = d.facts?.claimedChannel;
  return {
    proposalId: d.proposalId,
    agentId: d.agentId,
    action: { type: d.actionType, ...(channel ? { channel } : {}) },
    target: { accountId: d.accountId, ...(d.personId ? { personId: d.personId } : {}) },
    payload: d.payload,
    reasoning: d.reasoning,
    confidence: d.confidence,
    ...(d.claimedSignals ? { signals: d.claimedSignals } : {}),
    ...(d.retryOf ? { retryOf: d.retryOf } : {}),
  };
}

/**
 * The context the gate saw, rebuilt from the facts, for `spec`; `touches`, `counts` and
 * `fullCounters` may be replaced by the replay's evolving state. Throws when the decision has no
 * (complete) facts: check `notReplayable` first.
 */
export function contextFromFacts(d: Decision, spec: SpecVersion): GateContext {
  const f = d.facts;
  if (!f?.personal || notReplayable(d)) throw new Error(`decision ${d.decisionId} is not replayable`);
  const now = Date.parse(d.decidedAt);
  const ctx: GateContext = {
    now,
    spec,
    proposal: proposalOf(d),
    touches: f.touches,
    counts: f.counts,
    pauses: f.pauses,
    suppressions: f.personal.suppressions,
  };
  if (f.fullCounters) ctx.fullCounters = f.fullCounters;
  // Whom the payload went to was the gate's reading of the full record, which the facts do not keep.
  const misaddressed = d.checks.find(
    (c) => c.check === "persona" && c.rule === RECIPIENT_RULE && c.result === "fail",
  );
  if (misaddressed) ctx.misaddressed = misaddressed.detail;
  if (f.account) {
    const { signals, ...rest } = f.account;
    ctx.account = {
      ...rest,
      accountId: d.accountId,
      signals: signals.map(([type, at]) => ({ type, occurredAt: iso(at), occurredAtMs: at })),
      updatedAt: d.decidedAt,
    };
  }
  const pp = f.personal.person;
  if (f.person && pp) {
    const person: Person = {
      personId: f.person.personId,
      accountId: f.person.accountId,
      email: `someone@${pp.emailDomain}`,
      firstName: pp.firstName,
      lastName: "-",
      title: pp.title,
      ...(f.person.timezone ? { timezone: f.person.timezone } : {}),
      updatedAt: d.decidedAt,
    };
    ctx.person = person;
  }
  if (f.trust)
    ctx.trust = {
      agentId: d.agentId,
      actionType: d.actionType,
      updatedAt: now,
      version: 0,
      ...f.trust,
    };
  return ctx;
}
