import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crmSync } from "../../shared/agents/workflows/crm-sync.ts";
import { linkedinAudienceManager } from "../../shared/agents/workflows/linkedin-audience-manager.ts";
import { personaClassifier } from "../../shared/agents/workflows/persona-classifier.ts";
import { addSuppression } from "../../shared/usecases/admin.ts";
import { pinTrust } from "../../shared/usecases/trust.ts";
import { emailProposal } from "../helpers/world.ts";
import { type AgentsHarness, startAgents } from "./helpers/agents-runtime.ts";
import { account, putAccount, seedPeople, visits } from "./helpers/seed.ts";

let h: AgentsHarness;
beforeAll(async () => {
  h = await startAgents({ agents: [personaClassifier, linkedinAudienceManager, crmSync] });
  await putAccount(h.rt.deps, "la", account("la"));
  await putAccount(h.rt.deps, "out", account("out", { industry: "Healthcare" }));
  await h.agents.drain();
});
afterAll(() => h.close());

const audienceAdds = () => h.sandbox.entries.filter((e) => e.actionType === "linkedin.audience.add");

describe("LinkedIn Audience Manager", () => {
  it("a newly qualified contact is proposed for the persona's matched audience (level 2: after the override window)", async () => {
    await seedPeople(h.rt.deps, "la", [
      ["vp", "VP Sales"],
      ["ae", "Account Executive"],
    ]);
    await h.agents.drain();
    const d = (await h.rt.deps.decisions.queryDecisions({ agentId: "linkedin-audience-manager", limit: 10 }))
      .items;
    expect(d.map((x) => [x.personId, x.verdict])).toEqual([["la.vp", "schedule"]]);
    expect(d[0]?.payload).toMatchObject({
      audienceId: "harness-vp",
      email: "vp@la.io",
      companyName: "La Analytics",
    });
    expect(audienceAdds()).toHaveLength(0);
    h.clock.advance(31 * 60_000);
    await h.agents.tick();
    expect(audienceAdds()).toHaveLength(1);
    const wire = audienceAdds()[0]?.request as any;
    expect(wire.body.elements[0].userIds[0]).toEqual({
      idType: "SHA256_EMAIL",
      idValue: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it("someone the suppression list names is not proposed for an audience", async () => {
    await addSuppression(h.rt.deps, { kind: "email", value: "cro@la.io", reason: "unsubscribed" });
    await seedPeople(h.rt.deps, "la", [
      ["cro", "Chief Revenue Officer"],
      ["vpm", "VP Marketing"],
    ]);
    await h.agents.drain();
    const d = (await h.rt.deps.decisions.queryDecisions({ agentId: "linkedin-audience-manager", limit: 10 }))
      .items;
    // The other newly qualified contact is proposed as before: the suppression names one person.
    expect(d.map((x) => x.personId).sort()).toEqual(["la.vp", "la.vpm"]);
  });

  it("people at accounts outside the ICP are not qualified", async () => {
    await seedPeople(h.rt.deps, "out", [["vp", "VP Sales"]]);
    await h.agents.drain();
    const d = (await h.rt.deps.decisions.queryDecisions({ personId: "out.vp", limit: 10 })).items;
    expect(d.filter((x) => x.agentId === "linkedin-audience-manager")).toHaveLength(0);
  });
});

describe("CRM Sync", () => {
  it("an executed touch is recorded on the HubSpot timeline, once, citing its decision", async () => {
    await visits(h.rt.deps, "la", 3);
    await pinTrust(h.rt.deps, (await h.rt.deps.specs.current())!, "writer", "email.send", 3, "test", "root");
    const p = emailProposal("writer", "la", "la.vp", {
      payload: {
        to: "vp@la.io",
        subject: "Hello",
        body: "Hi Vp, saw your team comparing plans this week. Happy to share how similar teams rolled out.",
        variant: "signal-led",
        companyName: "La Analytics",
        groundedOn: [],
        persona: "vp",
        model: "test",
      },
    });
    const { decision } = await h.rt.deps.gate.propose(p, {
      subject: "agent:writer",
      roles: ["agent:writer"],
    });
    // Allowed actions are executed by the worker on "decision.made", as in production; calling
    // execute() here as well raced it.
    await h.rt.bus.drain();
    expect((await h.rt.deps.decisions.getDecision(decision.decisionId))?.status).toBe("executed");
    await h.agents.drain();
    const logged = h.sandbox.entries.filter((e) => (e.payload as any).operation === "log_engagement");
    expect(logged).toHaveLength(1);
    expect(logged[0]?.payload).toMatchObject({
      decisionId: decision.decisionId,
      channel: "email",
      email: "vp@la.io",
      subject: "Hello",
    });
    // Redelivery of the same event replays the same proposal: still one record.
    await h.rt.bus.publish([
      {
        type: "decision.transitioned",
        detail: {
          decisionId: decision.decisionId,
          from: "dispatched",
          to: "executed",
          agentId: "writer",
          actionType: "email.send",
          accountId: "la",
        },
      },
    ]);
    await h.agents.drain();
    expect(h.sandbox.entries.filter((e) => (e.payload as any).operation === "log_engagement")).toHaveLength(
      1,
    );
    // The thread is now semantic memory.
    expect((await h.agents.view.searchMemory("la", "comparing plans"))[0]?.doc.kind).toBe("email_thread");
  });

  it("record actions (non-touches) are not logged as activities", async () => {
    const before = h.sandbox.entries.filter((e) => (e.payload as any).operation === "log_engagement").length;
    await seedPeople(h.rt.deps, "la", [["cro", "CRO"]]);
    await h.agents.drain();
    expect(h.sandbox.entries.filter((e) => (e.payload as any).operation === "log_engagement")).toHaveLength(
      before,
    );
  });
});
