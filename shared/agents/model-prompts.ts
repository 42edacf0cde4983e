/**
 * What every language-model adapter shares (Bedrock Converse, OpenAI-compatible chat): the prompts,
 * reading the model's answer as JSON checked by a zod schema, and the grounding rules of a draft. One
 * place, so a model behind either adapter is asked the same thing and held to the same rules.
 *
 * Failures are never guessed around: an answer without a JSON object, with broken JSON or with a
 * field the schema refuses is a ModelError. The agents turn that into low confidence (the persona
 * classifier proposes its best rule guess at 0.3, which the spec's reviewBelowConfidence sends to a
 * person), and a draft keeps only the citations that are among the facts it was given, so the
 * writer's confidence, which grows with the citations, falls with every invented one.
 */
import { CommitteeRole } from "../domain/vocabulary.ts";
import * as z from "../domain/zod-mini.ts";
import { type ClassifyInput, type DraftInput, type DraftOutput, ModelError } from "./ports.ts";

export const ClassifyAnswer = z.object({
  persona: z.string(),
  role: CommitteeRole,
  confidence: z.number().check(z.gte(0), z.lte(1)),
  rationale: z.string(),
});

export const DraftAnswer = z.object({
  subject: z.optional(z.string()),
  body: z.string().check(z.minLength(1)),
  groundedOn: z.array(z.string()),
});

/** A question for a model: the system prompt, the user's message, and the schema of the answer. */
export interface ModelQuestion<T> {
  system: string;
  user: string;
  schema: z.core.$ZodType<T>;
}

export function classifyQuestion(input: ClassifyInput): ModelQuestion<z.infer<typeof ClassifyAnswer>> {
  return {
    system:
      'You classify B2B buyers. Answer with one JSON object only: {"persona": string, "role": "decision_maker"|"champion"|"influencer"|"too_junior", "confidence": number 0..1, "rationale": string}. Use one of the given persona names.',
    user: [
      `Title: ${input.title}`,
      `Company: ${input.company} (${input.industry})`,
      input.context ? `Context: ${input.context}` : "",
      "Personas:",
      ...input.personas.map((p) => `- ${p.name} (${p.role}): ${p.hint}`),
    ]
      .filter(Boolean)
      .join("\n"),
    schema: ClassifyAnswer,
  };
}

export function draftQuestion(input: DraftInput): ModelQuestion<z.infer<typeof DraftAnswer>> {
  const email = input.channel === "email";
  return {
    system: `You write short, specific B2B ${email ? "emails" : "LinkedIn messages"}. State only facts from the list given, cite the URL of each fact you use in groundedOn, no placeholders, at most ${input.maxLength} characters. Answer with one JSON object only: {${email ? '"subject": string, ' : ""}"body": string, "groundedOn": string[]}.`,
    user: [
      `Style: ${input.variant}`,
      `To: ${input.recipient.firstName} ${input.recipient.lastName}, ${input.recipient.title} (${input.recipient.role}) at ${input.company.name}, ${input.company.industry}, ${input.company.employees} employees`,
      `From: ${input.sender.name}, ${input.sender.company} (${input.sender.product})`,
      `Signals: ${input.signals.join("; ") || "none"}`,
      "Facts:",
      ...input.facts.map((f) => `- ${f.text} (${f.sourceUrl})`),
    ].join("\n"),
    schema: DraftAnswer,
  };
}

/** The grounding rule: a draft may cite only the facts it was given; any other URL is dropped. */
export function groundDraft(input: DraftInput, answer: z.infer<typeof DraftAnswer>): DraftOutput {
  const allowed = new Set(input.facts.map((f) => f.sourceUrl));
  const groundedOn = [...new Set(answer.groundedOn.filter((u) => allowed.has(u)))];
  // A subject is one header line (touch-payloads.ts): a model's trailing newline or a run-on line is
  // made one, not proposed and refused, which ended the writer's run for the rest of its list.
  const subject = answer.subject?.replace(/\s+/g, " ").trim().slice(0, 998);
  return {
    ...(subject ? { subject } : {}),
    body: answer.body,
    groundedOn,
  };
}

/**
 * The top-level `{...}` spans of a text, in order, each balanced (braces inside strings do not count).
 * Models wrap JSON in prose or ``` fences even when told not to; this reads past both. An object nested
 * in a broken one is not offered on its own: it would be a fragment, not the answer.
 */
function* jsonObjects(text: string): Generator<string> {
  let start = text.indexOf("{");
  while (start >= 0) {
    let depth = 0;
    let inString = false;
    let end = -1;
    for (let i = start; i < text.length && end < 0; i++) {
      const c = text[i];
      if (inString) {
        if (c === "\\") i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === "{") depth++;
      else if (c === "}" && --depth === 0) end = i;
    }
    // An object never closed (a truncated answer) is still offered, so it fails as broken JSON.
    if (end < 0) return yield text.slice(start);
    yield text.slice(start, end + 1);
    start = text.indexOf("{", end + 1);
  }
}

/** The first JSON object in the model's answer that parses, checked by the schema (errors name the field). */
export function parseAnswer<T>(text: string, schema: z.core.$ZodType<T>): T {
  let parsed: unknown;
  let found = false;
  let lastError: unknown;
  for (const candidate of jsonObjects(text)) {
    found = true;
    try {
      parsed = JSON.parse(candidate);
      lastError = undefined;
      break;
    } catch (err) {
      lastError = err;
    }
  }
  if (!found) throw new ModelError("the model's answer contains no JSON object");
  if (lastError !== undefined)
    throw new ModelError("the model's answer is not valid JSON", { cause: lastError });
  const result = z.safeParse(schema, parsed);
  if (!result.success) {
    const where = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new ModelError(`the model's answer does not match the schema: ${where}`);
  }
  return result.data;
}
