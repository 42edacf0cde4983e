import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../../shared/adapters/local/token-store.ts";
import { listSync } from "../../shared/agents/workflows/list-sync.ts";
import { manualListSync } from "../../shared/agents/workflows/manual-list-sync.ts";
import { streams } from "../../shared/domain/decision.ts";
import { createLocalServer } from "../../shared/runtime/server.ts";
import { addSuppression } from "../../shared/usecases/admin.ts";
import { erasePerson } from "../../shared/usecases/erase.ts";
import { approve, execute } from "../../shared/usecases/lifecycle.ts";
import { pinTrust } from "../../shared/usecases/trust.ts";
import { type AgentsHarness, startAgents } from "./helpers/agents-runtime.ts";
import { account, putAccount, seedPeople } from "./helpers/seed.ts";

let h: AgentsHarness;
let server: Server;
let url: string;
let admin: string;
let viewer: string;
beforeAll(async () => {
  h = await startAgents({ agents: [listSync, manualListSync] });
  server = createLocalServer(h.rt.deps);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tokens = h.rt.deps.tokens;
  admin = await createToken(tokens, "root", ["admin"], new Date().toISOString());
  viewer = await createToken(tokens, "vic", ["viewer"], new Date().toISOString());
  await putAccount(h.rt.deps, "ls", account("ls"));
  await seedPeople(h.rt.deps, "ls", [
    ["vp", "VP Sales"],
    ["cro", "CRO"],
  ]);
  await h.agents.drain();
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await h.close();
});

const entry = (contacts: { personId: string; email: string }[]) => ({
  listId: "leads-sdr-1-2026-03-10",
  date: "2026-03-10",
  ownerId: "sdr-1",
  accountId: "ls",
  rank: 1,
  tier: 1 as const,
  intent: 80,
  contacts,
  addedAt: new Date(h.clock.now()).toISOString(),
});
const syncs = () => h.sandbox.entries.filter((e) => e.actionType === "list.sync");
const post = (token: string, body: unknown) =>
  fetch(`${url}/v1/agents/list-sync/run`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("List Sync (hourly)", () => {
  it("on the hour, proposes each SDR audience's difference from what was last synced, and only that", async () => {
    await h.agents.stores.agentKb.putLeadListEntry(entry([{ personId: "ls.vp", email: "vp@ls.io" }]));
    h.clock.set(Date.parse("2026-03-10T15:00:00Z"));
    await h.agents.tick();
    expect(syncs()).toHaveLength(1);
    expect(syncs()[0]?.payload).toMatchObject({
      audienceId: "sdr-sdr-1",
      add: [{ personId: "ls.vp" }],
      remove: [],
    });
    expect((await h.agents.view.audienceSnapshots())[0]?.members).toEqual([
      { personId: "ls.vp", email: "vp@ls.io" },
    ]);
    // Next hour, nothing changed: nothing proposed.
    h.clock.set(Date.parse("2026-03-10T16:00:00Z"));
    await h.agents.tick();
    expect(syncs()).toHaveLength(1);
    // A member added: only the difference.
    await h.agents.stores.agentKb.putLeadListEntry(
      entry([
        { personId: "ls.vp", email: "vp@ls.io" },
        { personId: "ls.cro", email: "cro@ls.io" },
      ]),
    );
    h.clock.set(Date.parse("2026-03-10T17:00:00Z"));
    await h.agents.tick();
    expect(syncs()[1]?.payload).toMatchObject({ add: [{ personId: "ls.cro" }], remove: [] });
  });

  it("someone who asks us to stop leaves the SDR's list at the next sync", async () => {
    await addSuppression(h.rt.deps, { kind: "email", value: "cro@ls.io", reason: "replied: please stop" });
    h.clock.set(Date.parse("2026-03-10T18:00:00Z"));
    await h.agents.tick();
    expect(syncs().at(-1)?.payload).toMatchObject({ add: [], remove: [{ personId: "ls.cro" }] });
    expect(syncs().at(-1)?.payload.members).toEqual([{ personId: "ls.vp", email: "vp@ls.io" }]);
    // The people read says so to agents out of process too, without the reason.
    const res = await fetch(`${url}/v1/kb/accounts/ls/people`, {
      headers: { authorization: `Bearer ${viewer}` },
    });
    const page = (await res.json()) as { doNotTarget: string[]; accountDoNotTarget: boolean };
    expect(page.doNotTarget).toEqual(["ls.cro"]);
    expect(page.accountDoNotTarget).toBe(false);
    expect(JSON.stringify(page)).not.toContain("please stop");
  });

  it("yesterday's audience is emptied the next day", async () => {
    h.clock.set(Date.parse("2026-03-11T15:00:00Z"));
    await h.agents.tick();
    expect(syncs().at(-1)?.payload).toMatchObject({ add: [], remove: [{ personId: "ls.vp" }] });
  });
});

describe("Manual List Sync (POST /v1/agents/list-sync/run)", () => {
  it("an admin's request runs a full sync of one audience through the gate", async () => {
    await h.agents.stores.agentKb.putLeadListEntry({
      ...entry([{ personId: "ls.vp", email: "vp@ls.io" }]),
      date: "2026-03-11",
    });
    const res = await post(admin, { audienceId: "sdr-sdr-1" });
    expect(res.status).toBe(202);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ agentId: "manual-list-sync", trigger: "manual" });
    expect(body.proposals[0]).toMatchObject({ actionType: "list.sync", verdict: "allow" });
    expect(syncs().at(-1)?.payload).toMatchObject({ add: [{ personId: "ls.vp" }], remove: [] });
    const d = (await h.rt.deps.decisions.queryDecisions({ agentId: "manual-list-sync", limit: 1 })).items[0];
    expect(d?.reasoning).toMatch(/requested by root/);
  });

  it("a retried invocation of one run (the same run id, as Lambda retries it in AWS) is one proposal", async () => {
    const before = (await h.rt.deps.decisions.queryDecisions({ agentId: "manual-list-sync", limit: 50 }))
      .items;
    const invocation = {
      kind: "manual" as const,
      input: { audienceId: "sdr-sdr-1" },
      by: "root",
      runId: "run_retried",
    };
    const first = await h.agents.runner.run("manual-list-sync", invocation, { rethrow: true });
    const again = await h.agents.runner.run("manual-list-sync", invocation, { rethrow: true });
    expect(again.proposals[0]?.proposalId).toBe(first.proposals[0]?.proposalId);
    expect(first.proposals[0]?.proposalId).toMatch(/run_retried/);
    const after = (await h.rt.deps.decisions.queryDecisions({ agentId: "manual-list-sync", limit: 50 }))
      .items;
    expect(after.length).toBe(before.length + 1);
  });

  it("a request sent again with its Idempotency-Key answers the first one's run: one sync, not two", async () => {
    const mine = async () =>
      (await h.rt.deps.decisions.queryDecisions({ agentId: "manual-list-sync", limit: 50 })).items.length;
    // A moment no earlier run here was asked at (an unkeyed manual run is keyed by its moment).
    h.clock.advance(60_000);
    const before = await mine();
    const keyed = () =>
      fetch(`${url}/v1/agents/list-sync/run`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${admin}`,
          "content-type": "application/json",
          "idempotency-key": "sync-sdr-1-once",
        },
        body: JSON.stringify({ audienceId: "sdr-sdr-1" }),
      });
    const first = await keyed();
    h.clock.advance(1_000);
    const again = await keyed();
    expect([first.status, again.status]).toEqual([202, 202]);
    const [a, b] = [(await first.json()) as { runId: string }, (await again.json()) as { runId: string }];
    expect(a.runId).toMatch(/^run_/);
    expect(b.runId).toBe(a.runId);
    // Before, the retry ran the agent again and a second full sync was proposed.
    expect(await mine()).toBe(before + 1);
    // Without a key, each request is a run of its own.
    h.clock.advance(1_000);
    await post(admin, { audienceId: "sdr-sdr-1" });
    expect(await mine()).toBe(before + 2);
  });

  it("validates the body, knows unknown audiences and requires the admin role", async () => {
    expect((await post(admin, {})).status).toBe(400);
    expect((await post(admin, { audienceId: "sdr-nobody" })).status).toBe(404);
    expect((await post(viewer, { audienceId: "sdr-sdr-1" })).status).toBe(403);
  });

  it("an unknown audience is the run's input refused (in AWS: not retried), an outage is not", async () => {
    const manual = (audienceId: string) => ({ kind: "manual" as const, input: { audienceId }, by: "root" });
    const refused = await h.agents.runner.run("manual-list-sync", manual("sdr-nobody"));
    expect(refused).toMatchObject({
      error: expect.stringMatching(/no audience sdr-nobody/),
      refusedInput: true,
    });
    const scheduled = await h.agents.runner.run("manual-list-sync", {
      kind: "schedule",
      at: h.clock.now(),
      cron: "0 * * * *",
    });
    expect(scheduled.refusedInput).toBeUndefined();
  });
});

describe("List Sync after an erasure", () => {
  it("an erased member leaves the audience without a remove the gate would refuse (their address is gone)", async () => {
    await h.agents.stores.agentKb.putLeadListEntry({
      ...entry([{ personId: "ls.vp", email: "vp@ls.io" }]),
      listId: "leads-sdr-1-2026-03-12",
      date: "2026-03-12",
    });
    h.clock.set(Date.parse("2026-03-12T15:00:00Z"));
    await h.agents.tick();
    expect(syncs().at(-1)?.payload).toMatchObject({ add: [{ personId: "ls.vp" }], remove: [] });
    const before = syncs().length;
    await erasePerson(
      h.rt.deps,
      { personId: "ls.vp" },
      { reason: "GDPR request 9" },
      { subject: "root", roles: ["admin"] },
    );
    // The scrub left "[erased]" for her address in the snapshot: a remove of it fails the payload's
    // Email check, which failed the whole hourly run, every hour, and she stayed "synced" for good.
    h.clock.set(Date.parse("2026-03-12T16:00:00Z"));
    const logged = h.logs.length;
    await h.agents.tick();
    expect(h.logs.slice(logged).filter((l) => /fail|error/i.test(l.msg))).toEqual([]);
    expect(syncs().slice(before)).toEqual([]);
  });
});

describe("List Sync of an audience larger than one sync may carry", () => {
  it("proposes it in parts that each fit a proposal, all in the run, and the snapshot ends with the whole audience", async () => {
    const contacts = Array.from({ length: 1200 }, (_, i) => ({
      personId: `ls.big${String(i).padStart(4, "0")}`,
      email: `big${i}@ls.io`,
    }));
    await h.agents.stores.agentKb.putLeadListEntry({
      ...entry(contacts),
      listId: "leads-big-2026-03-13",
      date: "2026-03-13",
      ownerId: "big",
    });
    type Member = { personId: string; email: string };
    const big = () =>
      syncs()
        .filter((e) => e.payload.audienceId === "sdr-big")
        .map((e) => e.payload as { add: Member[]; remove: Member[]; members?: Member[] });
    const snapshot = async () =>
      (await h.agents.view.audienceSnapshots()).find((s) => s.audienceId === "sdr-big")?.members ?? [];
    h.clock.set(Date.parse("2026-03-13T15:00:00Z"));
    await h.agents.tick();
    await h.agents.drain();
    // Before, one sync carried all 1,200 with a members list of 1,200: the gate refused it (over
    // 32 KB) every hour, and the audience was never synced.
    expect(big().length).toBeGreaterThan(1);
    for (const part of big()) {
      expect(JSON.stringify(part).length).toBeLessThan(32_000);
      // A part carries no members list: its snapshot is the last one plus what it added.
      expect(part.members).toBeUndefined();
    }
    expect(new Set(big().flatMap((p) => p.add.map((a) => a.personId))).size).toBe(contacts.length);
    expect((await snapshot()).map((m) => m.personId)).toEqual(contacts.map((c) => c.personId));
    // Synced in full: the next hour proposes nothing for it.
    const before = big().length;
    h.clock.set(Date.parse("2026-03-13T16:00:00Z"));
    await h.agents.tick();
    expect(big()).toHaveLength(before);
  });

  it("a manual full sync of it re-adds the whole audience, in parts, not its first part only", async () => {
    const before = syncs().length;
    const res = await post(admin, { audienceId: "sdr-big" });
    expect(res.status).toBe(202);
    const parts = syncs()
      .slice(before)
      .filter((e) => e.payload.audienceId === "sdr-big");
    expect(parts.length).toBeGreaterThan(1);
    const added = parts.flatMap((e) => (e.payload.add as { personId: string }[]).map((a) => a.personId));
    expect(new Set(added).size).toBe(1200);
  });
});

describe("List Sync waiting for approval", () => {
  /** The hour's sync of an audience, proposed and waiting for a person's approval. */
  const waitingSync = async (at: string, audience: string) => {
    h.clock.set(Date.parse(at));
    await h.agents.tick();
    const { items } = await h.rt.deps.decisions.queryDecisions({ status: "pending_approval", limit: 100 });
    const pending = items.find((d) => d.accountId === `audience:${audience}`);
    if (!pending) throw new Error("the sync is not waiting for approval");
    return pending;
  };
  /** Approved as proposed, then the executor, as the approval's event has it run in AWS. */
  const approveAndExecute = async (pending: { decisionId: string; payloadDigest: string }) => {
    await approve(
      h.rt.deps,
      pending.decisionId,
      { digest: pending.payloadDigest },
      { subject: "user:ana", roles: ["approver"] },
    );
    await execute(h.rt.deps, pending.decisionId);
    await h.agents.drain();
    return h.rt.deps.decisions.getDecision(pending.decisionId);
  };

  it("goes without a member the suppression list names since it was proposed, and does not count them synced", async () => {
    const spec = await h.rt.deps.specs.current();
    if (!spec) throw new Error("no spec published");
    await pinTrust(h.rt.deps, spec, "list-sync", "list.sync", 1, "a person approves list syncs", "admin");
    try {
      await putAccount(h.rt.deps, "lw", account("lw"));
      await seedPeople(h.rt.deps, "lw", [
        ["vp", "VP Sales"],
        ["cro", "CRO"],
      ]);
      await h.agents.stores.agentKb.putLeadListEntry({
        ...entry([
          { personId: "lw.vp", email: "vp@lw.io" },
          { personId: "lw.cro", email: "cro@lw.io" },
        ]),
        accountId: "lw",
        listId: "leads-wait-2026-03-16",
        date: "2026-03-16",
        ownerId: "wait",
      });
      const pending = await waitingSync("2026-03-16T15:00:00Z", "sdr-wait");
      // While it waits, the CRO unsubscribes. Approved as proposed, the sync added them to the SDR's
      // list in the CRM, which feeds the SDR's sequences, until the next hourly sync took them out.
      await addSuppression(h.rt.deps, { kind: "email", value: "cro@lw.io", reason: "unsubscribed" });
      const before = syncs().length;
      const done = await approveAndExecute(pending);
      expect(done?.status).toBe("executed");
      expect(done?.execution?.withheld).toEqual(["lw.cro"]);
      const sent = syncs().slice(before);
      expect(sent.map((e) => e.payload.add)).toEqual([[{ personId: "lw.vp", email: "vp@lw.io" }]]);
      expect(sent[0]?.payload.members).toEqual([{ personId: "lw.vp", email: "vp@lw.io" }]);
      const events = await h.rt.deps.decisions.events(streams.decision(pending.decisionId));
      expect(events.find((e) => e.type === "executing")?.detail).toMatch(
        /without 1 of the people it adds: the suppression list names them since it was proposed \(lw\.cro\)/,
      );
      const snapshot = (await h.agents.view.audienceSnapshots()).find((s) => s.audienceId === "sdr-wait");
      expect(snapshot?.members).toEqual([{ personId: "lw.vp", email: "vp@lw.io" }]);
      // The sync's payload still names them (sealed under the audience's key): an erasure of theirs
      // must find this audience, as for anyone a sync added.
      expect(await h.rt.deps.erasure?.audiencesNaming("lw.cro")).toContain("sdr-wait");
      // The next hour has nothing to add or remove: they were never in the list.
      h.clock.set(Date.parse("2026-03-16T16:00:00Z"));
      await h.agents.tick();
      expect(syncs().length).toBe(before + 1);
      const { items: after } = await h.rt.deps.decisions.queryDecisions({
        status: "pending_approval",
        limit: 100,
      });
      expect(after.filter((d) => d.accountId === "audience:sdr-wait")).toEqual([]);
    } finally {
      await pinTrust(h.rt.deps, spec, "list-sync", "list.sync", null, "test over", "admin");
    }
  });

  it("goes without the people of an account the suppression list names since it was proposed", async () => {
    const spec = await h.rt.deps.specs.current();
    if (!spec) throw new Error("no spec published");
    await pinTrust(h.rt.deps, spec, "list-sync", "list.sync", 1, "a person approves list syncs", "admin");
    try {
      for (const id of ["lx", "ly"]) await putAccount(h.rt.deps, id, account(id));
      await seedPeople(h.rt.deps, "lx", [
        ["vp", "VP Sales"],
        ["cro", "CRO"],
      ]);
      await seedPeople(h.rt.deps, "ly", [["vp", "VP Sales"]]);
      for (const [accountId, contacts] of [
        [
          "lx",
          [
            { personId: "lx.vp", email: "vp@lx.io" },
            { personId: "lx.cro", email: "cro@lx.io" },
          ],
        ],
        ["ly", [{ personId: "ly.vp", email: "vp@ly.io" }]],
      ] as const)
        await h.agents.stores.agentKb.putLeadListEntry({
          ...entry([...contacts]),
          accountId,
          listId: `leads-wacct-${accountId}-2026-03-17`,
          date: "2026-03-17",
          ownerId: "wacct",
        });
      const pending = await waitingSync("2026-03-17T15:00:00Z", "sdr-wacct");
      // While it waits, the whole account asks to stop. Its people were read by themselves only, and
      // went into the SDR's audience.
      await addSuppression(h.rt.deps, { kind: "account", value: "lx", reason: "asked us to stop" });
      const before = syncs().length;
      const done = await approveAndExecute(pending);
      expect(done?.status).toBe("executed");
      expect([...(done?.execution?.withheld ?? [])].sort()).toEqual(["lx.cro", "lx.vp"]);
      const sent = syncs()
        .slice(before)
        .filter((e) => e.payload.audienceId === "sdr-wacct");
      expect(sent.map((e) => e.payload.add)).toEqual([[{ personId: "ly.vp", email: "vp@ly.io" }]]);
      const snapshot = (await h.agents.view.audienceSnapshots()).find((s) => s.audienceId === "sdr-wacct");
      expect(snapshot?.members).toEqual([{ personId: "ly.vp", email: "vp@ly.io" }]);
    } finally {
      await pinTrust(h.rt.deps, spec, "list-sync", "list.sync", null, "test over", "admin");
    }
  });
});

describe("List Sync delivered late", () => {
  it("keys its sync by the hour the schedule fired, so a late delivery does not take the next hour's", async () => {
    h.clock.set(Date.parse("2026-03-24T15:05:00Z"));
    await putAccount(h.rt.deps, "lz", account("lz"));
    await seedPeople(h.rt.deps, "lz", [
      ["vp", "VP Sales"],
      ["ae", "Account Executive"],
    ]);
    const late = (contacts: { personId: string; email: string }[]) =>
      h.agents.stores.agentKb.putLeadListEntry({
        ...entry(contacts),
        listId: "leads-late-2026-03-24",
        date: "2026-03-24",
        ownerId: "late",
        accountId: "lz",
      });
    const fired = (hour: string, at: string) =>
      h.agents.runner.run("list-sync", {
        kind: "schedule",
        cron: "0 * * * *",
        at: Date.parse(at),
        continuedFrom: Date.parse(`2026-03-24T${hour}:00:00Z`),
      });
    await late([{ personId: "lz.vp", email: "vp@lz.io" }]);
    // 14:00's firing, delivered at 15:05 (Lambda's retries, a throttled scheduler).
    const first = await fired("14", "2026-03-24T15:05:00Z");
    const mine = (r: typeof first) => r.proposals.filter((p) => p.proposalId.includes("sdr-late"));
    expect(mine(first).map((p) => p.proposalId)).toEqual(["list-sync:sync:sdr-late:2026-03-24T14"]);
    await h.agents.drain();
    // 15:00's own firing, on time, with a member added since: its own sync, not a replay of 14:00's.
    await late([
      { personId: "lz.vp", email: "vp@lz.io" },
      { personId: "lz.ae", email: "ae@lz.io" },
    ]);
    const second = await fired("15", "2026-03-24T15:06:00Z");
    expect(mine(second)).toMatchObject([
      { proposalId: "list-sync:sync:sdr-late:2026-03-24T15", replay: false },
    ]);
  });
});
