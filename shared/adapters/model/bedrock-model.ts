/**
 * The ModelClient on Amazon Bedrock's Converse API; the model id is configuration. The prompts, the
 * JSON reading and the grounding rules are shared with every model adapter (agents/model-prompts.ts);
 * this file only speaks Converse.
 */

import { BedrockRuntimeClient, ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
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
import { awsClientConfig } from "../aws/client-config.ts";

export interface BedrockModelOptions {
  modelId: string;
  region?: string;
  /** For tests against a local server. */
  endpoint?: string;
  maxTokens?: number;
  /**
   * One question's whole time, the SDK's retries included (default 20 s). The outreach writer budgets
   * two drafts per account before its run's deadline (ACCOUNT_BUDGET_MS): a call without a bound
   * could take the function past its timeout.
   */
  timeoutMs?: number;
  client?: BedrockRuntimeClient;
}

export const MODEL_CALL_TIMEOUT_MS = 20_000;

export class BedrockModel implements ModelClient {
  readonly modelId: string;
  private readonly client: BedrockRuntimeClient;

  constructor(private readonly options: BedrockModelOptions) {
    this.modelId = `bedrock:${options.modelId}`;
    this.client =
      options.client ??
      new BedrockRuntimeClient({
        ...awsClientConfig(options.region),
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        maxAttempts: 3,
      });
  }

  private async ask<T>(q: ModelQuestion<T>): Promise<T> {
    let text: string;
    try {
      const res = await this.client.send(
        new ConverseCommand({
          modelId: this.options.modelId,
          system: [{ text: q.system }],
          messages: [{ role: "user", content: [{ text: q.user }] }],
          inferenceConfig: { maxTokens: this.options.maxTokens ?? 800, temperature: 0.2 },
        }),
        { abortSignal: AbortSignal.timeout(this.options.timeoutMs ?? MODEL_CALL_TIMEOUT_MS) },
      );
      text = (res.output?.message?.content ?? []).map((c) => c.text ?? "").join("");
    } catch (err) {
      // Throttled, timed out, unavailable (the SDK's retries spent): it may pass. A refusal (a model
      // not granted, a malformed request) will not.
      const e = err as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode ?? 0;
      const transient =
        e.$retryable !== undefined ||
        status === 429 ||
        status >= 500 ||
        ["TimeoutError", "AbortError", "ThrottlingException", "ServiceUnavailableException"].includes(
          e.name ?? "",
        );
      throw new ModelError(`Bedrock Converse failed: ${(err as Error).message}`, { cause: err, transient });
    }
    return parseAnswer(text, q.schema);
  }

  classifyPersona(input: ClassifyInput): Promise<ClassifyOutput> {
    return this.ask(classifyQuestion(input));
  }

  async draftMessage(input: DraftInput): Promise<DraftOutput> {
    return groundDraft(input, await this.ask(draftQuestion(input)));
  }
}
