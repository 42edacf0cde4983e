/**
 * Embeddings from Amazon Titan Text Embeddings v2 on Bedrock (InvokeModel on
 * `amazon.titan-embed-text-v2:0`): one text per call, so a document's chunks go a few at a time.
 * Vectors come normalised (`normalize: true`), 256, 512 or 1024 dimensions as configured. The SDK
 * retries throttling (429) and 5xx with its own bounded backoff (`maxAttempts`).
 */
import { BedrockRuntimeClient, InvokeModelCommand } from "@aws-sdk/client-bedrock-runtime";
import * as z from "zod";
import type { Embeddings } from "../../kb/ports.ts";
import { EmbeddingsError } from "./http-retry.ts";

export const TITAN_V2 = "amazon.titan-embed-text-v2:0";
export const TITAN_DIMENSIONS = [256, 512, 1024] as const;
export type TitanDimensions = (typeof TITAN_DIMENSIONS)[number];

export interface TitanEmbeddingsOptions {
  /** @default amazon.titan-embed-text-v2:0 */
  modelId?: string;
  /** @default 1024 */
  dimensions?: TitanDimensions;
  region?: string;
  /** For tests against a local server. */
  endpoint?: string;
  /** Attempts in all, for throttling and 5xx (the SDK's retry strategy). @default 3 */
  maxAttempts?: number;
  /** Calls in flight at once for one batch of texts. @default 4 */
  concurrency?: number;
  client?: BedrockRuntimeClient;
}

const Answer = z.object({ embedding: z.array(z.number()).min(1) });

export class TitanEmbeddings implements Embeddings {
  readonly modelId: string;
  private readonly client: BedrockRuntimeClient;
  private readonly model: string;
  private readonly dimensions: TitanDimensions;

  constructor(private readonly options: TitanEmbeddingsOptions = {}) {
    this.model = options.modelId ?? TITAN_V2;
    this.dimensions = options.dimensions ?? 1024;
    this.modelId = `bedrock:${this.model}@${this.dimensions}`;
    this.client =
      options.client ??
      new BedrockRuntimeClient({
        ...(options.region ? { region: options.region } : {}),
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        maxAttempts: options.maxAttempts ?? 3,
      });
  }

  async embed(texts: string[]): Promise<number[][]> {
    const out: number[][] = new Array(texts.length);
    let next = 0;
    const worker = async () => {
      while (next < texts.length) {
        const i = next++;
        out[i] = await this.one(texts[i] ?? "");
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 4, texts.length) }, worker));
    return out;
  }

  private async one(inputText: string): Promise<number[]> {
    let body: Uint8Array;
    try {
      const res = await this.client.send(
        new InvokeModelCommand({
          modelId: this.model,
          contentType: "application/json",
          accept: "application/json",
          body: JSON.stringify({ inputText, dimensions: this.dimensions, normalize: true }),
        }),
      );
      body = res.body;
    } catch (err) {
      throw new EmbeddingsError(`${this.modelId}: ${(err as Error).name}`, false, { cause: err });
    }
    const parsed = Answer.safeParse(safeJson(new TextDecoder().decode(body)));
    if (!parsed.success || parsed.data.embedding.length !== this.dimensions)
      throw new EmbeddingsError(
        `${this.modelId}: the answer is not a ${this.dimensions}-dimension embedding`,
      );
    return parsed.data.embedding;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
