/**
 * Memory by meaning in AWS (issue 12, item 4): what the deployment config may say
 * (HarnessConfig.embeddings), the environment shared/runtime/aws-embeddings.ts reads, and the grants.
 * Only the functions that embed (the knowledge API function, which adds to and searches memory, and
 * /mcp, whose search_memory and get_context search it) get the environment and the grants: Bedrock's
 * InvokeModel on exactly the configured model (through its inference profile when the id names one),
 * or the read of the key's secret. Absent,
 * keyword search, and no function is granted either.
 */
import type { Role } from "aws-cdk-lib/aws-iam";
import * as z from "zod";
import { TITAN_V2 } from "../../shared/adapters/embeddings/bedrock-titan.ts";
import { SECRET_ARN, SECRET_ARN_MESSAGE } from "../../shared/runtime/secret-arn.ts";
import { grantBedrockInvoke, PROFILE_GEOGRAPHIES } from "./bedrock-access.ts";
import { grantSecretRead } from "./secret-read.ts";

export const MemoryEmbeddingsConfig = z.discriminatedUnion("provider", [
  z
    .object({
      provider: z.literal("bedrock"),
      /**
       * Titan Text Embeddings v2 (the adapter sends v2's request, titan-calls.ts; v1 takes no dimensions), by its
       * foundation model id (invoked in the stack's region) or an inference profile id (`us.…`).
       */
      modelId: z
        .string()
        .regex(
          new RegExp(`^((${PROFILE_GEOGRAPHIES})\\.)?amazon\\.titan-embed-text-v2(:\\d+)?$`),
          "a Titan Text Embeddings v2 model id (amazon.titan-embed-text-v2:0; the harness sends v2's request: dimensions, normalize)",
        )
        .default(TITAN_V2),
      dimensions: z.union([z.literal(256), z.literal(512), z.literal(1024)]).default(1024),
    })
    .strict(),
  z
    .object({
      provider: z.literal("openai-compatible"),
      /** Reachable from the functions (they run outside a VPC); https only: the key goes over it. */
      baseUrl: z.url({ protocol: /^https$/, error: "an https URL" }),
      model: z.string().min(1),
      dimensions: z.number().int().min(8).max(8192).optional(),
      /** The key's Secrets Manager secret (its string, or {"apiKey": "..."}); none for a keyless server. */
      keySecretArn: z.string().regex(SECRET_ARN, SECRET_ARN_MESSAGE).optional(),
    })
    .strict(),
]);
export type MemoryEmbeddingsConfig = z.infer<typeof MemoryEmbeddingsConfig>;

/** The function environment shared/runtime/aws-embeddings.ts reads. */
export function memoryEmbeddingsEnvironment(c: MemoryEmbeddingsConfig): Record<string, string> {
  if (c.provider === "bedrock")
    return {
      EMBEDDINGS_PROVIDER: "bedrock",
      EMBEDDINGS_MODEL: c.modelId,
      EMBEDDINGS_DIMENSIONS: String(c.dimensions),
    };
  return {
    EMBEDDINGS_PROVIDER: "openai-compatible",
    EMBEDDINGS_BASE_URL: c.baseUrl,
    EMBEDDINGS_MODEL: c.model,
    ...(c.dimensions ? { EMBEDDINGS_DIMENSIONS: String(c.dimensions) } : {}),
    ...(c.keySecretArn ? { EMBEDDINGS_KEY_SECRET_ARN: c.keySecretArn } : {}),
  };
}

/**
 * The environment and the one grant a function that embeds needs (the key's secret with the KMS keys
 * it may be encrypted with, HarnessConfig.secretsKmsKeyArns).
 */
export function enableMemoryEmbeddings(
  fn: { addEnvironment(key: string, value: string): unknown },
  role: Role,
  c: MemoryEmbeddingsConfig,
  secretsKmsKeyArns: string[],
): void {
  for (const [k, v] of Object.entries(memoryEmbeddingsEnvironment(c))) fn.addEnvironment(k, v);
  if (c.provider === "bedrock") {
    // The model, or through its inference profile when the id names one (as the agents' model is
    // granted); InvokeModel only: embeddings are one answer per call, never streamed. The foundation
    // model alone was granted, so a profile id the config accepted failed every embedding with AccessDenied.
    grantBedrockInvoke(role, c.modelId, ["bedrock:InvokeModel"]);
    return;
  }
  if (c.keySecretArn) grantSecretRead(role, [c.keySecretArn], secretsKmsKeyArns);
}
