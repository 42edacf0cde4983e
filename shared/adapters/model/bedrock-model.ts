/**
 * The ModelClient on Amazon Bedrock's Converse API; the model id is configuration. Answers are asked
 * for as JSON and parsed with zod; anything else is a ModelError, never a guess. Drafts may only
 * cite the fact URLs they were given.
 */
import { BedrockRuntimeClient, ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
import * as z from "zod";
import {
  type ClassifyInput,
  type ClassifyOutput,
  type DraftInput,
  type DraftOutput,
  type ModelClient,
  ModelError,
} from "../../agents/ports.ts";
import { CommitteeRole } from "../../domain/vocabulary.ts";

const ClassifyAnswer = z.object({
  persona: z.string(),
  role: CommitteeRole,
  confidence: z.number().min(0).max(1),
  rationale: z.string(),
});
const DraftAnswer = z.object({
  subject: z.string().optional(),
  body: z.string().min(1),
  groundedOn: z.array(z.string()),
});

export interface BedrockModelOptions {
  modelId: string;
  region?: string;
  /** For tests against a local server. */
  endpoint?: string;
  maxTokens?: number;
  client?: BedrockRuntimeClient;
}

export class BedrockModel implements ModelClient {
  readonly modelId: string;
  private readonly client: BedrockRuntimeClient;

  constructor(private readonly options: BedrockModelOptions) {
    this.modelId = `bedrock:${options.modelId}`;
    this.client =
      options.client ??
      new BedrockRuntimeClient({
        ...(options.region ? { region: options.region } : {}),
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        maxAttempts: 3,
      });
  }

  private async ask<T>(system: string, user: string, schema: z.ZodType<T>): Promise<T> {
    let text: string;
    try {
      const res = await this.client.send(
        new ConverseCommand({
          modelId: this.options.modelId,
          system: [{ text: system }],
          messages: [{ role: "user", content: [{ text: user }] }],
          inferenceConfig: { maxTokens: this.options.maxTokens ?? 800, temperature: 0.2 },
        }),
      );
      text = (res.output?.message?.content ?? []).map((c) => c.text ?? "").join("");
    } catch (err) {
      throw new ModelError(`Bedrock Converse failed: ${(err as Error).message}`, { cause: err });
    }
    const json = /\{[\s\S]*\}/.exec(text)?.[0];
    if (!json) throw new ModelError("the model's answer contains no JSON object");
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (err) {
      throw new ModelError("the model's answer is not valid JSON", { cause: err });
    }
    const result = schema.safeParse(parsed);
    if (!result.success)
      throw new ModelError(`the model's answer does not match the schema: ${result.error.message}`);
    return result.data;
  }

  classifyPersona(input: ClassifyInput): Promise<ClassifyOutput> {
    return this.ask(
      'You classify B2B buyers. Answer with one JSON object only: {"persona": string, "role": "decision_maker"|"champion"|"influencer"|"too_junior", "confidence": number 0..1, "rationale": string}. Use one of the given persona names.',
      [
        `Title: ${input.title}`,
        `Company: ${input.company} (${input.industry})`,
        input.context ? `Context: ${input.context}` : "",
        "Personas:",
        ...input.personas.map((p) => `- ${p.name} (${p.role}): ${p.hint}`),
      ]
        .filter(Boolean)
        .join("\n"),
      ClassifyAnswer,
    );
  }

  async draftMessage(input: DraftInput): Promise<DraftOutput> {
    const answer = await this.ask(
      `You write short, specific B2B ${input.channel === "email" ? "emails" : "LinkedIn messages"}. State only facts from the list given, cite the URL of each fact you use in groundedOn, no placeholders, at most ${input.maxLength} characters. Answer with one JSON object only: {${input.channel === "email" ? '"subject": string, ' : ""}"body": string, "groundedOn": string[]}.`,
      [
        `Style: ${input.variant}`,
        `To: ${input.recipient.firstName} ${input.recipient.lastName}, ${input.recipient.title} (${input.recipient.role}) at ${input.company.name}, ${input.company.industry}, ${input.company.employees} employees`,
        `From: ${input.sender.name}, ${input.sender.company} (${input.sender.product})`,
        `Signals: ${input.signals.join("; ") || "none"}`,
        "Facts:",
        ...input.facts.map((f) => `- ${f.text} (${f.sourceUrl})`),
      ].join("\n"),
      DraftAnswer,
    );
    const allowed = new Set(input.facts.map((f) => f.sourceUrl));
    return { ...answer, groundedOn: answer.groundedOn.filter((u) => allowed.has(u)) };
  }
}

/** Pick the model from configuration: Bedrock when a model id is set, the local model otherwise. */
export function modelIdFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return z
    .string()
    .min(1)
    .optional()
    .parse(env.BEDROCK_MODEL_ID || undefined);
}
