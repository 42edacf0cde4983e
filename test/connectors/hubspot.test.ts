import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HubSpotConnector } from "../../shared/adapters/connectors/hubspot.ts";
import { ConnectorError } from "../../shared/ports.ts";
import { decision, fakeApi, instantRetries } from "./helpers/fake-api.ts";
import { fakeHubSpotWrites } from "./helpers/fake-hubspot-writes.ts";

let api: Awaited<ReturnType<typeof fakeApi>>;
let hs: ReturnType<typeof fakeHubSpotWrites>;
let retry: ReturnType<typeof instantRetries>;
let connector: HubSpotConnector;
beforeEach(async () => {
  hs = fakeHubSpotWrites();
  api = await fakeApi(hs.handle);
  retry = instantRetries();
  connector = new HubSpotConnector({ accessToken: "pat-test", basePath: api.url, retry });
});
afterEach(() => api.close());

const research = {
  operation: "research_note",
  accountId: "acme",
  domain: "acme.io",
  facts: [
    { kind: "news", text: "Acme launched Flow Studio this quarter.", sourceUrl: "https://acme.io/news" },
  ],
};

describe("HubSpot connector (official SDK against a local server)", () => {
  it("records research as a note upserted by the idempotency key and associated with the company", async () => {
    const req = { idempotencyKey: "d_1:exec:1", decision: decision("crm.update"), payload: research };
    const res = await connector.execute(req);
    expect(res.externalId).toMatch(/^hubspot:note:\d+$/);
    const note = api.requests.find((r) => r.path === "/crm/v3/objects/notes/batch/upsert");
    expect(note?.headers.authorization).toBe("Bearer pat-test");
    expect(note?.body.inputs[0]).toMatchObject({ idProperty: "harness_idempotency_key", id: "d_1:exec:1" });
    expect(note?.body.inputs[0].properties.hs_note_body).toMatch(/Flow Studio.*https:\/\/acme.io\/news/);
    expect(
      api.requests.some((r) =>
        /\/crm\/v4\/objects\/notes\/\d+\/associations\/default\/companies\/\d+/.test(r.path),
      ),
    ).toBe(true);
    // The same key again (a retry after a crash) updates the same note: no duplicate on the timeline.
    const again = await connector.execute(req);
    expect(again.externalId).toBe(res.externalId);
    expect([...hs.records.keys()].filter((k) => k.startsWith("notes|"))).toHaveLength(1);
  });

  it("retries 429 and 5xx with backoff, then succeeds", async () => {
    api.failNext(
      { status: 429, body: { message: "rate limited" } },
      { status: 502, body: { message: "bad gateway" } },
    );
    const res = await connector.execute({
      idempotencyKey: "d_2:exec:1",
      decision: decision("crm.update"),
      payload: research,
    });
    expect(res.externalId).toMatch(/^hubspot:note:/);
    expect(retry.waits).toEqual([100, 200]);
  });

  it("a 4xx is refused at once, as is persistent 503 (nothing happened); persistent 502 is an unknown outcome", async () => {
    api.failNext({ status: 400, body: { message: "Property values were not valid" } });
    const refused = await connector
      .execute({ idempotencyKey: "k", decision: decision("crm.update"), payload: research })
      .catch((e) => e);
    expect(refused).toBeInstanceOf(ConnectorError);
    expect(refused.outcomeUnknown).toBe(false);
    expect(retry.waits).toEqual([]);
    api.failNext(...Array.from({ length: 4 }, () => ({ status: 503, body: {} })));
    const unavailable = await connector
      .execute({ idempotencyKey: "k", decision: decision("crm.update"), payload: research })
      .catch((e) => e);
    expect(unavailable.outcomeUnknown).toBe(false);
    expect(unavailable.message).toMatch(/still turned away \(503\)/);
    // An upsert on the idempotency key may be sent again after a gateway error: retried, then unknown.
    api.failNext(...Array.from({ length: 4 }, () => ({ status: 502, body: {} })));
    const unknown = await connector
      .execute({ idempotencyKey: "k", decision: decision("crm.update"), payload: research })
      .catch((e) => e);
    expect(unknown.outcomeUnknown).toBe(true);
  });

  /** A list sync of the audience adding Jane, under the idempotency key. */
  const syncJane = (audienceId: string, key: string) =>
    connector.execute({
      idempotencyKey: key,
      decision: decision("list.sync"),
      payload: {
        audienceId,
        listName: `Harness: ${audienceId} target contacts`,
        add: [{ personId: "acme.jane", email: "jane@acme.io" }],
        remove: [],
        members: [{ personId: "acme.jane", email: "jane@acme.io" }],
      },
    });

  it("a list deleted since this container kept its id is found or made again, once", async () => {
    const first = await syncJane("sdr-5", "d_l1:exec:1");
    hs.lists.clear(); // deleted in HubSpot
    // Before, this sync, and every one after it in the container, was refused 404.
    const again = await syncJane("sdr-5", "d_l2:exec:1");
    const id = (r: { externalId: string }) => r.externalId.split(":")[2];
    expect(id(again)).not.toBe(id(first));
    expect([...hs.lists.values()]).toEqual([id(again)]);
  });

  it("a list lookup that answered 500 on every attempt hands the sync back: a read did nothing", async () => {
    api.failNext(...Array.from({ length: 4 }, () => ({ status: 500, body: {} })));
    const err = await syncJane("sdr-9", "d_lookup:exec:1").catch((e) => e);
    // Before, in doubt for a person to check, though nothing had been written.
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.message).toMatch(/list lookup: status 500 on every attempt of a read/);
    expect(err.outcomeUnknown).toBe(false);
    expect(err.retryAfterMs).toEqual(expect.any(Number));
    expect(api.requests.map((r) => r.method)).toEqual(["GET", "GET", "GET", "GET"]);
  });

  it("syncs a list: finds or creates it by name, upserts the contacts, adds and removes members", async () => {
    const payload = {
      audienceId: "sdr-1",
      listName: "Harness: sdr-1 target contacts",
      add: [{ personId: "acme.jane", email: "jane@acme.io" }],
      remove: [{ personId: "acme.bob", email: "bob@acme.io" }],
      members: [{ personId: "acme.jane", email: "jane@acme.io" }],
    };
    const res = await connector.execute({
      idempotencyKey: "d_3:exec:1",
      decision: decision("list.sync"),
      payload,
    });
    // bob is not in HubSpot: nothing to remove, and he is not created to be removed.
    expect(res.externalId).toMatch(/^hubspot:list:\d+:\+1-0$/);
    expect(api.requests.map((r) => `${r.method} ${r.path.split("?")[0]}`)).toEqual([
      "GET /crm/v3/lists/object-type-id/0-1/name/Harness%3A%20sdr-1%20target%20contacts",
      "POST /crm/v3/lists",
      "POST /crm/v3/objects/contacts/batch/upsert",
      "POST /crm/v3/objects/contacts/batch/read",
      expect.stringMatching(/^PUT \/crm\/v3\/lists\/\d+\/memberships\/add-and-remove$/),
    ]);
    expect(api.requests.at(-1)?.body).toEqual({
      recordIdsToAdd: [expect.any(String)],
      recordIdsToRemove: [],
    });
    expect([...hs.records.keys()]).not.toContain("contacts|email|bob@acme.io");
    // Once bob is a contact, a removal finds him by email.
    const again = await connector.execute({
      idempotencyKey: "d_3b:exec:1",
      decision: decision("list.sync"),
      payload: { ...payload, add: [{ personId: "acme.bob", email: "bob@acme.io" }], remove: [] },
    });
    expect(again.externalId).toMatch(/:\+1-0$/);
    const removed = await connector.execute({
      idempotencyKey: "d_3c:exec:1",
      decision: decision("list.sync"),
      payload: { ...payload, add: [], remove: [{ personId: "acme.bob", email: "bob@acme.io" }] },
    });
    expect(removed.externalId).toMatch(/:\+0-1$/);
    expect(api.requests.at(-1)?.body.recordIdsToRemove).toEqual([
      hs.records.get("contacts|email|bob@acme.io"),
    ]);
    // Removing only someone HubSpot does not have changes nothing: no membership call at all.
    const before = api.requests.length;
    const none = await connector.execute({
      idempotencyKey: "d_3d:exec:1",
      decision: decision("list.sync"),
      payload: { ...payload, add: [], remove: [{ personId: "acme.zed", email: "zed@acme.io" }] },
    });
    expect(none.externalId).toMatch(/:\+0-0$/);
    expect(api.requests.slice(before).map((r) => r.path)).toEqual(["/crm/v3/objects/contacts/batch/read"]);
  });

  it("syncs an audience of more than 100 in batches of 100; an address HubSpot refuses is left out and counted", async () => {
    const add = Array.from({ length: 250 }, (_, i) => ({ personId: `acme.p${i}`, email: `p${i}@acme.io` }));
    add.push({ personId: "acme.bad", email: "invalid@acme.io" });
    const res = await connector.execute({
      idempotencyKey: "d_5:exec:1",
      decision: decision("list.sync"),
      payload: { audienceId: "sdr-2", listName: "Harness: sdr-2", add, remove: [], members: add },
    });
    expect(res.externalId).toMatch(/^hubspot:list:\d+:\+250-0:refused1$/);
    // Counted, not withheld: HubSpot will never take that address, and withheld it would be proposed
    // again every hour (withheld is for what a later sync can add: a contact the list did not find).
    expect(res.withheld).toBeUndefined();
    const upserts = api.requests.filter((r) => r.path === "/crm/v3/objects/contacts/batch/upsert");
    expect(upserts.map((r) => r.body.inputs.length)).toEqual([100, 100, 51]);
    expect(api.requests.at(-1)?.body.recordIdsToAdd).toHaveLength(250);
  });

  it("writes a buying committee of more than 100 in batches of 100, each address once", async () => {
    const members = Array.from({ length: 130 }, (_, i) => ({
      personId: `acme.c${i}`,
      email: `c${i}@acme.io`,
      name: `C ${i}`,
      title: "Engineer",
      persona: "ic",
      role: "influencer",
    }));
    // The same person listed twice (an address on two records): HubSpot refuses a batch naming it twice.
    members.push({ ...members[0], personId: "acme.c0-dup", email: "C0@acme.io" } as (typeof members)[number]);
    const res = await connector.execute({
      idempotencyKey: "d_bc:exec:1",
      decision: decision("crm.update"),
      payload: { operation: "buying_committee", accountId: "acme", domain: "acme.io", members, gaps: [] },
    });
    // Before: one batch of 131, refused whole (400), every time the account turned high-intent.
    const upserts = api.requests.filter((r) => r.path === "/crm/v3/objects/contacts/batch/upsert");
    expect(upserts.map((r) => r.body.inputs.length)).toEqual([100, 30]);
    expect(res.externalId.split(":")[2]?.split(",")).toHaveLength(130);
  });

  it("a contact the list does not find (merged or deleted since its upsert) is named as not added", async () => {
    api.close();
    // HubSpot's memberships answer naming the first contact asked for as missing.
    api = await fakeApi((r) => {
      if (r.method === "PUT" && /\/memberships\/add-and-remove$/.test(r.path)) {
        const [gone, ...added] = r.body.recordIdsToAdd as string[];
        return {
          status: 200,
          body: { recordsIdsAdded: added, recordIdsRemoved: [], recordIdsMissing: gone ? [gone] : [] },
        };
      }
      return hs.handle(r);
    });
    connector = new HubSpotConnector({ accessToken: "pat-test", basePath: api.url, retry });
    const add = [
      { personId: "acme.ann", email: "ann@acme.io" },
      { personId: "acme.ben", email: "ben@acme.io" },
    ];
    const res = await connector.execute({
      idempotencyKey: "d_8:exec:1",
      decision: decision("list.sync"),
      payload: { audienceId: "sdr-8", listName: "Harness: sdr-8", add, remove: [], members: add },
    });
    // Before: reported +2 and counted synced, and no hourly sync added Ann again.
    expect(res.withheld).toEqual(["acme.ann"]);
  });

  it("a sync that would outlive its executor stops before a call it has no time for: turned away, not cut off", async () => {
    const add = Array.from({ length: 250 }, (_, i) => ({ personId: `acme.t${i}`, email: `t${i}@acme.io` }));
    // The executor's time left falls by 6 s with each request made: 25 s, 19, 13, then 7 (less than
    // the call's 10 s timeout): the fourth call is never started.
    const timeLeft = () => 25_000 - api.requests.length * 6_000;
    const stopped = await connector
      .execute({
        idempotencyKey: "d_t:exec:1",
        decision: decision("list.sync"),
        payload: { audienceId: "sdr-t", listName: "Harness: sdr-t", add, remove: [], members: add },
        timeLeft,
      })
      .catch((e) => e);
    expect(stopped).toBeInstanceOf(ConnectorError);
    expect(stopped.message).toMatch(/not started, 7 s left of the executor's time/);
    // Nothing of the unstarted call was done: the executor hands the decision back (execution.ts).
    expect(stopped.outcomeUnknown).toBe(false);
    expect(stopped.retryAfterMs).toBe(0);
    expect(api.requests).toHaveLength(3);
    // With the time, the same sync goes through: the stop was the time's, not the sync's.
    const done = await connector.execute({
      idempotencyKey: "d_t:exec:2",
      decision: decision("list.sync"),
      payload: { audienceId: "sdr-t", listName: "Harness: sdr-t", add, remove: [], members: add },
      timeLeft: () => 60_000,
    });
    expect(done.externalId).toMatch(/:\+250-0$/);
  });

  it("a backoff the time left cannot cover is not waited: stopped then, the engagement written before it stands", async () => {
    // The note is written, then its association is turned away (429): the wait and the call after it
    // (0.1 s + 10 s) do not fit the 10.05 s left, so it stops there, to be tried again as a whole.
    const limited = await fakeApi((r) =>
      r.method === "PUT" && r.path.includes("/associations/default/")
        ? { status: 429, body: { message: "rate limited" } }
        : hs.handle(r),
    );
    try {
      let left = 30_000;
      const late = new HubSpotConnector({ accessToken: "pat-test", basePath: limited.url, retry });
      const err = await late
        .execute({
          idempotencyKey: "d_n:exec:1",
          decision: decision("crm.update"),
          payload: research,
          timeLeft: () => {
            // 30 s for the company upsert and the note, 10.05 s once the note is written.
            if (limited.requests.some((q) => q.path === "/crm/v3/objects/notes/batch/upsert")) left = 10_050;
            return left;
          },
        })
        .catch((e) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect(err.message).toMatch(/^note \d+ written, then HubSpot association: not started, 10 s left/);
      // Turned away after a write: tried again later with the same key (upserts), not failed as nothing done.
      expect(err.outcomeUnknown).toBe(false);
      expect(err.afterWrite).toBe(true);
      expect(err.retryAfterMs).toBe(0);
      expect(retry.waits).toEqual([]);
      expect(limited.requests.filter((q) => q.path.includes("/associations/"))).toHaveLength(1);
    } finally {
      await limited.close();
    }
  });

  it("a step refused after an engagement was written is an unknown outcome, not nothing done; a LinkedIn touch logs on the company", async () => {
    // A HubSpot that refuses associations (a scope the app lacks, say): the note before it stands.
    const refusing = await fakeApi((r) =>
      r.method === "PUT" && r.path.includes("/associations/default/")
        ? { status: 400, body: { status: "error", message: "association not allowed" } }
        : hs.handle(r),
    );
    try {
      const strict = new HubSpotConnector({ accessToken: "pat-test", basePath: refusing.url, retry });
      const err = await strict
        .execute({ idempotencyKey: "d_8:exec:1", decision: decision("crm.update"), payload: research })
        .catch((e) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      // Before: a refusal (failed, reservation released), and the agent's next proposal wrote a second note.
      expect(err.outcomeUnknown).toBe(true);
      expect(err.message).toMatch(/^note \d+ written, then HubSpot association refused: 400/);
    } finally {
      await refusing.close();
    }
    const res = await connector.execute({
      idempotencyKey: "d_9:exec:1",
      decision: decision("crm.update"),
      payload: {
        operation: "log_engagement",
        decisionId: "d_9",
        channel: "linkedin",
        companyDomain: "acme.io",
        body: "Hi, saw the launch",
        occurredAt: "2026-03-10T14:00:00.000Z",
      },
    });
    expect(res.externalId).toMatch(/^hubspot:communications:\d+$/);
    expect(
      api.requests.some((r) =>
        /\/crm\/v4\/objects\/communications\/\d+\/associations\/default\/companies\/\d+/.test(r.path),
      ),
    ).toBe(true);
  });

  it("a batch HubSpot refuses whole for one address is halved down to it; only that one is left out", async () => {
    const add = Array.from({ length: 120 }, (_, i) => ({ personId: `acme.q${i}`, email: `q${i}@acme.io` }));
    add.splice(40, 0, { personId: "acme.bad", email: "bad@acme.io" });
    const res = await connector.execute({
      idempotencyKey: "d_6:exec:1",
      decision: decision("list.sync"),
      payload: { audienceId: "sdr-3", listName: "Harness: sdr-3", add, remove: [], members: add },
    });
    // Before: the whole sync was refused, every hour.
    expect(res.externalId).toMatch(/^hubspot:list:\d+:\+120-0:refused1$/);
    const sizes = api.requests
      .filter((r) => r.path === "/crm/v3/objects/contacts/batch/upsert")
      .map((r) => r.body.inputs.length);
    // The batch of 100, then halves down to the address (the 41st: the first half fails, then its
    // second quarter, ...): 13 upserts more, where contact by contact it was 100.
    expect(sizes).toEqual([100, 50, 25, 25, 13, 12, 6, 3, 2, 1, 3, 6, 50, 21]);
    // An hourly sync adding one bad address (and removing someone): the address is left out, the
    // removal goes through. Before, the sync was refused every hour, its removals with it.
    await connector.execute({
      idempotencyKey: "d_7a:exec:1",
      decision: decision("list.sync"),
      payload: {
        audienceId: "sdr-4",
        listName: "Harness: sdr-4",
        add: [{ personId: "acme.bob", email: "bob@acme.io" }],
        remove: [],
        members: [],
      },
    });
    const hourly = await connector.execute({
      idempotencyKey: "d_7b:exec:1",
      decision: decision("list.sync"),
      payload: {
        audienceId: "sdr-4",
        listName: "Harness: sdr-4",
        add: [{ personId: "acme.b0", email: "bad0@acme.io" }],
        remove: [{ personId: "acme.bob", email: "bob@acme.io" }],
        members: [],
      },
    });
    expect(hourly.externalId).toMatch(/:\+0-1:refused1$/);
  });

  it("a sync of 400 with a bad address in every batch goes through; past its budget of halvings it is refused", async () => {
    const audience = (n: number, bad: number[]) =>
      Array.from({ length: n }, (_, i) =>
        bad.includes(i)
          ? { personId: `acme.bad${i}`, email: `bad${i}@acme.io` }
          : { personId: `acme.r${i}`, email: `r${i}@acme.io` },
      );
    const add = audience(400, [5, 150, 260, 399]);
    const res = await connector.execute({
      idempotencyKey: "d_6c:exec:1",
      decision: decision("list.sync"),
      payload: { audienceId: "sdr-6", listName: "Harness: sdr-6", add, remove: [], members: add },
    });
    // Before, a third batch to split failed the sync, every hour.
    expect(res.externalId).toMatch(/^hubspot:list:\d+:\+396-0:refused4$/);
    // Ten bad addresses in one batch cost more halvings than a sync may send: refused, as before.
    const worse = audience(100, [0, 11, 22, 33, 44, 55, 66, 77, 88, 99]);
    await expect(
      connector.execute({
        idempotencyKey: "d_6d:exec:1",
        decision: decision("list.sync"),
        payload: { audienceId: "sdr-7", listName: "Harness: sdr-7", add: worse, remove: [], members: worse },
      }),
    ).rejects.toThrow(/INVALID_EMAIL/);
  });

  it("logs an executed email on the contact's timeline", async () => {
    const payload = {
      operation: "log_engagement",
      decisionId: "d_9",
      channel: "email",
      email: "jane@acme.io",
      subject: "Hello",
      body: "Hi Jane",
      occurredAt: "2026-03-10T14:00:00.000Z",
    };
    const res = await connector.execute({
      idempotencyKey: "d_4:exec:1",
      decision: decision("crm.update"),
      payload,
    });
    expect(res.externalId).toMatch(/^hubspot:emails:\d+$/);
    const email = api.requests.find((r) => r.path === "/crm/v3/objects/emails/batch/upsert");
    expect(email?.body.inputs[0].properties).toMatchObject({
      hs_email_subject: "Hello",
      hs_email_text: "Hi Jane",
      harness_idempotency_key: "d_4:exec:1",
    });
  });
});
