/**
 * Runs agents: builds each handler's context, turns its proposals into gate calls with the agent's
 * own credential, and re-proposes a deferred proposal once at its retryAfter (new proposalId, linked
 * to the first by `retryOf`). Shared by the local runtime and the per-agent Lambda.
 */
import { createHash } from "node:crypto";
import type { Decision } from "../domain/decision.ts";
import { DependencyError, ForbiddenError, NotFoundError, ValidationError } from "../domain/errors.ts";
import { decisionIdFor } from "../domain/ids.ts";
import type { Proposal } from "../domain/proposal.ts";
import type { KnowledgeView } from "../kb/view.ts";
import type { Clock } from "../ports.ts";
import type { CrmImporter } from "../usecases/crm-import.ts";
import type { GateResult } from "../usecases/gate.ts";
import type { Principal } from "../usecases/principal.ts";
import { type AgentContext, type AgentProposal, OutOfTime, type ProposeOutcome } from "./context.ts";
import type { AgentDefinition, AgentInvocation } from "./definition.ts";
import { type EnrichmentSource, type ModelClient, PermanentRunError, type WebFetcher } from "./ports.ts";

/**
 * A deferred proposal waiting to be proposed again: the proposal as first made, and which attempt
 * the next one is (absent: the first).
 */
export interface QueuedRetry {
  agentId: string;
  at: number;
  proposal: Proposal;
  attempt?: number;
  /** How many times in a row the gate could not be reached for it (the next try waits longer). */
  failures?: number;
}

export interface RetryQueue {
  add(r: QueuedRetry): Promise<void>;
  due(agentId: string, now: number, limit?: number): Promise<QueuedRetry[]>;
  remove(r: QueuedRetry): Promise<void>;
}

/**
 * How often a deferred proposal is proposed again: a retry deferred again (Friday's LinkedIn message
 * deferred to Monday by a weekend rule, then on Monday by the day's email to the account) is queued
 * again, up to this many attempts. Before, only once: the second deferral's decision said when it
 * could go, and nothing ever proposed it.
 */
export const MAX_RETRY_ATTEMPTS = 3;

/** A retry the gate could not be reached for waits this long, doubling with each failure, up to an hour. */
const UNREACHED_BACKOFF_MS = 60_000;
const UNREACHED_BACKOFF_MAX_MS = 3_600_000;

export interface ProposalGate {
  propose(input: unknown, principal: Principal): Promise<GateResult>;
}

export interface RunnerDeps {
  clock: Clock;
  gate: ProposalGate;
  kb: KnowledgeView;
  /** Absent in an AWS function whose agents call no model (agents-aws-core.ts refuses one that does). */
  model?: ModelClient;
  retries: RetryQueue;
  enrichment?: EnrichmentSource;
  web?: WebFetcher;
  crm?: CrmImporter;
  /** Called with every fresh decision (the runtime executes dispatched ones). */
  onDecision?: (decision: Decision) => Promise<void>;
  log?: (msg: string, data: Record<string, unknown>) => void;
}

export interface RunSummary {
  agentId: string;
  trigger: AgentInvocation["kind"] | "retry";
  proposals: { proposalId: string; actionType: string; verdict: string; status: string; replay: boolean }[];
  error?: string;
  /** The error was the manual run's input (not found, invalid): retrying the same input cannot help. */
  refusedInput?: boolean;
  /** The error will not go away on another delivery of the same trigger (PermanentRunError). */
  permanent?: boolean;
  /** The run stopped at its deadline with work left (OutOfTime). */
  outOfTime?: boolean;
  /** Where a continuation of it begins (OutOfTime's `resumeAt`). */
  resumeAt?: string;
  /** The run made headway and has more to do (AgentContext.moreToDo). */
  more?: boolean;
}

export const agentPrincipal = (agentId: string): Principal => ({
  subject: `agent:${agentId}`,
  roles: [`agent:${agentId}`],
});

const ID_OK = /[^A-Za-z0-9._:@-]/g;

/** The proposalId for an agent's key: readable when it fits, hashed when it would not. */
export function proposalIdFor(agentId: string, key: string): string {
  const id = `${agentId}:${key.replace(ID_OK, "-")}`;
  if (id.length <= 120) return id;
  return `${id.slice(0, 90)}:${createHash("sha256").update(id).digest("base64url").slice(0, 22)}`;
}

/**
 * A retry's proposal id: the proposal's with `:retry1` (ids are at most 128 characters, proposalIdFor's
 * at most 120), or for a longer one its start and hash. Before, ids of 119-120 characters were cut to
 * 110, so two proposals differing only in their last characters (the day, the person) shared a retry
 * id, and the second retry was answered with the first one's decision.
 */
export const retryIdFor = (proposalId: string, attempt = 1) =>
  proposalId.length <= 121
    ? `${proposalId}:retry${attempt}`
    : `${proposalId.slice(0, 90)}:${createHash("sha256").update(proposalId).digest("base64url").slice(0, 22)}:retry${attempt}`;

/** The model of an agent not declared to call one: every call refuses, naming where to declare it. */
const noModel = (agentId: string): ModelClient => {
  const refuse = () =>
    Promise.reject(
      new ForbiddenError(
        `agent ${agentId} does not call a model: declare usesModel in its definition (and, built in, add it to MODEL_AGENT_IDS, which grants its role the model in AWS)`,
      ),
    );
  return { modelId: "none", classifyPersona: refuse, draftMessage: refuse };
};

export class AgentRunner {
  private readonly byId: Map<string, AgentDefinition>;

  constructor(
    readonly agents: AgentDefinition[],
    private readonly deps: RunnerDeps,
  ) {
    this.byId = new Map(agents.map((a) => [a.id, a]));
  }

  agent(agentId: string): AgentDefinition {
    const def = this.byId.get(agentId);
    if (!def) throw new NotFoundError(`no agent ${agentId} in the registry`);
    return def;
  }

  /**
   * Run one agent once. A failing handler is recorded in the summary (and logged), not thrown, so
   * one agent's bad run never stops the event loop; `rethrow` is for callers that answer a human
   * (the manual-run API maps validation and not-found errors to 400/404).
   */
  async run(
    agentId: string,
    invocation: AgentInvocation,
    /** `timeLeft`: the run's time (AgentContext.timeLeft), where it has a deadline (a Lambda function's). */
    options: { rethrow?: boolean; timeLeft?: () => number } = {},
  ): Promise<RunSummary> {
    const def = this.agent(agentId);
    const summary: RunSummary = { agentId, trigger: invocation.kind, proposals: [] };
    const ctx = this.context(def, summary, options.timeLeft);
    try {
      await def.handler(invocation, ctx);
    } catch (err) {
      if (options.rethrow) throw err;
      summary.error = (err as Error).message;
      if (err instanceof OutOfTime) {
        summary.outOfTime = true;
        if (err.resumeAt !== undefined) summary.resumeAt = err.resumeAt;
      }
      // A manual run's input it cannot act on (an unknown audience): asking again will not help.
      if (invocation.kind === "manual" && (err instanceof ValidationError || err instanceof NotFoundError))
        summary.refusedInput = true;
      if (err instanceof PermanentRunError) summary.permanent = true;
      this.deps.log?.("agent run failed", { agentId, trigger: invocation.kind, error: summary.error });
    }
    return summary;
  }

  /** Re-propose every deferred proposal of this agent whose retryAfter has come, once each. */
  /**
   * Propose again the agent's deferred proposals that are due. `timeLeft` (ms, a Lambda run's
   * remaining time less what it keeps): none is started with none left; the rest stay queued for the
   * next run (in AWS, the agent's quarter-hourly retries schedule). Before, a day's hundred retries
   * after a long run could outlast the function, which then never invoked its continuation.
   */
  async runDueRetries(agentId: string, o: { timeLeft?: () => number } = {}): Promise<RunSummary> {
    const summary: RunSummary = { agentId, trigger: "retry", proposals: [] };
    const due = await this.deps.retries.due(agentId, this.deps.clock.now());
    for (const r of due) {
      if (o.timeLeft && o.timeLeft() <= 0) {
        summary.outOfTime = true;
        break;
      }
      const attempt = r.attempt ?? 1;
      const retry: Proposal = {
        ...r.proposal,
        proposalId: retryIdFor(r.proposal.proposalId, attempt),
        // The attempt before it: a spec's replay follows the chain (replay.ts), so a later attempt
        // is replayed only when the one before it would still have been deferred.
        retryOf: attempt > 1 ? retryIdFor(r.proposal.proposalId, attempt - 1) : r.proposal.proposalId,
      };
      try {
        const out = await this.submit(agentId, retry, summary, { original: r.proposal, attempt });
        // Deferred again to the very instant it was queued for: the queue's item is the new one.
        if (out.retryAt === r.at) continue;
      } catch (err) {
        // The gate could not be reached (the harness's store, or the API for an agent out of
        // process): the retry is kept and tried again later, never dropped. Its proposal id is fixed,
        // so a first attempt that did land is answered as a replay, never decided twice.
        const kept = err instanceof DependencyError;
        this.deps.log?.(kept ? "retry failed, kept for the next run" : "retry failed", {
          agentId,
          proposalId: retry.proposalId,
          error: (err as Error).message,
        });
        if (kept) {
          // Behind the retries due meanwhile, waiting longer each time: the queue is read oldest first,
          // a page at a time, and a hundred that kept failing (a proposal the API answers 5xx for)
          // held every retry behind them for good.
          const failures = (r.failures ?? 0) + 1;
          const wait = Math.min(UNREACHED_BACKOFF_MAX_MS, UNREACHED_BACKOFF_MS * 2 ** (failures - 1));
          await this.deps.retries
            .add({ ...r, at: this.deps.clock.now() + wait, failures })
            .then(() => this.deps.retries.remove(r))
            // Left where it was: tried again at the next run (the same id, so a duplicate is a replay).
            .catch(() => {});
          continue;
        }
      }
      await this.deps.retries.remove(r);
    }
    return summary;
  }

  private context(def: AgentDefinition, summary: RunSummary, timeLeft?: () => number): AgentContext {
    return {
      agentId: def.id,
      timeLeft: timeLeft ?? (() => Number.POSITIVE_INFINITY),
      moreToDo: () => {
        summary.more = true;
      },
      clock: this.deps.clock,
      kb: this.deps.kb,
      model: def.usesModel && this.deps.model ? this.deps.model : noModel(def.id),
      ...(this.deps.enrichment ? { enrichment: this.deps.enrichment } : {}),
      ...(this.deps.web ? { web: this.deps.web } : {}),
      ...(this.deps.crm ? { crm: this.deps.crm } : {}),
      propose: async (p: AgentProposal) => {
        if (!def.actions.includes(p.action.type))
          throw new ForbiddenError(`agent ${def.id} does not declare action type ${p.action.type}`);
        const proposal: Proposal = {
          proposalId: proposalIdFor(def.id, p.key),
          agentId: def.id,
          action: p.action,
          target: p.target,
          payload: p.payload,
          reasoning: p.reasoning,
          confidence: Number(p.confidence.toFixed(3)),
          ...(p.signals ? { signals: p.signals } : {}),
        };
        return this.submit(def.id, proposal, summary);
      },
      proposed: async (key: string) =>
        this.deps.kb.proposedBefore(def.id, decisionIdFor(def.id, proposalIdFor(def.id, key))),
      log: (msg, data) => this.deps.log?.(msg, { agentId: def.id, ...data }),
    };
  }

  private async submit(
    agentId: string,
    proposal: Proposal,
    summary: RunSummary,
    /** A retry: the proposal it proposes again, and which attempt it is. */
    retried?: { original: Proposal; attempt: number },
  ): Promise<ProposeOutcome> {
    const { decision, replay } = await this.deps.gate.propose(proposal, agentPrincipal(agentId));
    summary.proposals.push({
      proposalId: proposal.proposalId,
      actionType: proposal.action.type,
      verdict: decision.verdict,
      status: decision.status,
      replay,
    });
    const outcome: ProposeOutcome = { proposalId: proposal.proposalId, decision, replay };
    // Queued on a replay too: the run that made the decision may have died (or lost the gate's
    // answer) before it queued the retry, and its trigger's redelivery proposes it again. The queue's
    // item is the proposal's and its time, so queueing it twice is one item.
    const attempt = retried?.attempt ?? 0;
    if (decision.verdict === "defer" && decision.retryAfter && attempt < MAX_RETRY_ATTEMPTS) {
      const at = Date.parse(decision.retryAfter);
      await this.deps.retries.add({
        agentId,
        at,
        proposal: retried?.original ?? proposal,
        ...(attempt > 0 ? { attempt: attempt + 1 } : {}),
      });
      outcome.retryAt = at;
    }
    if (replay) return outcome;
    await this.deps.onDecision?.(decision);
    return outcome;
  }
}
