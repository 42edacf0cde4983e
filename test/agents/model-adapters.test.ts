/**
 * The built-in agents with a real adapter: the persona classifier on OpenAICompatibleModel against a
 * local fake of chat completions. A good answer is used and the model named; a 500 storm ends in a
 * ModelError, which the classifier turns into low confidence and so a human review.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAICompatibleModel } from "../../shared/adapters/model/openai-compatible-model.ts";
import { personaClassifier } from "../../shared/agents/workflows/persona-classifier.ts";
import { chatReply, type FakeModelServer, startFakeOpenAI } from "../helpers/fake-model-servers.ts";
import { type AgentsHarness, startAgents } from "./helpers/agents-runtime.ts";
import { account, putAccount, seedPeople } from "./helpers/seed.ts";

let fake: FakeModelServer;
let h: AgentsHarness;
beforeAll(async () => {
  fake = await startFakeOpenAI();
  const model = new OpenAICompatibleModel({
    baseUrl: fake.url,
    model: "fake-llm",
    maxAttempts: 3,
    sleep: async () => {},
  });
  h = await startAgents({ agents: [personaClassifier], model });
  await putAccount(h.rt.deps, "ma", account("ma"));
  await h.agents.drain();
});
afterAll(async () => {
  await h.close();
  await fake.close();
});

const decisionFor = async (personId: string) => {
  const page = await h.rt.deps.decisions.queryDecisions({ personId, limit: 10 });
  return page.items.find((d) => d.agentId === "persona-classifier");
};

describe("persona classifier on an OpenAI-compatible server", () => {
  it("a title no rule matches is classified by the server's answer, and the model is named", async () => {
    fake.replies.push(
      chatReply({
        persona: "director",
        role: "influencer",
        confidence: 0.7,
        rationale: "runs RevOps systems",
      }),
    );
    await seedPeople(h.rt.deps, "ma", [["ray", "RevOps Architect"]]);
    await h.agents.drain();
    const d = await decisionFor("ma.ray");
    expect(d?.payload).toMatchObject({
      method: "model",
      model: "openai-compatible:fake-llm",
      persona: "director",
      confidence: 0.7,
    });
    expect(d?.reasoning).toMatch(/openai-compatible:fake-llm says director: runs RevOps systems/);
  });

  it("a 500 storm: low confidence, sent to a person", async () => {
    for (let i = 0; i < 3; i++) fake.replies.push({ status: 500, body: { error: "overloaded" } });
    const before = fake.requests.length;
    await seedPeople(h.rt.deps, "ma", [["gus", "GTM Strategist"]]);
    await h.agents.drain();
    expect(fake.requests.length - before).toBe(3);
    const d = await decisionFor("ma.gus");
    expect(d?.confidence).toBe(0.3);
    expect(d?.verdict).toBe("require_approval");
    expect(d?.reasoning).toMatch(
      /the model failed \(openai-compatible:fake-llm: chat completion failed: HTTP 500/,
    );
  });
});
