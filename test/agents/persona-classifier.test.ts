import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalDeterministicModel } from "../../shared/adapters/model/local-model.ts";
import { ModelError } from "../../shared/agents/ports.ts";
import { personaClassifier } from "../../shared/agents/workflows/persona-classifier.ts";
import { type AgentsHarness, startAgents } from "./helpers/agents-runtime.ts";
import { account, putAccount, seedPeople } from "./helpers/seed.ts";

class FlakyModel extends LocalDeterministicModel {
  fail = false;
  calls = 0;
  override async classifyPersona(input: Parameters<LocalDeterministicModel["classifyPersona"]>[0]) {
    this.calls++;
    if (this.fail) throw new ModelError("throttled");
    return super.classifyPersona(input);
  }
}

const model = new FlakyModel();
let h: AgentsHarness;
beforeAll(async () => {
  h = await startAgents({ agents: [personaClassifier], model });
  await putAccount(h.rt.deps, "pc", account("pc"));
  await h.agents.drain();
});
afterAll(() => h.close());

const decisionFor = async (personId: string) => {
  const page = await h.rt.deps.decisions.queryDecisions({ personId, limit: 10 });
  return page.items.find((d) => d.agentId === "persona-classifier");
};

describe("Persona Classifier", () => {
  it("a new person starts it; the spec's title rules decide when they are sure, without the model", async () => {
    const calls = model.calls;
    await seedPeople(h.rt.deps, "pc", [["jane", "VP Sales"]]);
    await h.agents.drain();
    expect(model.calls).toBe(calls);
    expect(await h.agents.view.classification("pc.jane")).toMatchObject({
      persona: "vp",
      role: "champion",
      method: "rules",
    });
    const d = await decisionFor("pc.jane");
    expect(d?.payload).toMatchObject({ operation: "classify_contact", method: "rules", confidence: 0.95 });
  });

  it("asks the model when no rule matches, and says which model answered", async () => {
    await seedPeople(h.rt.deps, "pc", [["ray", "RevOps Architect"]]);
    await h.agents.drain();
    const c = await h.agents.view.classification("pc.ray");
    expect(c).toMatchObject({
      method: "model",
      model: "local-deterministic-model/v1",
      role: "influencer",
      persona: "director",
    });
    expect((await decisionFor("pc.ray"))?.reasoning).toMatch(
      /no title rule matches; local-deterministic-model\/v1 says director/,
    );
  });

  it("asks the model when the rules disagree (a title matching two roles)", async () => {
    await seedPeople(h.rt.deps, "pc", [["dee", "Director, Sales Manager"]]);
    await h.agents.drain();
    expect((await decisionFor("pc.dee"))?.reasoning).toMatch(/rules disagree/);
  });

  it("a model failure falls back to the rules at low confidence, which sends the record to a human", async () => {
    model.fail = true;
    await seedPeople(h.rt.deps, "pc", [["gus", "GTM Strategist"]]);
    await h.agents.drain();
    model.fail = false;
    const d = await decisionFor("pc.gus");
    expect(d?.confidence).toBe(0.3);
    expect(d?.verdict).toBe("require_approval");
    expect(d?.reasoning).toMatch(/the model failed \(throttled\)/);
    expect(await h.agents.view.classification("pc.gus")).toBeUndefined();
  });

  it("an event for a person the KB does not have proposes nothing", async () => {
    const s = await h.agents.runner.run("persona-classifier", {
      kind: "event",
      event: { type: "person.created", detail: { personId: "nobody", accountId: "pc" } },
    });
    expect(s.proposals).toHaveLength(0);
    expect(s.error).toBeUndefined();
  });
});
