/**
 * The agents' model in AWS, from the function's environment (set by infra/constructs/agent-functions.ts
 * from the deployment config's `model`): Bedrock Converse, an OpenAI-compatible server whose key is a
 * Secrets Manager secret, or the deterministic local model when neither is configured.
 *
 * The key is read on the first model call, not at cold start: agents that never draft or classify
 * never read it (and their roles are not granted it: MODEL_AGENT_IDS, agents/builtin.ts), and a
 * failed read is retried on the next call rather than poisoning the warm function.
 */

import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { awsClientConfig } from "../adapters/aws/client-config.ts";
import { createModel, type ModelCallBounds, type ModelConfig } from "../adapters/model/select.ts";
import type { ModelClient } from "../agents/ports.ts";
import * as z from "../domain/zod-mini.ts";
import { ConfigError } from "./aws-env.ts";
import { apiKeyFromSecretString } from "./secret-api-key.ts";
import { SECRET_ARN, SECRET_ARN_MESSAGE } from "./secret-arn.ts";

export const ModelEnv = z.object({
  MODEL_PROVIDER: z.optional(z.enum(["bedrock", "openai-compatible", "local"])),
  BEDROCK_MODEL_ID: z.optional(z.string().check(z.minLength(1))),
  MODEL_BASE_URL: z.optional(z.url()),
  MODEL_NAME: z.optional(z.string().check(z.minLength(1))),
  MODEL_KEY_SECRET_ARN: z.optional(z.string().check(z.regex(SECRET_ARN, SECRET_ARN_MESSAGE))),
  AWS_REGION: z.optional(z.string().check(z.minLength(1))),
});

export function modelConfigFromEnv(raw: Record<string, string | undefined>): ModelConfig {
  const parsed = ModelEnv.safeParse(
    Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== "")),
  );
  if (!parsed.success)
    throw new ConfigError(
      `invalid model environment: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  const env = parsed.data;
  // Before the provider existed, a model id alone meant Bedrock: deployments keep working as they were.
  const provider = env.MODEL_PROVIDER ?? (env.BEDROCK_MODEL_ID ? "bedrock" : "local");
  if (provider === "bedrock") {
    if (!env.BEDROCK_MODEL_ID)
      throw new ConfigError("BEDROCK_MODEL_ID is required with MODEL_PROVIDER bedrock");
    return { provider, modelId: env.BEDROCK_MODEL_ID, ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}) };
  }
  if (provider === "openai-compatible") {
    if (!env.MODEL_BASE_URL || !env.MODEL_NAME)
      throw new ConfigError(
        "MODEL_BASE_URL and MODEL_NAME are required with MODEL_PROVIDER openai-compatible",
      );
    return { provider, baseUrl: env.MODEL_BASE_URL, model: env.MODEL_NAME };
  }
  return { provider: "local" };
}

/** A secret's string (the key as is, or `{"apiKey": "..."}` for a JSON secret). */
export function secretKeyReader(client: Pick<SecretsManagerClient, "send">, arn: string) {
  return async (): Promise<string> => {
    const res = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    return apiKeyFromSecretString(res.SecretString, "the model key secret");
  };
}

/**
 * An agent function's questions to an OpenAI-compatible server: at most ~17 s each (two attempts of
 * 8 s and a short wait), as Bedrock's are bounded at 20 s, so two drafts fit the outreach writer's
 * 45 s per account before its run's deadline.
 */
export const AGENT_CALL_BOUNDS: ModelCallBounds = {
  timeoutMs: 8_000,
  maxAttempts: 2,
  maxRetryDelayMs: 1_000,
};

export function createAwsModel(
  raw: Record<string, string | undefined>,
  secrets?: Pick<SecretsManagerClient, "send">,
): ModelClient {
  const config = modelConfigFromEnv(raw);
  const arn = raw.MODEL_KEY_SECRET_ARN;
  if (config.provider !== "openai-compatible" || !arn) return createModel(config, {}, AGENT_CALL_BOUNDS);
  const client = secrets ?? new SecretsManagerClient(awsClientConfig(raw.AWS_REGION));
  return createModel(config, { apiKey: secretKeyReader(client, arn) }, AGENT_CALL_BOUNDS);
}
