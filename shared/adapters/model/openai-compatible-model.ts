/**
 * The ModelClient over an OpenAI-compatible chat completions endpoint: OpenAI itself, Ollama, vLLM,
 * the llama.cpp server, LM Studio. POST {baseUrl}/chat/completions with plain fetch: the request and
 * answer used here are a small, stable subset every one of these servers speaks, and a client library
 * would bring its own retries that could not honour our bounds.
 *
 * Prompts, JSON reading and grounding are shared with Bedrock (agents/model-prompts.ts). JSON mode
 * (`response_format: json_object`) is asked for; a server that refuses the field is asked again
 * without it, and remembered. 429 and 5xx are retried, honouring Retry-After up to a bound; anything
 * else, or retries spent, is a ModelError. The key is sent as a bearer token and never appears in a
 * log line or an error message.
 */

import {
  classifyQuestion,
  draftQuestion,
  groundDraft,
  type ModelQuestion,
  parseAnswer,
} from "../../agents/model-prompts.ts";
import {
  type ClassifyInput,
  type ClassifyOutput,
  type DraftInput,
  type DraftOutput,
  type ModelClient,
  ModelError,
} from "../../agents/ports.ts";
import { vendorSaid } from "../../domain/vendor-text.ts";
import * as z from "../../domain/zod-mini.ts";

export interface OpenAICompatibleOptions {
  /** e.g. https://api.openai.com/v1, http://127.0.0.1:11434/v1 (Ollama), http://127.0.0.1:8000/v1 (vLLM). */
  baseUrl: string;
  /** The model's name on that server (gpt-4o-mini, llama3.1:8b, ...). */
  model: string;
  /** A key, or how to get it (read from a secret store on first use). Local servers need none. */
  apiKey?: string | (() => Promise<string>);
  /** Per request. @default 60000 */
  timeoutMs?: number;
  /** Attempts in all, the first included, for 429, 5xx and network errors. @default 4 */
  maxAttempts?: number;
  /** The longest wait between attempts, Retry-After included: a longer one fails now. @default 20000 */
  maxRetryDelayMs?: number;
  /** @default 800 */
  maxTokens?: number;
  fetch?: typeof fetch;
  /** For tests: how to wait between attempts. */
  sleep?: (ms: number) => Promise<void>;
}

const ChatAnswer = z.object({
  choices: z
    .array(z.object({ message: z.object({ content: z.optional(z.nullable(z.string())) }) }))
    .check(z.minLength(1)),
});

const RETRIED = (status: number) => status === 429 || status >= 500;

/** Retry-After as milliseconds (delta-seconds or an HTTP date), or undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && header.trim() !== "") return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export class OpenAICompatibleModel implements ModelClient {
  readonly modelId: string;
  private readonly url: string;
  private jsonMode = true;
  private key: Promise<string | undefined> | undefined;

  constructor(private readonly options: OpenAICompatibleOptions) {
    this.modelId = `openai-compatible:${options.model}`;
    this.url = `${options.baseUrl.replace(/\/+$/, "")}/chat/completions`;
  }

  private apiKey(): Promise<string | undefined> {
    const k = this.options.apiKey;
    // A failed secret read is not cached: the next call tries again.
    this.key ??= (typeof k === "function" ? k() : Promise.resolve(k)).catch((err) => {
      this.key = undefined;
      throw new ModelError(`${this.modelId}: the model key could not be read`, { cause: err });
    });
    return this.key;
  }

  private async post(body: Record<string, unknown>, key: string | undefined): Promise<Response> {
    const doFetch = this.options.fetch ?? fetch;
    return doFetch(this.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        ...(key ? { authorization: `Bearer ${key}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
    });
  }

  /** The text of the first choice, after retries; a ModelError when there is none. */
  private async complete(q: ModelQuestion<unknown>): Promise<string> {
    const key = await this.apiKey();
    const sleep = this.options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    const attempts = this.options.maxAttempts ?? 4;
    const maxDelay = this.options.maxRetryDelayMs ?? 20_000;
    let why = "";
    // Whether the last attempt failed in a way that may pass (no answer, 429, 5xx).
    let transient = false;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const body: Record<string, unknown> = {
        model: this.options.model,
        messages: [
          { role: "system", content: q.system },
          { role: "user", content: q.user },
        ],
        temperature: 0.2,
        max_tokens: this.options.maxTokens ?? 800,
        ...(this.jsonMode ? { response_format: { type: "json_object" } } : {}),
      };
      let res: Response;
      try {
        res = await this.post(body, key);
      } catch (err) {
        // A timeout or a refused connection: worth another attempt, like a 503.
        why = vendorSaid((err as Error).message, { sent: [q.user, q.system], secret: key });
        transient = true;
        if (attempt < attempts) await sleep(Math.min(maxDelay, 500 * 2 ** (attempt - 1)));
        continue;
      }
      const text = await res.text().catch(() => "");
      if (res.ok) {
        let data: unknown;
        try {
          data = JSON.parse(text);
        } catch (err) {
          throw new ModelError(`${this.modelId}: the server's answer is not JSON`, { cause: err });
        }
        const answer = ChatAnswer.safeParse(data);
        if (!answer.success)
          throw new ModelError(`${this.modelId}: the server's answer has no choices[0].message.content`);
        return answer.data.choices[0]?.message.content ?? "";
      }
      why = `HTTP ${res.status} ${vendorSaid(text, { sent: [q.user, q.system], secret: key })}`;
      transient = RETRIED(res.status);
      // A server without JSON mode (older llama.cpp, some proxies) refuses the field: ask without it.
      if ((res.status === 400 || res.status === 422) && this.jsonMode && /response_format/i.test(text)) {
        this.jsonMode = false;
        attempt--;
        continue;
      }
      if (!RETRIED(res.status)) break;
      if (attempt === attempts) break;
      const asked = retryAfterMs(res.headers.get("retry-after"));
      if (asked !== undefined && asked > maxDelay) {
        why += ` (Retry-After ${Math.ceil(asked / 1000)} s is beyond the ${maxDelay / 1000} s bound)`;
        break;
      }
      await sleep(asked ?? Math.min(maxDelay, 500 * 2 ** (attempt - 1)));
    }
    throw new ModelError(`${this.modelId}: chat completion failed: ${why}`, { transient });
  }

  private async ask<T>(q: ModelQuestion<T>): Promise<T> {
    return parseAnswer(await this.complete(q as ModelQuestion<unknown>), q.schema);
  }

  classifyPersona(input: ClassifyInput): Promise<ClassifyOutput> {
    return this.ask(classifyQuestion(input));
  }

  async draftMessage(input: DraftInput): Promise<DraftOutput> {
    return groundDraft(input, await this.ask(draftQuestion(input)));
  }
}
