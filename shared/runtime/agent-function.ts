/**
 * An agent's own Lambda (functions/agents/<id>.ts): the agent handler (agent-handler.ts) over that
 * agent alone, so its bundle carries its own workflow and none of the others' (nor, for the agents
 * that call no model, the others' prompts). functions/agents/handler.ts runs every agent of the
 * registry, for an agent without an entry of its own.
 */
import { lazy } from "../adapters/aws/powertools.ts";
import type { AgentDefinition } from "../agents/definition.ts";
import { makeHandler } from "./agent-handler.ts";
import { agentsAwsRuntime } from "./agents-aws-core.ts";

export const agentFunction = (agent: AgentDefinition) =>
  makeHandler(lazy(() => agentsAwsRuntime({ agents: [agent] })));
