/** The persona-classifier agent's Lambda: the agent handler over that agent alone (shared/runtime/agent-function.ts). */
import { personaClassifier } from "../../shared/agents/workflows/persona-classifier.ts";
import { agentFunction } from "../../shared/runtime/agent-function.ts";
import { createAwsModel } from "../../shared/runtime/model-aws.ts";

export const handler = agentFunction(personaClassifier, { model: createAwsModel });
