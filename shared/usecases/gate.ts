import { RECORD_PAYLOADS } from "../agents/records.ts";
import { holdoutEvaluation } from "../domain/arms.ts";
import { blockedDraft, blockedDraftDue } from "../domain/blocked-draft.ts";
import { liveTouches } from "../domain/checks/coordination.ts";
import { type Decision, type DecisionContext, streams } from "../domain/decision.ts";
import type { GateContext, Touch } from "../domain/decision-types.ts";
import { DependencyError, ForbiddenError, ValidationError } from "../domain/errors.ts";
import { evaluate } from "../domain/evaluate.ts";
import { decisionIdFor, idempotencyKeyFor, payloadDigest } from "../domain/ids.ts";
import { keptSpec } from "../domain/prepared-spec.ts";
import { type Proposal, ProposalInput } from "../domain/proposal.ts";
import { addressed, recipientProblem } from "../domain/recipients.ts";
import { factsOf } from "../domain/replay-facts.ts";
import type { SpecVersion } from "../domain/spec-schema.ts";
import { DAY, iso, localDate } from "../domain/time.ts";
import { payloadShapeIssues } from "../domain/touch-payloads.ts";
import { parseWith } from "../domain/validation.ts";
import type { Clock, DecisionStore, EventPublisher, GateReadResult, SpecStore } from "../ports.ts";
import { type ArmChoice, SpecVersions } from "./experiments.ts";
import { agentIdsOf, type Principal } from "./principal.ts";

export interface GateDeps {
  clock: Clock;
  decisions: DecisionStore;
  events: EventPublisher;
  /** Spec versions an experiment's arms decide under (read once each, then cached). */
  specs: Pick<SpecStore, "get">;
}

export interface GateResult {
  decision: Decision;
  /** True when the proposalId had already been decided: the first decision is returned, nothing reserved. */
  replay: boolean;
}

const MAX_ATTEMPTS = 25;
/** Touches older than this cannot affect any rule a sane spec expresses. */
const TOUCH_HORIZON = 30 * DAY;

/**
 * The gate keeps the last spec it saw: the counter keys of the single batched read depend on the
 * workspace's time zone, which is in the spec that same batch returns. When the spec changed, the
 * read is repeated once with the right keys.
 */
export class Gate {
  private lastSpec: SpecVersion | undefined;
  /** The current version's spec object, decided with while CURRENT stays that version (keptSpec). */
  private current: SpecVersion | undefined;
  private readonly versions: SpecVersions;

  constructor(private readonly deps: GateDeps) {
    this.versions = new SpecVersions(deps.specs);
  }

  async propose(input: unknown, principal: Principal): Promise<GateResult> {
    const proposal = parseWith(ProposalInput, input);
    if (!agentIdsOf(principal).includes(proposal.agentId)) {
      throw new ForbiddenError(`this credential cannot propose as agent ${proposal.agentId}`);
    }
    const decisionId = decisionIdFor(proposal.agentId, proposal.proposalId);
    const fullCounters: string[] = [];
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const now = this.deps.clock.now();
      const read = await this.read(proposal, decisionId, now);
      if (read.existing) return { decision: read.existing, replay: true };
      // What its connector could not send is refused before anything is reserved (after the replay
      // lookup: a retry of a proposal decided before this check was made gets its decision back).
      if (attempt === 0) {
        const shape = payloadShapeIssues(proposal.action.type, proposal.payload, RECORD_PAYLOADS);
        if (shape.length > 0) throw new ValidationError(shape);
      }
      const spec = read.spec as SpecVersion;
      // The address is the person's on file where the payload has none (domain/recipients.ts).
      const payload = addressed(proposal.action.type, proposal.payload, read.person);
      const sent = payload === proposal.payload ? proposal : { ...proposal, payload };
      const ctx = gateContext(read, spec, sent, now, fullCounters);
      const evaluation = withArm(evaluate(ctx), read.choice, spec, sent);
      const decision = buildDecision(
        decisionId,
        sent,
        spec,
        ctx,
        evaluation,
        now,
        read.contact.touches.length,
      );
      if (read.choice?.assignment) decision.arm = read.choice.assignment.arm;
      const touch: Touch | undefined = evaluation.reservation.touch
        ? { ...evaluation.reservation.touch, decisionId }
        : undefined;
      const kept = liveTouches(read.contact.touches, now).filter((t) => t.to > now - TOUCH_HORIZON);
      const due =
        evaluation.verdict === "schedule" && evaluation.executeAt
          ? { decisionId, kind: "release" as const, at: evaluation.executeAt }
          : evaluation.verdict === "require_approval" && evaluation.expiresAt
            ? { decisionId, kind: "expire" as const, at: evaluation.expiresAt }
            : blockedDraft(decision)
              ? blockedDraftDue(decisionId, now)
              : undefined;
      const result = await this.deps.decisions.commitDecision({
        decision,
        event: {
          stream: streams.decision(decisionId),
          seq: 1,
          type: "decided",
          at: decision.decidedAt,
          actor: `agent:${proposal.agentId}`,
          to: decision.status,
          detail: `${evaluation.verdict}: ${evaluation.reasons.join("; ")}`,
        },
        ...(touch
          ? {
              touch: {
                accountId: proposal.target.accountId,
                expectVersion: read.contact.version,
                touches: [...kept, touch],
              },
            }
          : {}),
        counters: evaluation.reservation.counters,
        ...(due ? { due } : {}),
        ...(read.sealing ? { sealing: read.sealing } : {}),
      });
      if (result.ok) {
        await this.deps.events.publish([
          {
            type: "decision.made",
            detail: {
              decisionId,
              verdict: decision.verdict,
              status: decision.status,
              agentId: decision.agentId,
              actionType: decision.actionType,
              accountId: decision.accountId,
            },
          },
        ]);
        return { decision, replay: false };
      }
      const conflict = result.conflict;
      if (conflict.kind === "exists") {
        const existing = await this.deps.decisions.getDecision(decisionId);
        if (existing) return { decision: existing, replay: true };
      } else if (conflict.kind === "cap") {
        if (!fullCounters.includes(conflict.counter)) fullCounters.push(conflict.counter);
      } else {
        // Another agent reserved on this account first: re-read and decide again on what it did.
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** attempt)));
      }
    }
    throw new DependencyError(`could not decide proposal ${proposal.proposalId}: too much contention, retry`);
  }

  /** The batched read, its spec being the one the decision is made under (an experiment arm's). */
  private async read(
    proposal: Proposal,
    decisionId: string,
    now: number,
  ): Promise<GateReadResult & { choice?: ArmChoice }> {
    for (;;) {
      const guess = this.lastSpec;
      const channel = guess?.spec.autonomy.actions[proposal.action.type]?.channel;
      const day = localDate(now, guess?.spec.workspace.timezone ?? "UTC");
      const read = await this.deps.decisions.readGateContext({
        decisionId,
        agentId: proposal.agentId,
        actionType: proposal.action.type,
        accountId: proposal.target.accountId,
        day,
        ...(channel ? { channel } : {}),
        ...(proposal.target.personId ? { personId: proposal.target.personId } : {}),
      });
      if (read.existing) return read;
      if (!read.spec) throw new DependencyError("no spec has been published yet");
      this.current = keptSpec(this.current, read.spec);
      const choice = await this.versions.choose(this.current, proposal.target.accountId);
      const fresh = choice.spec;
      const armed = { ...read, spec: fresh, choice };
      this.lastSpec = fresh;
      if (guess && guess.version === fresh.version) return armed;
      const freshChannel = fresh.spec.autonomy.actions[proposal.action.type]?.channel;
      if (freshChannel === channel && localDate(now, fresh.spec.workspace.timezone) === day) return armed;
    }
  }
}

/** A holdout account's outreach is blocked (domain/arms.ts); other arms decide as their version says. */
function withArm(
  evaluation: ReturnType<typeof evaluate>,
  choice: ArmChoice | undefined,
  spec: SpecVersion,
  proposal: Proposal,
): ReturnType<typeof evaluate> {
  const assignment = choice?.assignment;
  if (!assignment?.holdout) return evaluation;
  const kind = spec.spec.autonomy.actions[proposal.action.type]?.kind;
  return kind === "touch" || kind === "audience" ? holdoutEvaluation(evaluation, assignment) : evaluation;
}

/**
 * What the checks see, from what the single batched read returned. Optional fields assigned, not
 * spread: this runs once per decision (bench/evaluate-throughput.ts measures evaluation through it).
 */
export function gateContext(
  read: GateReadResult,
  spec: SpecVersion,
  proposal: Proposal,
  now: number,
  fullCounters?: string[],
): GateContext {
  const ctx: GateContext = {
    now,
    spec,
    proposal,
    touches: read.contact.touches,
    counts: read.counts,
    pauses: read.pauses,
    suppressions: read.suppressions,
  };
  if (read.account) ctx.account = read.account;
  if (read.person) {
    ctx.person = read.person;
    const tool = spec.spec.autonomy.actions[proposal.action.type]?.tool;
    const misaddressed = recipientProblem(
      proposal.action.type,
      proposal.payload,
      read.person,
      tool?.recipient,
    );
    if (misaddressed) ctx.misaddressed = misaddressed;
  }
  if (read.trust) ctx.trust = read.trust;
  if (fullCounters) ctx.fullCounters = fullCounters;
  return ctx;
}

/** The decision the gate keeps for a proposal and its evaluation (tests and the replay bench build theirs so). */
export function buildDecision(
  decisionId: string,
  proposal: Proposal,
  spec: SpecVersion,
  ctx: GateContext,
  evaluation: ReturnType<typeof evaluate>,
  now: number,
  touchesSeen: number,
): Decision {
  const action = spec.spec.autonomy.actions[proposal.action.type];
  const context: DecisionContext = { touchesSeen };
  if (ctx.account) {
    const a = ctx.account;
    context.account = {
      name: a.name,
      domain: a.domain,
      industry: a.industry,
      employees: a.employees,
      country: a.country,
      timezone: a.timezone,
      lifecycle: a.lifecycle,
      ...(a.ownerId ? { ownerId: a.ownerId } : {}),
    };
  }
  if (ctx.person) {
    context.person = {
      name: `${ctx.person.firstName} ${ctx.person.lastName}`,
      title: ctx.person.title,
      ...(evaluation.persona ? { persona: evaluation.persona.name, role: evaluation.persona.role } : {}),
    };
  }
  if (evaluation.intent) context.intent = evaluation.intent;
  const at = iso(now);
  return {
    decisionId,
    proposalId: proposal.proposalId,
    agentId: proposal.agentId,
    actionType: proposal.action.type,
    actionKind: action?.kind ?? "unknown",
    ...(action?.channel ? { channel: action.channel } : {}),
    accountId: proposal.target.accountId,
    ...(proposal.target.personId ? { personId: proposal.target.personId } : {}),
    payload: proposal.payload,
    payloadDigest: payloadDigest(proposal.payload),
    ...(evaluation.shadowIntent ? { shadowIntent: evaluation.shadowIntent } : {}),
    reasoning: proposal.reasoning,
    confidence: proposal.confidence,
    ...(proposal.signals ? { claimedSignals: proposal.signals } : {}),
    ...(proposal.retryOf ? { retryOf: proposal.retryOf } : {}),
    verdict: evaluation.verdict,
    status: evaluation.status,
    checks: evaluation.checks,
    reasons: evaluation.reasons,
    ...(evaluation.shadow ? { shadow: evaluation.shadow } : {}),
    autonomyLevel: evaluation.autonomyLevel,
    autonomySource: evaluation.autonomySource,
    trustScore: evaluation.trustScore,
    specVersion: spec.version,
    specHash: spec.hash,
    context,
    facts: factsOf(ctx),
    decidedAt: at,
    ...(evaluation.executeAt ? { executeAt: iso(evaluation.executeAt) } : {}),
    ...(evaluation.retryAfter ? { retryAfter: iso(evaluation.retryAfter) } : {}),
    ...(evaluation.expiresAt ? { expiresAt: iso(evaluation.expiresAt) } : {}),
    idempotencyKey: idempotencyKeyFor(decisionId),
    reservation: {
      touch: evaluation.reservation.touch !== undefined,
      counters: evaluation.reservation.counters,
    },
    outcomes: [],
    version: 1,
    updatedAt: at,
  };
}
