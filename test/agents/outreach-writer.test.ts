import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalDeterministicModel } from "../../shared/adapters/model/local-model.ts";
import { ModelError } from "../../shared/agents/ports.ts";
import { ACCOUNT_BUDGET_MS, outreachWriter } from "../../shared/agents/workflows/outreach-writer.ts";
import { addSuppression } from "../../shared/usecases/admin.ts";
import { explain } from "../../shared/usecases/explain.ts";
import { pinTrust } from "../../shared/usecases/trust.ts";
import { type AgentsHarness, startAgents } from "./helpers/agents-runtime.ts";
import { account, putAccount, seedPeople, visits } from "./helpers/seed.ts";

class FailingFor extends LocalDeterministicModel {
  /** Companies whose draft the model cannot give (an answer it cannot read). */
  failFor = new Set<string>();
  /** Companies whose draft fails for now (throttled). */
  busyFor = new Set<string>();
  override async draftMessage(input: Parameters<LocalDeterministicModel["draftMessage"]>[0]) {
    if (this.failFor.has(input.company.name)) throw new ModelError("the model's answer is not JSON");
    if (this.busyFor.has(input.company.name)) throw new ModelError("model throttled", { transient: true });
    return super.draftMessage(input);
  }
}

/** Tuesday 2026-03-10 08:00 in New York; the writer runs at 09:00. */
const TUESDAY_8AM = Date.parse("2026-03-10T12:00:00Z");
const model = new FailingFor();
let h: AgentsHarness;

const list = (accountId: string, rank: number) => ({
  listId: "leads-sdr-1-2026-03-10",
  date: "2026-03-10",
  ownerId: "sdr-1",
  accountId,
  rank,
  tier: 1 as const,
  intent: 75,
  contacts: [],
  addedAt: new Date(TUESDAY_8AM).toISOString(),
});

beforeAll(async () => {
  h = await startAgents({ agents: [outreachWriter], model, at: TUESDAY_8AM });
  const spec = (await h.rt.deps.specs.current())!;
  for (const type of ["email.send", "linkedin.message"])
    await pinTrust(h.rt.deps, spec, "outreach-writer", type, 3, "test: autonomous", "root");
  for (const id of ["ow", "broken", "busy"]) {
    await putAccount(h.rt.deps, id, account(id));
    await seedPeople(h.rt.deps, id, [
      ["vp", "VP Sales"],
      ["cro", "Chief Revenue Officer"],
      ["ae", "Account Executive"],
    ]);
    await visits(h.rt.deps, id, 3);
  }
  await h.agents.stores.agentKb.putFacts([
    {
      factId: "f1",
      accountId: "ow",
      kind: "news",
      text: "Ow Analytics launched Flow Studio, its new forecasting module, this quarter.",
      sourceUrl: "https://ow.io/news",
      observedAt: new Date(TUESDAY_8AM).toISOString(),
    },
  ]);
  await h.agents.stores.agentKb.putLeadListEntry(list("broken", 1));
  await h.agents.stores.agentKb.putLeadListEntry(list("ow", 2));
  await h.agents.stores.agentKb.putLeadListEntry(list("busy", 3));
  model.failFor.add("Broken Analytics");
  model.busyFor.add("Busy Analytics");
  await h.agents.drain();
});
afterAll(() => h.close());

describe("Outreach Writer", () => {
  it("at 9:00 drafts for the lead list: email to the champion, grounded in a research fact, with the variant it used", async () => {
    h.clock.set(Date.parse("2026-03-10T13:00:10Z"));
    await h.agents.tick();
    const emails = h.sandbox.entries.filter((e) => e.actionType === "email.send");
    expect(emails).toHaveLength(1);
    const p = emails[0]?.payload as any;
    expect(emails[0]?.personId).toBe("ow.vp");
    expect(p.groundedOn).toEqual(["https://ow.io/news"]);
    expect(p.body).toMatch(/launched Flow Studio/);
    expect(["signal-led", "fact-led", "peer-proof", "short-question"]).toContain(p.variant);
    expect(p.model).toBe("local-deterministic-model/v1");
    const wire = emails[0]?.request as any;
    expect(wire.input.Content.Simple.Headers[0].Value).toBe(emails[0]?.idempotencyKey);
  });

  it("a model failure on one account skips that account and keeps working the list", async () => {
    expect(h.logs.some((l) => l.msg === "could not write for account" && l.data.accountId === "broken")).toBe(
      true,
    );
    expect(
      h.sandbox.entries.filter((e) => e.accountId === "broken" && e.actionType !== "crm.update"),
    ).toHaveLength(0);
  });
});

describe("collision through the real agents", () => {
  it("the LinkedIn path on the account just emailed is deferred by the harness, visible in explain, and re-proposed once at retryAfter", async () => {
    const li = (await h.rt.deps.decisions.queryDecisions({ personId: "ow.cro", limit: 10 })).items.find(
      (d) => d.actionType === "linkedin.message",
    );
    expect(li?.verdict).toBe("defer");
    expect(li?.reasons.join(" ")).toMatch(/one-touch-per-account-per-day.*email by outreach-writer/);
    expect(li?.retryAfter).toBe("2026-03-11T04:00:00.000Z");
    const why = await explain(h.rt.deps, { personId: "ow.cro" });
    expect(why.technicalSummary).toMatch(
      /Held back: outreach-writer's linkedin.message at .* was deferred: coordination \(one-touch-per-account-per-day\)/,
    );

    h.clock.set(Date.parse("2026-03-11T04:00:00Z"));
    await h.agents.tick();
    const retry = (await h.rt.deps.decisions.queryDecisions({ personId: "ow.cro", limit: 10 })).items.find(
      (d) => d.retryOf,
    );
    expect(retry?.retryOf).toBe(li?.proposalId);
    expect(retry?.proposalId).not.toBe(li?.proposalId);
    expect(retry?.status).toBe("executed");
    expect(
      h.sandbox.entries.filter((e) => e.actionType === "linkedin.message").map((e) => e.personId),
    ).toEqual(["ow.cro"]);
    // Once only: nothing is waiting to be retried.
    expect(await h.agents.stores.retries.next("outreach-writer")).toBeUndefined();
  });

  it("a weekday later it does not email the same account again within the week", async () => {
    await h.agents.stores.agentKb.putLeadListEntry({ ...list("ow", 1), date: "2026-03-11" });
    h.clock.set(Date.parse("2026-03-11T13:00:10Z"));
    await h.agents.tick();
    expect(h.sandbox.entries.filter((e) => e.actionType === "email.send")).toHaveLength(1);
  });
});

/** The 10th's lead list of `ids` in rank order, each with a VP and intent, ingested; then 9:00 there. */
async function seedLeadList(w: AgentsHarness, ids: string[]) {
  for (const [rank, id] of ids.entries()) {
    await putAccount(w.rt.deps, id, account(id));
    await seedPeople(w.rt.deps, id, [["vp", "VP Sales"]]);
    await visits(w.rt.deps, id, 3);
    await w.agents.stores.agentKb.putLeadListEntry(list(id, rank + 1));
  }
  await w.agents.drain();
  w.clock.set(Date.parse("2026-03-10T13:00:10Z"));
}

describe("a lead list longer than a run's time", () => {
  /** A model whose every draft takes 20 s of the run's time (counted, not waited). */
  class Slow extends LocalDeterministicModel {
    left = 0;
    drafts: string[] = [];
    override async draftMessage(input: Parameters<LocalDeterministicModel["draftMessage"]>[0]) {
      this.left -= 20_000;
      this.drafts.push(input.company.name);
      return super.draftMessage(input);
    }
  }
  const slow = new Slow();
  let w: AgentsHarness;
  const ids = ["t1", "t2", "t3", "t4"];
  beforeAll(async () => {
    w = await startAgents({ agents: [outreachWriter], model: slow, at: TUESDAY_8AM });
    const spec = (await w.rt.deps.specs.current())!;
    for (const type of ["email.send", "linkedin.message"])
      await pinTrust(w.rt.deps, spec, "outreach-writer", type, 3, "test: autonomous", "root");
    await seedLeadList(w, ids);
  });
  afterAll(() => w.close());

  it("stops between accounts before its deadline, and the next attempt writes only what is left", async () => {
    const schedule = { kind: "schedule" as const, at: w.clock.now(), cron: "0 9 * * 1-5" };
    // Time for two accounts' drafts and not a third's.
    slow.left = ACCOUNT_BUDGET_MS + 50_000;
    const first = await w.agents.runner.run("outreach-writer", schedule, { timeLeft: () => slow.left });
    expect(first.error).toMatch(
      /wrote for 2 of 4 accounts on the 2026-03-10 lead list before the run's deadline/,
    );
    expect(first.proposals.filter((p) => p.actionType === "email.send")).toHaveLength(2);
    // Where a continuation of it begins: the first account it did not reach.
    expect(first.resumeAt).toBe("t3");
    await w.agents.drain();
    // Lambda's retry of the invocation: nothing proposed before is drafted again (the LinkedIn paths
    // deferred behind the emails are not touches, but were proposed).
    slow.drafts = [];
    const retry = await w.agents.runner.run("outreach-writer", schedule);
    expect(retry.error).toBeUndefined();
    expect([...new Set(slow.drafts)]).toEqual(["T3 Analytics", "T4 Analytics"]);
    await w.agents.drain();
    const emailed = w.sandbox.entries.filter((e) => e.actionType === "email.send").map((e) => e.accountId);
    expect(emailed.sort()).toEqual(ids);
  });

  it("a run continued past midnight works the day its schedule fired", async () => {
    // The next day has no list; the 10th's is all proposed.
    w.clock.set(Date.parse("2026-03-11T05:30:00Z"));
    const at = w.clock.now();
    const noList = () => w.logs.filter((l) => l.msg === "no lead list for today").length;
    const before = noList();
    await w.agents.runner.run("outreach-writer", { kind: "schedule", at, cron: "0 9 * * 1-5" });
    expect(noList()).toBe(before + 1);
    slow.drafts = [];
    const continued = await w.agents.runner.run("outreach-writer", {
      kind: "schedule",
      at,
      cron: "0 9 * * 1-5",
      continuedFrom: Date.parse("2026-03-10T13:00:10Z"),
    });
    expect(continued.error).toBeUndefined();
    expect(noList()).toBe(before + 1);
    expect(slow.drafts).toEqual([]);
  });
});

describe("a continuation starts where its run stopped", () => {
  /** Drafting for F1 always fails (the model refuses it); every draft is recorded in order. */
  class Failing extends LocalDeterministicModel {
    drafts: string[] = [];
    override async draftMessage(input: Parameters<LocalDeterministicModel["draftMessage"]>[0]) {
      this.drafts.push(input.company.name);
      if (input.company.name === "F1 Analytics") throw new ModelError("the model refused");
      return super.draftMessage(input);
    }
  }
  const model = new Failing();
  let w: AgentsHarness;
  const schedule = (o: { resumeAt?: string } = {}) => ({
    kind: "schedule" as const,
    at: w.clock.now(),
    cron: "0 9 * * 1-5",
    continuedFrom: Date.parse("2026-03-10T13:00:10Z"),
    ...o,
  });
  beforeAll(async () => {
    w = await startAgents({ agents: [outreachWriter], model, at: TUESDAY_8AM });
    await seedLeadList(w, ["f1", "f2", "f3"]);
  });
  afterAll(() => w.close());

  it("works from the account it had reached, and comes back to the earlier ones (a failing one too) last", async () => {
    const stopped = await w.agents.runner.run("outreach-writer", schedule({ resumeAt: "f3" }), {
      timeLeft: () => ACCOUNT_BUDGET_MS - 1,
    });
    // It says how far this run got, and from where.
    expect(stopped.error).toMatch(
      /wrote for 0 of 3 accounts .* in this run, which began at account 3 \(f3\)$/,
    );
    expect(stopped.resumeAt).toBe("f3");
    const run = await w.agents.runner.run("outreach-writer", schedule({ resumeAt: "f3" }));
    expect(run.error).toBeUndefined();
    const companies = [...new Set(model.drafts)];
    expect(companies).toEqual(["F3 Analytics", "F1 Analytics", "F2 Analytics"]);
    // An account no longer on the list: the list from its head.
    model.drafts = [];
    await w.agents.runner.run("outreach-writer", schedule({ resumeAt: "gone" }));
    expect([...new Set(model.drafts)]).toEqual(["F1 Analytics"]);
  });

  it("drafts for nobody who asked us to stop: the next contact there instead", async () => {
    await putAccount(w.rt.deps, "f4", account("f4"));
    await seedPeople(w.rt.deps, "f4", [
      ["vp", "VP Sales"],
      ["cro", "Chief Revenue Officer"],
    ]);
    await visits(w.rt.deps, "f4", 3);
    await addSuppression(w.rt.deps, { kind: "email", value: "vp@f4.io", reason: "unsubscribed" });
    await w.agents.stores.agentKb.putLeadListEntry(list("f4", 4));
    await w.agents.drain();
    await w.agents.runner.run("outreach-writer", schedule());
    const decided = (await w.rt.deps.decisions.queryDecisions({ accountId: "f4", limit: 10 })).items;
    expect(decided.length).toBeGreaterThan(0);
    expect(new Set(decided.map((d) => d.personId))).toEqual(new Set(["f4.cro"]));
  });
});

// Last: its retry emails the busy account, which the collision tests above do not expect.
describe("Outreach Writer, when the model is busy", () => {
  it("a failure that may pass (the model throttled) fails the run once the list is worked, for its retry to write then", async () => {
    const run = h.runs.find((r) => r.agentId === "outreach-writer" && r.trigger === "schedule");
    // Not the account whose answer could not be read: asking again would not help it.
    expect(run?.error).toMatch(/^could not write for 1 of 3 accounts for now \(busy\)/);
    // The rest of the list was worked first.
    expect(h.sandbox.entries.some((e) => e.accountId === "ow" && e.actionType === "email.send")).toBe(true);
    // Its retry, the model back: it writes for the busy account; the others are not drafted again.
    model.busyFor.clear();
    const before = h.sandbox.entries.filter((e) => e.actionType === "email.send").length;
    // The same firing's run again (the tests above moved the clock on): Tuesday's list.
    const again = await h.agents.runner.run("outreach-writer", {
      kind: "schedule",
      at: h.clock.now(),
      cron: "0 9 * * 1-5",
      continuedFrom: Date.parse("2026-03-10T13:00:10Z"),
    });
    expect(again.error).toBeUndefined();
    expect(
      again.proposals
        .filter((p) => !p.replay)
        .map((p) => p.proposalId)
        .join(" "),
    ).toMatch(/busy/);
    await h.agents.drain();
    const emails = h.sandbox.entries.filter((e) => e.actionType === "email.send");
    expect(emails.length).toBe(before + 1);
    expect(emails.at(-1)?.accountId).toBe("busy");
  });
});
