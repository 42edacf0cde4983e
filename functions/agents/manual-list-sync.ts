/** The manual-list-sync agent's Lambda: the agent handler over that agent alone (shared/runtime/agent-function.ts). */
import { manualListSync } from "../../shared/agents/workflows/manual-list-sync.ts";
import { agentFunction } from "../../shared/runtime/agent-function.ts";

export const handler = agentFunction(manualListSync);
