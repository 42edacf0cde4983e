/**
 * Embeddings from Amazon Titan Text Embeddings v2 on Bedrock (InvokeModel on
 * `amazon.titan-embed-text-v2:0`): one text per call, so a document's chunks go a few at a time.
 * Vectors come normalised (`normalize: true`), 256, 512 or 1024 dimensions as configured. The SDK
 * retries throttling (429) and 5xx with its own bounded backoff (`maxAttempts`). The calls themselves
 * are titan-calls.ts, shared with the Lambda functions' lazily loaded client.
 */

import { BedrockRuntimeClient, InvokeModelCommand } from "@aws-sdk/client-bedrock-runtime";
import type { Embeddings } from "../../kb/ports.ts";
import { awsClientConfig } from "../aws/client-config.ts";
import { titanEmbeddings } from "./titan-calls.ts";

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

export class TitanEmbeddings implements Embeddings {
  readonly modelId: string;
  private readonly calls: Embeddings;

  constructor(options: TitanEmbeddingsOptions = {}) {
    const client =
      options.client ??
      new BedrockRuntimeClient({
        ...awsClientConfig(options.region),
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        maxAttempts: options.maxAttempts ?? 3,
      });
    this.calls = titanEmbeddings({
      model: options.modelId ?? TITAN_V2,
      dimensions: options.dimensions ?? 1024,
      concurrency: options.concurrency ?? 4,
      invoke: async (request) => (await client.send(new InvokeModelCommand(request))).body,
    });
    this.modelId = this.calls.modelId;
  }

  embed(texts: string[]): Promise<number[][]> {
    return this.calls.embed(texts);
  }
}
