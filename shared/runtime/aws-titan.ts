/**
 * Titan Text Embeddings v2 for the Lambda functions, the Bedrock runtime client loaded on the first
 * embed. Not adapters/embeddings/bedrock-titan.ts behind a dynamic import: esbuild then turns every
 * module that adapter reaches, zod included, into a lazily initialised one, and the MCP SDK's
 * module-level zod schemas in the /mcp bundle fail at load ("is not a constructor"). Only the SDK is
 * imported dynamically here (it shares no module with the rest); the calls themselves are the
 * adapter's (adapters/embeddings/titan-calls.ts).
 */

import type { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { awsClientConfig } from "../adapters/aws/client-config.ts";
import { titanEmbeddings } from "../adapters/embeddings/titan-calls.ts";
import type { Embeddings } from "../kb/ports.ts";

/** Calls in flight at once for one batch of texts, as the adapter. */
const CONCURRENCY = 4;

export function lazyTitan(options: { modelId: string; dimensions: number; region?: string }): Embeddings {
  let sdk:
    | Promise<{
        client: BedrockRuntimeClient;
        Command: typeof import("@aws-sdk/client-bedrock-runtime").InvokeModelCommand;
      }>
    | undefined;
  const load = () =>
    (sdk ??= import("@aws-sdk/client-bedrock-runtime").then((m) => ({
      client: new m.BedrockRuntimeClient({
        ...awsClientConfig(options.region),
        // Bounded as the OpenAI-compatible client's (aws-embeddings.ts LAMBDA_EMBEDDINGS_BUDGET): without
        // a request timeout a stalled call outlived the function instead of falling back to keywords.
        maxAttempts: 2,
        requestHandler: { connectionTimeout: 2_000, requestTimeout: 4_000, throwOnRequestTimeout: true },
      }),
      Command: m.InvokeModelCommand,
    })));
  return titanEmbeddings({
    model: options.modelId,
    dimensions: options.dimensions,
    concurrency: CONCURRENCY,
    invoke: async (request) => {
      const { client, Command } = await load();
      return (await client.send(new Command(request))).body;
    },
  });
}
