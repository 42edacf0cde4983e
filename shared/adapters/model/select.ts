/**
 * Which model the built-in agents use, from configuration: the deterministic local model (the default,
 * locally and in AWS), Bedrock Converse, or an OpenAI-compatible chat server. The key of the latter
 * comes from the environment locally (HARNESS_MODEL_KEY, never a flag: flags land in shell history and
 * process listings) and from Secrets Manager in AWS; the caller passes how to read it.
 */

import type { ModelClient } from "../../agents/ports.ts";
import * as z from "../../domain/zod-mini.ts";
import { BedrockModel } from "./bedrock-model.ts";
import { LocalDeterministicModel } from "./local-model.ts";
import { OpenAICompatibleModel } from "./openai-compatible-model.ts";

export const MODEL_PROVIDERS = ["local", "bedrock", "openai-compatible"] as const;

export const ModelConfig = z.discriminatedUnion("provider", [
  z.object({ provider: z.literal("local") }),
  z.object({
    provider: z.literal("bedrock"),
    modelId: z.string().check(z.minLength(1)),
    region: z.optional(z.string().check(z.minLength(1))),
    endpoint: z.optional(z.url()),
  }),
  z.object({
    provider: z.literal("openai-compatible"),
    baseUrl: z.url(),
    model: z.string().check(z.minLength(1)),
  }),
]);
export type ModelConfig = z.infer<typeof ModelConfig>;

export interface ModelSecrets {
  /** The OpenAI-compatible server's key, when it needs one. */
  apiKey?: string | (() => Promise<string>);
}

/**
 * How long one question to an OpenAI-compatible server may take, where runs have a deadline (an agent
 * function's: ACCOUNT_BUDGET_MS counts two drafts). Unset: the adapter's defaults (60 s a request, 4
 * attempts), for local servers that may answer slowly and runs that have no deadline.
 */
export interface ModelCallBounds {
  timeoutMs: number;
  maxAttempts: number;
  maxRetryDelayMs: number;
}

export function createModel(
  config: ModelConfig,
  secrets: ModelSecrets = {},
  bounds?: ModelCallBounds,
): ModelClient {
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
        ...(bounds ?? {}),
      });
  }
}

/** The environment's key for an OpenAI-compatible server (empty means none). */
export const modelKeyFromEnv = (env: Record<string, string | undefined> = process.env): string | undefined =>
  env.HARNESS_MODEL_KEY || undefined;

/** `harness start`'s model flags, checked: a missing or bad one is named in the error. */
export const ModelFlags = z
  .object({
    model: z._default(z.enum(MODEL_PROVIDERS), "local"),
    modelUrl: z.optional(z.url()),
    modelName: z.optional(z.string().check(z.minLength(1))),
  })
  .check(
    z.superRefine((f, ctx) => {
      if (f.model === "openai-compatible" && !f.modelUrl)
        ctx.addIssue({
          code: "custom",
          path: ["modelUrl"],
          message: "--model-url is required with --model openai-compatible",
        });
      if (f.model !== "local" && !f.modelName)
        ctx.addIssue({
          code: "custom",
          path: ["modelName"],
          message: `--model-name is required with --model ${f.model}`,
        });
    }),
  );

/** A model configuration that does not hold together (the message names the flag or field). */
export class ModelConfigError extends Error {
  override readonly name = "ModelConfigError";
}

export function modelConfigFromFlags(flags: z.input<typeof ModelFlags>): ModelConfig {
  const f = ModelFlags.safeParse(flags);
  if (!f.success)
    throw new ModelConfigError(f.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  const { model, modelUrl, modelName } = f.data;
  if (model === "openai-compatible")
    return { provider: model, baseUrl: modelUrl as string, model: modelName as string };
  if (model === "bedrock") return { provider: model, modelId: modelName as string };
  return { provider: "local" };
}
