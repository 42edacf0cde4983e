/**
 * The agents' AWS wiring for functions/agents/handler.ts, the entry of an agent without one of its
 * own: every agent of the registry, with the model. The wiring itself is agents-aws-core.ts, so that
 * a function running one agent (functions/agents/<id>.ts, agent-function.ts) carries none of the
 * other agents' workflows.
 */
import { systemClock } from "../adapters/local/clock.ts";
import { agentRegistry } from "../agents/registry.ts";
import type { Clock } from "../ports.ts";
import { type AgentsAwsExtras, type AgentsAwsRuntime, agentsAwsRuntime } from "./agents-aws-core.ts";
import { createAwsModel } from "./model-aws.ts";

export {
  type AgentsAwsExtras,
  type AgentsAwsRuntime,
  ApiGate,
  fetchWebFetcher,
} from "./agents-aws-core.ts";

export function createAgentsAwsRuntime(
  rawEnv: Record<string, string | undefined> = process.env,
  clock: Clock = systemClock,
  extras: AgentsAwsExtras = {},
): AgentsAwsRuntime {
  return agentsAwsRuntime({ agents: agentRegistry }, rawEnv, clock, { model: createAwsModel, ...extras });
}
