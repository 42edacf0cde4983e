/**
 * The built-in agents' model in AWS: what the deployment config may say (HarnessConfig.model), the
 * environment the agent functions read it from (shared/runtime/model-aws.ts), and the grants it needs.
 * Bedrock, or an OpenAI-compatible server's key secret, is granted only to the agents that call their
 * model (MODEL_AGENT_IDS), so no other agent's role can invoke it or read the key.
 */
import type { Role } from "aws-cdk-lib/aws-iam";
import * as z from "zod";
import { MODEL_AGENT_IDS } from "../../shared/agents/builtin.ts";
import { SECRET_ARN, SECRET_ARN_MESSAGE } from "../../shared/runtime/secret-arn.ts";
import { grantBedrockInvoke } from "./bedrock-access.ts";
import { grantSecretRead } from "./secret-read.ts";

export const AgentModelConfig = z.discriminatedUnion("provider", [
  z.object({ provider: z.literal("bedrock"), modelId: z.string().min(1) }).strict(),
  z
    .object({
      provider: z.literal("openai-compatible"),
      /** Reachable from the functions (they run outside a VPC): a public endpoint or a gateway. */
      baseUrl: z.url({ protocol: /^https$/, error: "an https URL" }),
      model: z.string().min(1),
      /** The key's Secrets Manager secret (its string, or {"apiKey": "..."}); none for a keyless server. */
      keySecretArn: z.string().regex(SECRET_ARN, SECRET_ARN_MESSAGE).optional(),
    })
    .strict(),
]);
export type AgentModelConfig = z.infer<typeof AgentModelConfig>;

/** The function environment shared/runtime/model-aws.ts reads. */
export function agentModelEnvironment(model: AgentModelConfig): Record<string, string> {
  if (model.provider === "bedrock") return { MODEL_PROVIDER: "bedrock", BEDROCK_MODEL_ID: model.modelId };
  return {
    MODEL_PROVIDER: "openai-compatible",
    MODEL_BASE_URL: model.baseUrl,
    MODEL_NAME: model.model,
    ...(model.keySecretArn ? { MODEL_KEY_SECRET_ARN: model.keySecretArn } : {}),
  };
}

/**
 * The model grant, to the agents that call their model only (MODEL_AGENT_IDS): Bedrock, or the key's
 * secret (with the KMS keys it may be encrypted with, HarnessConfig.secretsKmsKeyArns).
 */
export function grantAgentModel(
  role: Role,
  agentId: string,
  model: AgentModelConfig,
  secretsKmsKeyArns: string[],
): void {
  if (!MODEL_AGENT_IDS.includes(agentId)) return;
  if (model.provider === "bedrock") {
    grantBedrockInvoke(role, model.modelId);
    return;
  }
  if (model.keySecretArn) grantSecretRead(role, [model.keySecretArn], secretsKmsKeyArns);
}
