/** The outreach-writer agent's Lambda: the agent handler over that agent alone (shared/runtime/agent-function.ts). */
import { outreachWriter } from "../../shared/agents/workflows/outreach-writer.ts";
import { agentFunction } from "../../shared/runtime/agent-function.ts";
import { createAwsModel } from "../../shared/runtime/model-aws.ts";

export const handler = agentFunction(outreachWriter, { model: createAwsModel });
