/** The linkedin-audience-manager agent's Lambda: the agent handler over that agent alone (shared/runtime/agent-function.ts). */
import { linkedinAudienceManager } from "../../shared/agents/workflows/linkedin-audience-manager.ts";
import { agentFunction } from "../../shared/runtime/agent-function.ts";

export const handler = agentFunction(linkedinAudienceManager);
