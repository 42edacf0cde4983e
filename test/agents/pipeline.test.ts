import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EnrichmentSource } from "../../shared/agents/ports.ts";
import { putAccount } from "../../shared/usecases/admin.ts";
import { acme } from "../helpers/world.ts";
import { type AgentsHarness, startAgents } from "./helpers/agents-runtime.ts";

const enrichment: EnrichmentSource = {
  name: "test-enrichment",
  findPeople: async (domain) => [
    {
      firstName: "Jane",
      lastName: "Doe",
      title: "VP Sales",
      email: `jane@${domain}`,
      linkedinUrl: "https://www.linkedin.com/in/jane",
      source: "test-enrichment",
    },
    {
      firstName: "Ray",
      lastName: "Ops",
      title: "RevOps Architect",
      email: `ray@${domain}`,
      source: "test-enrichment",
    },
    {
      firstName: "Ivy",
      lastName: "Intern",
      title: "Sales Intern",
      email: `ivy@${domain}`,
      source: "test-enrichment",
    },
  ],
};

let h: AgentsHarness;
beforeEach(async () => {
  h = await startAgents({ enrichment });
});
afterEach(() => h.close());

describe("agent pipeline (all agents, one account)", () => {
  it("a new ICP account flows through finder, classifier and audience manager", async () => {
    await putAccount(h.rt.deps, "acme", acme);
    await h.agents.drain();
    const people = await h.agents.view.peopleAt("acme");
    expect(people.map((p) => p.title).sort()).toEqual(["RevOps Architect", "VP Sales"]);
    const jane = await h.agents.view.classification("acme.jane");
    expect(jane).toMatchObject({ persona: "vp", role: "champion", method: "rules" });
    const ray = await h.agents.view.classification("acme.ray");
    expect(ray).toMatchObject({ method: "model", model: "local-deterministic-model/v1", role: "influencer" });
    h.clock.advance(31 * 60_000);
    await h.agents.tick();
    const audience = h.sandbox.entries.filter((e) => e.actionType === "linkedin.audience.add");
    // Ray's role came from the model; the gate trusts only the spec's title rules, so no touch is proposed.
    expect(audience.map((e) => e.personId).sort()).toEqual(["acme.jane"]);
  });
});
