import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buyingCommitteeBuilder } from "../../shared/agents/workflows/buying-committee-builder.ts";
import { type AgentsHarness, startAgents } from "./helpers/agents-runtime.ts";
import { account, putAccount, seedPeople, visits } from "./helpers/seed.ts";

let h: AgentsHarness;
beforeAll(async () => {
  h = await startAgents({ agents: [buyingCommitteeBuilder] });
});
afterAll(() => h.close());

const committeeRuns = () => h.runs.filter((r) => r.agentId === "buying-committee-builder");

describe("Buying Committee Builder", () => {
  it("starts when an account's intent crosses the outreach bar, and proposes who decides, champions and influences", async () => {
    await putAccount(h.rt.deps, "bc", account("bc"));
    await seedPeople(h.rt.deps, "bc", [
      ["ceo", "CEO"],
      ["vp", "VP Sales"],
      ["dir", "Director of Demand Generation"],
      ["am", "Account Manager"],
    ]);
    await visits(h.rt.deps, "bc", 2);
    await h.agents.drain();
    expect(committeeRuns()).toHaveLength(0); // intent 50 < 60: not high-intent yet
    await visits(h.rt.deps, "bc", 1);
    await h.agents.drain();
    const committee = await h.agents.view.committee("bc");
    expect(committee?.members.map((m) => [m.personId, m.role])).toEqual([
      ["bc.ceo", "decision_maker"],
      ["bc.vp", "champion"],
      ["bc.dir", "influencer"],
    ]);
    expect(committee?.gaps).toEqual([]);
    const d = await h.rt.deps.decisions.getDecision(committee?.decisionId ?? "");
    expect(d?.reasoning).toMatch(/turned high-intent \(75\)/);
    // Edge-triggered: more visits while still high-intent do not rebuild it.
    await visits(h.rt.deps, "bc", 1);
    await h.agents.drain();
    expect(committeeRuns()).toHaveLength(1);
  });

  it("records gaps when nobody fills a role", async () => {
    await putAccount(h.rt.deps, "bc2", account("bc2"));
    await seedPeople(h.rt.deps, "bc2", [["vp", "VP Marketing"]]);
    await visits(h.rt.deps, "bc2", 3);
    await h.agents.drain();
    const c = await h.agents.view.committee("bc2");
    expect(c?.gaps).toEqual(["decision_maker", "influencer"]);
    const d = await h.rt.deps.decisions.getDecision(c?.decisionId ?? "");
    expect(d?.confidence).toBe(0.7);
  });

  it("with no people in the KB yet it proposes nothing and says why", async () => {
    await putAccount(h.rt.deps, "bc3", account("bc3"));
    await visits(h.rt.deps, "bc3", 3);
    await h.agents.drain();
    const run = committeeRuns().at(-1);
    expect(run?.proposals).toHaveLength(0);
    expect(h.logs.some((l) => /no people known/.test(l.msg) && l.data.accountId === "bc3")).toBe(true);
  });
});
