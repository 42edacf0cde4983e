import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnrichmentError, type EnrichmentSource } from "../../shared/agents/ports.ts";
import { personaFinder } from "../../shared/agents/workflows/persona-finder.ts";
import { type AgentsHarness, startAgents } from "./helpers/agents-runtime.ts";
import { account, putAccount } from "./helpers/seed.ts";

let failing = false;
const enrichment: EnrichmentSource = {
  name: "test-enrichment",
  findPeople: async (domain) => {
    if (failing) throw new EnrichmentError("provider answered 503");
    return [
      {
        firstName: "Jane",
        lastName: "Doe",
        title: "VP Sales",
        email: `jane@${domain}`,
        source: "test-enrichment",
      },
      {
        firstName: "Gus",
        lastName: "Grow",
        title: "GTM Strategist",
        email: `gus@${domain}`,
        source: "test-enrichment",
      },
      {
        firstName: "Ivy",
        lastName: "Intern",
        title: "Sales Intern",
        email: `ivy@${domain}`,
        source: "test-enrichment",
      },
      {
        firstName: "Eng",
        lastName: "Eer",
        title: "Software Engineer",
        email: `eng@${domain}`,
        source: "test-enrichment",
      },
      {
        firstName: "Cas",
        lastName: "Ey",
        title: "CRO",
        email: `casey@elsewhere.io`,
        source: "test-enrichment",
      },
    ];
  },
};

let h: AgentsHarness;
beforeAll(async () => {
  h = await startAgents({ agents: [personaFinder], enrichment });
});
afterAll(() => h.close());

const proposalsFor = (accountId: string) =>
  h.runs
    .filter((r) => r.agentId === "persona-finder")
    .flatMap((r) => r.proposals)
    .filter((p) => p.proposalId.includes(`${accountId}.`));

describe("Persona Finder", () => {
  it("starts when a new ICP account appears and proposes the buyer personas the enrichment source knows", async () => {
    await putAccount(h.rt.deps, "pf1", account("pf1"));
    await h.agents.drain();
    const contacts = h.sandbox.entries.filter((e) => e.accountId === "pf1");
    const upserts = contacts.map((e) => (e.payload as any).contact.title).sort();
    // VP (rule match) and a buyer-side title no rule matches; never the intern, the engineer or someone at another domain.
    expect(upserts).toEqual(["GTM Strategist", "VP Sales"]);
    expect(contacts.every((e) => e.actionType === "crm.update" && e.system === "hubspot")).toBe(true);
    // Executed records become knowledge: the people are now in the KB.
    expect((await h.agents.view.peopleAt("pf1")).map((p) => p.personId).sort()).toEqual([
      "pf1.gus",
      "pf1.jane",
    ]);
  });

  it("does not run for accounts outside the ICP", async () => {
    await putAccount(h.rt.deps, "pf2", account("pf2", { industry: "Healthcare", employees: 10 }));
    await h.agents.drain();
    expect(proposalsFor("pf2")).toHaveLength(0);
  });

  it("an enrichment failure is a failed run with nothing proposed", async () => {
    failing = true;
    await putAccount(h.rt.deps, "pf3", account("pf3"));
    await h.agents.drain();
    failing = false;
    const run = h.runs.filter((r) => r.agentId === "persona-finder").at(-1);
    expect(run?.error).toMatch(/503/);
    expect(run?.proposals).toHaveLength(0);
  });

  it("a replayed trigger proposes nothing new (proposal ids are stable)", async () => {
    const before = h.sandbox.entries.length;
    await h.agents.runner.run("persona-finder", {
      kind: "event",
      event: { type: "account.in_icp", detail: { accountId: "pf1" } },
    });
    expect(h.sandbox.entries.length).toBe(before);
  });
});
