/**
 * Which model the built-in agents use, from configuration: the deterministic local model (the default,
 * locally and in AWS), Bedrock Converse, or an OpenAI-compatible chat server. The key of the latter
 * comes from the environment locally (HARNESS_MODEL_KEY, never a flag: flags land in shell history and
 * process listings) and from Secrets Manager in AWS; the caller passes how to read it.
 */
import * as z from "zod";
import type { ModelClient } from "../../agents/ports.ts";
import { BedrockModel } from "./bedrock-model.ts";
import { LocalDeterministicModel } from "./local-model.ts";
import { OpenAICompatibleModel } from "./openai-compatible-model.ts";

export const MODEL_PROVIDERS = ["local", "bedrock", "openai-compatible"] as const;

export const ModelConfig = z.discriminatedUnion("provider", [
  z.object({ provider: z.literal("local") }),
  z.object({
    provider: z.literal("bedrock"),
    modelId: z.string().min(1),
    region: z.string().min(1).optional(),
    endpoint: z.url().optional(),
  }),
  z.object({
    provider: z.literal("openai-compatible"),
    baseUrl: z.url(),
    model: z.string().min(1),
  }),
]);
export type ModelConfig = z.infer<typeof ModelConfig>;

export interface ModelSecrets {
  /** The OpenAI-compatible server's key, when it needs one. */
  apiKey?: string | (() => Promise<string>);
}

export function createModel(config: ModelConfig, secrets: ModelSecrets = {}): ModelClient {
  switch (config.provider) {
    case "local":
      return new LocalDeterministicModel();
    case "bedrock":
      return new BedrockModel({
        modelId: config.modelId,
        ...(config.region ? { region: config.region } : {}),
        ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      });
    case "openai-compatible":
      return new OpenAICompatibleModel({
        baseUrl: config.baseUrl,
        model: config.model,
        ...(secrets.apiKey ? { apiKey: secrets.apiKey } : {}),
      });
  }
}

/** The environment's key for an OpenAI-compatible server (empty means none). */
export const modelKeyFromEnv = (env: Record<string, string | undefined> = process.env): string | undefined =>
  env.HARNESS_MODEL_KEY || undefined;
