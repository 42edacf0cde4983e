/** The buying-committee-builder agent's Lambda: the agent handler over that agent alone (shared/runtime/agent-function.ts). */
import { buyingCommitteeBuilder } from "../../shared/agents/workflows/buying-committee-builder.ts";
import { agentFunction } from "../../shared/runtime/agent-function.ts";

export const handler = agentFunction(buyingCommitteeBuilder);
