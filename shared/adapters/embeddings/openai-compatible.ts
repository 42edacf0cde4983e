/**
 * Embeddings from an OpenAI-compatible `/v1/embeddings` endpoint: OpenAI, Ollama, vLLM, LM Studio,
 * llama.cpp's server. Plain fetch: the request (`model`, `input` as a list, optional `dimensions`)
 * and the answer (`data[].embedding` with its `index`) are the subset all of them speak. The key is
 * sent as a bearer token and never appears in a log line or an error message.
 */

import { vendorSaid } from "../../domain/vendor-text.ts";
import * as z from "../../domain/zod-mini.ts";
import type { Embeddings } from "../../kb/ports.ts";
import {
  EmbeddingsError,
  isRetriedStatus,
  type RetryOptions,
  retryAfterMs,
  withRetry,
} from "./http-retry.ts";

export interface OpenAICompatibleEmbeddingsOptions {
  /** e.g. https://api.openai.com/v1, http://127.0.0.1:11434/v1 (Ollama), http://127.0.0.1:8000/v1 (vLLM). */
  baseUrl: string;
  /** The embedding model's name on that server (text-embedding-3-small, nomic-embed-text, ...). */
  model: string;
  apiKey?: string;
  /** Asked of models that can shorten their vectors (OpenAI's text-embedding-3-*); others ignore it. */
  dimensions?: number;
  /** Texts per request. @default 64 */
  batchSize?: number;
  /** Per request. @default 30000 */
  timeoutMs?: number;
  retry?: RetryOptions;
  fetch?: typeof fetch;
}

const Answer = z.object({
  data: z.array(z.object({ embedding: z.array(z.number()), index: z.optional(z.number().check(z.int())) })),
});

/** A retryable failure carrying the server's Retry-After. */
class Retry extends EmbeddingsError {
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message, true);
  }
}

export class OpenAICompatibleEmbeddings implements Embeddings {
  readonly modelId: string;
  private readonly url: string;

  constructor(private readonly options: OpenAICompatibleEmbeddingsOptions) {
    this.modelId = `openai-compatible:${options.model}${options.dimensions ? `@${options.dimensions}` : ""}`;
    this.url = `${options.baseUrl.replace(/\/+$/, "")}/embeddings`;
  }

  async embed(texts: string[]): Promise<number[][]> {
    const size = this.options.batchSize ?? 64;
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += size)
      out.push(...(await withRetry(() => this.request(texts.slice(i, i + size)), this.options.retry)));
    return out;
  }

  private async request(input: string[]): Promise<number[][]> {
    const key = this.options.apiKey;
    let res: Response;
    try {
      res = await (this.options.fetch ?? fetch)(this.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          ...(key ? { authorization: `Bearer ${key}` } : {}),
        },
        body: JSON.stringify({
          model: this.options.model,
          input,
          ...(this.options.dimensions ? { dimensions: this.options.dimensions } : {}),
        }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      // Network errors and timeouts: worth another attempt. The cause is kept out of the message.
      throw new Retry(`${this.modelId}: no answer (${(err as Error).name})`, undefined);
    }
    if (!res.ok) {
      const text = await res.text().catch(() => "");
      const said = vendorSaid(text, { sent: input, secret: key });
      const message = `${this.modelId}: HTTP ${res.status}${said ? ` ${said}` : ""}`;
      if (isRetriedStatus(res.status)) throw new Retry(message, retryAfterMs(res.headers.get("retry-after")));
      throw new EmbeddingsError(message);
    }
    const parsed = Answer.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success || parsed.data.data.length !== input.length)
      throw new EmbeddingsError(`${this.modelId}: the answer is not one embedding per input`);
    // Servers answer in input order, but the index says so where they give it.
    return [...parsed.data.data]
      .map((d, i) => ({ i: d.index ?? i, v: d.embedding }))
      .sort((a, b) => a.i - b.i)
      .map((d) => d.v);
  }
}
