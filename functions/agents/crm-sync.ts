/** The crm-sync agent's Lambda: the agent handler over that agent alone (shared/runtime/agent-function.ts). */
import { crmSync } from "../../shared/agents/workflows/crm-sync.ts";
import { agentFunction } from "../../shared/runtime/agent-function.ts";

export const handler = agentFunction(crmSync);
