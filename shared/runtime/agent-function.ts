/**
 * An agent's own Lambda (functions/agents/<id>.ts): the agent handler (agent-handler.ts) over that
 * agent alone, so its bundle carries its own workflow and none of the others', and the model (its
 * adapters and prompts) only where the agent calls one. functions/agents/handler.ts runs every agent of the
 * registry, for an agent without an entry of its own.
 */
import { lazy } from "../adapters/aws/powertools.ts";
import { systemClock } from "../adapters/local/clock.ts";
import type { AgentDefinition } from "../agents/definition.ts";
import { makeHandler } from "./agent-handler.ts";
import { type AgentsAwsExtras, agentsAwsRuntime } from "./agents-aws-core.ts";

/** `extras.model` for an agent that calls a model (createAwsModel): the others' bundles carry none. */
export const agentFunction = (agent: AgentDefinition, extras: AgentsAwsExtras = {}) =>
  makeHandler(lazy(() => agentsAwsRuntime({ agents: [agent] }, process.env, systemClock, extras)));
