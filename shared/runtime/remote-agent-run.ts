/**
 * One tick of a built-in agent out of process (remote-agent.ts): the registry's handler, unchanged,
 * with the knowledge view and the gate over the typed client, on the harness's clock. What
 * `harness agents run` calls.
 *
 * A deferred proposal is reported with its retryAfter. With a retry queue (remote-agent-retries.ts,
 * `--retries FILE`) it is also kept, and the first run at or after that time re-proposes it once before
 * its tick, as the in-process runtime does; without one it is not re-proposed (running the same trigger
 * again replays the same decision, same proposalId).
 */
import type { AgentDefinition, AgentInvocation } from "../agents/definition.ts";
import type { ModelClient, WebFetcher } from "../agents/ports.ts";
import { agentRegistry, findAgent } from "../agents/registry.ts";
import { AgentRunner, type RetryQueue, type RunSummary } from "../agents/runner.ts";
import type { HarnessClient } from "../client/client.ts";
import type { Decision } from "../domain/decision.ts";
import { ForbiddenError, ValidationError } from "../domain/errors.ts";
import type { Clock } from "../ports.ts";
import { ClientGate, domainError } from "./remote-agent.ts";
import { RemoteKnowledgeView } from "./remote-agent-kb.ts";

export interface RemoteRunOptions {
  client: HarnessClient;
  agentId: string;
  model: ModelClient;
  /** Default: a tick of the agent's schedule; an event agent needs its event's detail (`eventDetail`). */
  invocation?: AgentInvocation;
  /** The detail of the agent's trigger event, for an agent that runs on an event. */
  eventDetail?: Record<string, unknown>;
  /** The web, for an agent that reads websites (Web Research): this process reaches it itself. */
  web?: WebFetcher;
  /** Where deferred proposals wait for their retryAfter; due ones are re-proposed before the tick. */
  retries?: RetryQueue;
  /** Default: the harness's clock (harnessClock), so intent windows and list dates are the server's. */
  clock?: Clock;
  log?: (msg: string, data: Record<string, unknown>) => void;
}

export interface RemoteProposal {
  proposalId: string;
  decisionId: string;
  actionType: string;
  verdict: string;
  status: string;
  replay: boolean;
  retryAfter?: string;
}

export interface RemoteRunReport {
  agentId: string;
  trigger: AgentInvocation["kind"];
  proposals: RemoteProposal[];
  /** Deferred proposals re-proposed by this run (their retryAfter had come). */
  retried: RemoteProposal[];
}

/**
 * The harness's time, moving with this process's: GET /v1/health's `time` (the server's clock, which
 * `harness serve --clock simulated` may have moved) less half the round trip.
 */
export async function harnessClock(client: Pick<HarnessClient, "health">): Promise<Clock> {
  const sent = Date.now();
  let time: string;
  try {
    ({ time } = await client.health());
  } catch (err) {
    throw domainError(err, "GET /v1/health");
  }
  const offset = Date.parse(time) - (sent + Date.now()) / 2;
  return { now: () => Math.round(Date.now() + offset) };
}

/** The registry agent, or a ValidationError naming `agentId` and the agents there are. */
export function builtInAgent(agentId: string): AgentDefinition {
  const def = findAgent(agentId);
  if (!def)
    throw new ValidationError([
      {
        path: "agentId",
        message: `no built-in agent ${JSON.stringify(agentId)}; one of ${agentRegistry.map((a) => a.id).join(", ")}`,
      },
    ]);
  return def;
}

/**
 * What one tick is: the agent's schedule now, its event with the given detail, or a manual run with
 * the given input. A detail or an input the agent does not take is a ValidationError naming it.
 */
export function tickOf(
  def: AgentDefinition,
  at: number,
  eventDetail?: Record<string, unknown>,
  input?: unknown,
): AgentInvocation {
  const event = def.triggers.find((t) => t.kind === "event");
  const schedule = def.triggers.find((t) => t.kind === "schedule");
  const manual = def.triggers.some((t) => t.kind === "manual");
  const runsOn = event ? event.eventType : schedule ? "a schedule" : "manual runs";
  if (input !== undefined) {
    if (!manual)
      throw new ValidationError([
        { path: "input", message: `${def.id} takes no input: it runs on ${runsOn}` },
      ]);
    return { kind: "manual", input, by: `agent:${def.id}` };
  }
  if (eventDetail) {
    if (!event)
      throw new ValidationError([
        { path: "event", message: `${def.id} runs on no event: it runs on ${runsOn}` },
      ]);
    return { kind: "event", event: { type: event.eventType, detail: eventDetail } };
  }
  if (schedule) return { kind: "schedule", at, cron: schedule.cron };
  if (event)
    throw new ValidationError([
      { path: "event", message: `${def.id} runs on ${event.eventType}: give that event's detail as JSON` },
    ]);
  return { kind: "manual", input: {}, by: `agent:${def.id}` };
}

export async function runRemoteAgent(o: RemoteRunOptions): Promise<RemoteRunReport> {
  const def = builtInAgent(o.agentId);
  const clock = o.clock ?? (await harnessClock(o.client));
  const invocation = o.invocation ?? tickOf(def, clock.now(), o.eventDetail);
  const decided = new Map<string, Decision>();
  const view = new RemoteKnowledgeView(o.client, clock);
  const runner = new AgentRunner([def], {
    clock,
    gate: new ClientGate(o.client, (d) => decided.set(d.proposalId, d)),
    kb: view,
    model: o.model,
    ...(o.web ? { web: o.web } : {}),
    // Without a queue the deferral is reported (retryAfter), not re-proposed.
    retries: o.retries ?? { add: async () => {}, due: async () => [], remove: async () => {} },
    ...(o.log ? { log: o.log } : {}),
  });
  const retried = await runner.runDueRetries(def.id);
  const summary = await runner.run(def.id, invocation, { rethrow: true });
  // A handler may catch a failed read per account and carry on: a refusal still fails the run.
  if (view.refused.length > 0)
    throw new ForbiddenError(`the harness refused this agent's reads: ${view.refused.join("; ")}`);
  const withDecision = (p: RunSummary["proposals"][number]): RemoteProposal => {
    const d = decided.get(p.proposalId);
    return { ...p, decisionId: d?.decisionId ?? "", ...(d?.retryAfter ? { retryAfter: d.retryAfter } : {}) };
  };
  return {
    agentId: def.id,
    trigger: invocation.kind,
    proposals: summary.proposals.map(withDecision),
    retried: retried.proposals.map(withDecision),
  };
}
