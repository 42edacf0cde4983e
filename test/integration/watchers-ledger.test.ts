/**
 * The watchers that turn executed record actions into knowledge believe the ledger, not the event:
 * anyone who may put events on the bus can say a decision was executed, and events arrive in no set
 * order. On DynamoDB Local and the in-process engine.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DynamoAgentKnowledgeStore } from "../../shared/adapters/dynamo/agent-kb-store.ts";
import { DynamoMemoryStore } from "../../shared/adapters/dynamo/memory-store.ts";
import { type IngestDeps, ingestExecuted } from "../../shared/agents/watchers/ingest.ts";
import type { Decision } from "../../shared/domain/decision.ts";
import { emailHash } from "../../shared/domain/redact.ts";
import type { KnowledgeView } from "../../shared/kb/view.ts";
import type { DomainEvent } from "../../shared/ports.ts";
import { STORES, startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { seedAcme } from "../helpers/world.ts";

describe.each(STORES)("record actions reach the knowledge base as the ledger has them (%s)", (store) => {
  let rt: TestRuntime;
  let agentKb: DynamoAgentKnowledgeStore;
  let ledger: Map<string, Decision>;
  let deps: IngestDeps;
  beforeEach(async () => {
    rt = await startRuntime({ store, runWorkers: false });
    agentKb = new DynamoAgentKnowledgeStore(rt.db);
    ledger = new Map();
    deps = {
      clock: rt.clock,
      events: rt.deps.events,
      decisions: { ...rt.deps.decisions, getDecision: async (id: string) => ledger.get(id) },
      kb: rt.deps.kb,
      agentKb,
      memory: new DynamoMemoryStore(rt.db),
      // Read only to classify a contact, which these tests do not.
      view: {} as KnowledgeView,
    };
  });
  afterEach(() => rt.close());

  const record = (
    decisionId: string,
    status: Decision["status"],
    actionType: string,
    payload: object,
    at?: string,
    /** Where the sync went: HubSpot's list (the default here), or an outbox ("s3-outbox:…", "outbox:…"). */
    externalId = "hubspot:list:1",
  ) =>
    ledger.set(decisionId, {
      decisionId,
      status,
      actionType,
      agentId: "wl-agent",
      accountId: "wl-acme",
      payload,
      ...(at ? { execution: { at, idempotencyKey: `${decisionId}:exec:1`, externalId } } : {}),
    } as unknown as Decision);
  const executed = (decisionId: string, actionType: string): DomainEvent => ({
    type: "decision.transitioned",
    detail: {
      decisionId,
      from: "dispatched",
      to: "executed",
      agentId: "wl-agent",
      actionType,
      accountId: "wl-acme",
    },
  });

  /** An audience member as a list sync names one. */
  const member = (id: string) => ({ personId: id, email: `${id}@wl-acme.io` });
  /** A list sync of `audienceId` executed through `externalId`, its event handled: the snapshot after. */
  const syncOf =
    (audienceId: string) => async (id: string, at: string, externalId: string, payload: object) => {
      record(id, "executed", "list.sync", { audienceId, listName: "wl", ...payload }, at, externalId);
      await ingestExecuted(deps, executed(id, "list.sync"));
      return (await agentKb.audienceSnapshots()).find((s) => s.audienceId === audienceId);
    };

  it("an event saying a rejected contact upsert was executed writes no person", async () => {
    await seedAcme(rt.deps, "wl-acme");
    record("d-wl-rejected", "rejected", "crm.update", {
      operation: "upsert_contact",
      personId: "wl-acme.ada",
      contact: {
        accountId: "wl-acme",
        email: "ada@wl-acme.io",
        firstName: "Ada",
        lastName: "Doe",
        title: "VP",
      },
      companyDomain: "wl-acme.io",
      source: "test",
    });
    await ingestExecuted(deps, executed("d-wl-rejected", "crm.update"));
    expect(await rt.deps.kb.getPerson("wl-acme.ada")).toBeUndefined();

    // Executed in the ledger: written.
    record(
      "d-wl-rejected",
      "executed",
      "crm.update",
      ledger.get("d-wl-rejected")?.payload ?? {},
      "2026-03-10T14:00:00.000Z",
    );
    await ingestExecuted(deps, executed("d-wl-rejected", "crm.update"));
    expect((await rt.deps.kb.getPerson("wl-acme.ada"))?.email).toBe("ada@wl-acme.io");
  });

  it("a contact upsert for someone erased (by id or by address) is never written back", async () => {
    await seedAcme(rt.deps, "wl-acme");
    const upsert = (personId: string, email: string) => ({
      operation: "upsert_contact",
      personId,
      contact: { accountId: "wl-acme", email, firstName: "Max", lastName: "Roe", title: "VP" },
      companyDomain: "wl-acme.io",
      source: "test",
    });
    await rt.deps.erasure?.mark({
      personId: "wl-acme.max",
      emailHash: emailHash("max@wl-acme.io"),
      erasedAt: "2026-03-10T13:00:00.000Z",
      by: "user:admin",
    });
    // Found again by an agent after the erasure: under the same id, and under a new one with the address.
    record(
      "d-wl-again",
      "executed",
      "crm.update",
      upsert("wl-acme.max", "max@wl-acme.io"),
      "2026-03-10T14:00:00.000Z",
    );
    record(
      "d-wl-newid",
      "executed",
      "crm.update",
      upsert("wl-acme.mroe", "MAX@wl-acme.io"),
      "2026-03-10T14:00:00.000Z",
    );
    await ingestExecuted(deps, executed("d-wl-again", "crm.update"));
    await ingestExecuted(deps, executed("d-wl-newid", "crm.update"));
    expect(await rt.deps.kb.getPerson("wl-acme.max")).toBeUndefined();
    expect(await rt.deps.kb.getPerson("wl-acme.mroe")).toBeUndefined();
    // An admin's write is a 409 naming why.
    await expect(
      rt.deps.kb.putPerson(
        "wl-acme.max",
        upsert("wl-acme.max", "max@wl-acme.io").contact,
        "2026-03-10T14:00:00.000Z",
      ),
    ).rejects.toThrow(/erased on request/);
    // Someone else at the account is written as before.
    record(
      "d-wl-other",
      "executed",
      "crm.update",
      upsert("wl-acme.ann", "ann@wl-acme.io"),
      "2026-03-10T14:00:00.000Z",
    );
    await ingestExecuted(deps, executed("d-wl-other", "crm.update"));
    expect((await rt.deps.kb.getPerson("wl-acme.ann"))?.email).toBe("ann@wl-acme.io");
  });

  it("an older sync's event arriving after a newer one's leaves the newer audience snapshot", async () => {
    const sync = (members: string[]) => ({
      audienceId: "wl-audience",
      listName: "wl-list",
      add: [],
      remove: [],
      members: members.map((p) => ({ personId: p, email: `${p}@wl-acme.io` })),
    });
    record("d-wl-sync-10", "executed", "list.sync", sync([]), "2026-03-10T10:00:00.000Z");
    record("d-wl-sync-11", "executed", "list.sync", sync(["max"]), "2026-03-10T11:00:00.000Z");
    await ingestExecuted(deps, executed("d-wl-sync-11", "list.sync"));
    await ingestExecuted(deps, executed("d-wl-sync-10", "list.sync"));
    const snap = (await agentKb.audienceSnapshots()).find((s) => s.audienceId === "wl-audience");
    expect(snap?.decisionId).toBe("d-wl-sync-11");
    expect(snap?.members.map((m) => m.personId)).toEqual(["max"]);
    // Redelivered, the newer one is written again, unchanged.
    await ingestExecuted(deps, executed("d-wl-sync-11", "list.sync"));
    expect((await agentKb.audienceSnapshots()).find((s) => s.audienceId === "wl-audience")?.decisionId).toBe(
      "d-wl-sync-11",
    );
  });

  it("an executed sync records whom it added, for an erasure to find their audiences after they left", async () => {
    const jane = { personId: "wl-jane", email: "jane@wl-acme.io" };
    record(
      "d-wl-add",
      "executed",
      "list.sync",
      { audienceId: "wl-aud-2", listName: "wl", add: [jane], remove: [], members: [jane] },
      "2026-03-10T12:00:00.000Z",
    );
    record(
      "d-wl-remove",
      "executed",
      "list.sync",
      { audienceId: "wl-aud-2", listName: "wl", add: [], remove: [jane], members: [] },
      "2026-03-10T13:00:00.000Z",
    );
    await ingestExecuted(deps, executed("d-wl-add", "list.sync"));
    await ingestExecuted(deps, executed("d-wl-remove", "list.sync"));
    // Her audience's snapshot no longer lists her; the erasure still finds the audience.
    expect((await agentKb.audienceSnapshots()).find((s) => s.audienceId === "wl-aud-2")?.members).toEqual([]);
    expect(await rt.deps.erasure?.audiencesNaming("wl-jane")).toEqual(["wl-aud-2"]);
  });

  it("parts of one audience handled at once each keep their changes, in whatever order they come", async () => {
    const parts = Array.from({ length: 6 }, (_, i) => `d-wl-conc-${i}`);
    for (const [i, id] of parts.entries())
      record(
        id,
        "executed",
        "list.sync",
        {
          audienceId: "wl-aud-4",
          listName: "wl",
          add: [0, 1, 2].map((j) => ({ personId: `p${i}-${j}`, email: `p${i}-${j}@wl-acme.io` })),
          remove: [],
        },
        // The later parts first: a part's snapshot time never goes back.
        `2026-03-10T15:0${5 - i}:00.000Z`,
      );
    // A manual full sync's parts, executed together: before, each read the same snapshot and the last
    // write kept only its own adds (and an older part's event arriving late was passed over).
    await Promise.all(parts.map((id) => ingestExecuted(deps, executed(id, "list.sync"))));
    const snap = (await agentKb.audienceSnapshots()).find((s) => s.audienceId === "wl-aud-4");
    expect(snap?.members).toHaveLength(18);
    expect(snap?.syncedAt).toBe("2026-03-10T15:05:00.000Z");
    expect(snap).not.toHaveProperty("rev");
  });

  it("a sync that carried a part of its audience (no members list) leaves the last snapshot less its removes, plus its adds", async () => {
    const m = (id: string, email = `${id}@wl-acme.io`) => ({ personId: id, email });
    // The last snapshot, as a whole audience's sync left it and an erasure's scrub then redacted it.
    await agentKb.updateAudienceSnapshot("wl-aud-3", () => ({
      audienceId: "wl-aud-3",
      members: [m("a"), m("b"), m("c"), m("gone", "[erased]")],
      syncedAt: "2026-03-10T12:00:00.000Z",
      decisionId: "d-wl-part-0",
    }));
    record(
      "d-wl-part-1",
      "executed",
      "list.sync",
      { audienceId: "wl-aud-3", listName: "wl", add: [m("d")], remove: [m("b")] },
      "2026-03-10T13:00:00.000Z",
    );
    await ingestExecuted(deps, executed("d-wl-part-1", "list.sync"));
    const snap = (await agentKb.audienceSnapshots()).find((s) => s.audienceId === "wl-aud-3");
    // A sync whose audience's key an erasure destroyed before its event was handled: nothing to read
    // (its payload is empty), and nothing thrown (before, every retry failed into the dead-letter queue).
    ledger.set("d-wl-shredded", {
      decisionId: "d-wl-shredded",
      status: "executed",
      actionType: "list.sync",
      agentId: "wl-agent",
      accountId: "audience:wl-aud-3",
      payload: {},
      erased: true,
      execution: { at: "2026-03-10T14:00:00.000Z", idempotencyKey: "k" },
    } as unknown as Decision);
    await ingestExecuted(deps, executed("d-wl-shredded", "list.sync"));
    // b removed, d added, and the address an erasure left is dropped, as a whole audience's sync drops
    // it; the shredded one changed nothing.
    const after = (await agentKb.audienceSnapshots()).find((s) => s.audienceId === "wl-aud-3");
    expect(snap?.members).toEqual([m("a"), m("c"), m("d")]);
    expect(after).toEqual(snap);
    expect(after?.decisionId).toBe("d-wl-part-1");
  });

  it("syncs that went to an outbox (a dry run) leave what the list holds: the first that reaches it starts from there", async () => {
    const sync = syncOf("wl-aud-dry");
    // Live: HubSpot's list holds a and b.
    const first = await sync("d-dry-1", "2026-03-10T10:00:00.000Z", "hubspot:list:7", {
      add: [member("a"), member("b")],
      remove: [],
      members: [member("a"), member("b")],
    });
    expect(first).not.toHaveProperty("live");
    // The deployment back in the default dry run (redeployed without its connectors config): a part
    // that adds c and removes a, then a whole audience adding d, each to the S3 outbox.
    const dry = await sync("d-dry-2", "2026-03-10T11:00:00.000Z", "s3-outbox:outbox/k2.json", {
      add: [member("c")],
      remove: [member("a")],
    });
    // The next sync proposes only what changed since (the dry run shows what a live one would send)...
    expect(dry?.members).toEqual([member("b"), member("c")]);
    // ...and what the list holds is kept beside it.
    expect(dry?.live).toEqual([member("a"), member("b")]);
    const whole = await sync("d-dry-3", "2026-03-10T12:00:00.000Z", "s3-outbox:outbox/k3.json", {
      add: [member("d")],
      remove: [],
      members: [member("b"), member("c"), member("d")],
    });
    expect(whole).toMatchObject({
      members: [member("b"), member("c"), member("d")],
      live: [member("a"), member("b")],
    });
    // Live again: its part adds e to what the list held. Before, the snapshot said b, c, d, e, and
    // the next sync never added c or d to HubSpot's list, nor removed a.
    const live = await sync("d-dry-4", "2026-03-10T13:00:00.000Z", "hubspot:list:7", {
      add: [member("e")],
      remove: [],
    });
    expect(live?.members).toEqual([member("a"), member("b"), member("e")]);
    expect(live).not.toHaveProperty("live");
    expect(live?.decisionId).toBe("d-dry-4");
    // An erasure finds an audience whose list, but not its diff, names someone (one synced before
    // the index of whom syncs added was kept: a snapshot is all that names them).
    await agentKb.updateAudienceSnapshot("wl-aud-old", () => ({
      audienceId: "wl-aud-old",
      members: [],
      live: [member("z")],
      syncedAt: "2026-03-10T09:00:00.000Z",
    }));
    expect(await rt.deps.erasure?.audiencesNaming("z")).toEqual(["wl-aud-old"]);
  });

  it("a deployment still in its dry run when it took this version: the snapshot's members are not the list's", async () => {
    // As an earlier version kept it: an outbox's sync wrote members, and no `live`.
    record(
      "d-old-dry",
      "executed",
      "list.sync",
      { audienceId: "wl-aud-old2", listName: "wl", add: [], remove: [] },
      "2026-03-10T09:00:00.000Z",
      "s3-outbox:outbox/k0.json",
    );
    await agentKb.updateAudienceSnapshot("wl-aud-old2", () => ({
      audienceId: "wl-aud-old2",
      members: [member("a"), member("b")],
      syncedAt: "2026-03-10T09:00:00.000Z",
      decisionId: "d-old-dry",
    }));
    record(
      "d-old-dry-2",
      "executed",
      "list.sync",
      { audienceId: "wl-aud-old2", listName: "wl", add: [member("c")], remove: [] },
      "2026-03-10T10:00:00.000Z",
      "s3-outbox:outbox/k1.json",
    );
    await ingestExecuted(deps, executed("d-old-dry-2", "list.sync"));
    const snap = (await agentKb.audienceSnapshots()).find((s) => s.audienceId === "wl-aud-old2");
    expect(snap?.members).toEqual([member("a"), member("b"), member("c")]);
    // Before: a and b, the earlier dry run's adds, taken for what HubSpot's list holds.
    expect(snap?.live).toEqual([]);
    // A sync a person settled as sent without naming the vendor's id counts as not reaching the list:
    // the next live one proposes its changes again (an add made twice changes nothing).
    record(
      "d-old-dry-3",
      "executed",
      "list.sync",
      { audienceId: "wl-aud-old2", listName: "wl", add: [member("d")], remove: [] },
      "2026-03-10T11:00:00.000Z",
    );
    const d3 = ledger.get("d-old-dry-3") as Decision;
    ledger.set("d-old-dry-3", {
      ...d3,
      execution: { at: "2026-03-10T11:00:00.000Z", idempotencyKey: "k3" },
    } as Decision);
    await ingestExecuted(deps, executed("d-old-dry-3", "list.sync"));
    expect((await agentKb.audienceSnapshots()).find((s) => s.audienceId === "wl-aud-old2")?.live).toEqual([]);
  });

  it("a record action settled as sent after its person was erased writes nothing and throws nothing", async () => {
    ledger.set("d-wl-erased-upsert", {
      decisionId: "d-wl-erased-upsert",
      status: "executed",
      actionType: "crm.update",
      agentId: "wl-agent",
      accountId: "wl-acme",
      payload: {},
      erased: true,
      execution: { at: "2026-03-10T14:00:00.000Z", idempotencyKey: "k" },
    } as unknown as Decision);
    // Before: CrmUpdate.parse threw on the empty payload, and the event was retried into the DLQ.
    await expect(ingestExecuted(deps, executed("d-wl-erased-upsert", "crm.update"))).resolves.toBeUndefined();
  });

  it("a whole audience's live sync after a dry run: the list holds what it held plus this sync's changes", async () => {
    const sync = syncOf("wl-aud-dry2");
    // Only ever a dry run, locally (the sandbox's outbox): the list holds nothing yet.
    const dry = await sync("d-dry2-1", "2026-03-10T10:00:00.000Z", "outbox:d-dry2-1:exec:1", {
      add: [member("a"), member("b")],
      remove: [],
      members: [member("a"), member("b")],
    });
    expect(dry).toMatchObject({ members: [member("a"), member("b")], live: [] });
    const live = await sync("d-dry2-2", "2026-03-10T11:00:00.000Z", "hubspot:list:9", {
      add: [member("c")],
      remove: [member("a")],
      members: [member("b"), member("c")],
    });
    // Not the audience it listed: b was never added, so the next sync adds it.
    expect(live?.members).toEqual([member("c")]);
    expect(live).not.toHaveProperty("live");
  });

  it("an agent's contact upsert adds people but never changes an existing person's address or account", async () => {
    await seedAcme(rt.deps, "wl-acme");
    const jane = await rt.deps.kb.getPerson("wl-acme-jane");
    expect(jane?.email).toBe("jane@wl-acme.io");
    const upsert = (email: string, title: string) => ({
      operation: "upsert_contact",
      personId: "wl-acme-jane",
      contact: { accountId: "wl-acme", email, firstName: "Jane", lastName: "Doe", title },
      companyDomain: "wl-acme.io",
      source: "test",
    });
    // Another agent's credential sends her mail elsewhere: before, the next email went to that address.
    record(
      "d-wl-hijack",
      "executed",
      "crm.update",
      upsert("jane@elsewhere.example", "VP"),
      "2026-03-10T14:00:00.000Z",
    );
    await ingestExecuted(deps, executed("d-wl-hijack", "crm.update"));
    expect((await rt.deps.kb.getPerson("wl-acme-jane"))?.email).toBe("jane@wl-acme.io");
    // What the agent learnt of her, at her own address, is kept.
    record(
      "d-wl-title",
      "executed",
      "crm.update",
      upsert("Jane@wl-acme.io", "CRO"),
      "2026-03-10T15:00:00.000Z",
    );
    await ingestExecuted(deps, executed("d-wl-title", "crm.update"));
    expect((await rt.deps.kb.getPerson("wl-acme-jane"))?.title).toBe("CRO");
    // Nor does a new record take her address over.
    record(
      "d-wl-twin",
      "executed",
      "crm.update",
      { ...upsert("jane@wl-acme.io", "VP"), personId: "wl-acme-jane2" },
      "2026-03-10T16:00:00.000Z",
    );
    await ingestExecuted(deps, executed("d-wl-twin", "crm.update"));
    expect(await rt.deps.kb.getPerson("wl-acme-jane2")).toBeUndefined();
    expect(await rt.deps.kb.personIdByEmail("jane@wl-acme.io")).toBe("wl-acme-jane");
  });

  it("an engagement is logged only for a touch executed on the account: no thread in another agent's name", async () => {
    await seedAcme(rt.deps, "wl-acme");
    const log = (decisionId: string, body: string) => ({
      operation: "log_engagement",
      decisionId,
      channel: "email",
      subject: "Pricing",
      body,
      occurredAt: "2026-03-10T14:00:00.000Z",
    });
    const touch = (decisionId: string, status: Decision["status"], accountId = "wl-acme") =>
      ledger.set(decisionId, {
        decisionId,
        status,
        actionType: "email.send",
        actionKind: "touch",
        agentId: "outreach-writer",
        accountId,
        personId: "wl-acme-jane",
        channel: "email",
        payload: { subject: "Pricing", body: "pricing: the email as sent" },
      } as unknown as Decision);
    touch("d-wl-sent", "executed");
    touch("d-wl-pending", "pending_approval");
    touch("d-wl-other", "executed", "wl-other");
    const threads = async () =>
      (await new DynamoMemoryStore(rt.db).search("wl-acme", "pricing", 10)).map((h) => h.doc.text);
    for (const [id, ref] of [
      ["d-wl-log-pending", "d-wl-pending"],
      ["d-wl-log-other", "d-wl-other"],
      ["d-wl-log-none", "d-wl-missing"],
    ] as const) {
      record(
        id,
        "executed",
        "crm.update",
        log(ref, `pricing: forged thread for ${ref}`),
        "2026-03-10T14:00:00.000Z",
      );
      await ingestExecuted(deps, executed(id, "crm.update"));
    }
    // Before: each of these became an email thread in outreach-writer's name in the account's memory.
    expect(await threads()).toEqual([]);
    record(
      "d-wl-log",
      "executed",
      "crm.update",
      log("d-wl-sent", "pricing: the email as sent"),
      "2026-03-10T14:00:00.000Z",
    );
    await ingestExecuted(deps, executed("d-wl-log", "crm.update"));
    expect(await threads()).toEqual(["pricing: the email as sent"]);
    // Another agent logging the same touch with words of its own changes nothing: the thread is the
    // ledger's. Before, it wrote over the real one.
    record(
      "d-wl-log-forged",
      "executed",
      "crm.update",
      log("d-wl-sent", "pricing: they agreed to a 50% discount"),
      "2026-03-10T15:00:00.000Z",
    );
    await ingestExecuted(deps, executed("d-wl-log-forged", "crm.update"));
    expect(await threads()).toEqual(["pricing: the email as sent"]);
  });
});
