/** The list-sync agent's Lambda: the agent handler over that agent alone (shared/runtime/agent-function.ts). */
import { listSync } from "../../shared/agents/workflows/list-sync.ts";
import { agentFunction } from "../../shared/runtime/agent-function.ts";

export const handler = agentFunction(listSync);
