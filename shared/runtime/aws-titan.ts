/**
 * Titan Text Embeddings v2 for the Lambda functions, the Bedrock runtime client loaded on the first
 * embed. Not adapters/embeddings/bedrock-titan.ts behind a dynamic import: esbuild then turns every
 * module that adapter reaches, zod included, into a lazily initialised one, and the MCP SDK's
 * module-level zod schemas in the /mcp bundle fail at load ("is not a constructor"). Only the SDK is
 * imported dynamically here (it shares no module with the rest); the request and answer are the
 * adapter's (one text per call, normalised, the configured dimensions; test/handlers/context-aws.test.ts
 * compares the two against the fake Titan server).
 */
import type { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import * as z from "zod";
import { EmbeddingsError } from "../adapters/embeddings/http-retry.ts";
import type { Embeddings } from "../kb/ports.ts";

const Answer = z.object({ embedding: z.array(z.number()).min(1) });

/** Calls in flight at once for one batch of texts, as the adapter. */
const CONCURRENCY = 4;

export function lazyTitan(options: { modelId: string; dimensions: number; region?: string }): Embeddings {
  const modelId = `bedrock:${options.modelId}@${options.dimensions}`;
  let sdk:
    | Promise<{
        client: BedrockRuntimeClient;
        Command: typeof import("@aws-sdk/client-bedrock-runtime").InvokeModelCommand;
      }>
    | undefined;
  const load = () =>
    (sdk ??= import("@aws-sdk/client-bedrock-runtime").then((m) => ({
      client: new m.BedrockRuntimeClient({
        ...(options.region ? { region: options.region } : {}),
        maxAttempts: 3,
      }),
      Command: m.InvokeModelCommand,
    })));
  const one = async (inputText: string): Promise<number[]> => {
    const { client, Command } = await load();
    let body: Uint8Array;
    try {
      const res = await client.send(
        new Command({
          modelId: options.modelId,
          contentType: "application/json",
          accept: "application/json",
          body: JSON.stringify({ inputText, dimensions: options.dimensions, normalize: true }),
        }),
      );
      body = res.body;
    } catch (err) {
      throw new EmbeddingsError(`${modelId}: ${(err as Error).name}`, false, { cause: err });
    }
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(body));
    } catch {
      json = undefined;
    }
    const parsed = Answer.safeParse(json);
    if (!parsed.success || parsed.data.embedding.length !== options.dimensions)
      throw new EmbeddingsError(`${modelId}: the answer is not a ${options.dimensions}-dimension embedding`);
    return parsed.data.embedding;
  };
  return {
    modelId,
    embed: async (texts) => {
      const out: number[][] = new Array(texts.length);
      let next = 0;
      const worker = async () => {
        while (next < texts.length) {
          const i = next++;
          out[i] = await one(texts[i] ?? "");
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, texts.length) }, worker));
      return out;
    },
  };
}
