/**
 * Memory by meaning in AWS: the embeddings model of the functions that add to and search memory, from
 * their environment (set by infra/constructs/memory-embeddings.ts from the deployment config's
 * `embeddings`). Unset: keyword search, and nothing below is ever loaded.
 *
 * The AWS SDK clients (Bedrock runtime, Secrets Manager) are loaded by a dynamic import on the first
 * embed: a keyword-only deployment, and every request that embeds nothing, never evaluates them at
 * cold start. Only SDK modules are imported dynamically (aws-titan.ts says why). The OpenAI-compatible key is read from its secret on that first call too; a
 * failed read is retried on the next call instead of poisoning the warm container (the memory store
 * then falls back to keyword search for those texts, as it does for any embeddings failure).
 */
import { awsClientConfig } from "../adapters/aws/client-config.ts";
import { OpenAICompatibleEmbeddings } from "../adapters/embeddings/openai-compatible.ts";
import * as z from "../domain/zod-mini.ts";
import type { Embeddings } from "../kb/ports.ts";
import { ConfigError } from "./aws-env.ts";
import { lazyTitan } from "./aws-titan.ts";
import { apiKeyFromSecretString } from "./secret-api-key.ts";
import { SECRET_ARN, SECRET_ARN_MESSAGE } from "./secret-arn.ts";

export const EmbeddingsEnv = z.discriminatedUnion("EMBEDDINGS_PROVIDER", [
  z.object({
    EMBEDDINGS_PROVIDER: z.literal("bedrock"),
    EMBEDDINGS_MODEL: z.string().check(z.minLength(1)),
    EMBEDDINGS_DIMENSIONS: z.pipe(
      z.coerce.number(),
      z.union([z.literal(256), z.literal(512), z.literal(1024)]),
    ),
    AWS_REGION: z.optional(z.string().check(z.minLength(1))),
  }),
  z.object({
    EMBEDDINGS_PROVIDER: z.literal("openai-compatible"),
    EMBEDDINGS_BASE_URL: z.url(),
    EMBEDDINGS_MODEL: z.string().check(z.minLength(1)),
    EMBEDDINGS_DIMENSIONS: z.optional(z.coerce.number().check(z.int(), z.gte(8), z.lte(8192))),
    EMBEDDINGS_KEY_SECRET_ARN: z.optional(z.string().check(z.regex(SECRET_ARN, SECRET_ARN_MESSAGE))),
    AWS_REGION: z.optional(z.string().check(z.minLength(1))),
  }),
]);
export type EmbeddingsEnv = z.infer<typeof EmbeddingsEnv>;

/**
 * A request's time and attempts in a function that answers API Gateway within 29 s: the client's own
 * defaults (30 s a request, 3 attempts) outlived the function, so a hung embeddings server made every
 * context packet, memory search and memory write a 500 instead of falling back to keyword search
 * (memory-store.ts). A request, two attempts and their backoff now take at most about 9 s.
 */
export const LAMBDA_EMBEDDINGS_BUDGET = { timeoutMs: 4_000, retry: { maxAttempts: 2, maxDelayMs: 1_000 } };

/** The function's embeddings model, or undefined (keyword search) when EMBEDDINGS_PROVIDER is unset. */
export function awsEmbeddings(raw: Record<string, string | undefined> = process.env): Embeddings | undefined {
  const set = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ""));
  if (!set.EMBEDDINGS_PROVIDER) return undefined;
  const parsed = EmbeddingsEnv.safeParse(set);
  if (!parsed.success)
    throw new ConfigError(
      `invalid embeddings environment: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  const env = parsed.data;
  if (env.EMBEDDINGS_PROVIDER === "bedrock")
    return lazyTitan({
      modelId: env.EMBEDDINGS_MODEL,
      dimensions: env.EMBEDDINGS_DIMENSIONS,
      ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
    });
  return lazyEmbeddings(
    `openai-compatible:${env.EMBEDDINGS_MODEL}${env.EMBEDDINGS_DIMENSIONS ? `@${env.EMBEDDINGS_DIMENSIONS}` : ""}`,
    async () => {
      const apiKey = env.EMBEDDINGS_KEY_SECRET_ARN
        ? await readKey(env.EMBEDDINGS_KEY_SECRET_ARN, env.AWS_REGION)
        : undefined;
      return new OpenAICompatibleEmbeddings({
        baseUrl: env.EMBEDDINGS_BASE_URL,
        model: env.EMBEDDINGS_MODEL,
        ...(env.EMBEDDINGS_DIMENSIONS ? { dimensions: env.EMBEDDINGS_DIMENSIONS } : {}),
        ...(apiKey ? { apiKey } : {}),
        ...LAMBDA_EMBEDDINGS_BUDGET,
      });
    },
  );
}

/**
 * An Embeddings whose adapter is built on first use. The model id is known up front (stored vectors
 * are tagged with it) and must equal the adapter's own: test/handlers/memory-embeddings.test.ts holds
 * the two formats together.
 */
export function lazyEmbeddings(modelId: string, build: () => Promise<Embeddings>): Embeddings {
  let adapter: Promise<Embeddings> | undefined;
  return {
    modelId,
    embed: async (texts) => {
      adapter ??= build().catch((err: unknown) => {
        adapter = undefined;
        throw err;
      });
      return (await adapter).embed(texts);
    },
  };
}

/** The secret's string: the key as is, or `{"apiKey": "..."}` for a JSON secret (as the model's key). */
async function readKey(arn: string, region: string | undefined): Promise<string> {
  const { GetSecretValueCommand, SecretsManagerClient } = await import("@aws-sdk/client-secrets-manager");
  const res = await new SecretsManagerClient(awsClientConfig(region)).send(
    new GetSecretValueCommand({ SecretId: arn }),
  );
  return apiKeyFromSecretString(res.SecretString, "the embeddings key secret");
}
