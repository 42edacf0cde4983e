/**
 * The embedded default's model: deterministic templates and keyword rules, no LLM. It is named as
 * such in every output (modelId "local-deterministic-model/v1"), so nobody mistakes its drafts for
 * a language model's. Same input, same output: the simulated market and tests rely on it.
 */

import type {
  ClassifyInput,
  ClassifyOutput,
  DraftInput,
  DraftOutput,
  ModelClient,
  Variant,
} from "../../agents/ports.ts";
import type { CommitteeRole } from "../../domain/vocabulary.ts";

const ROLE_KEYWORDS: [RegExp, CommitteeRole, number][] = [
  [/\b(chief|founder|co-founder|president|owner|partner|ceo|cro|cmo|coo)\b/i, "decision_maker", 0.8],
  [/\b(vp|svp|evp|vice|head|general manager|gm)\b/i, "champion", 0.75],
  [
    /\b(director|architect|principal|strategy|strategist|operations|revops|enablement)\b/i,
    "influencer",
    0.65,
  ],
  [
    /\b(manager|lead|specialist|associate|analyst|coordinator|intern|representative|sdr|bdr|assistant)\b/i,
    "too_junior",
    0.7,
  ],
];

const first = <T>(xs: T[]): T | undefined => xs[0];

function lowerFirst(s: string) {
  return s.length > 1 && /^[A-Z][a-z]/.test(s) ? s[0]?.toLowerCase() + s.slice(1) : s;
}

const SUBJECTS: Record<Variant, (i: DraftInput) => string> = {
  "signal-led": (i) => `${i.company.name}'s ${i.sender.product} evaluation`,
  "fact-led": (i) => `Congrats on the news at ${i.company.name}`,
  "peer-proof": (i) => `How ${i.company.industry} teams run ${i.sender.product}`,
  "short-question": (i) => `Question for ${i.recipient.firstName}`,
};

export class LocalDeterministicModel implements ModelClient {
  readonly modelId = "local-deterministic-model/v1";

  async classifyPersona(input: ClassifyInput): Promise<ClassifyOutput> {
    for (const [re, role, confidence] of ROLE_KEYWORDS) {
      if (!re.test(input.title)) continue;
      const persona = input.personas.find((p) => p.role === role);
      if (!persona) continue;
      return {
        persona: persona.name,
        role,
        confidence,
        rationale: `keyword "${re.exec(input.title)?.[0]}" in the title suggests a ${role.replace("_", " ")} (templates and rules, no LLM)`,
      };
    }
    const fallback = input.personas.find((p) => p.role === "too_junior") ?? input.personas.at(-1);
    return {
      persona: fallback?.name ?? "unknown",
      role: fallback?.role ?? "too_junior",
      confidence: 0.4,
      rationale:
        "no seniority keyword in the title; assumed individual contributor (templates and rules, no LLM)",
    };
  }

  async draftMessage(input: DraftInput): Promise<DraftOutput> {
    const fact = first(input.facts);
    const who = input.recipient.firstName;
    const company = input.company.name;
    const role = input.recipient.role.replace("_", " ");
    const opener: Record<Variant, string> = {
      "signal-led": `Hi ${who}, it looks like ${company} has been researching ${input.sender.product} options recently.`,
      "fact-led": fact
        ? `Hi ${who}, I read on your site that ${lowerFirst(fact.text.replace(/\.$/, ""))}.`
        : `Hi ${who}, I have been following ${company}'s progress.`,
      "peer-proof": `Hi ${who}, ${input.company.industry} teams of ${input.company.employees >= 500 ? "several hundred" : "a few hundred"} people use ${input.sender.product} to see which deals will close.`,
      "short-question": `Hi ${who}, how is ${company} deciding which pipeline to trust this quarter?`,
    };
    const middle =
      input.variant !== "fact-led" && fact
        ? ` I also saw that ${lowerFirst(fact.text.replace(/\.$/, ""))}, which usually means forecasting gets harder.`
        : " Teams at that stage usually find forecasting gets harder.";
    const close =
      input.channel === "email"
        ? ` As a ${role} you likely own part of that decision. Would a 20-minute walkthrough next week be useful?\n\n${input.sender.name}, ${input.sender.company}`
        : ` Open to comparing notes? ${input.sender.name}`;
    let body = `${opener[input.variant]}${middle}${close}`;
    if (body.length > input.maxLength) body = `${body.slice(0, input.maxLength - 3)}...`;
    return {
      ...(input.channel === "email" ? { subject: SUBJECTS[input.variant](input) } : {}),
      body,
      groundedOn: fact ? [fact.sourceUrl] : [],
    };
  }
}
