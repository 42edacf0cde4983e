/** Reading a model's answer (shared/agents/model-prompts.ts): past prose and fences, never guessed. */
import { describe, expect, it } from "vitest";
import { ClassifyAnswer, DraftAnswer, groundDraft, parseAnswer } from "../../shared/agents/model-prompts.ts";
import { ModelError } from "../../shared/agents/ports.ts";
import { draftInput } from "../helpers/fake-model-servers.ts";

describe("parseAnswer", () => {
  it("skips braces in the prose before the object, and reads a fenced block", () => {
    const text =
      'I filled {the template} as asked:\n```json\n{"body": "Hi {name}", "groundedOn": []}\n```\nDone.';
    expect(parseAnswer(text, DraftAnswer)).toEqual({ body: "Hi {name}", groundedOn: [] });
  });

  it("escaped quotes inside strings do not end them", () => {
    expect(parseAnswer('{"body": "say \\"hi\\" }", "groundedOn": []}', DraftAnswer).body).toBe('say "hi" }');
  });

  it("a truncated answer is broken JSON, not a fragment of it", () => {
    const truncated = '{"persona": "vp", "role": "champion", "extra": {"a": 1}, "rationale": "cut of';
    expect(() => parseAnswer(truncated, ClassifyAnswer)).toThrow(/not valid JSON/);
  });

  it("a field out of range is named", () => {
    const err = (() => {
      try {
        parseAnswer('{"persona": "vp", "role": "boss", "confidence": 3, "rationale": ""}', ClassifyAnswer);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(ModelError);
    expect(err?.message).toMatch(/role: .*; confidence: /);
  });
});

describe("groundDraft", () => {
  it("keeps each cited fact URL once and drops the rest", () => {
    const url = draftInput.facts[0]?.sourceUrl as string;
    expect(groundDraft(draftInput, { body: "b", groundedOn: [url, "https://made.up/", url] })).toEqual({
      body: "b",
      groundedOn: [url],
    });
  });

  it("makes the model's subject one header line the gate takes", () => {
    const ground = (subject: string) =>
      groundDraft(draftInput, { subject, body: "b", groundedOn: [] }).subject;
    // Before: proposed as given, a 400 at the gate, and the writer's run ended there.
    expect(ground("Your pricing\nresearch\n")).toBe("Your pricing research");
    expect(ground("x".repeat(2_000))).toHaveLength(998);
    expect(ground(" \n ")).toBeUndefined();
  });
});
