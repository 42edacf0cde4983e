/**
 * Issue 11 (3): the CRM fills the knowledge base. The crm-import agent, its use case and the DynamoDB
 * store on DynamoDB Local, reading a fake HubSpot CRM through @hubspot/api-client (the adapter's
 * real requests: search by modified time, paging with `after`, the 10,000-result window, v4
 * association reads).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HubSpotCrmSearch } from "../../shared/adapters/connectors/hubspot-crm-search.ts";
import { DynamoCheckpointStore } from "../../shared/adapters/dynamo/checkpoint-store.ts";
import { DynamoCrmImportStore } from "../../shared/adapters/dynamo/crm-import-store.ts";
import { DynamoKnowledgeStore, suppressionsFor } from "../../shared/adapters/dynamo/kb-store.ts";
import { CHAIN_MS, crmImport } from "../../shared/agents/workflows/crm-import.ts";
import type { Person } from "../../shared/domain/kb.ts";
import type { DomainEvent } from "../../shared/ports.ts";
import { putAccount, putPerson } from "../../shared/usecases/admin.ts";
import {
  type CrmImportDeps,
  checkpointName,
  crmImporter,
  importFromCrm,
  RUN_MARGIN_MS,
} from "../../shared/usecases/crm-import.ts";
import type { CrmPage } from "../../shared/usecases/crm-paging.ts";
import { erasePerson } from "../../shared/usecases/erase.ts";
import { instantRetries } from "../connectors/helpers/fake-api.ts";
import { fakeHubSpotCrm } from "../connectors/helpers/fake-hubspot-crm.ts";
import { acme } from "../helpers/world.ts";
import { type AgentsHarness, startAgents, T0 } from "./helpers/agents-runtime.ts";

const HOUR = 3_600_000;
const TZ = { workspaceTimezone: "America/New_York" };

let h: AgentsHarness;
let worlds = 0;
beforeAll(async () => {
  h = await startAgents({ agents: [crmImport] });
});
afterAll(() => h.close());

/** One import world: a fresh fake CRM and the import's deps on the runtime's tables. */
async function world(o: { window?: number; pageSize?: number } = {}) {
  const hs = await fakeHubSpotCrm(o.window ? { window: o.window } : {});
  const kb = new DynamoKnowledgeStore(h.rt.db);
  const store = new DynamoCrmImportStore(h.rt.db, kb);
  const events: DomainEvent[] = [];
  const deps: CrmImportDeps = {
    clock: h.clock,
    crm: new HubSpotCrmSearch({
      accessToken: "pat-test",
      basePath: hs.url,
      portalId: "4711",
      retry: instantRetries(),
      ...(o.pageSize ? { pageSize: o.pageSize } : {}),
    }),
    store,
    checkpoints: ownCheckpoints(`w${++worlds}`),
    events: { publish: async (e) => void events.push(...e) },
  };
  return { hs, kb, store, deps, events, checkpoints: deps.checkpoints };
}

/** The tests share tables: each world's checkpoints under its own name. */
function ownCheckpoints(prefix: string): CrmImportDeps["checkpoints"] {
  const store = new DynamoCheckpointStore(h.rt.db);
  return {
    get: (name) => store.get(`${prefix}:${name}`),
    advance: (name, at) => store.advance(`${prefix}:${name}`, at),
  };
}

/**
 * A company `<n>01` (written six hours before T0) and one contact of it per time in `at`, with ids
 * `<n>10`, `<n>11`, ...: a bulk write in HubSpot, for the paging and checkpoint tests.
 */
function seedBulk(hs: Awaited<ReturnType<typeof fakeHubSpotCrm>>, n: string, company: string, at: number[]) {
  const domain = `${company.toLowerCase()}-${n}.com`;
  hs.put("companies", `${n}01`, { name: company, domain }, T0 - 6 * HOUR);
  for (const [i, t] of at.entries())
    hs.put(
      "contacts",
      `${n}1${i}`,
      { email: `p${i}@${domain}`, firstname: "P", lastname: `N${i}`, jobtitle: "VP Sales" },
      t,
      `${n}01`,
    );
}

/** A company, two contacts of it, a deal of it, at `at` (distinct ids per test via `n`). */
/** A company and an open deal of it, in HubSpot from before T0 (the deal an hour after the company). */
function companyWithOpenDeal(
  hs: Awaited<ReturnType<typeof fakeHubSpotCrm>>,
  companyId: string,
  dealId: string,
  company: { name: string; domain: string },
  dealname: string,
) {
  hs.put("companies", companyId, company, T0 - 6 * HOUR);
  hs.put(
    "deals",
    dealId,
    { dealname, dealstage: "qualifiedtobuy", pipeline: "default" },
    T0 - 5 * HOUR,
    companyId,
  );
}

/** An account the API wrote (no source): a US software prospect. */
const putProspect = (accountId: string, name: string, domain: string, employees: number) =>
  putAccount(h.rt.deps, accountId, {
    ...{ name, domain, industry: "software", employees },
    ...{ country: "US", timezone: "UTC", lifecycle: "prospect" as const },
  });

function seedCrm(hs: Awaited<ReturnType<typeof fakeHubSpotCrm>>, n: string, at: number) {
  hs.put(
    "companies",
    `${n}01`,
    {
      name: "Globex",
      domain: `globex-${n}.com`,
      industry: "COMPUTER_SOFTWARE",
      numberofemployees: "420",
      country: "DE",
      timezone: "Europe/Berlin",
      lifecyclestage: "opportunity",
      hubspot_owner_id: "77",
    },
    at,
  );
  hs.put(
    "contacts",
    `${n}11`,
    {
      email: `ada@globex-${n}.com`,
      firstname: "Ada",
      lastname: "Lovelace",
      jobtitle: "VP Marketing",
      lifecyclestage: "salesqualifiedlead",
    },
    at + 1,
    `${n}01`,
  );
  hs.put(
    "contacts",
    `${n}12`,
    {
      email: `max@globex-${n}.com`,
      firstname: "Max",
      lastname: "Muster",
      jobtitle: "Head of Sales",
    },
    at + 2,
    `${n}01`,
  );
  hs.put(
    "deals",
    `${n}21`,
    {
      dealname: "Globex platform",
      dealstage: "contractsent",
      pipeline: "default",
      amount: "48000",
      deal_currency_code: "EUR",
      hubspot_owner_id: "77",
    },
    at + 3,
    `${n}01`,
  );
}

describe("CRM import (HubSpot → knowledge base)", () => {
  it("first import fills companies, contacts and deals, each citing its HubSpot record; invalid records are skipped with a reason", async () => {
    const w = await world();
    seedCrm(w.hs, "1", T0 - 5 * HOUR);
    // Invalid: a company without a domain, a contact without a job title, a deal without a stage.
    w.hs.put("companies", "102", { name: "No Domain Inc" }, T0 - 4 * HOUR);
    w.hs.put(
      "contacts",
      "113",
      { email: "eve@globex-1.com", firstname: "Eve", lastname: "X" },
      T0 - 4 * HOUR,
      "101",
    );
    w.hs.put("deals", "122", { dealname: "Bad", amount: "1000" }, T0 - 4 * HOUR, "101");

    const report = await importFromCrm(w.deps, TZ);

    expect(report.companies).toMatchObject({ seen: 2, written: 1 });
    expect(report.companies.skipped).toEqual([{ id: "102", reason: expect.stringContaining("domain") }]);
    expect(report.contacts).toMatchObject({ seen: 3, written: 2 });
    expect(report.contacts.skipped).toEqual([{ id: "113", reason: expect.stringContaining("jobtitle") }]);
    expect(report.deals).toMatchObject({ seen: 2, written: 1 });
    expect(report.deals.skipped).toEqual([{ id: "122", reason: expect.stringContaining("dealstage") }]);

    const account = await w.kb.getAccount("hubspot-company-101");
    expect(account).toMatchObject({
      name: "Globex",
      domain: "globex-1.com",
      employees: 420,
      country: "DE",
      timezone: "Europe/Berlin",
      lifecycle: "open_opportunity",
      // Its HubSpot owner, as the harness names owners: no spec maps 77, so by HubSpot's id.
      ownerId: "hubspot-owner-77",
      crm: { lifecycleStage: "opportunity", ownerId: "77" },
      source: {
        system: "hubspot",
        objectType: "companies",
        id: "101",
        url: "https://app.hubspot.com/contacts/4711/record/0-2/101",
        modifiedAt: new Date(T0 - 5 * HOUR).toISOString(),
      },
    });
    // contact → company association: the person belongs to the company's account.
    const ada = await w.kb.getPerson("hubspot-contact-111");
    expect(ada).toMatchObject({
      accountId: "hubspot-company-101",
      email: "ada@globex-1.com",
      title: "VP Marketing",
      crm: { lifecycleStage: "salesqualifiedlead" },
      source: { system: "hubspot", objectType: "contacts", id: "111" },
    });
    expect(await w.store.dealsOf("hubspot-company-101")).toEqual([
      expect.objectContaining({
        dealId: "121",
        name: "Globex platform",
        stage: "contractsent",
        amount: 48000,
        currency: "EUR",
        ownerId: "77",
        source: expect.objectContaining({ objectType: "deals", id: "121" }),
      }),
    ]);
    // The change feed the agents react to: one account and two people, all new.
    expect(w.events.map((e) => [e.type, e.detail.created])).toEqual([
      ["kb.account.put", true],
      ["kb.person.put", true],
      ["kb.person.put", true],
    ]);
    expect(await w.checkpoints.get(checkpointName("hubspot", "contacts"))).toBe(T0 - 4 * HOUR);
    await w.hs.close();
  });

  it("a second run after one contact changed in HubSpot imports exactly that one; a third writes nothing", async () => {
    const w = await world();
    seedCrm(w.hs, "2", T0 - 5 * HOUR);
    await importFromCrm(w.deps, TZ);
    h.clock.advance(HOUR);
    w.hs.put("contacts", "212", { jobtitle: "Chief Revenue Officer" }, h.clock.now() - 60_000);

    const second = await importFromCrm(w.deps, TZ);
    expect([second.companies.written, second.contacts.written, second.deals.written]).toEqual([0, 1, 0]);
    expect((await w.kb.getPerson("hubspot-contact-212"))?.title).toBe("Chief Revenue Officer");
    // The search starts at the checkpoint: the last contact's time, read hours after it was written
    // (so surely in the index then, nothing to read again).
    const since = Number(w.hs.searches("contacts").at(-1)?.filterGroups[0].filters[0].value);
    expect(since).toBe(T0 - 5 * HOUR + 2);

    const third = await importFromCrm(w.deps, TZ);
    expect([third.companies.written, third.contacts.written, third.deals.written]).toEqual([0, 0, 0]);
    await w.hs.close();
  });

  it("a HubSpot change to nothing the import reads rewrites nothing and tells no agent; a change to a field it reads does", async () => {
    const w = await world();
    seedCrm(w.hs, "n", T0 - 5 * HOUR);
    await importFromCrm(w.deps, TZ);
    const account = await w.kb.getAccount("hubspot-company-n01");
    const person = await w.kb.getPerson("hubspot-contact-n11");
    const published = w.events.length;
    h.clock.advance(HOUR);
    // An email opened, a page visited, a field set again to what it was: HubSpot's modified time moves.
    w.hs.put("companies", "n01", { hs_analytics_num_visits: "7" }, h.clock.now() - 60_000);
    w.hs.put(
      "contacts",
      "n11",
      { jobtitle: "VP Marketing", hs_email_last_open_date: "x" },
      h.clock.now() - 60_000,
    );

    const quiet = await importFromCrm(w.deps, TZ);
    expect([quiet.companies.written, quiet.contacts.written]).toEqual([0, 0]);
    expect([quiet.companies.skipped, quiet.contacts.skipped]).toEqual([[], []]);
    expect(w.events.length).toBe(published);
    expect(await w.kb.getAccount("hubspot-company-n01")).toEqual(account);
    expect(await w.kb.getPerson("hubspot-contact-n11")).toEqual(person);

    h.clock.advance(HOUR);
    w.hs.put("companies", "n01", { numberofemployees: "450" }, h.clock.now() - 60_000);
    w.hs.put("contacts", "n11", { hubspot_owner_id: "78" }, h.clock.now() - 60_000);
    const changed = await importFromCrm(w.deps, TZ);
    expect([changed.companies.written, changed.contacts.written]).toEqual([1, 1]);
    expect((await w.kb.getAccount("hubspot-company-n01"))?.employees).toBe(450);
    expect((await w.kb.getPerson("hubspot-contact-n11"))?.crm?.ownerId).toBe("78");
    expect(w.events.slice(published).map((e) => e.type)).toEqual(["kb.account.put", "kb.person.put"]);
    await w.hs.close();
  });

  it("at the live edge the checkpoint stays 5 minutes behind the query, so a write the index showed late is read", async () => {
    const w = await world();
    seedCrm(w.hs, "e", h.clock.now() - 60_000); // written a minute before the import
    const first = await importFromCrm(w.deps, TZ);
    expect(first.contacts.written).toBe(2);
    const name = checkpointName("hubspot", "contacts");
    expect(await w.checkpoints.get(name)).toBe(h.clock.now() - 5 * 60_000);
    // Written before the last contact read, but indexed after the query: the next run finds it.
    w.hs.put(
      "contacts",
      "e13",
      { email: "late@globex-e.com", firstname: "L", lastname: "Ate", jobtitle: "VP Sales" },
      h.clock.now() - 90_000,
      "e01",
    );
    h.clock.advance(15 * 60_000);
    const second = await importFromCrm(w.deps, TZ);
    expect(second.contacts.written).toBe(1);
    expect(await w.kb.getPerson("hubspot-contact-e13")).toBeDefined();
    await w.hs.close();
  });

  it("a checkpoint saved before the upgrade is read once less the 5 minutes it was then read back with", async () => {
    const w = await world();
    seedCrm(w.hs, "u", T0 - 5 * HOUR);
    // What the previous version kept: the last record read, the lag subtracted on reading it back.
    await w.checkpoints.advance("crm-import:hubspot:contacts", T0 - 5 * HOUR + 2);
    await importFromCrm(w.deps, TZ);
    const since = Number(w.hs.searches("contacts").at(-1)?.filterGroups[0].filters[0].value);
    expect(since).toBe(T0 - 5 * HOUR + 2 - 5 * 60_000);
    // Then the new checkpoint is read as it is.
    expect(await w.checkpoints.get(checkpointName("hubspot", "contacts"))).toBe(T0 - 5 * HOUR + 2);
    await w.hs.close();
  });

  it("a run cut short by its cap inside a burst resumes at its last record: a burst longer than a run is imported", async () => {
    const w = await world({ pageSize: 2 });
    // Ten contacts written within two seconds, hours ago: a bulk update bigger than a run's cap.
    seedBulk(
      w.hs,
      "b",
      "Initech",
      Array.from({ length: 10 }, (_, i) => T0 - 5 * HOUR + i * 200),
    );
    const runs = [];
    for (let run = 0; run < 8 && !runs.at(-1)?.caughtUp; run++)
      runs.push((await importFromCrm(w.deps, { ...TZ, maxRecords: 4 })).contacts);
    // Before, each run went back 5 minutes from its checkpoint and read the same first four again.
    expect(runs.at(-1)?.caughtUp).toBe(true);
    const checkpoints = runs.map((r) => r.checkpoint ?? 0);
    expect(checkpoints).toEqual([...checkpoints].sort((a, b) => a - b));
    expect(new Set(checkpoints).size).toBe(checkpoints.length);
    const people = await Promise.all(
      Array.from({ length: 10 }, (_, i) => w.kb.getPerson(`hubspot-contact-b1${i}`)),
    );
    expect(people.filter(Boolean)).toHaveLength(10);
    await w.hs.close();
  });

  it("a run whose cap stops it inside one millisecond's records leaves its place there: the next goes on from it", async () => {
    const w = await world({ pageSize: 2 });
    seedBulk(w.hs, "61", "Vandelay", Array(7).fill(T0 - 5 * HOUR));
    const runs = [];
    for (let run = 0; run < 6 && !runs.at(-1)?.caughtUp; run++)
      runs.push((await importFromCrm(w.deps, { ...TZ, maxRecords: 3 })).contacts);
    expect(runs.at(-1)?.caughtUp).toBe(true);
    expect(runs.flatMap((r) => r.skipped)).toEqual([]);
    expect(runs.reduce((n, r) => n + r.written, 0)).toBe(7);
    // Each run after the first went on from where the last stopped: the tie's ids after it, not its start.
    const tie = w.hs.searches("contacts").filter((b) => b.filterGroups[0].filters[0].operator === "EQ");
    const resumed = tie.filter((b) =>
      b.filterGroups[0].filters.some((f: { propertyName: string }) => f.propertyName === "hs_object_id"),
    );
    expect(resumed.length).toBeGreaterThan(0);
    await w.hs.close();
  });

  it("one millisecond's records are paged by id: a tied record modified meanwhile pushes no other past the pages", async () => {
    const w = await world({ pageSize: 2 });
    seedBulk(w.hs, "63", "Globex", Array(7).fill(T0 - 5 * HOUR));
    const crm = w.deps.crm;
    let tiePages = 0;
    const paging: typeof crm = Object.create(crm);
    paging.modifiedSince = async (...args) => {
      const page = await crm.modifiedSince(...args);
      // After the tie's first page, one of its contacts is edited in HubSpot: it leaves the tie.
      if (args[0] === "contacts" && args[2] !== undefined && ++tiePages === 1)
        w.hs.put("contacts", "6310", { jobtitle: "CRO" }, h.clock.now() - 1000);
      return page;
    };
    const report = await importFromCrm({ ...w.deps, crm: paging }, TZ);
    expect(report.contacts).toMatchObject({ caughtUp: true, skipped: [] });
    const missing: string[] = [];
    for (let i = 0; i < 7; i++)
      if (!(await w.kb.getPerson(`hubspot-contact-631${i}`))) missing.push(`631${i}`);
    expect(missing).toEqual([]);
    expect((await w.kb.getPerson("hubspot-contact-6310"))?.title).toBe("CRO");
    // Each of the tie's pages was a query of its own, by id: none by position.
    const tie = w.hs.searches("contacts").filter((b) => b.filterGroups[0].filters[0].operator === "EQ");
    expect(tie.length).toBeGreaterThan(1);
    expect(tie.every((b) => b.after === undefined && b.sorts[0] === "hs_object_id")).toBe(true);
    await w.hs.close();
  });

  it("a CRM that will not page one millisecond by id is gone past and said so, never looped on", async () => {
    for (const [n, broken, reason] of [
      // Nothing found by the exact time (a search that compares datetimes to the second).
      [
        "66",
        (page: CrmPage, tieAfter?: string) => (tieAfter === "" ? { records: [] } : page),
        /none of them/,
      ],
      // The id filter ignored: the same first page every time.
      [
        "67",
        (page: CrmPage, tieAfter?: string) =>
          tieAfter ? { ...page, records: page.records.slice(0, 1) } : page,
        /record id/,
      ],
    ] as const) {
      const w = await world({ pageSize: 2 });
      seedBulk(w.hs, n, "Acme", Array(5).fill(T0 - 5 * HOUR));
      const crm = w.deps.crm;
      let first: CrmPage | undefined;
      const odd: typeof crm = Object.create(crm);
      odd.modifiedSince = async (type, since, tieAfter) => {
        const page = await crm.modifiedSince(type, since, tieAfter === undefined ? undefined : "");
        if (type !== "contacts" || tieAfter === undefined) return page;
        first ??= page;
        return broken(first, tieAfter);
      };
      const report = await importFromCrm({ ...w.deps, crm: odd }, TZ);
      expect(report.contacts.caughtUp).toBe(true);
      expect(report.contacts.skipped).toEqual([{ id: "*", reason: expect.stringMatching(reason) }]);
      await w.hs.close();
    }
  });

  it("the opt-out sweep reports the opt-outs of a millisecond the CRM would not page by id", async () => {
    const w = await world({ pageSize: 2 });
    w.hs.put("companies", "6801", { name: "Acme", domain: "acme-68.com" }, T0 - 50 * HOUR);
    for (let i = 0; i < 5; i++)
      w.hs.put(
        "contacts",
        `68${10 + i}`,
        {
          email: `c${i}@acme-68.com`,
          firstname: "C",
          lastname: `N${i}`,
          jobtitle: "VP",
          hs_email_optout: "true",
        },
        T0 - 48 * HOUR,
        "6801",
      );
    const crm = w.deps.crm;
    const odd: typeof crm = Object.create(crm);
    // Nothing found by the exact time.
    odd.optedOutSince = async (since, tieAfter) =>
      tieAfter === "" ? { records: [] } : ((await crm.optedOutSince?.(since, tieAfter)) ?? { records: [] });
    const report = await importFromCrm({ ...w.deps, crm: odd }, TZ);
    expect(report.optOuts?.skipped).toEqual([{ id: "*", reason: expect.stringMatching(/none of them/) }]);
    await w.hs.close();
  });

  it("a millisecond with more records than one query can reach (the search's window) is read whole", async () => {
    const w = await world({ window: 4, pageSize: 2 });
    seedBulk(w.hs, "64", "Stark", Array(7).fill(T0 - 5 * HOUR));
    const report = await importFromCrm(w.deps, TZ);
    expect(report.contacts).toMatchObject({ written: 7, skipped: [] });
    await w.hs.close();
  });

  it("the opt-out sweep gets through one millisecond of more opt-outs than a run reads (a bulk import of unsubscribed contacts)", async () => {
    const w = await world({ pageSize: 2 });
    w.hs.put("companies", "6501", { name: "Wayne", domain: "wayne-65.com" }, T0 - 50 * HOUR);
    for (let i = 0; i < 45; i++)
      w.hs.put(
        "contacts",
        `65${100 + i}`,
        {
          email: `c${i}@wayne-65.com`,
          firstname: "C",
          lastname: `N${i}`,
          jobtitle: "VP",
          hs_email_optout: "true",
        },
        T0 - 48 * HOUR,
        "6501",
      );
    // The import itself is past them (it ran before it read opt-outs): only the sweep can find them.
    for (const type of ["companies", "contacts", "deals"] as const)
      await w.checkpoints.advance(checkpointName("hubspot", type), T0 - HOUR);
    const report = await importFromCrm(w.deps, TZ);
    // 20 pages of two: the first page, read again, then the millisecond by id: 36 of them.
    expect(report.optOuts).toEqual({ suppressed: 36, caughtUp: false });
    // The next run goes on from the 36th by id: the other 9, nothing read again. Before, by position,
    // every run read the same first 40 and the sweep never got past them.
    expect((await importFromCrm(w.deps, TZ)).optOuts).toEqual({ suppressed: 9, caughtUp: true });
    // The last of them too: added later by other means, that person is suppressed from the start.
    await putProspect("wayne-65", "Wayne", "wayne-65.com", 10);
    await putPerson(h.rt.deps, "wayne-c44", {
      accountId: "wayne-65",
      email: "c44@wayne-65.com",
      ...{ firstName: "C", lastName: "N44", title: "VP Sales" },
    });
    expect(await suppressionsFor(h.rt.db, "wayne-65", "wayne-c44")).toContainEqual(
      expect.objectContaining({ kind: "email", reason: expect.stringMatching(/contact 65144/) }),
    );
    // The run after starts past that millisecond: nothing read again.
    expect((await importFromCrm(w.deps, TZ)).optOuts).toEqual({ suppressed: 0, caughtUp: true });
    await w.hs.close();
  });

  it("a tie longer than a run reads is read over several runs, nothing of it skipped", async () => {
    const w = await world({ pageSize: 2 });
    seedBulk(w.hs, "62", "Soylent", Array(7).fill(T0 - 5 * HOUR));
    w.hs.put(
      "contacts",
      "6219",
      { email: "after@soylent-62.com", firstname: "A", lastname: "Fter", jobtitle: "VP Sales" },
      T0 - 5 * HOUR + 1,
      "6201",
    );
    // Before, a run that reached its cap inside the tie with no time to wait skipped the rest of it.
    const runs = [];
    for (let run = 0; run < 8 && !runs.at(-1)?.caughtUp; run++)
      runs.push((await importFromCrm(w.deps, { ...TZ, maxRecords: 2 })).contacts);
    expect(runs.flatMap((r) => r.skipped)).toEqual([]);
    expect(runs.at(-1)?.caughtUp).toBe(true);
    for (let i = 0; i < 7; i++) expect(await w.kb.getPerson(`hubspot-contact-621${i}`)).toBeDefined();
    expect(await w.kb.getPerson("hubspot-contact-6219")).toBeDefined();
    await w.hs.close();
  });

  it("a failure mid-page leaves that page's checkpoint where it was; the re-run completes without duplicates", async () => {
    const w = await world({ pageSize: 2 });
    seedCrm(w.hs, "3", T0 - 5 * HOUR);
    for (let i = 3; i <= 6; i++)
      w.hs.put(
        "contacts",
        `31${i}`,
        {
          email: `p${i}@globex-3.com`,
          firstname: "P",
          lastname: `N${i}`,
          jobtitle: "Director of Sales",
        },
        T0 - 5 * HOUR + 10 + i,
        "301",
      );
    // The third person's write fails: the first page (2 contacts) is done, the second is not.
    let puts = 0;
    const failing = Object.create(w.store) as typeof w.store;
    failing.putPerson = async (...args) => {
      if (++puts === 3) throw new Error("ProvisionedThroughputExceededException");
      return w.store.putPerson(...args);
    };
    await expect(importFromCrm({ ...w.deps, store: failing }, TZ)).rejects.toThrow("Provisioned");
    const name = checkpointName("hubspot", "contacts");
    expect(await w.checkpoints.get(name)).toBe(T0 - 5 * HOUR + 2); // the end of page one

    const rerun = await importFromCrm(w.deps, TZ);
    expect(rerun.contacts.written).toBe(4);
    expect(await w.checkpoints.get(name)).toBe(T0 - 5 * HOUR + 16);
    const people = await Promise.all(
      ["311", "312", "313", "314", "315", "316"].map((id) => w.kb.getPerson(`hubspot-contact-${id}`)),
    );
    expect(people.every((p) => p?.accountId === "hubspot-company-301")).toBe(true);
    await w.hs.close();
  });

  it("a run stopped after a record's write but before its event and link is finished by the next run", async () => {
    const w = await world();
    seedCrm(w.hs, "8", T0 - 5 * HOUR);
    // The company is written, then publishing its event fails: no event, no link yet.
    const failing = { publish: async () => Promise.reject(new Error("EventBridge PutEvents: throttled")) };
    await expect(importFromCrm({ ...w.deps, events: failing }, TZ)).rejects.toThrow("throttled");
    expect(await w.kb.getAccount("hubspot-company-801")).toBeDefined();
    expect(w.events).toEqual([]);

    const rerun = await importFromCrm(w.deps, TZ);
    expect(rerun.companies).toMatchObject({ written: 0, unchanged: 1 });
    expect(w.events.filter((e) => e.type === "kb.account.put")).toEqual([
      // Created by the stopped run: announced as created, so what waits on a new account hears of it.
      expect.objectContaining({ detail: { accountId: "hubspot-company-801", created: true } }),
    ]);
    // The link is there now: the company's contacts and its deal, found through it, are imported.
    expect(rerun.contacts.written).toBe(2);
    expect(await w.store.dealsOf("hubspot-company-801")).toHaveLength(1);
    // Finished once: a third run publishes nothing more.
    const published = w.events.length;
    await importFromCrm(w.deps, TZ);
    expect(w.events.length).toBe(published);
    await w.hs.close();
  });

  it("every page is a new query from the last record's time, so paging stays inside the search's window", async () => {
    const w = await world({ window: 4, pageSize: 2 });
    w.hs.put("companies", "401", { name: "Initech", domain: "initech-4.com" }, T0 - 9 * HOUR);
    for (let i = 0; i < 7; i++)
      w.hs.put(
        "contacts",
        `41${i}`,
        {
          email: `c${i}@initech-4.com`,
          firstname: "C",
          lastname: `N${i}`,
          jobtitle: "VP Sales",
        },
        T0 - 8 * HOUR + i * 1000,
        "401",
      );
    const report = await importFromCrm(w.deps, TZ);
    expect(report.contacts.written).toBe(7);
    const queries = w.hs
      .searches("contacts")
      // The import's own queries, not the opt-out sweep's (it filters on hs_email_optout too).
      .filter((b) => b.filterGroups[0].filters.length === 1)
      .map((b) => [b.filterGroups[0].filters[0].value, b.after ?? null]);
    // Never a position: each query starts at the last page's last contact (read again, unchanged).
    expect(queries.slice(0, 3)).toEqual([
      [String(0), null],
      [String(T0 - 8 * HOUR + 1000), null],
      [String(T0 - 8 * HOUR + 2000), null],
    ]);
    expect(queries.every(([, after]) => after === null)).toBe(true);
    await w.hs.close();
  });

  it("a record modified in HubSpot while the import pages does not push another one past the pages", async () => {
    const w = await world({ pageSize: 10 });
    for (let i = 0; i < 30; i++)
      w.hs.put(
        "companies",
        `${700 + i}`,
        { name: `Umbrella ${i}`, domain: `umbrella-${i}.com` },
        T0 - 40 * HOUR + i * HOUR,
      );
    // After the first page is read, its third company is edited: it moves to the end of the results.
    const crm = w.deps.crm;
    let pages = 0;
    const paging: typeof crm = Object.create(crm);
    paging.modifiedSince = async (...args) => {
      const page = await crm.modifiedSince(...args);
      if (args[0] === "companies" && ++pages === 1)
        w.hs.put(
          "companies",
          "702",
          { name: "Umbrella 2 (renamed)", domain: "umbrella-2.com" },
          h.clock.now() - 1000,
        );
      return page;
    };
    const report = await importFromCrm({ ...w.deps, crm: paging }, TZ);
    expect(report.companies.caughtUp).toBe(true);
    const missing: string[] = [];
    for (let i = 0; i < 30; i++)
      if (!(await w.kb.getAccount(`hubspot-company-${700 + i}`))) missing.push(`${700 + i}`);
    expect(missing).toEqual([]);
    expect((await w.kb.getAccount("hubspot-company-702"))?.name).toBe("Umbrella 2 (renamed)");
    await w.hs.close();
  });

  it("while companies are still catching up, contacts wait for a later run instead of being skipped for good", async () => {
    const w = await world({ pageSize: 2 });
    for (let i = 0; i < 3; i++)
      w.hs.put("companies", `50${i}`, { name: `Hooli ${i}`, domain: `hooli-${i}.com` }, T0 - 9 * HOUR + i);
    w.hs.put(
      "contacts",
      "511",
      { email: "gavin@hooli-2.com", firstname: "Gavin", lastname: "B", jobtitle: "VP Sales" },
      T0 - 8 * HOUR,
      "502",
    );
    const first = await importFromCrm(w.deps, { ...TZ, maxRecords: 2 });
    expect(first.companies).toMatchObject({ written: 2, caughtUp: false });
    expect(first.contacts).toMatchObject({ seen: 0, deferred: expect.stringContaining("companies") });
    expect(await w.checkpoints.get(checkpointName("hubspot", "contacts"))).toBeUndefined();

    const second = await importFromCrm(w.deps, TZ);
    expect(second.companies.caughtUp).toBe(true);
    expect(second.contacts).toMatchObject({ written: 1, skipped: [] });
    await w.hs.close();
  });

  it("a person changed in the harness after the CRM's change is kept; a later CRM change wins", async () => {
    const w = await world();
    seedCrm(w.hs, "5", T0 - 5 * HOUR);
    await importFromCrm(w.deps, TZ);
    h.clock.advance(HOUR);
    const person = (await w.kb.getPerson("hubspot-contact-511")) as NonNullable<
      Awaited<ReturnType<typeof w.kb.getPerson>>
    >;
    await putPerson(h.rt.deps, "hubspot-contact-511", {
      accountId: person.accountId,
      email: person.email,
      firstName: "Ada",
      lastName: "Lovelace",
      title: "CMO",
    });
    // A CRM change older than the harness's edit does not overwrite it...
    w.hs.put("contacts", "511", { jobtitle: "VP Growth" }, h.clock.now() - 30 * 60_000);
    const kept = await importFromCrm(w.deps, TZ);
    expect(kept.contacts).toMatchObject({ written: 0, keptNewer: 1 });
    expect((await w.kb.getPerson("hubspot-contact-511"))?.title).toBe("CMO");
    // ...one made after it does, and the record cites HubSpot again.
    h.clock.advance(HOUR);
    w.hs.put("contacts", "511", { jobtitle: "Chief Marketing Officer" }, h.clock.now() - 60_000);
    const later = await importFromCrm(w.deps, TZ);
    expect(later.contacts.written).toBe(1);
    expect(await w.kb.getPerson("hubspot-contact-511")).toMatchObject({
      title: "Chief Marketing Officer",
      source: { id: "511" },
    });
    await w.hs.close();
  });

  it("records already in the harness and changed there after the CRM's change are kept, and linked to their CRM record", async () => {
    const w = await world();
    // Switched on over a knowledge base that had these already, edited after HubSpot last changed them.
    await h.rt.deps.kb.putAccount(
      "pendant",
      { ...acme, domain: "pendant-10.com" },
      new Date(T0).toISOString(),
    );
    await putPerson(h.rt.deps, "pendant-jo", {
      accountId: "pendant",
      email: "jo@pendant-10.com",
      firstName: "Jo",
      lastName: "Pendant",
      title: "CMO",
    });
    w.hs.put("companies", "1001", { name: "Pendant Publishing", domain: "pendant-10.com" }, T0 - 5 * HOUR);
    w.hs.put(
      "contacts",
      "1011",
      { email: "jo@pendant-10.com", firstname: "Jo", lastname: "Pendant", jobtitle: "VP Marketing" },
      T0 - 5 * HOUR,
      "1001",
    );
    const report = await importFromCrm(w.deps, TZ);
    expect(report.companies).toMatchObject({ written: 0, keptNewer: 1 });
    expect(report.contacts).toMatchObject({ written: 0, keptNewer: 1 });
    expect((await w.kb.getPerson("pendant-jo"))?.title).toBe("CMO");
    // Linked: HubSpot's deletion of the contact (the webhook finds people by link) reaches Jo, and the
    // company's deals and contacts find the account.
    expect((await w.store.link("contacts", "1011"))?.kbId).toBe("pendant-jo");
    expect((await w.store.link("companies", "1001"))?.kbId).toBe("pendant");
    await w.hs.close();
  });

  it("an account already in the KB with the company's domain is updated in place, keeping what the CRM does not hold", async () => {
    const w = await world();
    await h.rt.deps.kb.putAccount(
      "initrode",
      { ...acme, domain: "initrode-6.com", techStack: ["hubspot"] },
      new Date(T0 - 10 * HOUR).toISOString(),
    );
    w.hs.put(
      "companies",
      "601",
      { name: "Initrode GmbH", domain: "initrode-6.com", lifecyclestage: "customer" },
      T0 - HOUR,
    );
    const report = await importFromCrm(w.deps, TZ);
    expect(report.companies.written).toBe(1);
    expect(await w.kb.getAccount("hubspot-company-601")).toBeUndefined();
    expect(await w.kb.getAccount("initrode")).toMatchObject({
      name: "Initrode GmbH",
      lifecycle: "customer",
      industry: acme.industry,
      techStack: ["hubspot"],
      source: { id: "601" },
    });
    await w.hs.close();
  });

  it("a domain typed as a URL finds the account of that domain; a stage of the portal's own is not read as a prospect", async () => {
    const w = await world();
    await h.rt.deps.kb.putAccount(
      "vandelay",
      { ...acme, domain: "vandelay-9.com", lifecycle: "open_opportunity" },
      new Date(T0 - 10 * HOUR).toISOString(),
    );
    // The portal's own stages have numeric internal values.
    w.hs.put(
      "companies",
      "901",
      { name: "Vandelay", domain: "https://www.Vandelay-9.com/about", lifecyclestage: "1234567" },
      T0 - HOUR,
    );
    w.hs.put(
      "companies",
      "902",
      { name: "Kramerica", domain: "kramerica-9.com", lifecyclestage: "1234567" },
      T0 - HOUR,
    );
    w.hs.put(
      "companies",
      "903",
      { name: "Pendant", domain: "pendant-9.com", lifecyclestage: "lead" },
      T0 - HOUR,
    );
    const report = await importFromCrm(w.deps, TZ);
    expect(report.companies.written).toBe(3);
    expect(report.companies.unmappedStages).toEqual(["1234567"]);
    // The account of that domain, updated in place: it keeps its lifecycle; not a second account.
    expect(await w.kb.getAccount("hubspot-company-901")).toBeUndefined();
    expect(await w.kb.getAccount("vandelay")).toMatchObject({
      domain: "vandelay-9.com",
      lifecycle: "open_opportunity",
    });
    // A new account in an unmapped stage is taken for a customer: suppression keeps it from outreach.
    expect((await w.kb.getAccount("hubspot-company-902"))?.lifecycle).toBe("customer");
    expect((await w.kb.getAccount("hubspot-company-903"))?.lifecycle).toBe("prospect");

    // Mapped by the spec (crm.lifecycleStages), the stage is what the team says it is.
    w.hs.put(
      "companies",
      "902",
      { name: "Kramerica", domain: "kramerica-9.com", lifecyclestage: "1234567" },
      T0,
    );
    const mapped = await importFromCrm(w.deps, { ...TZ, lifecycleStages: { "1234567": "prospect" } });
    expect(mapped.companies.unmappedStages).toBeUndefined();
    expect((await w.kb.getAccount("hubspot-company-902"))?.lifecycle).toBe("prospect");
    // The mapping gone (or an account an earlier version read so), the next change of the company in
    // HubSpot does not keep the lifecycle read from that stage: a customer again, not a prospect.
    w.hs.put(
      "companies",
      "902",
      { name: "Kramerica Industries", domain: "kramerica-9.com", lifecyclestage: "1234567" },
      T0 + 60_000,
    );
    h.clock.advance(10 * 60_000);
    await importFromCrm(w.deps, TZ);
    expect(await w.kb.getAccount("hubspot-company-902")).toMatchObject({
      name: "Kramerica Industries",
      lifecycle: "customer",
    });
    await w.hs.close();
  });

  it("a run stops reading with less than its margin of time left; the next run goes on where it stopped", async () => {
    const w = await world({ pageSize: 2 });
    seedBulk(
      w.hs,
      "12",
      "Monks",
      [1, 2, 3, 4, 5].map((m) => T0 - 5 * HOUR + m * 60_000),
    );
    // Plenty of time for the opt-out sweep (two asks), the companies' page and the contacts' first,
    // then less than the margin.
    let calls = 0;
    const timeLeft = () => (++calls <= 6 ? 100_000 : RUN_MARGIN_MS - 1);
    const first = await importFromCrm(w.deps, { ...TZ, timeLeft });
    expect(first.companies).toMatchObject({ written: 1, caughtUp: true });
    expect(first.contacts).toMatchObject({ seen: 2, written: 2, caughtUp: false });
    expect(first.deals.deferred).toBe("the run's time ran out; the next run goes on");
    const next = await importFromCrm(w.deps, TZ);
    // The second contact's millisecond is read again (unchanged); the three after it are written.
    expect(next.contacts).toMatchObject({ written: 3, caughtUp: true });
    await w.hs.close();
  });

  it("a run out of time inside one millisecond's records leaves them to the next run instead of skipping them", async () => {
    const w = await world({ pageSize: 2 });
    // A bulk edit: five contacts written in one millisecond.
    seedBulk(w.hs, "13", "Pied", Array(5).fill(T0 - 5 * HOUR));
    let calls = 0;
    // Time for the companies' page and the contacts' first two, then less than the margin.
    const timeLeft = () => (++calls <= 5 ? 100_000 : RUN_MARGIN_MS - 1);
    const first = await importFromCrm(w.deps, { ...TZ, timeLeft });
    expect(first.contacts.caughtUp).toBe(false);
    expect(first.contacts.skipped).toEqual([]);
    const next = await importFromCrm(w.deps, TZ);
    expect(first.contacts.written + next.contacts.written).toBe(5);
    for (const i of [0, 1, 2, 3, 4]) expect(await w.kb.getPerson(`hubspot-contact-131${i}`)).toBeDefined();
    await w.hs.close();
  });

  it("runs that each have time for a page or two inside one millisecond get through it, nothing skipped", async () => {
    const w = await world({ pageSize: 2 });
    seedBulk(w.hs, "14", "Hooli", Array(5).fill(T0 - 5 * HOUR));
    const short = (plenty: number) => {
      let calls = 0;
      return () => (++calls <= plenty ? 100_000 : RUN_MARGIN_MS - 1);
    };
    // Each run's opt-out sweep and the companies take most of its time. Before, the second run, which
    // started at the millisecond and ran out inside it again, skipped the rest of it.
    const runs = [];
    for (let run = 0; run < 8 && !runs.at(-1)?.caughtUp; run++)
      runs.push((await importFromCrm(w.deps, { ...TZ, timeLeft: short(7) })).contacts);
    expect(runs.flatMap((r) => r.skipped)).toEqual([]);
    for (const i of [0, 1, 2, 3, 4]) expect(await w.kb.getPerson(`hubspot-contact-141${i}`)).toBeDefined();
    await w.hs.close();
  });

  it("a company the store refuses is skipped with the reason; the records after it and the contacts are imported", async () => {
    const w = await world();
    w.hs.put("companies", "8701", { name: "Globex group", domain: "globex-87.com" }, T0 - 6 * HOUR);
    w.hs.put("companies", "8702", { name: "Hooli", domain: "hooli-87.com" }, T0 - 5 * HOUR);
    w.hs.put(
      "contacts",
      "8710",
      { email: "gavin@hooli-87.com", firstname: "Gavin", lastname: "B", jobtitle: "CEO" },
      T0 - 5 * HOUR,
      "8702",
    );
    // DynamoDB refusing the write as it words it (an item over 400 KB, a key over 2 KB): every run alike.
    const putAccount = w.store.putAccount.bind(w.store);
    w.deps.store = Object.assign(Object.create(w.store), {
      putAccount: (...args: Parameters<typeof putAccount>) =>
        args[0] === "hubspot-company-8701"
          ? Promise.reject(
              Object.assign(new Error("Item size has exceeded the maximum allowed size"), {
                name: "ValidationException",
              }),
            )
          : putAccount(...args),
    });
    // Before: the run failed at 8701, every run, and Hooli and its contact never came in.
    const report = await importFromCrm(w.deps, TZ);
    expect(report.companies.skipped).toEqual([
      { id: "8701", reason: "refused by the store: Item size has exceeded the maximum allowed size" },
    ]);
    expect(await w.kb.getAccount("hubspot-company-8702")).toBeDefined();
    expect(await w.kb.getPerson("hubspot-contact-8710")).toBeDefined();
    // A refusal every record would meet (a fault of the code or the table) stops the run, as does a
    // failure that may pass (a throttle): the checkpoint is held for the next.
    w.hs.put("companies", "8703", { name: "Initech", domain: "initech-87.com" }, h.clock.now() - HOUR);
    w.deps.store = Object.assign(Object.create(w.store), {
      putAccount: () =>
        Promise.reject(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" })),
    });
    await expect(importFromCrm(w.deps, TZ)).rejects.toThrow("Rate exceeded");
    w.deps.store = Object.assign(Object.create(w.store), {
      putAccount: () =>
        Promise.reject(
          Object.assign(new Error("Invalid UpdateExpression: Syntax error"), { name: "ValidationException" }),
        ),
    });
    await expect(importFromCrm(w.deps, TZ)).rejects.toThrow("Syntax error");
    await w.hs.close();
  });

  it("a duplicate company record of the same domain never lowers the account: a customer stays a customer", async () => {
    const w = await world();
    const put = (id: string, name: string, domain: string, lifecyclestage: string, at: number) =>
      w.hs.put("companies", id, { name, domain, lifecyclestage }, at);
    put("8101", "Initrode", "initrode-81.com", "customer", T0 - 6 * HOUR);
    put("8103", "Vehement", "vehement-81.com", "lead", T0 - 6 * HOUR);
    await importFromCrm(w.deps, TZ);
    expect((await w.kb.getAccount("hubspot-company-8101"))?.lifecycle).toBe("customer");
    // The next day a rep edits a stale duplicate of the customer in HubSpot, a lead.
    h.clock.advance(24 * HOUR);
    put("8102", "Initrode (old)", "initrode-81.com", "lead", h.clock.now() - HOUR);
    // And opens a deal on a duplicate of the prospect: raising it still goes.
    put("8104", "Vehement Inc", "vehement-81.com", "opportunity", h.clock.now() - HOUR);
    const second = await importFromCrm(w.deps, TZ);
    expect(second.companies.skipped).toEqual([
      {
        id: "8102",
        reason:
          "a duplicate of company 8101 (same domain): would lower the account from customer to prospect",
      },
    ]);
    const initrode = await w.kb.getAccount("hubspot-company-8101");
    expect(initrode?.lifecycle).toBe("customer");
    expect(initrode?.source?.id).toBe("8101");
    // Edited again: still the other record's account, still not lowered.
    h.clock.advance(HOUR);
    put("8102", "Initrode (stale)", "initrode-81.com", "lead", h.clock.now() - 10 * 60_000);
    await importFromCrm(w.deps, TZ);
    expect((await w.kb.getAccount("hubspot-company-8101"))?.lifecycle).toBe("customer");
    expect((await w.kb.getAccount("hubspot-company-8103"))?.lifecycle).toBe("open_opportunity");
    await w.hs.close();
  });

  it("a customer a person set in the harness is not lowered by the CRM: not by the account's own record, nor by a duplicate", async () => {
    const w = await world();
    const put = (id: string, name: string, lifecyclestage: string, at: number) =>
      w.hs.put("companies", id, { name, domain: "umbrella-84.com", lifecyclestage }, at);
    put("8401", "Umbrella", "lead", T0 - 6 * HOUR);
    await importFromCrm(w.deps, TZ);
    const imported = await w.kb.getAccount("hubspot-company-8401");
    expect(imported?.lifecycle).toBe("prospect");
    // The deal closed; the rep marks the account a customer in the harness, HubSpot not yet.
    h.clock.advance(HOUR);
    const { source: _s, updatedAt: _u, ...account } = imported as NonNullable<typeof imported>;
    await h.rt.deps.kb.putAccount(
      "hubspot-company-8401",
      { ...account, lifecycle: "customer" },
      new Date(h.clock.now()).toISOString(),
    );
    // Someone edits the HubSpot record (still a lead), and a duplicate of it (a lead too).
    h.clock.advance(HOUR);
    put("8401", "Umbrella Corp", "lead", h.clock.now() - 10 * 60_000);
    put("8402", "Umbrella (old)", "lead", h.clock.now() - 10 * 60_000);
    const report = await importFromCrm(w.deps, TZ);
    expect(report.companies.skipped).toEqual([
      {
        id: "8401",
        reason: "would lower the account from customer to prospect, which a person or an agent set",
      },
      {
        id: "8402",
        reason: "would lower the account from customer to prospect, which a person or an agent set",
      },
    ]);
    expect((await w.kb.getAccount("hubspot-company-8401"))?.lifecycle).toBe("customer");
    expect((await w.store.link("companies", "8402"))?.kbId).toBe("hubspot-company-8401");
    // HubSpot catches up: the record's own raise to customer is written, and it owns the account again.
    h.clock.advance(HOUR);
    put("8401", "Umbrella Corp", "customer", h.clock.now() - 10 * 60_000);
    expect((await importFromCrm(w.deps, TZ)).companies.written).toBe(1);
    expect(await w.kb.getAccount("hubspot-company-8401")).toMatchObject({
      lifecycle: "customer",
      source: { id: "8401" },
    });
    await w.hs.close();
  });

  it("a duplicate company merged away leaves the live company of its domain alone: not suppressed, its deals kept", async () => {
    const w = await world();
    const put = (id: string, name: string, domain: string, at = T0 - 6 * HOUR) =>
      w.hs.put("companies", id, { name, domain, lifecyclestage: "lead" }, at);
    put("8601", "Umbrella", "umbrella-86.com");
    // A duplicate of the same domain: imported into Umbrella's account.
    put("8602", "Umbrella (dup)", "umbrella-86.com", T0 - 5 * HOUR);
    put("8603", "Umbrella Holdings", "umbrella-holdings-86.com");
    w.hs.put(
      "deals",
      "8621",
      {
        dealname: "Umbrella renewal",
        dealstage: "appointmentscheduled",
        pipeline: "default",
        amount: "5000",
      },
      T0 - 5 * HOUR,
      "8601",
    );
    await importFromCrm(w.deps, TZ);
    expect((await w.store.link("companies", "8602"))?.kbId).toBe("hubspot-company-8601");
    // A rep merges the duplicate into the holding company; Umbrella itself stays a live company.
    h.clock.advance(HOUR);
    w.hs.mergeCompanies("8602", "8603", h.clock.now() - 10 * 60_000);
    await importFromCrm(w.deps, TZ);
    // Before: Umbrella's account suppressed on every channel, and its renewal moved to the holding.
    expect(await w.kb.suppressedAmong("hubspot-company-8601", [])).toMatchObject({ account: false });
    expect((await w.store.dealsOf("hubspot-company-8601")).map((d) => d.dealId)).toEqual(["8621"]);
    expect((await w.store.link("companies", "8602"))?.mergedInto).toBe("8603");
    // A company whose account a person edited in the harness since (no source on it) is its own: taken in.
    h.clock.advance(HOUR);
    put("8604", "Stark", "stark-86.com", h.clock.now() - 10 * 60_000);
    put("8605", "Stark Industries", "stark-industries-86.com", h.clock.now() - 10 * 60_000);
    h.clock.advance(HOUR);
    await importFromCrm(w.deps, TZ);
    const stark = await w.kb.getAccount("hubspot-company-8604");
    await putAccount(h.rt.deps, "hubspot-company-8604", {
      ...{ name: "Stark", domain: "stark-86.com", industry: "software", employees: 900 },
      ...{ country: "US", timezone: "UTC", lifecycle: stark?.lifecycle ?? "prospect" },
    });
    expect((await w.kb.getAccount("hubspot-company-8604"))?.source).toBeUndefined();
    h.clock.advance(HOUR);
    w.hs.mergeCompanies("8604", "8605", h.clock.now() - 10 * 60_000);
    await importFromCrm(w.deps, TZ);
    expect(await w.kb.suppressedAmong("hubspot-company-8604", [])).toMatchObject({ account: true });
    await w.hs.close();
  });

  it("a company merged into another in HubSpot: its account suppressed, its deal and people moved to the remaining one, once", async () => {
    const w = await world();
    const put = (id: string, name: string, domain: string) =>
      w.hs.put("companies", id, { name, domain, lifecyclestage: "lead" }, T0 - 6 * HOUR);
    put("8501", "Soylent", "soylent-85.com");
    put("8502", "Soylent Foods", "soylentfoods-85.io");
    const contact = (id: string, email: string, company: string) =>
      w.hs.put(
        "contacts",
        id,
        { firstname: "P", lastname: id, jobtitle: "VP Sales", email },
        T0 - 5 * HOUR,
        company,
      );
    contact("8511", "ana@soylent-85.com", "8501");
    contact("8512", "bo@soylentfoods-85.io", "8502");
    w.hs.put(
      "deals",
      "8521",
      { dealname: "Soylent pilot", dealstage: "appointmentscheduled", pipeline: "default", amount: "9000" },
      T0 - 5 * HOUR,
      "8502",
    );
    await importFromCrm(w.deps, TZ);
    expect((await w.kb.getPerson("hubspot-contact-8512"))?.accountId).toBe("hubspot-company-8502");
    // A rep merges the duplicate into Soylent: HubSpot archives it and moves its contact and deal.
    h.clock.advance(HOUR);
    w.hs.mergeCompanies("8502", "8501", h.clock.now() - 10 * 60_000);
    const second = await importFromCrm(w.deps, TZ);
    expect(second.companies.merged).toBe(1);
    expect(await w.kb.suppressedAmong("hubspot-company-8502", [])).toMatchObject({ account: true });
    expect(await w.kb.suppressedAmong("hubspot-company-8501", [])).toMatchObject({ account: false });
    expect((await w.kb.getPerson("hubspot-contact-8512"))?.accountId).toBe("hubspot-company-8501");
    expect(await w.store.dealsOf("hubspot-company-8502")).toEqual([]);
    expect((await w.store.dealsOf("hubspot-company-8501")).map((d) => d.dealId)).toEqual(["8521"]);
    // The open deal it brought counts for Soylent: kept from cold outreach. Before, a prospect still.
    expect((await w.kb.getAccount("hubspot-company-8501"))?.lifecycle).toBe("open_opportunity");
    expect(await w.store.link("companies", "8502")).toEqual({
      kbId: "hubspot-company-8502",
      mergedInto: "8501",
    });
    // Soylent edited again: the merge is not taken in twice, its contacts not read again for it.
    h.clock.advance(HOUR);
    w.hs.put("companies", "8501", { name: "Soylent Corp" }, h.clock.now() - 10 * 60_000);
    const third = await importFromCrm(w.deps, TZ);
    expect(third.companies.merged).toBeUndefined();
    expect(third.companies.contactsFollowed).toBeUndefined();
    await w.hs.close();
  });

  it("a contact merged into another in HubSpot, its webhook missed: the merged one's person suppressed on every channel, once", async () => {
    const w = await world();
    w.hs.put("companies", "8701", { name: "Initech", domain: "initech-87.com" }, T0 - 6 * HOUR);
    const contact = (id: string, email: string) =>
      w.hs.put(
        "contacts",
        id,
        { firstname: "Ana", lastname: "Ruiz", jobtitle: "VP Sales", email },
        T0 - 5 * HOUR,
        "8701",
      );
    contact("8711", "ana@initech-87.com");
    contact("8712", "ana.ruiz@initech-87.com");
    await importFromCrm(w.deps, TZ);
    // One buyer, two people in the knowledge base: each open to outreach, each with their own touches.
    h.clock.advance(HOUR);
    w.hs.mergeContacts("8712", "8711", h.clock.now() - 10 * 60_000);
    const second = await importFromCrm(w.deps, TZ);
    expect(second.contacts.merged).toBe(1);
    const entries = await suppressionsFor(h.rt.db, "hubspot-company-8701", "hubspot-contact-8712");
    expect(entries).toEqual([
      expect.objectContaining({
        kind: "person",
        value: "hubspot-contact-8712",
        reason: "merged in HubSpot into contact 8711: the same person as hubspot-contact-8711",
      }),
    ]);
    // Every channel, not only email: no agent reaches them through the duplicate.
    expect(entries[0]?.channels).toBeUndefined();
    const among = await w.kb.suppressedAmong("hubspot-company-8701", [
      "hubspot-contact-8711",
      "hubspot-contact-8712",
    ]);
    expect([...among.people]).toEqual(["hubspot-contact-8712"]);
    expect(await w.store.link("contacts", "8712")).toEqual({
      kbId: "hubspot-contact-8712",
      mergedInto: "8711",
    });
    // Ana edited again: the merge is not taken in twice.
    h.clock.advance(HOUR);
    w.hs.put("contacts", "8711", { jobtitle: "CRO" }, h.clock.now() - 10 * 60_000);
    const third = await importFromCrm(w.deps, TZ);
    expect(third.contacts.written).toBe(1);
    expect(third.contacts.merged).toBeUndefined();
    await w.hs.close();
  });

  it("a merge that made a new contact: it carries on the merged one's person, not a new one beside it", async () => {
    const w = await world();
    w.hs.put("companies", "8801", { name: "Hooli", domain: "hooli-88.com" }, T0 - 6 * HOUR);
    const bo = { firstname: "Bo", lastname: "Lin", jobtitle: "VP Sales" };
    w.hs.put("contacts", "8811", { ...bo, email: "bo@hooli-88.com" }, T0 - 5 * HOUR, "8801");
    await importFromCrm(w.deps, TZ);
    // HubSpot's merge made contact 8819, with the address Bo uses now, of 8811 (archived).
    h.clock.advance(HOUR);
    w.hs.put(
      "contacts",
      "8819",
      { ...bo, email: "bo.lin@hooli-88.com", hs_merged_object_ids: "8811" },
      h.clock.now() - 10 * 60_000,
      "8801",
    );
    const second = await importFromCrm(w.deps, TZ);
    expect(second.contacts.merged).toBe(1);
    expect(await w.kb.getPerson("hubspot-contact-8819")).toBeUndefined();
    expect((await w.kb.getPerson("hubspot-contact-8811"))?.email).toBe("bo.lin@hooli-88.com");
    expect(await w.store.link("contacts", "8819")).toEqual({ kbId: "hubspot-contact-8811" });
    expect(await suppressionsFor(h.rt.db, "hubspot-company-8801", "hubspot-contact-8811")).toEqual([]);
    await w.hs.close();
  });

  it("a merge into a new contact keeps the merged person nothing suppresses, not one an earlier merge suppressed", async () => {
    const w = await world();
    w.hs.put("companies", "8601", { name: "Pied Piper", domain: "piedpiper-86.com" }, T0 - 6 * HOUR);
    const cy = { firstname: "Cy", lastname: "Ng", jobtitle: "VP Sales" };
    w.hs.put("contacts", "8611", { ...cy, email: "cy@piedpiper-86.com" }, T0 - 5 * HOUR, "8601");
    w.hs.put("contacts", "8612", { ...cy, email: "cy.ng@piedpiper-86.com" }, T0 - 5 * HOUR, "8601");
    await importFromCrm(w.deps, TZ);
    // An earlier merge of 8611 into 8612, taken in by a webhook that did not mark links yet: 8611's
    // person suppressed, its link as it was.
    await w.kb.addSuppression(
      {
        kind: "person",
        value: "hubspot-contact-8611",
        reason: "merged in HubSpot into contact 8612: the same person as hubspot-contact-8612",
      },
      new Date(h.clock.now()).toISOString(),
    );
    // Now 8612 merged with another into a new contact, which names every contact merged so far.
    h.clock.advance(HOUR);
    w.hs.put(
      "contacts",
      "8619",
      { ...cy, email: "cy.ng@piedpiper-86.com", hs_merged_object_ids: "8611;8612" },
      h.clock.now() - 10 * 60_000,
      "8601",
    );
    const second = await importFromCrm(w.deps, TZ);
    expect(second.contacts.merged).toBe(2);
    expect(await w.store.link("contacts", "8619")).toEqual({ kbId: "hubspot-contact-8612" });
    const among = await w.kb.suppressedAmong("hubspot-company-8601", [
      "hubspot-contact-8611",
      "hubspot-contact-8612",
    ]);
    expect([...among.people]).toEqual(["hubspot-contact-8611"]);
    expect(await w.kb.getPerson("hubspot-contact-8619")).toBeUndefined();
    await w.hs.close();
  });

  it("a merge into a new contact keeps a merged person an opt-out suppressed: still the buyer, still suppressed", async () => {
    const w = await world();
    w.hs.put("companies", "8651", { name: "Aviato", domain: "aviato-86.com" }, T0 - 6 * HOUR);
    const di = { firstname: "Di", lastname: "Wu", jobtitle: "VP Sales" };
    w.hs.put("contacts", "8661", { ...di, email: "di@aviato-86.com" }, T0 - 5 * HOUR, "8651");
    w.hs.put("contacts", "8662", { ...di, email: "di.wu@aviato-86.com" }, T0 - 5 * HOUR, "8651");
    await importFromCrm(w.deps, TZ);
    await w.kb.addSuppression(
      { kind: "person", value: "hubspot-contact-8661", channels: ["email"], reason: "asked us to stop" },
      new Date(h.clock.now()).toISOString(),
    );
    h.clock.advance(HOUR);
    w.hs.put(
      "contacts",
      "8669",
      { ...di, email: "di.w@aviato-86.com", hs_merged_object_ids: "8661;8662" },
      h.clock.now() - 10 * 60_000,
      "8651",
    );
    await importFromCrm(w.deps, TZ);
    // The first listed, not merged away: the buyer carries on as them, their opt-out with them.
    expect(await w.store.link("contacts", "8669")).toEqual({ kbId: "hubspot-contact-8661" });
    const entries = await suppressionsFor(h.rt.db, "hubspot-company-8651", "hubspot-contact-8662");
    expect(entries.map((e) => e.reason)).toEqual([
      "merged in HubSpot into contact 8669: the same person as hubspot-contact-8661",
    ]);
    await w.hs.close();
  });

  it("an account's owner is its HubSpot owner, named as the spec's crm.owners maps it, so owner caps and SDR lists apply", async () => {
    const w = await world();
    const company = (id: string, owner: string | undefined, at: number) =>
      w.hs.put(
        "companies",
        id,
        { name: `Owned ${id}`, domain: `owned-${id}.com`, ...(owner ? { hubspot_owner_id: owner } : {}) },
        at,
      );
    company("9701", "501", T0 - 6 * HOUR);
    company("9702", "502", T0 - 6 * HOUR);
    company("9703", undefined, T0 - 6 * HOUR);
    await importFromCrm(w.deps, { ...TZ, owners: { "501": "sdr-1" } });
    expect((await w.kb.getAccount("hubspot-company-9701"))?.ownerId).toBe("sdr-1");
    expect((await w.kb.getAccount("hubspot-company-9702"))?.ownerId).toBe("hubspot-owner-502");
    expect((await w.kb.getAccount("hubspot-company-9703"))?.ownerId).toBeUndefined();
    // Reassigned in HubSpot: the account follows.
    h.clock.advance(HOUR);
    company("9701", "502", h.clock.now() - 10 * 60_000);
    await importFromCrm(w.deps, { ...TZ, owners: { "501": "sdr-1" } });
    expect((await w.kb.getAccount("hubspot-company-9701"))?.ownerId).toBe("hubspot-owner-502");
    // Unassigned in HubSpot (a rep who left): the owner the account had from HubSpot goes too. Before,
    // hubspot-owner-502 went on owning it, counting toward accountsPerOwnerPerDay.
    h.clock.advance(HOUR);
    w.hs.put("companies", "9701", { hubspot_owner_id: "" }, h.clock.now() - 10 * 60_000);
    // An owner a person gave an account HubSpot leaves unassigned stays.
    const {
      source: _s,
      updatedAt: _u,
      crm: _c,
      ...unowned
    } = (await w.kb.getAccount("hubspot-company-9703")) as NonNullable<
      Awaited<ReturnType<typeof w.kb.getAccount>>
    >;
    await h.rt.deps.kb.putAccount(
      "hubspot-company-9703",
      { ...unowned, ownerId: "sdr-2" },
      new Date(h.clock.now() - 20 * 60_000).toISOString(),
    );
    w.hs.put("companies", "9703", { industry: "SOFTWARE" }, h.clock.now() - 10 * 60_000);
    const unassigned = await importFromCrm(w.deps, { ...TZ, owners: { "501": "sdr-1" } });
    expect(unassigned.companies).toMatchObject({ written: 2, skipped: [] });
    const left = await w.kb.getAccount("hubspot-company-9701");
    expect(left?.ownerId).toBeUndefined();
    expect(left?.crm?.ownerId).toBeUndefined();
    expect(await w.kb.getAccount("hubspot-company-9703")).toMatchObject({
      ownerId: "sdr-2",
      industry: "SOFTWARE",
    });
    await w.hs.close();
  });

  it("a value the knowledge base cannot take as it is (a long name, a head count as text, a negative amount) is imported cut or left out, not the record", async () => {
    const w = await world();
    // 199 units, then an emoji whose pair straddles the cut at 200: it goes whole.
    const kept = "Initech Global Holdings and Subsidiaries ".repeat(5).slice(0, 199);
    const longName = `${kept}😀 Europe`;
    const longTitle = `${"Senior ".repeat(28)}Director`;
    w.hs.put(
      "companies",
      "9901",
      { name: longName, domain: "initech-99.com", numberofemployees: "1,200" },
      T0 - 6 * HOUR,
    );
    w.hs.put(
      "companies",
      "9902",
      { name: "Hooli", domain: "hooli-99.com", numberofemployees: "12.5" },
      T0 - 6 * HOUR,
    );
    w.hs.put(
      "contacts",
      "9911",
      { email: "pam@initech-99.com", firstname: "Pam", lastname: "Beesly", jobtitle: longTitle },
      T0 - 6 * HOUR + 1,
      "9901",
    );
    w.hs.put(
      "deals",
      "9921",
      { dealname: "Initech refund", dealstage: "closedwon", amount: "-500", deal_currency_code: "usd" },
      T0 - 6 * HOUR + 2,
      "9901",
    );
    const report = await importFromCrm(w.deps, TZ);
    expect([report.companies.skipped, report.contacts.skipped, report.deals.skipped]).toEqual([[], [], []]);
    const initech = await w.kb.getAccount("hubspot-company-9901");
    expect(initech?.employees).toBe(1200);
    expect(initech?.name).toBe(kept.trimEnd());
    expect((await w.kb.getAccount("hubspot-company-9902"))?.employees).toBe(13);
    const pam = await w.kb.getPerson("hubspot-contact-9911");
    expect(pam?.title).toBe(longTitle.slice(0, 200));
    const [deal] = await w.store.dealsOf("hubspot-company-9901");
    expect(deal).toMatchObject({ dealId: "9921", stage: "closedwon" });
    expect(deal?.amount).toBeUndefined();
    expect(deal?.currency).toBeUndefined();

    // The account takes the CRM's later changes: before, its one long field refused every one of them,
    // a stage moved to customer included, so a customer stayed open to cold outreach.
    h.clock.advance(HOUR);
    w.hs.put(
      "companies",
      "9901",
      { lifecyclestage: "customer", numberofemployees: "n/a" },
      h.clock.now() - 10 * 60_000,
    );
    const later = await importFromCrm(w.deps, TZ);
    expect(later.companies).toMatchObject({ written: 1, skipped: [] });
    // A head count that is not one keeps what the account had.
    expect(await w.kb.getAccount("hubspot-company-9901")).toMatchObject({
      lifecycle: "customer",
      employees: 1200,
    });
    await w.hs.close();
  });

  it("a customer a person set, taken over by its company's record without a stage, is not lowered by a lost deal", async () => {
    const w = await world();
    w.hs.put("companies", "9801", { name: "Vandelay", domain: "vandelay-98.com" }, T0 - 6 * HOUR);
    await importFromCrm(w.deps, TZ);
    const imported = await w.kb.getAccount("hubspot-company-9801");
    expect(imported?.lifecycle).toBe("prospect");
    // The rep marks it a customer in the harness; HubSpot's company has no lifecycle stage.
    h.clock.advance(HOUR);
    const { source: _s, updatedAt: _u, crm: _c, ...account } = imported as NonNullable<typeof imported>;
    await h.rt.deps.kb.putAccount(
      "hubspot-company-9801",
      { ...account, lifecycle: "customer" },
      new Date(h.clock.now()).toISOString(),
    );
    // The company is edited in HubSpot: written, keeping the customer, and the account is its record's.
    h.clock.advance(HOUR);
    w.hs.put("companies", "9801", { industry: "SOFTWARE" }, h.clock.now() - 10 * 60_000);
    expect((await importFromCrm(w.deps, TZ)).companies.written).toBe(1);
    expect(await w.kb.getAccount("hubspot-company-9801")).toMatchObject({
      lifecycle: "customer",
      source: { id: "9801" },
    });
    // An old deal of it, lost, is imported. Before, a company without a stage read as a prospect
    // here, and the customer became one, open to cold outreach.
    h.clock.advance(HOUR);
    w.hs.put(
      "deals",
      "9821",
      { dealname: "Vandelay pilot", dealstage: "closedlost", pipeline: "default" },
      h.clock.now() - 10 * 60_000,
      "9801",
    );
    await importFromCrm(w.deps, TZ);
    expect((await w.kb.getAccount("hubspot-company-9801"))?.lifecycle).toBe("customer");
    await w.hs.close();
  });

  it("a prospect a person wrote, raised by its company's open deal, is a prospect again when the deal is lost", async () => {
    const w = await world();
    await putProspect("kestrel-k97", "Kestrel", "kestrel-k97.com", 40);
    // HubSpot's company is older than the harness's account: linked, kept as the person wrote it.
    companyWithOpenDeal(
      w.hs,
      "9401",
      "9421",
      { name: "Kestrel", domain: "kestrel-k97.com" },
      "Kestrel pilot",
    );
    const first = await importFromCrm(w.deps, TZ);
    expect(first.companies.keptNewer).toBe(1);
    expect((await w.kb.getAccount("kestrel-k97"))?.lifecycle).toBe("open_opportunity");
    // The deal is lost. Before, what the deal had raised it to was its floor: an open opportunity for
    // good, kept from outreach, and the company's next edit was refused as lowering it.
    h.clock.advance(HOUR);
    w.hs.put("deals", "9421", { dealstage: "closedlost" }, h.clock.now() - 10 * 60_000);
    await importFromCrm(w.deps, TZ);
    expect((await w.kb.getAccount("kestrel-k97"))?.lifecycle).toBe("prospect");
    h.clock.advance(HOUR);
    w.hs.put("companies", "9401", { industry: "SOFTWARE" }, h.clock.now() - 10 * 60_000);
    const edited = await importFromCrm(w.deps, TZ);
    expect(edited.companies.skipped).toEqual([]);
    expect((await w.kb.getAccount("kestrel-k97"))?.lifecycle).toBe("prospect");
    await w.hs.close();
  });

  it("an account imported before the company's own lifecycle was kept goes back to a prospect when its deal is lost", async () => {
    const w = await world();
    companyWithOpenDeal(w.hs, "9601", "9621", { name: "Pendant", domain: "pendant-96.com" }, "Pendant");
    await importFromCrm(w.deps, TZ);
    const raised = await w.kb.getAccount("hubspot-company-9601");
    expect(raised?.lifecycle).toBe("open_opportunity");
    // As an earlier version left it: no crm.stageLifecycle.
    const {
      source,
      updatedAt: _u,
      crm: _c,
      accountId: _a,
      signals: _g,
      ...input
    } = raised as NonNullable<typeof raised>;
    await w.store.putAccount(
      "hubspot-company-9601",
      input,
      new Date(h.clock.now()).toISOString(),
      source!,
      undefined,
    );
    // HubSpot edits the company, then the deal is lost.
    h.clock.advance(HOUR);
    w.hs.put("companies", "9601", { industry: "SOFTWARE" }, h.clock.now() - 10 * 60_000);
    await importFromCrm(w.deps, TZ);
    h.clock.advance(HOUR);
    w.hs.put("deals", "9621", { dealstage: "closedlost" }, h.clock.now() - 10 * 60_000);
    await importFromCrm(w.deps, TZ);
    expect((await w.kb.getAccount("hubspot-company-9601"))?.lifecycle).toBe("prospect");
    await w.hs.close();
  });

  it("a company's open deal makes its account an open opportunity, kept from cold outreach; lost, it is a prospect again; won, a customer", async () => {
    const w = await world();
    // A portal whose deals do not move their companies' stages: the company stays a lead.
    w.hs.put(
      "companies",
      "7401",
      { name: "Initech", domain: "initech-74.com", lifecyclestage: "lead" },
      T0 - 6 * HOUR,
    );
    w.hs.put(
      "deals",
      "7421",
      // A pipeline of the portal's own: its stage ids say nothing, HubSpot's flags do.
      { dealname: "Initech renewal", dealstage: "1234567", pipeline: "98765", hs_is_closed: "false" },
      T0 - 5 * HOUR,
      "7401",
    );
    await importFromCrm(w.deps, TZ);
    // Before: a prospect, and agents cold-emailed a live deal.
    expect((await w.kb.getAccount("hubspot-company-7401"))?.lifecycle).toBe("open_opportunity");
    expect(w.events.filter((e) => e.type === "kb.account.put").map((e) => e.detail.accountId)).toEqual([
      "hubspot-company-7401",
      "hubspot-company-7401",
    ]);
    // The company edited in HubSpot, still a lead: its open deal keeps it an open opportunity.
    h.clock.advance(HOUR);
    w.hs.put("companies", "7401", { industry: "SOFTWARE" }, h.clock.now() - 10 * 60_000);
    await importFromCrm(w.deps, TZ);
    expect(await w.kb.getAccount("hubspot-company-7401")).toMatchObject({
      industry: "SOFTWARE",
      lifecycle: "open_opportunity",
    });
    // Lost: the company's own stage again.
    h.clock.advance(HOUR);
    w.hs.put(
      "deals",
      "7421",
      { dealstage: "7654321", hs_is_closed: "true", hs_is_closed_won: "false" },
      h.clock.now() - 10 * 60_000,
    );
    await importFromCrm(w.deps, TZ);
    expect((await w.kb.getAccount("hubspot-company-7401"))?.lifecycle).toBe("prospect");
    // A second deal won (the default pipeline's stage, no flags read): a customer.
    h.clock.advance(HOUR);
    w.hs.put(
      "deals",
      "7422",
      { dealname: "Initech expansion", dealstage: "closedwon" },
      h.clock.now() - 10 * 60_000,
      "7401",
    );
    await importFromCrm(w.deps, TZ);
    expect((await w.kb.getAccount("hubspot-company-7401"))?.lifecycle).toBe("customer");
    await w.hs.close();
  });

  it("a deal says nothing where neither HubSpot's flags nor the default pipeline say open; a company without a stage goes back to a prospect", async () => {
    const w = await world();
    w.hs.put(
      "companies",
      "7501",
      { name: "Hooli", domain: "hooli-75.com", lifecyclestage: "lead" },
      T0 - 6 * HOUR,
    );
    // A portal's own pipeline, without the flags (a deal imported before they were read): its stage
    // id says neither open nor closed. Before this rule it read as open, and the account was kept from outreach.
    w.hs.put(
      "deals",
      "7521",
      { dealname: "Hooli old", dealstage: "5550001", pipeline: "777" },
      T0 - 5 * HOUR,
      "7501",
    );
    await importFromCrm(w.deps, TZ);
    expect((await w.kb.getAccount("hubspot-company-7501"))?.lifecycle).toBe("prospect");
    // A company with no stage at all: its open deal raises it, the deal lost lowers it again.
    companyWithOpenDeal(w.hs, "7601", "7621", { name: "Pied Piper", domain: "piedpiper-76.com" }, "Piper");
    h.clock.advance(HOUR);
    await importFromCrm(w.deps, TZ);
    expect((await w.kb.getAccount("hubspot-company-7601"))?.lifecycle).toBe("open_opportunity");
    h.clock.advance(HOUR);
    w.hs.put("deals", "7621", { dealstage: "closedlost" }, h.clock.now() - 10 * 60_000);
    await importFromCrm(w.deps, TZ);
    // Before: kept at open opportunity, the raised value read back as the company's own.
    expect((await w.kb.getAccount("hubspot-company-7601"))?.lifecycle).toBe("prospect");
    await w.hs.close();
  });

  it("a company imported late brings the deals skipped while it had no account, once", async () => {
    const w = await world();
    // No domain yet: the import skips the company, and its deal has no account to be kept under.
    w.hs.put("companies", "8901", { name: "Vandelay" }, T0 - 6 * HOUR);
    w.hs.put(
      "deals",
      "8921",
      {
        dealname: "Vandelay imports",
        dealstage: "appointmentscheduled",
        pipeline: "default",
        amount: "12000",
      },
      T0 - 5 * HOUR,
      "8901",
    );
    const first = await importFromCrm(w.deps, TZ);
    expect(first.deals.skipped).toEqual([
      { id: "8921", reason: "company 8901 is not in the knowledge base" },
    ]);
    // A rep adds the domain. HubSpot changes nothing on the deal: the import would not read it again.
    h.clock.advance(HOUR);
    w.hs.put("companies", "8901", { domain: "vandelay-89.com" }, h.clock.now() - 10 * 60_000);
    const second = await importFromCrm(w.deps, TZ);
    expect(second.companies.dealsFollowed).toBe(1);
    expect((await w.store.dealsOf("hubspot-company-8901")).map((d) => [d.dealId, d.stage])).toEqual([
      ["8921", "appointmentscheduled"],
    ]);
    expect(await w.store.link("deals", "8921")).toEqual({ kbId: "hubspot-company-8901" });
    // Followed once: the company edited again reads its deals no more.
    h.clock.advance(HOUR);
    w.hs.put("companies", "8901", { name: "Vandelay Industries" }, h.clock.now() - 10 * 60_000);
    const third = await importFromCrm(w.deps, TZ);
    expect(third.companies.dealsFollowed).toBeUndefined();
    expect(
      w.hs.searches("deals").filter((b) => JSON.stringify(b).includes("associations.company")),
    ).toHaveLength(1);
    await w.hs.close();
  });

  it("a company imported late brings the contacts read while it had no account: skipped ones, and ones placed by their email's domain", async () => {
    const w = await world();
    // No domain yet: the import skips the company, and has no account for its contacts.
    w.hs.put("companies", "8201", { name: "Globo" }, T0 - 6 * HOUR);
    w.hs.put("companies", "8202", { name: "Other", domain: "other-82.com" }, T0 - 6 * HOUR);
    const contact = { firstname: "Ida", lastname: "Lo", jobtitle: "VP Sales" };
    w.hs.put("contacts", "8211", { ...contact, email: "ida@gmail.example" }, T0 - 5 * HOUR, "8201");
    // Her colleague's address is still the old employer's: placed at that account by its domain.
    w.hs.put(
      "contacts",
      "8212",
      { ...contact, firstname: "Max", email: "max@other-82.com" },
      T0 - 5 * HOUR,
      "8201",
    );
    const first = await importFromCrm(w.deps, TZ);
    expect(first.contacts.skipped).toContainEqual({
      id: "8211",
      reason: "company 8201 is not in the knowledge base",
    });
    expect((await w.kb.getPerson("hubspot-contact-8212"))?.accountId).toBe("hubspot-company-8202");
    // A rep adds the company's domain: the company is imported, and its contacts read again for it,
    // though neither contact changed in HubSpot.
    h.clock.advance(HOUR);
    w.hs.put("companies", "8201", { domain: "globo-82.com" }, h.clock.now() - 10 * 60_000);
    const second = await importFromCrm(w.deps, TZ);
    expect(second.companies.contactsFollowed).toBe(2);
    expect((await w.kb.getPerson("hubspot-contact-8211"))?.accountId).toBe("hubspot-company-8201");
    expect((await w.kb.getPerson("hubspot-contact-8212"))?.accountId).toBe("hubspot-company-8201");
    // Once: the next run reads nothing again for it.
    h.clock.advance(HOUR);
    w.hs.put("companies", "8201", { name: "Globo Inc" }, h.clock.now() - 10 * 60_000);
    expect((await importFromCrm(w.deps, TZ)).companies.contactsFollowed).toBeUndefined();
    await w.hs.close();
  });

  it("a late company's contacts are followed whichever way it gets its account, and a follow cut short goes on the next run", async () => {
    const w = await world({ pageSize: 1 });
    w.hs.put(
      "companies",
      "8301",
      { name: "Hooli", domain: "hooli-83.com", lifecyclestage: "customer" },
      T0 - 7 * HOUR,
    );
    // A duplicate of Hooli, without a domain yet: its three contacts have no account to go to.
    w.hs.put("companies", "8302", { name: "Hooli (old)", lifecyclestage: "lead" }, T0 - 6 * HOUR);
    for (const id of ["8311", "8312", "8313"])
      w.hs.put(
        "contacts",
        id,
        { firstname: "G", lastname: id, jobtitle: "VP Sales", email: `g${id}@gmail.example` },
        T0 - 5 * HOUR,
        "8302",
      );
    await importFromCrm(w.deps, TZ);
    expect(await w.kb.getPerson("hubspot-contact-8311")).toBeUndefined();
    // The duplicate gets Hooli's domain: linked to Hooli's account, not written (it would lower it).
    // Its contacts' search fails once, after the first page.
    const crm = w.deps.crm;
    let calls = 0;
    let fails: (n: number) => boolean = (n) => n === 2;
    const failing: typeof crm = Object.create(crm);
    failing.ofCompany = async (...args) => {
      if (fails(++calls)) throw new Error("HubSpot contacts search: status 502 after 4 attempts");
      return crm.ofCompany?.(...args) ?? { records: [] };
    };
    h.clock.advance(HOUR);
    w.hs.put("companies", "8302", { domain: "hooli-83.com" }, h.clock.now() - 10 * 60_000);
    const cut = await importFromCrm({ ...w.deps, crm: failing }, TZ);
    expect(cut.companies.skipped).toEqual(
      expect.arrayContaining([
        { id: "8302", reason: expect.stringMatching(/duplicate of company 8301/) },
        { id: "8302", reason: expect.stringMatching(/its contacts not all read again yet: .*502/) },
      ]),
    );
    expect(cut.companies.contactsFollowed).toBe(1);
    // HubSpot's search is down for a run in which another company changed: that run reads Hooli (old)
    // again (the checkpoint's overlap) but cannot follow, and its checkpoint goes past it.
    fails = () => true;
    h.clock.advance(HOUR);
    w.hs.put(
      "companies",
      "8304",
      { name: "Pied Piper", domain: "piedpiper-83.com" },
      h.clock.now() - 8 * 60_000,
    );
    expect((await importFromCrm({ ...w.deps, crm: failing }, TZ)).companies.contactsFollowed).toBeUndefined();
    // The next run goes on from the contact it stopped after, though it does not read the company
    // (before, a follow went on only when HubSpot changed the company again).
    h.clock.advance(HOUR);
    const rest = await importFromCrm(w.deps, TZ);
    expect(rest.companies.skipped.map((x) => x.id)).not.toContain("8302");
    expect(rest.companies.contactsFollowed).toBe(2);
    for (const id of ["8311", "8312", "8313"])
      expect((await w.kb.getPerson(`hubspot-contact-${id}`))?.accountId).toBe("hubspot-company-8301");
    // Finished, it is off the list: the run after reads nothing again.
    h.clock.advance(HOUR);
    expect((await importFromCrm(w.deps, TZ)).companies.contactsFollowed).toBeUndefined();
    expect(await w.deps.store.unfinishedFollows()).toEqual([]);
    await w.hs.close();
  });

  it("a late company's contacts without a primary company are followed too; one whose primary company is another stays there", async () => {
    const w = await world();
    // Initech without a domain yet: no account for its contacts to go to.
    w.hs.put("companies", "9301", { name: "Initech" }, T0 - 7 * HOUR);
    w.hs.put("companies", "9303", { name: "Umbrella", domain: "umbrella-93.com" }, T0 - 7 * HOUR);
    const contact = (id: string) => ({
      firstname: "G",
      lastname: id,
      jobtitle: "VP Sales",
      email: `g${id}@gmail.example`,
    });
    // Associated with Initech, no primary company (the primary removed, or a link made through the API).
    w.hs.put("contacts", "9311", contact("9311"), T0 - 5 * HOUR, "9301", { primary: false });
    // Umbrella's, and associated with Initech too.
    w.hs.put("contacts", "9312", contact("9312"), T0 - 5 * HOUR, "9303", { alsoWith: ["9301"] });
    // A later change: the contacts' checkpoint goes past the two above, which no run reads again.
    w.hs.put("contacts", "9313", contact("9313"), T0 - 4 * HOUR, "9303");
    await importFromCrm(w.deps, TZ);
    expect(await w.kb.getPerson("hubspot-contact-9311")).toBeUndefined();
    expect((await w.kb.getPerson("hubspot-contact-9312"))?.accountId).toBe("hubspot-company-9303");
    // Initech gets its domain: imported, and its contacts followed.
    h.clock.advance(HOUR);
    w.hs.put("companies", "9301", { domain: "initech-93.com" }, h.clock.now() - 10 * 60_000);
    const report = await importFromCrm(w.deps, TZ);
    // Before: the follow searched by primary company only, and 9311 stayed out of the knowledge base
    // for good (nothing changes it in HubSpot to bring it back).
    expect((await w.kb.getPerson("hubspot-contact-9311"))?.accountId).toBe("hubspot-company-9301");
    expect(report.companies.contactsFollowed).toBe(1);
    // Umbrella's contact is not moved to Initech.
    expect((await w.kb.getPerson("hubspot-contact-9312"))?.accountId).toBe("hubspot-company-9303");
    await w.hs.close();
  });

  it("a contact unsubscribed from all email in HubSpot is suppressed on email, even one the import skips", async () => {
    const w = await world();
    w.hs.put("companies", "7701", { name: "Initech", domain: "initech-77.com" }, T0 - 5 * HOUR);
    const opted = { hs_email_optout: "true" };
    w.hs.put(
      "contacts",
      "7711",
      { email: "joan@initech-77.com", firstname: "Joan", lastname: "Lee", jobtitle: "VP Sales", ...opted },
      T0 - 5 * HOUR,
      "7701",
    );
    // No job title: the import skips the contact, but not its opt-out.
    w.hs.put(
      "contacts",
      "7712",
      { email: "Bill@Initech-77.com", firstname: "Bill", ...opted },
      T0 - 5 * HOUR,
      "7701",
    );
    w.hs.put(
      "contacts",
      "7713",
      {
        email: "pat@initech-77.com",
        firstname: "Pat",
        lastname: "Ng",
        jobtitle: "CFO",
        hs_email_optout: "false",
      },
      T0 - 5 * HOUR,
      "7701",
    );
    const report = await importFromCrm(w.deps, TZ);
    expect(report.contacts).toMatchObject({ written: 2, optedOut: 2 });
    expect(report.contacts.skipped).toEqual([
      { id: "7712", reason: expect.stringMatching(/jobtitle|lastname/) },
    ]);
    const accountId = (await w.kb.getPerson("hubspot-contact-7711"))?.accountId as string;
    const joan = await suppressionsFor(h.rt.db, accountId, "hubspot-contact-7711");
    expect(joan).toContainEqual(
      expect.objectContaining({
        kind: "email",
        channels: ["email"],
        reason: "unsubscribed from all email in HubSpot (contact 7711)",
      }),
    );
    expect(await suppressionsFor(h.rt.db, accountId, "hubspot-contact-7713")).toEqual([]);
    // Bill added later by other means (an agent's research, a person) is suppressed from the start.
    await putPerson(h.rt.deps, "initech-bill", {
      accountId,
      email: "bill@initech-77.com",
      firstName: "Bill",
      lastName: "Smith",
      title: "Head of IT",
    });
    expect(await suppressionsFor(h.rt.db, accountId, "initech-bill")).toContainEqual(
      expect.objectContaining({
        kind: "email",
        channels: ["email"],
        reason: expect.stringMatching(/contact 7712/),
      }),
    );
    await w.hs.close();
  });

  it("an opt-out reaches the person the contact was imported as, whatever address the harness has on file for them", async () => {
    const w = await world();
    w.hs.put("companies", "7901", { name: "Hooli", domain: "hooli-79.com" }, T0 - 5 * HOUR);
    const contact = { firstname: "Gavin", lastname: "Belson", jobtitle: "VP Sales" };
    w.hs.put("contacts", "7911", { ...contact, email: "gavin@hooli-79.com" }, T0 - 5 * HOUR, "7901");
    await importFromCrm(w.deps, TZ);
    const person = (await w.kb.getPerson("hubspot-contact-7911")) as Person;
    // The harness's own newer record keeps another address (a correction made here)...
    await putPerson(h.rt.deps, "hubspot-contact-7911", {
      accountId: person.accountId,
      email: "g.belson@hooli-79.com",
      ...{ firstName: "Gavin", lastName: "Belson", title: "VP Sales" },
    });
    // ...while in HubSpot the contact, under yet another address, unsubscribes from all email.
    w.hs.put(
      "contacts",
      "7911",
      { ...contact, email: "gb@hooli-79.com", hs_email_optout: "true" },
      T0 - HOUR,
      "7901",
    );
    const report = await importFromCrm(w.deps, TZ);
    expect(report.contacts).toMatchObject({ optedOut: 1, keptNewer: 1 });
    expect((await w.kb.getPerson("hubspot-contact-7911"))?.email).toBe("g.belson@hooli-79.com");
    expect(await suppressionsFor(h.rt.db, person.accountId, "hubspot-contact-7911")).toContainEqual(
      expect.objectContaining({
        kind: "person",
        channels: ["email"],
        reason: "unsubscribed from all email in HubSpot (contact 7911)",
      }),
    );
    await w.hs.close();
  });

  it("contacts who unsubscribed before the import read opt-outs are found by a sweep of their own", async () => {
    const w = await world();
    w.hs.put("companies", "7801", { name: "Umbrella", domain: "umbrella-78.com" }, T0 - 50 * HOUR);
    const contact = { firstname: "Ann", lastname: "Ito", jobtitle: "VP Sales" };
    for (const [id, email, optout] of [
      ["7811", "ann@umbrella-78.com", "true"],
      ["7812", "ben@umbrella-78.com", "false"],
      ["7813", "cy@umbrella-78.com", "true"],
    ] as const)
      w.hs.put("contacts", id, { ...contact, email, hs_email_optout: optout }, T0 - 48 * HOUR, "7801");
    // An import that ran before it asked for hs_email_optout: its checkpoints are past these contacts.
    for (const type of ["companies", "contacts", "deals"] as const)
      await w.checkpoints.advance(checkpointName("hubspot", type), T0 - HOUR);
    const report = await importFromCrm(w.deps, TZ);
    expect(report.contacts.seen).toBe(0);
    expect(report.optOuts).toEqual({ suppressed: 2, caughtUp: true });
    // Ann is added later by other means: her address was suppressed by the sweep.
    const accountId = "umbrella-78";
    await putProspect(accountId, "Umbrella", "umbrella-78.com", 10);
    await putPerson(h.rt.deps, "umbrella-ann", {
      accountId,
      email: "ann@umbrella-78.com",
      ...{ firstName: "Ann", lastName: "Ito", title: "VP Sales" },
    });
    expect(await suppressionsFor(h.rt.db, accountId, "umbrella-ann")).toContainEqual(
      expect.objectContaining({
        kind: "email",
        channels: ["email"],
        reason: expect.stringMatching(/contact 7811/),
      }),
    );
    // The next run reads only what changed since: nothing.
    expect((await importFromCrm(w.deps, TZ)).optOuts).toEqual({ suppressed: 0, caughtUp: true });
    await w.hs.close();
  });

  it("a sweep of more opt-outs than a run reads goes on at once in a new run, until caught up", async () => {
    const w = await world({ pageSize: 1 });
    w.hs.put("companies", "9901", { name: "Kramerica", domain: "kramerica-99.com" }, T0 - 50 * HOUR);
    for (let i = 10; i < 35; i++)
      w.hs.put(
        "contacts",
        `99${i}`,
        {
          firstname: "P",
          lastname: `${i}`,
          jobtitle: "VP Sales",
          email: `p${i}@kramerica-99.com`,
          hs_email_optout: "true",
        },
        T0 - 48 * HOUR + i * 1000,
        "9901",
      );
    // Imported before opt-outs were read: the types are caught up, the sweep is not.
    for (const type of ["companies", "contacts", "deals"] as const)
      await w.checkpoints.advance(checkpointName("hubspot", type), T0 - HOUR);
    const { AgentRunner } = await import("../../shared/agents/runner.ts");
    const runner = new AgentRunner([crmImport], {
      clock: h.clock,
      gate: { propose: async () => Promise.reject(new Error("crm-import proposes nothing")) },
      kb: h.agents.view,
      model: { modelId: "none" } as never,
      retries: { add: async () => {}, due: async () => [], remove: async () => {} },
      crm: { importChanges: (o) => importFromCrm(w.deps, o) },
    });
    const schedule = { kind: "schedule" as const, at: h.clock.now(), cron: "*/15 * * * *" };
    const runs = [await runner.run("crm-import", schedule)];
    // 20 pages of one a run: before, the rest waited for the next quarter hour.
    expect(runs[0]).toMatchObject({ more: true });
    while (runs.at(-1)?.more && runs.length < 10) runs.push(await runner.run("crm-import", schedule));
    expect(runs.at(-1)?.more).toBeUndefined();
    expect(runs.every((r) => r.error === undefined)).toBe(true);
    expect(runs.length).toBeGreaterThan(1);
    expect(runs.length).toBeLessThan(10);
    // Swept to the end: a run now finds nothing left.
    const swept = await importFromCrm(w.deps, TZ);
    expect(swept.optOuts).toEqual({ suppressed: 0, caughtUp: true });
    await w.hs.close();
  });

  it("a contact erased on request is not imported again, even under another address in HubSpot", async () => {
    const w = await world();
    w.hs.put("companies", "1101", { name: "Sabini", domain: "sabini-11.com" }, T0 - 5 * HOUR);
    const contact = { firstname: "Kim", lastname: "Sabini", jobtitle: "VP Sales" };
    w.hs.put("contacts", "1111", { ...contact, email: "kim@sabini-11.com" }, T0 - 5 * HOUR, "1101");
    await importFromCrm(w.deps, TZ);
    expect(await w.kb.getPerson("hubspot-contact-1111")).toBeDefined();
    await erasePerson(
      h.rt.deps,
      { personId: "hubspot-contact-1111" },
      { reason: "GDPR request 7" },
      { subject: "root", roles: ["admin"] },
    );
    // The same contact, its address changed in HubSpot: the erasure's email no longer matches it.
    w.hs.put("contacts", "1111", { ...contact, email: "kim.sabini@sabini-11.com" }, h.clock.now() - 60_000);
    const again = await importFromCrm(w.deps, TZ);
    expect(again.contacts.skipped).toEqual([{ id: "1111", reason: "erased on request: not re-imported" }]);
    expect(await w.kb.getPerson("hubspot-contact-1111")).toBeUndefined();
    await w.hs.close();
  });

  it("a person the API added and erased stays out once HubSpot's contact of them changes address", async () => {
    const w = await world();
    await putProspect("zeta-z13", "Zeta", "zeta-z13.com", 10);
    await putPerson(h.rt.deps, "zeta-ana", {
      accountId: "zeta-z13",
      email: "ana@zeta-z13.com",
      ...{ firstName: "Ana", lastName: "Zeta", title: "VP Sales" },
    });
    await erasePerson(
      h.rt.deps,
      { personId: "zeta-ana" },
      { reason: "GDPR request 9" },
      { subject: "root", roles: ["admin"] },
    );
    // HubSpot's contact of her, first read after the erasure: skipped by its address.
    const contact = { firstname: "Ana", lastname: "Zeta", jobtitle: "VP Sales" };
    w.hs.put("companies", "z1301", { name: "Zeta", domain: "zeta-z13.com" }, T0 - 5 * HOUR);
    w.hs.put("contacts", "z1311", { ...contact, email: "ana@zeta-z13.com" }, T0 - 5 * HOUR, "z1301");
    const first = await importFromCrm(w.deps, TZ);
    expect(first.contacts.skipped).toEqual([{ id: "z1311", reason: "erased on request: not re-imported" }]);
    // A rep changes her address in HubSpot. Before, nothing tied the contact to her: it was imported
    // again as hubspot-contact-z1311, name, title and new address.
    h.clock.advance(HOUR);
    w.hs.put("contacts", "z1311", { ...contact, email: "ana.zeta@zeta-z13.com" }, h.clock.now() - 60_000);
    const again = await importFromCrm(w.deps, TZ);
    expect(again.contacts.skipped).toEqual([{ id: "z1311", reason: "erased on request: not re-imported" }]);
    expect(await w.kb.getPerson("hubspot-contact-z1311")).toBeUndefined();
    expect(await w.kb.personIdByEmail("ana.zeta@zeta-z13.com")).toBeUndefined();
    await w.hs.close();
  });

  it("a contact erased while the import read it (after its check) is not written back", async () => {
    const w = await world();
    w.hs.put("companies", "1201", { name: "Tessel", domain: "tessel-12.com" }, T0 - 5 * HOUR);
    const contact = {
      firstname: "Lea",
      lastname: "Tessel",
      jobtitle: "VP Sales",
      email: "lea@tessel-12.com",
    };
    w.hs.put("contacts", "1211", contact, T0 - 5 * HOUR, "1201");
    await importFromCrm(w.deps, TZ);
    await erasePerson(
      h.rt.deps,
      { personId: "hubspot-contact-1211" },
      { reason: "GDPR request 8" },
      { subject: "root", roles: ["admin"] },
    );
    // The run read "not erased" just before the erasure landed.
    w.store.erased = async () => undefined;
    w.hs.put("contacts", "1211", { ...contact, jobtitle: "CRO" }, h.clock.now() - 60_000);
    const again = await importFromCrm(w.deps, TZ);
    expect(again.contacts.skipped).toEqual([{ id: "1211", reason: "erased on request: not re-imported" }]);
    expect(await w.kb.getPerson("hubspot-contact-1211")).toBeUndefined();
    await w.hs.close();
  });

  it("the crm-import agent runs the import on its schedule, and without a CRM configured does nothing", async () => {
    const w = await world();
    seedCrm(w.hs, "7", T0 - 5 * HOUR);
    const { AgentRunner } = await import("../../shared/agents/runner.ts");
    const logs: { msg: string; data: Record<string, unknown> }[] = [];
    const runnerDeps = {
      clock: h.clock,
      gate: { propose: async () => Promise.reject(new Error("crm-import proposes nothing")) },
      kb: h.agents.view,
      model: { modelId: "none" } as never,
      retries: { add: async () => {}, due: async () => [], remove: async () => {} },
      log: (msg: string, data: Record<string, unknown>) => void logs.push({ msg, data }),
    };
    const withCrm = new AgentRunner([crmImport], { ...runnerDeps, crm: crmImporter(w.deps) });
    const run = await withCrm.run("crm-import", {
      kind: "schedule",
      at: h.clock.now(),
      cron: "*/15 * * * *",
    });
    expect(run.error).toBeUndefined();
    expect(
      logs.filter((l) => l.msg === "crm import").map((l) => [l.data.objectType, l.data.written]),
    ).toEqual([
      ["companies", 1],
      ["contacts", 2],
      ["deals", 1],
    ]);
    // Caught up: nothing more to do.
    expect(run.more).toBeUndefined();
    const without = new AgentRunner([crmImport], runnerDeps);
    logs.length = 0;
    await without.run("crm-import", { kind: "manual", input: {}, by: "admin" });
    expect(logs.map((l) => l.msg)).toEqual(["no CRM configured: nothing to import"]);
    await w.hs.close();
  });

  it("a run stopped at its cap with headway made has more to do: in AWS it goes on at once, until caught up", async () => {
    const w = await world({ pageSize: 1 });
    seedCrm(w.hs, "72", T0 - 5 * HOUR);
    const { AgentRunner } = await import("../../shared/agents/runner.ts");
    const capped = new AgentRunner([crmImport], {
      clock: h.clock,
      gate: { propose: async () => Promise.reject(new Error("crm-import proposes nothing")) },
      kb: h.agents.view,
      model: { modelId: "none" } as never,
      retries: { add: async () => {}, due: async () => [], remove: async () => {} },
      crm: { importChanges: (o) => importFromCrm(w.deps, { ...o, maxRecords: 1 }) },
    });
    const schedule = { kind: "schedule" as const, at: h.clock.now(), cron: "*/15 * * * *" };
    const runs = [await capped.run("crm-import", schedule)];
    // Before: nothing said so, and in AWS the rest waited for the next quarter hour (agent-handler.ts).
    expect(runs[0]).toMatchObject({ more: true });
    expect(runs[0]?.error).toBeUndefined();
    while (runs.at(-1)?.more && runs.length < 10) runs.push(await capped.run("crm-import", schedule));
    expect(runs.at(-1)?.more).toBeUndefined();
    expect(runs.length).toBeGreaterThan(2);
    expect(runs.length).toBeLessThan(10);
    // A chain ends before the schedule's next firing (CHAIN_MS): a continuation of a firing 10
    // minutes ago does not go on, though not caught up, so two chains never read the same pages.
    seedCrm(w.hs, "73", h.clock.now() - 20 * 60_000);
    const late = await capped.run("crm-import", { ...schedule, continuedFrom: h.clock.now() - CHAIN_MS });
    expect(late.more).toBeUndefined();
    expect(late.error).toBeUndefined();
    expect((await capped.run("crm-import", schedule)).more).toBe(true);
    expect(await w.store.dealsOf("hubspot-company-7201")).toHaveLength(1);
    expect(await w.kb.getPerson("hubspot-contact-7212")).toBeDefined();
    await w.hs.close();
  });
});
