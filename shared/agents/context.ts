/** What a handler gets: the knowledge base, a model, tools, propose() and the clock. Nothing else. */
import type { Decision } from "../domain/decision.ts";
import type { Account } from "../domain/kb.ts";
import { parseWith } from "../domain/validation.ts";
import type { Channel } from "../domain/vocabulary.ts";
import type { KnowledgeView } from "../kb/view.ts";
import type { Clock } from "../ports.ts";
import type { CrmImporter } from "../usecases/crm-import.ts";
import { AccountEvent } from "./events.ts";
import type { EnrichmentSource, ModelClient, WebFetcher } from "./ports.ts";

export interface AgentProposal {
  /**
   * Stable key of this proposal within the agent (e.g. "email:acme:jane:2026-03-10"): the runtime
   * derives the proposalId from it, so a re-run of the same trigger replays instead of duplicating.
   */
  key: string;
  action: { type: string; channel?: Channel };
  target: { accountId: string; personId?: string };
  payload: Record<string, unknown>;
  reasoning: string;
  confidence: number;
  signals?: string[];
}

export interface ProposeOutcome {
  proposalId: string;
  decision: Decision;
  replay: boolean;
  /** When the runtime will re-propose a deferred proposal (once). */
  retryAt?: number;
}

export interface AgentContext {
  agentId: string;
  clock: Clock;
  kb: KnowledgeView;
  model: ModelClient;
  enrichment?: EnrichmentSource;
  web?: WebFetcher;
  /**
   * The CRM import, where a CRM is configured (only crm-import uses it; in AWS only its function
   * holds the CRM's secret). It writes the KB directly: importing the system of record is not an
   * action on the world (shared/usecases/crm-import.ts).
   */
  crm?: CrmImporter;
  propose(p: AgentProposal): Promise<ProposeOutcome>;
  /**
   * Whether this agent already proposed under `key` (whatever the verdict): a run that repeats one
   * (a retried invocation, a second run the same day) skips what it would only hear replayed, and the
   * model call that drafting it costs.
   */
  proposed(key: string): Promise<boolean>;
  log(msg: string, data?: Record<string, unknown>): void;
  /**
   * Milliseconds before this run must have stopped (wall time: a Lambda function's remaining time,
   * less what its due retries need); Infinity where runs have no deadline (locally). An agent that
   * works through a long list stops before it and throws `OutOfTime`.
   */
  timeLeft(): number;
  /**
   * The run stopped with work left that it made headway on, without proposing (a CRM backfill read
   * one capped run at a time): where runs go on in a new invocation (a Lambda function's
   * continuation), this one does, instead of waiting for the next schedule.
   */
  moreToDo(): void;
}

/**
 * A run stopped at its deadline with work left. In AWS the invocation then fails after the due
 * retries ran, and Lambda's retry of it continues: what was proposed is a touch the next attempt
 * skips, and a proposal key replays at the gate.
 */
export class OutOfTime extends Error {
  override readonly name = "OutOfTime";
  constructor(
    message: string,
    /**
     * The first item this run did not reach (an id of the agent's own, e.g. an account): a
     * continuation starts there and comes back to the earlier ones last, so an item that keeps failing
     * is not retried at the head of every continuation, before the work not yet tried.
     */
    readonly resumeAt?: string,
  ) {
    super(message);
  }
}

/**
 * The account an account-scoped agent event names (detail validated at this edge), or undefined,
 * logged, when the knowledge base does not hold it yet.
 */
export async function accountOfEvent(
  detail: unknown,
  ctx: Pick<AgentContext, "kb" | "log">,
): Promise<{ accountId: string; account?: Account }> {
  const { accountId } = parseWith(AccountEvent, detail, "detail");
  const account = await ctx.kb.account(accountId);
  if (!account) ctx.log("account not in the knowledge base", { accountId });
  return account ? { accountId, account } : { accountId };
}
