/**
 * Which embeddings model memory uses, from configuration: none (keyword search, the default), Titan
 * Text Embeddings v2 on Bedrock, or an OpenAI-compatible server. The latter's key comes from the
 * environment (HARNESS_EMBEDDINGS_KEY), never a flag: flags land in shell history and process lists.
 */
import * as z from "zod";
import type { Embeddings } from "../../kb/ports.ts";
import { TITAN_V2, TitanEmbeddings } from "./bedrock-titan.ts";
import { OpenAICompatibleEmbeddings } from "./openai-compatible.ts";

export const EMBEDDINGS_PROVIDERS = ["none", "bedrock", "openai-compatible"] as const;

export const EmbeddingsConfig = z.discriminatedUnion("provider", [
  z.object({ provider: z.literal("none") }),
  z.object({
    provider: z.literal("bedrock"),
    modelId: z.string().min(1).default(TITAN_V2),
    dimensions: z.union([z.literal(256), z.literal(512), z.literal(1024)]).default(1024),
    region: z.string().min(1).optional(),
    endpoint: z.url().optional(),
  }),
  z.object({
    provider: z.literal("openai-compatible"),
    baseUrl: z.url(),
    model: z.string().min(1),
    dimensions: z.number().int().min(8).max(8192).optional(),
  }),
]);
export type EmbeddingsConfig = z.input<typeof EmbeddingsConfig>;

export function createEmbeddings(config: EmbeddingsConfig, apiKey?: string): Embeddings | undefined {
  const c = EmbeddingsConfig.parse(config);
  switch (c.provider) {
    case "none":
      return undefined;
    case "bedrock":
      return new TitanEmbeddings({
        modelId: c.modelId,
        dimensions: c.dimensions,
        ...(c.region ? { region: c.region } : {}),
        ...(c.endpoint ? { endpoint: c.endpoint } : {}),
      });
    case "openai-compatible":
      return new OpenAICompatibleEmbeddings({
        baseUrl: c.baseUrl,
        model: c.model,
        ...(c.dimensions ? { dimensions: c.dimensions } : {}),
        ...(apiKey ? { apiKey } : {}),
      });
  }
}

/** The environment's key for an OpenAI-compatible embeddings server (empty means none). */
export const embeddingsKeyFromEnv = (env: Record<string, string | undefined> = process.env) =>
  env.HARNESS_EMBEDDINGS_KEY || undefined;

/** A configuration the flags do not make: names the flag (`--embeddings-url: ...`). */
export class EmbeddingsConfigError extends Error {
  override readonly name = "EmbeddingsConfigError";
}

export interface EmbeddingsFlags {
  embeddings?: string;
  embeddingsUrl?: string;
  embeddingsModel?: string;
  embeddingsDimensions?: string;
}

const FLAG: Record<string, string> = {
  provider: "--embeddings",
  baseUrl: "--embeddings-url",
  model: "--embeddings-model",
  modelId: "--embeddings-model",
  dimensions: "--embeddings-dimensions",
};

/**
 * `harness serve --embeddings openai-compatible --embeddings-url URL --embeddings-model NAME`
 * (`--embeddings-dimensions N` optional), or `--embeddings bedrock` (Titan v2; `--embeddings-model` and
 * `--embeddings-dimensions` 256|512|1024 optional). Checked before anything starts.
 */
export function embeddingsConfigFromFlags(f: EmbeddingsFlags): EmbeddingsConfig {
  const dims = f.embeddingsDimensions !== undefined ? { dimensions: Number(f.embeddingsDimensions) } : {};
  const provider = f.embeddings ?? "none";
  const raw =
    provider === "openai-compatible"
      ? { provider, baseUrl: f.embeddingsUrl, model: f.embeddingsModel, ...dims }
      : provider === "bedrock"
        ? { provider, ...(f.embeddingsModel ? { modelId: f.embeddingsModel } : {}), ...dims }
        : { provider };
  const parsed = EmbeddingsConfig.safeParse(raw);
  if (!parsed.success)
    throw new EmbeddingsConfigError(
      parsed.error.issues
        .map((i) => `${FLAG[String(i.path[0])] ?? i.path.join(".")}: ${i.message}`)
        .join("; "),
    );
  return raw as EmbeddingsConfig;
}
