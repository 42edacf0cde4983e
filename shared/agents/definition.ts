/**
 * The contract between agents, the local runtime and the CDK app: one registry of agent definitions
 * feeds both. The CDK app reads `id`, `description` and `triggers` (and deploys one Lambda per entry,
 * env AGENT_ID, on the agent's own entry functions/agents/<id>.ts, else functions/agents/handler.ts);
 * the runtimes also call `handler`.
 * This module and the workflow modules import no AWS SDK, so CDK code can import the registry.
 */
import type { AgentContext } from "./context.ts";

export type AgentTrigger =
  /** EventBridge Scheduler / local scheduler: a cron expression in the workspace time zone. */
  | { kind: "schedule"; cron: string; description?: string }
  /** A domain event on the shared bus (e.g. "decision.transitioned", "account.high_intent"). */
  | { kind: "event"; eventType: string }
  /** Run on demand through the API. */
  | { kind: "manual" };

export interface AgentMeta {
  id: string;
  description: string;
  triggers: AgentTrigger[];
  /**
   * Whether a run that stops at its deadline having made progress (`OutOfTime`), or done with more to
   * do (`moreToDo`), is continued by a new invocation of its function (in AWS; it needs leave to
   * invoke itself: agent-functions.ts).
   */
  continues?: true;
}

/** Why an agent runs: the schedule fired, an event arrived, or someone asked. */
export type AgentInvocation =
  /**
   * `continuedFrom`: the time the schedule fired, where the invocation says it (in AWS,
   * agent-handler.ts: the scheduler's time of a firing, or the one a continuation carries): a late
   * delivery or a continuation works that firing's day (the Outreach Writer's list).
   * `resumeAt`: where the stopped run got to (OutOfTime's `resumeAt`), for the continuation to start.
   */
  | { kind: "schedule"; at: number; cron: string; continuedFrom?: number; resumeAt?: string }
  | { kind: "event"; event: { type: string; detail: Record<string, unknown> } }
  /**
   * `runId`: the manual run's id the API answered with (in AWS; it rides the invocation).
   * `continuedFrom`, `resumeAt`: as a schedule's, when a manual run goes on in a continuation.
   */
  | {
      kind: "manual";
      input: unknown;
      by: string;
      runId?: string;
      continuedFrom?: number;
      resumeAt?: string;
    };

export type AgentHandler = (invocation: AgentInvocation, ctx: AgentContext) => Promise<void>;

export interface AgentDefinition extends AgentMeta {
  /** Action types the agent may propose; the runtime refuses anything else. */
  actions: string[];
  /**
   * Whether it calls its model (`ctx.model`); the others get one that refuses (runner.ts). The
   * deployment grants the model to the built-in agents that do (MODEL_AGENT_IDS, agents/builtin.ts).
   */
  usesModel?: true;
  handler: AgentHandler;
}

/** Define an agent: `trigger` is a schedule, an event type or manual (or several). */
export function defineAgent(def: {
  id: string;
  description: string;
  trigger: AgentTrigger | AgentTrigger[];
  actions: string[];
  usesModel?: true;
  continues?: true;
  handler: AgentHandler;
}): AgentDefinition {
  return {
    id: def.id,
    description: def.description,
    triggers: Array.isArray(def.trigger) ? def.trigger : [def.trigger],
    actions: def.actions,
    ...(def.usesModel ? { usesModel: true as const } : {}),
    ...(def.continues ? { continues: true as const } : {}),
    handler: def.handler,
  };
}
