/** The lead-list-builder agent's Lambda: the agent handler over that agent alone (shared/runtime/agent-function.ts). */
import { leadListBuilder } from "../../shared/agents/workflows/lead-list-builder.ts";
import { agentFunction } from "../../shared/runtime/agent-function.ts";

export const handler = agentFunction(leadListBuilder);
