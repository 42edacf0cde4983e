/** The web-research agent's Lambda: the agent handler over that agent alone (shared/runtime/agent-function.ts). */
import { webResearch } from "../../shared/agents/workflows/web-research.ts";
import { agentFunction } from "../../shared/runtime/agent-function.ts";

export const handler = agentFunction(webResearch);
