import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listDate } from "../../shared/agents/workflows/common.ts";
import { leadListBuilder } from "../../shared/agents/workflows/lead-list-builder.ts";
import { addSuppression, publishSpec } from "../../shared/usecases/admin.ts";
import { pinTrust } from "../../shared/usecases/trust.ts";
import { simSpec } from "../../sim/spec.ts";
import { emailProposal, linkedinProposal } from "../helpers/world.ts";
import { type AgentsHarness, startAgents } from "./helpers/agents-runtime.ts";
import { account, putAccount, seedPeople, visits } from "./helpers/seed.ts";

/** Monday 2026-03-09 05:00 in New York: the list is built at 06:00. */
const MONDAY_5AM = Date.parse("2026-03-09T09:00:00Z");

let h: AgentsHarness;
beforeAll(async () => {
  h = await startAgents({ agents: [leadListBuilder], at: MONDAY_5AM });
  const spec = simSpec(10) as any;
  spec.volume.accountsPerOwnerPerDay = 2;
  await publishSpec(h.rt.deps, spec, "test");
});
afterAll(() => h.close());

/** In-ICP accounts of one SDR, each with a VP and `n` pricing visits (n × 25 intent), ingested. */
async function seedOwner(ownerId: string, accounts: [string, number][]) {
  for (const [id, n] of accounts) {
    await putAccount(h.rt.deps, id, account(id, { ownerId, employees: 800 }));
    await seedPeople(h.rt.deps, id, [["vp", "VP Sales"]]);
    await visits(h.rt.deps, id, n);
  }
  await h.agents.drain();
}

describe("Lead List Builder", () => {
  it("with no accounts at 6:00 it proposes nothing", async () => {
    h.clock.set(Date.parse("2026-03-09T10:00:00Z"));
    await h.agents.tick();
    const run = h.runs.find((r) => r.agentId === "lead-list-builder");
    expect(run?.trigger).toBe("schedule");
    expect(run?.proposals).toHaveLength(0);
  });

  it("at 6:00 workspace time it ranks by intent and tier and respects the per-SDR cap", async () => {
    // sdr-1: four accounts of varying intent (one below the floor); sdr-2: one; a customer is never listed.
    const setup: [string, number, Record<string, unknown>][] = [
      ["la", 4, { employees: 800 }],
      ["lb", 3, { employees: 120 }],
      ["lc", 2, { employees: 900 }],
      ["ld", 1, {}],
      ["le", 3, { ownerId: "sdr-2" }],
      ["lf", 4, { lifecycle: "customer" }],
    ];
    for (const [id, n, extra] of setup) {
      await putAccount(h.rt.deps, id, account(id, extra as any));
      await seedPeople(h.rt.deps, id, [
        ["vp", "VP Sales"],
        ["ae", "Account Executive"],
      ]);
      await visits(h.rt.deps, id, n);
    }
    await h.agents.drain();
    h.clock.set(Date.parse("2026-03-10T10:00:30Z"));
    await h.agents.tick();
    const run = h.runs.filter((r) => r.agentId === "lead-list-builder").at(-1);
    expect(run?.error).toBeUndefined();
    const list = await h.agents.view.leadList("2026-03-10");
    expect(list.map((e) => [e.ownerId, e.accountId, e.rank])).toEqual([
      ["sdr-1", "la", 1],
      ["sdr-1", "lb", 2],
      ["sdr-2", "le", 1],
    ]);
    // Only qualified contacts go on the list (not the account executive).
    expect(list[0]?.contacts).toEqual([{ personId: "la.vp", email: "vp@la.io" }]);
    const d = await h.rt.deps.decisions.getDecision(list[1]?.decisionId ?? "");
    expect(d?.reasoning).toMatch(/#2 of 2 on sdr-1's list for 2026-03-10: intent 75/);
    expect(d?.reasoning).toMatch(/1 more accounts left off by the cap of 2 per SDR/);
  });

  it("does not fire again before the next 6:00", async () => {
    const runs = h.runs.filter((r) => r.agentId === "lead-list-builder").length;
    h.clock.set(Date.parse("2026-03-10T20:00:00Z"));
    await h.agents.tick();
    expect(h.runs.filter((r) => r.agentId === "lead-list-builder")).toHaveLength(runs);
  });

  it("ranks on intent before its cap: of two accounts both at 100, the one with more evidence first", async () => {
    // 5 and 6 pricing visits (25 points each): both capped at 100, 125 vs 150 before the cap. By
    // account id "ma" would come first; the uncapped sum puts "mb" first.
    await seedOwner("sdr-3", [
      ["ma", 5],
      ["mb", 6],
    ]);
    h.clock.set(Date.parse("2026-03-11T10:00:30Z"));
    await h.agents.tick();
    const list = (await h.agents.view.leadList("2026-03-11")).filter((e) => e.ownerId === "sdr-3");
    expect(list.map((e) => [e.accountId, e.rank, e.intent])).toEqual([
      ["mb", 1, 100],
      ["ma", 2, 100],
    ]);
  });

  it("builds no list on a weekend; Friday's list stays in force until Monday", async () => {
    h.clock.set(Date.parse("2026-03-13T10:00:30Z")); // Friday's list
    await h.agents.tick();
    const runs = h.runs.filter((r) => r.agentId === "lead-list-builder").length;
    // Saturday 2026-03-14 and Sunday 03-15, 06:00 New York (UTC-4).
    for (const at of ["2026-03-14T10:00:30Z", "2026-03-15T10:00:30Z"]) {
      h.clock.set(Date.parse(at));
      await h.agents.tick();
    }
    expect(h.runs.filter((r) => r.agentId === "lead-list-builder")).toHaveLength(runs);
    const spec = await h.agents.view.spec();
    expect(listDate(spec, Date.parse("2026-03-14T10:00:30Z"))).toBe("2026-03-13");
    expect(listDate(spec, Date.parse("2026-03-16T03:30:00Z"))).toBe("2026-03-13"); // Sunday 23:30 local
    expect(listDate(spec, Date.parse("2026-03-16T04:30:00Z"))).toBe("2026-03-16"); // Monday 00:30 local
    expect(listDate(spec, Date.parse("2026-03-11T10:00:30Z"))).toBe("2026-03-11");
  });

  it("passes over an account the coordination rules allow no touch today, for the next in rank", async () => {
    // Monday 2026-03-16: three accounts of sdr-4; the hottest is emailed on Monday and messaged on
    // Tuesday, so on Wednesday the week's channel rule and the cooldowns leave it no touch.
    h.clock.set(Date.parse("2026-03-16T13:00:00Z"));
    await seedOwner("sdr-4", [
      ["na", 4],
      ["nb", 3],
      ["nc", 3],
    ]);
    const spec = (await h.rt.deps.specs.current())!;
    for (const type of ["email.send", "linkedin.message"])
      await pinTrust(h.rt.deps, spec, "writer", type, 3, "test: autonomous", "root");
    const agent = { subject: "agent:writer", roles: ["agent:writer"] };
    // What the executors require of a writer's message (the outbox checks it), as Outreach Writer sends it.
    const common = {
      body: "Hi Vp, saw your team comparing plans this week. Happy to share how similar teams rolled out.",
      variant: "signal-led",
      companyName: "Na Analytics",
      groundedOn: [],
      persona: "vp",
      model: "test",
    };
    h.clock.set(Date.parse("2026-03-16T14:00:00Z"));
    const sent = await h.rt.deps.gate.propose(
      emailProposal("writer", "na", "na.vp", { payload: { to: "vp@na.io", subject: "Hello", ...common } }),
      agent,
    );
    // Executed as it is allowed, as in production (a touch sent hours late is not sent: execution.ts).
    await h.rt.bus.drain();
    h.clock.set(Date.parse("2026-03-17T14:00:00Z"));
    const messaged = await h.rt.deps.gate.propose(
      linkedinProposal("writer", "na", "na.vp", {
        payload: { linkedinUrl: "https://www.linkedin.com/in/vp-na", ...common },
      }),
      agent,
    );
    expect([sent.decision.verdict, messaged.decision.verdict]).toEqual(["allow", "allow"]);
    await h.rt.bus.drain();
    expect((await h.agents.view.touchesOf(["na"])).get("na")?.map((x) => x.channel)).toEqual([
      "email",
      "linkedin",
    ]);
    h.clock.set(Date.parse("2026-03-18T10:00:30Z"));
    await h.agents.tick();
    const list = (await h.agents.view.leadList("2026-03-18")).filter((e) => e.ownerId === "sdr-4");
    expect(list.map((e) => [e.accountId, e.rank])).toEqual([
      ["nb", 1],
      ["nc", 2],
    ]);
    const d = await h.rt.deps.decisions.getDecision(list[0]?.decisionId ?? "");
    expect(d?.reasoning).toMatch(
      /1 account\(s\) ranked above this list's last entry passed over: the coordination rules allow them no touch today/,
    );
  });

  it("leaves off the list whoever the suppression list names, and an account it names takes no place", async () => {
    // Thursday 2026-03-19, sdr-5 (two places): sb, the hottest, asked us to stop as a company; sa's
    // CRO asked too; sc is next in rank.
    h.clock.set(Date.parse("2026-03-19T09:00:00Z"));
    for (const [id, n] of [
      ["sb", 4],
      ["sa", 4],
      ["sc", 3],
    ] as const) {
      await putAccount(h.rt.deps, id, account(id, { ownerId: "sdr-5", employees: 800 }));
      await seedPeople(h.rt.deps, id, [
        ["vp", "VP Sales"],
        ["cro", "Chief Revenue Officer"],
      ]);
      await visits(h.rt.deps, id, n);
    }
    await visits(h.rt.deps, "sb", 1);
    // sd, as hot, asked us to stop before anyone there was on file.
    await putAccount(h.rt.deps, "sd", account("sd", { ownerId: "sdr-5", employees: 800 }));
    await visits(h.rt.deps, "sd", 5);
    await addSuppression(h.rt.deps, { kind: "account", value: "sd", reason: "do not contact" });
    await addSuppression(h.rt.deps, { kind: "account", value: "sb", reason: "legal hold" });
    await addSuppression(h.rt.deps, { kind: "email", value: "cro@sa.io", reason: "unsubscribed" });
    await h.agents.drain();
    h.clock.set(Date.parse("2026-03-19T10:00:30Z"));
    await h.agents.tick();
    const list = (await h.agents.view.leadList("2026-03-19")).filter((e) => e.ownerId === "sdr-5");
    expect(list.map((e) => [e.accountId, e.rank, e.contacts.map((c) => c.personId)])).toEqual([
      ["sa", 1, ["sa.vp"]],
      ["sc", 2, ["sc.cro", "sc.vp"]],
    ]);
    const d = await h.rt.deps.decisions.getDecision(list[0]?.decisionId ?? "");
    expect(d?.reasoning).toMatch(
      /2 account\(s\) left off: the suppression list names them or all their people\.$/,
    );
  });
});
