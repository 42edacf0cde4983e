/**
 * Titan Text Embeddings v2 calls as every caller makes them: one text per InvokeModel (normalised,
 * the configured dimensions), a few in flight per batch, the answer checked. Who sends the request is
 * passed in, so the adapter (bedrock-titan.ts, the SDK imported statically) and the Lambda functions
 * (runtime/aws-titan.ts, the SDK loaded on the first embed) share this without this module importing
 * the SDK.
 */
import * as z from "../../domain/zod-mini.ts";
import type { Embeddings } from "../../kb/ports.ts";
import { EmbeddingsError } from "./http-retry.ts";

/** An InvokeModel request as the SDK's command takes it. */
export interface TitanRequest {
  modelId: string;
  contentType: "application/json";
  accept: "application/json";
  body: string;
}

export interface TitanCallOptions {
  model: string;
  dimensions: number;
  /** Calls in flight at once for one batch of texts. */
  concurrency: number;
  /** Sends one InvokeModel and returns the answer's body. */
  invoke: (request: TitanRequest) => Promise<Uint8Array>;
}

const Answer = z.object({ embedding: z.array(z.number()).check(z.minLength(1)) });

export function titanEmbeddings(o: TitanCallOptions): Embeddings {
  const modelId = `bedrock:${o.model}@${o.dimensions}`;
  const one = async (inputText: string): Promise<number[]> => {
    let body: Uint8Array;
    try {
      body = await o.invoke({
        modelId: o.model,
        contentType: "application/json",
        accept: "application/json",
        body: JSON.stringify({ inputText, dimensions: o.dimensions, normalize: true }),
      });
    } catch (err) {
      throw new EmbeddingsError(`${modelId}: ${(err as Error).name}`, false, { cause: err });
    }
    const parsed = Answer.safeParse(safeJson(new TextDecoder().decode(body)));
    if (!parsed.success || parsed.data.embedding.length !== o.dimensions)
      throw new EmbeddingsError(`${modelId}: the answer is not a ${o.dimensions}-dimension embedding`);
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
      await Promise.all(Array.from({ length: Math.min(o.concurrency, texts.length) }, worker));
      return out;
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
