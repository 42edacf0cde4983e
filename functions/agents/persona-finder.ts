/** The persona-finder agent's Lambda: the agent handler over that agent alone (shared/runtime/agent-function.ts). */
import { personaFinder } from "../../shared/agents/workflows/persona-finder.ts";
import { agentFunction } from "../../shared/runtime/agent-function.ts";

export const handler = agentFunction(personaFinder);
