/**
 * Knowledge-base writes through the change feed read only what the write depends on: a person's write
 * is one read (account and person together), the transaction, one read of the suppressions it
 * inherits; whether the record is new comes from the write itself, not from a read before it.
 */

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { suppressionsFor } from "../../shared/adapters/dynamo/kb-store.ts";
import { ObservedKnowledgeStore } from "../../shared/kb/observed-store.ts";
import type { DomainEvent } from "../../shared/ports.ts";
import { STORES, startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { acme, jane } from "../helpers/world.ts";

let rt: TestRuntime;
beforeEach(async () => {
  rt = await startRuntime({ runWorkers: false });
});
afterEach(() => rt.close());

async function operations<T>(fn: () => Promise<T>): Promise<string[]> {
  const ops: string[] = [];
  const name = "kbWritesOperations";
  rt.db.raw.middlewareStack.add(
    (next, context) => async (args) => {
      ops.push((context.commandName ?? "?").replace(/Command$/, ""));
      return next(args);
    },
    { step: "finalizeRequest", name },
  );
  try {
    await fn();
    return ops;
  } finally {
    rt.db.raw.middlewareStack.remove(name);
  }
}

describe("knowledge-base writes", () => {
  it("say whether the record is new without reading it first, and still inherit suppressions", async () => {
    const events: DomainEvent[] = [];
    const kb = new ObservedKnowledgeStore(rt.deps.kb, { publish: async (e) => void events.push(...e) });
    const at = new Date(rt.clock.now()).toISOString();
    await kb.addSuppression({ kind: "domain", value: "acme.io", reason: "customer asked" }, at);
    expect(await operations(() => kb.putAccount("acme", acme, at))).toEqual([
      "GetItem",
      "TransactWriteItems",
      "GetItem",
      // The domain's suppression, inherited by the account.
      "UpdateItem",
      "UpdateItem",
    ]);
    expect(await operations(() => kb.putPerson("jane", jane, at))).toEqual([
      "BatchGetItem",
      "TransactWriteItems",
      "BatchGetItem",
      "UpdateItem",
      "UpdateItem",
    ]);
    await kb.putPerson("jane", { ...jane, title: "CRO" }, at);
    expect(events.map((e) => [e.type, e.detail.created])).toEqual([
      ["kb.account.put", true],
      ["kb.person.put", true],
      ["kb.person.put", false],
    ]);
    expect((await kb.getPerson("jane"))?.title).toBe("CRO");
    const sups = await suppressionsFor(rt.db, "acme", "jane");
    expect(sups.filter((s) => s.kind === "domain")).toHaveLength(2);
  });
});

describe("knowledge-base reads for a person's event", () => {
  it("fetch the person and the account in one request, through the change feed too", async () => {
    const at = new Date(rt.clock.now()).toISOString();
    const kb = new ObservedKnowledgeStore(rt.deps.kb, { publish: async () => {} });
    await kb.putAccount("acme", acme, at);
    await kb.putPerson("jane", jane, at);
    let found: Awaited<ReturnType<NonNullable<typeof kb.getPersonAndAccount>>> = {};
    expect(
      await operations(async () => {
        found = await kb.getPersonAndAccount("jane", "acme");
      }),
    ).toEqual(["BatchGetItem"]);
    expect(found.person).toMatchObject({ personId: "jane", accountId: "acme", email: jane.email });
    expect(found.account).toMatchObject({ accountId: "acme", domain: acme.domain });
    // What is missing is absent, not an error.
    expect(await kb.getPersonAndAccount("nobody", "acme")).toEqual({ account: found.account });
    expect(await kb.getPersonAndAccount("jane", "nowhere")).toEqual({ person: found.person });
  });

  it("an account rewritten while a signal came in keeps the signal", async () => {
    const at = new Date(rt.clock.now()).toISOString();
    const kb = rt.deps.kb;
    await kb.putAccount("acme", acme, at);
    await kb.addSignals("acme", [{ type: "pricing_page_visit", occurredAt: at }], "2000-01-01T00:00:00.000Z");
    // A signal lands between the rewrite's read of the account and its write (an import, say).
    let landed = false;
    const name = "signalBetween";
    rt.db.raw.middlewareStack.add(
      (next, context) => async (args) => {
        if (!landed && context.commandName === "TransactWriteItemsCommand") {
          landed = true;
          await kb.addSignals("acme", [{ type: "demo_request", occurredAt: at }], "2000-01-01T00:00:00.000Z");
        }
        return next(args);
      },
      { step: "finalizeRequest", name },
    );
    try {
      await kb.putAccount("acme", { ...acme, employees: 300 }, at);
    } finally {
      rt.db.raw.middlewareStack.remove(name);
    }
    expect(landed).toBe(true);
    const account = await kb.getAccount("acme");
    expect(account?.employees).toBe(300);
    // Before: the demo request was lost, written over with the signals read before it came.
    expect(account?.signals.map((x) => x.type).sort()).toEqual(["demo_request", "pricing_page_visit"]);
    // And the next batch of signals still finds its version.
    await kb.addSignals("acme", [{ type: "webinar", occurredAt: at }], "2000-01-01T00:00:00.000Z");
    expect((await kb.getAccount("acme"))?.signals).toHaveLength(3);
  });
});

describe.each(STORES)("two records of one address, on %s", (store) => {
  let own: TestRuntime;
  beforeEach(async () => {
    own = await startRuntime({ runWorkers: false, store });
  });
  afterEach(() => own.close());
  const sups = async (personId: string) =>
    (await suppressionsFor(own.db, "acme", personId)).filter((s) => s.kind === "email");

  it("an opt-out of the address reaches every person on file with it, and only while they have it", async () => {
    const kb = own.deps.kb;
    const at = new Date(own.clock.now()).toISOString();
    await kb.putAccount("acme", acme, at);
    // An agent's record of Jane, then the CRM's, whose address moved to hers.
    await kb.putPerson("agent-jane", jane, at);
    await kb.putPerson("crm-jane", { ...jane, email: "j.doe@acme.io" }, at);
    await kb.putPerson("crm-jane", jane, at);
    expect(await kb.personIdByEmail(jane.email)).toBe("crm-jane");
    expect(
      (await kb.addSuppression({ kind: "email", value: jane.email, reason: "unsubscribed" }, at)).appliedTo,
    ).toEqual(["person:crm-jane", "person:agent-jane"]);
    // Before, only the record the index named last was suppressed: the agent's could still be emailed.
    expect(await sups("agent-jane")).toHaveLength(1);
    expect(await sups("crm-jane")).toHaveLength(1);
    // The CRM's record moves on: the index names the agent's again (before, it was deleted, and a
    // later opt-out of the address reached nobody); the CRM's old address index is gone.
    await kb.putPerson("crm-jane", { ...jane, email: "jane.d@acme.io" }, at);
    expect(await kb.personIdByEmail(jane.email)).toBe("agent-jane");
    expect(await kb.personIdByEmail("j.doe@acme.io")).toBeUndefined();
    expect(
      (await kb.addSuppression({ kind: "email", value: jane.email, reason: "complained" }, at)).appliedTo,
    ).toEqual(["person:agent-jane"]);
    // The agent's moves on too: nobody is on file with the address any more.
    await kb.putPerson("agent-jane", { ...jane, email: "jd@acme.io" }, at);
    expect(await kb.personIdByEmail(jane.email)).toBeUndefined();
  });

  it("records of one address written at once all stay on its index; one that takes it back and leaves it is gone from it", async () => {
    const kb = own.deps.kb;
    const at = new Date(own.clock.now()).toISOString();
    await kb.putAccount("acme", acme, at);
    const ids = ["a-jane", "b-jane", "c-jane", "d-jane"];
    await Promise.all(ids.map((id) => kb.putPerson(id, jane, at)));
    // Before, each write named itself over what it read: the others written at once were dropped.
    const applied = (await kb.addSuppression({ kind: "email", value: jane.email, reason: "bounced" }, at))
      .appliedTo;
    expect([...applied].sort()).toEqual(ids.map((id) => `person:${id}`));
    // One takes the address back after another took it, then leaves: it is off the index. Before, it
    // stayed among its own co-holders, could not leave, and the index named it for good.
    await kb.putPerson("a-jane", jane, at);
    for (const id of ids) await kb.putPerson(id, { ...jane, email: `${id}@acme.io` }, at);
    expect(await kb.personIdByEmail(jane.email)).toBeUndefined();
    expect(
      (await kb.addSuppression({ kind: "email", value: jane.email, reason: "complained" }, at)).appliedTo,
    ).toEqual([]);
  });

  it("one person written with two addresses at once is on the index of the address it ends with, and off the other's", async () => {
    const kb = own.deps.kb;
    const at = new Date(own.clock.now()).toISOString();
    await kb.putAccount("acme", acme, at);
    for (let round = 0; round < 5; round++) {
      await kb.putPerson("jane", { ...jane, email: `old${round}@acme.io` }, at);
      const [a, b] = [`a${round}@acme.io`, `b${round}@acme.io`];
      await Promise.all([
        kb.putPerson("jane", { ...jane, email: a }, at),
        kb.putPerson("jane", { ...jane, email: b }, at),
      ]);
      const now = (await kb.getPerson("jane"))?.email;
      const other = now === a ? b : a;
      // Before, the other address's index still named her (in 10 of 10 rounds of the audit's run).
      expect(await kb.personIdByEmail(now ?? "")).toBe("jane");
      expect(await kb.personIdByEmail(other)).toBeUndefined();
      expect(await kb.personIdByEmail(`old${round}@acme.io`)).toBeUndefined();
    }
  });

  it("one account written with two domains at once is on the index of the domain it ends with, and off the other's", async () => {
    const kb = own.deps.kb;
    const at = new Date(own.clock.now()).toISOString();
    for (let round = 0; round < 5; round++) {
      await kb.putAccount("acme", { ...acme, domain: `old${round}.io` }, at);
      const [a, b] = [`a${round}.io`, `b${round}.io`];
      await Promise.all([
        kb.putAccount("acme", { ...acme, domain: a }, at),
        kb.putAccount("acme", { ...acme, domain: b }, at),
      ]);
      const now = (await kb.getAccount("acme"))?.domain;
      const other = now === a ? b : a;
      const applied = async (domain: string) =>
        (await kb.addSuppression({ kind: "domain", value: domain, reason: "legal hold" }, at)).appliedTo;
      expect(await applied(now ?? "")).toEqual(["account:acme"]);
      expect(await applied(other)).toEqual([]);
      expect(await applied(`old${round}.io`)).toEqual([]);
    }
  });
});
