/**
 * The connector's and the CRM import's HubSpot calls (hubspot-crm.ts, hubspot-crm-search.ts) are
 * built from the SDK's request factories and response processors (hubspot-area.ts), and the objects
 * calls from the SDK's generic objects API, instead of the discovery classes of contacts, companies,
 * deals, notes, emails, communications, v4 associations and lists (issue 11, item 8). Here each call
 * is made by ours and by the discovery class the harness used before, against one stand-in: the
 * same request (method, path and query, headers, body) and the same answer or error.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { FilterOperatorEnum } from "@hubspot/api-client/lib/codegen/crm/objects/models/Filter.js";
import * as associationsArea from "@hubspot/api-client/lib/src/discovery/crm/associations/v4/AssociationsDiscovery.js";
import * as companiesArea from "@hubspot/api-client/lib/src/discovery/crm/companies/CompaniesDiscovery.js";
import * as contactsArea from "@hubspot/api-client/lib/src/discovery/crm/contacts/ContactsDiscovery.js";
import * as dealsArea from "@hubspot/api-client/lib/src/discovery/crm/deals/DealsDiscovery.js";
import * as listsArea from "@hubspot/api-client/lib/src/discovery/crm/lists/ListsDiscovery.js";
import * as communicationsArea from "@hubspot/api-client/lib/src/discovery/crm/objects/communications/CommunicationsDiscovery.js";
import * as emailsArea from "@hubspot/api-client/lib/src/discovery/crm/objects/emails/EmailsDiscovery.js";
import * as notesArea from "@hubspot/api-client/lib/src/discovery/crm/objects/notes/NotesDiscovery.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HubSpotApiError } from "../../shared/adapters/connectors/hubspot-area.ts";
import { hubspotCrmClient } from "../../shared/adapters/connectors/hubspot-crm.ts";
import {
  crmReadRetry,
  HubSpotCrmSearch,
  hubspotCrmReads,
} from "../../shared/adapters/connectors/hubspot-crm-search.ts";
import { fakeApi, instantRetries, type Recorded } from "./helpers/fake-api.ts";
import { membershipsChanged } from "./helpers/fake-hubspot-writes.ts";
import { sameAsSdk, sdkArea } from "./helpers/hubspot-sdk.ts";

const now = "2026-03-10T14:00:00.000Z";
const record = (id: string, properties: Record<string, string>) => ({
  id,
  properties: { hs_object_id: id, ...properties },
  createdAt: "2026-03-01T10:00:00.000Z",
  updatedAt: now,
  archived: false,
});
const list = (listId: string, name: string) => ({
  list: { listId, name, objectTypeId: "0-1", processingType: "MANUAL", listVersion: 1, size: 0 },
});

/** Answers in the documented shapes, one per endpoint the connector and the import call. */
function answer(r: Recorded) {
  if (r.method === "POST" && r.path === "/crm/v3/objects/contacts/batch/read")
    return {
      status: 207,
      body: {
        status: "COMPLETE",
        results: [record("7", { email: "jane@acme.io" })],
        numErrors: 1,
        errors: [
          {
            status: "error",
            category: "OBJECT_NOT_FOUND",
            message: "not found",
            context: { ids: ["x@acme.io"] },
          },
        ],
        startedAt: now,
        completedAt: now,
      },
    };
  const upsert = /^\/crm\/v3\/objects\/(\w+)\/batch\/upsert$/.exec(r.path);
  if (r.method === "POST" && upsert) {
    if (r.body.inputs[0]?.id === "refused@acme.io")
      // As HubSpot answers it: the refused value quoted in the message.
      return {
        status: 400,
        body: {
          status: "error",
          message:
            'Property values were not valid: [{"isValid":false,"message":"Email address refused@acme.io is invalid","error":"INVALID_EMAIL","name":"email"}]',
          correlationId: "4f6a1c2e-7b8d-4e8f-9a0b-1c2d3e4f5a6b",
          category: "VALIDATION_ERROR",
        },
      };
    return {
      status: 200,
      body: {
        status: "COMPLETE",
        results: r.body.inputs.map((i: { properties: Record<string, string> }, n: number) => ({
          ...record(String(100 + n), i.properties),
          new: true,
        })),
        startedAt: now,
        completedAt: now,
      },
    };
  }
  const association = /^\/crm\/v4\/objects\/(\w+)\/(\d+)\/associations\/default\/(\w+)\/(\d+)$/.exec(r.path);
  if (r.method === "PUT" && association)
    return {
      status: 200,
      body: {
        status: "COMPLETE",
        results: [
          {
            from: { id: association[2] },
            to: { id: association[4] },
            associationSpec: { associationCategory: "HUBSPOT_DEFINED", associationTypeId: 279 },
          },
        ],
        startedAt: now,
        completedAt: now,
      },
    };
  if (r.method === "GET" && r.path.startsWith("/crm/v3/lists/object-type-id/0-1/name/Known%20list"))
    return { status: 200, body: list("17", "Known list") };
  if (r.method === "POST" && r.path === "/crm/v3/lists")
    return { status: 200, body: list("18", r.body.name) };
  if (r.method === "PUT" && r.path === "/crm/v3/lists/17/memberships/add-and-remove")
    return { status: 200, body: membershipsChanged(r.body) };
  const search = /^\/crm\/v3\/objects\/(\w+)\/search$/.exec(r.path);
  if (r.method === "POST" && search)
    return {
      status: 200,
      body: {
        total: 2,
        results: [record("7", { name: `a ${search[1]}`, hs_lastmodifieddate: now })],
        paging: { next: { after: "1", link: "?after=1" } },
      },
    };
  if (r.method === "POST" && r.path === "/crm/v4/associations/contacts/companies/batch/read")
    return {
      status: 200,
      body: {
        status: "COMPLETE",
        results: [
          {
            from: { id: "7" },
            to: [
              {
                toObjectId: 42,
                associationTypes: [{ category: "HUBSPOT_DEFINED", typeId: 1, label: "Primary" }],
              },
            ],
          },
        ],
        startedAt: now,
        completedAt: now,
      },
    };
  return {
    status: 404,
    body: { status: "error", message: "resource not found", category: "OBJECT_NOT_FOUND" },
  };
}

let api: Awaited<ReturnType<typeof fakeApi>>;
beforeAll(async () => {
  api = await fakeApi(answer);
});
afterAll(() => api.close());

const options = () => ({ accessToken: "pat-test", basePath: api.url });
const both = <T>(ours: () => Promise<T>, theirs: () => Promise<T>) => sameAsSdk(api, ours, theirs);
const ours = () => hubspotCrmClient(options()).crm;

describe("the connector's HubSpot calls, as the SDK's discovery classes make them", () => {
  const upsert = (email: string) => ({
    inputs: [{ idProperty: "email", id: email, properties: { email, jobtitle: "CTO" } }],
  });

  it.each([
    ["contacts", () => ours().contacts, () => sdkArea(contactsArea, options())],
    ["companies", () => ours().companies, () => sdkArea(companiesArea, options())],
    ["notes", () => ours().objects.notes, () => sdkArea(notesArea, options())],
    ["emails", () => ours().objects.emails, () => sdkArea(emailsArea, options())],
    ["communications", () => ours().objects.communications, () => sdkArea(communicationsArea, options())],
  ] as const)("upserts %s by a unique property", async (type, mine, sdk) => {
    const { answer, request } = await both(
      () => mine().batchApi.upsert(upsert("jane@acme.io")),
      () => sdk().batchApi.upsert(upsert("jane@acme.io")),
    );
    expect(request).toMatchObject({
      method: "POST",
      path: `/crm/v3/objects/${type}/batch/upsert`,
      headers: { authorization: "Bearer pat-test", "content-type": "application/json" },
      body: upsert("jane@acme.io"),
    });
    expect(answer).toMatchObject({ value: { status: "COMPLETE", results: [{ id: "100", _new: true }] } });
  });

  it("reads contacts by email (a list's removals); those not found come back as errors", async () => {
    const input = {
      idProperty: "email",
      inputs: [{ id: "jane@acme.io" }, { id: "x@acme.io" }],
      properties: ["email"],
      propertiesWithHistory: [],
    };
    const { answer, request } = await both(
      () => ours().contacts.batchApi.read(input),
      () => sdkArea(contactsArea, options()).batchApi.read(input),
    );
    expect(request).toMatchObject({
      method: "POST",
      path: "/crm/v3/objects/contacts/batch/read",
      body: input,
    });
    expect(answer).toMatchObject({ value: { results: [{ id: "7" }], numErrors: 1 } });
  });

  it("a refused upsert fails with the SDK's status as `code` and its body, told without the values HubSpot quotes", async () => {
    const { answer } = await both(
      () => ours().contacts.batchApi.upsert(upsert("refused@acme.io")),
      () => sdkArea(contactsArea, options()).batchApi.upsert(upsert("refused@acme.io")),
    );
    expect(answer).toMatchObject({ error: { code: 400 } });
    const err = await ours()
      .contacts.batchApi.upsert(upsert("refused@acme.io"))
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(HubSpotApiError);
    // The SDK's own message carries the body and headers: the address, in every log line it reached.
    const sdkErr = await sdkArea(contactsArea, options())
      .batchApi.upsert(upsert("refused@acme.io"))
      .catch((e: Error) => e);
    expect(String(sdkErr)).toContain("refused@acme.io");
    expect((err as Error).message).toBe(
      "HubSpot answered 400: VALIDATION_ERROR: Property values were not valid: INVALID_EMAIL (email) (correlation id 4f6a1c2e-7b8d-4e8f-9a0b-1c2d3e4f5a6b)",
    );
    // What a log line of it holds (Lambda's and Powertools' error formats list its own fields).
    expect(
      JSON.stringify({ ...err, message: (err as Error).message, stack: (err as Error).stack }),
    ).not.toContain("refused@acme.io");
  });

  it("associates two records by the default association", async () => {
    const { answer, request } = await both(
      () => ours().associations.v4.basicApi.createDefault("notes", "31", "companies", "42"),
      () => sdkArea(associationsArea, options()).basicApi.createDefault("notes", "31", "companies", "42"),
    );
    expect(request).toMatchObject({
      method: "PUT",
      path: "/crm/v4/objects/notes/31/associations/default/companies/42",
    });
    expect(answer).toMatchObject({ value: { results: [{ associationSpec: { associationTypeId: 279 } }] } });
  });

  it("finds a list by name, and fails on an unknown one with a 404", async () => {
    const lists = () => sdkArea(listsArea, options()).listsApi;
    const found = await both(
      () => ours().lists.listsApi.getByName("Known list", "0-1"),
      () => lists().getByName("Known list", "0-1"),
    );
    expect(found.request.path).toBe("/crm/v3/lists/object-type-id/0-1/name/Known%20list");
    expect(found.answer).toMatchObject({ value: { list: { listId: "17", name: "Known list" } } });
    const missing = await both(
      () => ours().lists.listsApi.getByName("Harness: sdr-1", "0-1"),
      () => lists().getByName("Harness: sdr-1", "0-1"),
    );
    expect(missing.request.path).toBe("/crm/v3/lists/object-type-id/0-1/name/Harness%3A%20sdr-1");
    expect(missing.answer).toMatchObject({ error: { code: 404 } });
  });

  it("creates a list, and changes its members", async () => {
    const create = { name: "Harness: sdr-1", objectTypeId: "0-1", processingType: "MANUAL" };
    const created = await both(
      () => ours().lists.listsApi.create(create),
      () => sdkArea(listsArea, options()).listsApi.create(create),
    );
    expect(created.request).toMatchObject({ method: "POST", path: "/crm/v3/lists", body: create });
    expect(created.answer).toMatchObject({ value: { list: { listId: "18" } } });
    const change = { recordIdsToAdd: ["100"], recordIdsToRemove: ["101"] };
    const changed = await both(
      () => ours().lists.membershipsApi.addAndRemove("17", change),
      () => sdkArea(listsArea, options()).membershipsApi.addAndRemove("17", change),
    );
    expect(changed.request).toMatchObject({
      method: "PUT",
      path: "/crm/v3/lists/17/memberships/add-and-remove",
      body: change,
    });
    expect(changed.answer).toMatchObject({ value: { recordsIdsAdded: ["100"], recordIdsRemoved: ["101"] } });
  });
});

describe("the CRM import's HubSpot reads, as the SDK's discovery classes make them", () => {
  const reads = () => hubspotCrmReads(options());
  const search = {
    filterGroups: [
      {
        filters: [
          { propertyName: "hs_lastmodifieddate", operator: FilterOperatorEnum.Gte, value: "1767225600000" },
        ],
      },
    ],
    sorts: ["hs_lastmodifieddate"],
    properties: ["name", "hs_lastmodifieddate"],
    limit: 100,
    after: "100",
  };

  it.each([
    ["companies", () => sdkArea(companiesArea, options())],
    ["contacts", () => sdkArea(contactsArea, options())],
    ["deals", () => sdkArea(dealsArea, options())],
  ] as const)("searches %s by modified time", async (type, sdk) => {
    const { answer, request } = await both(
      () => reads().doSearch(type, search),
      () => sdk().searchApi.doSearch(search),
    );
    expect(request).toMatchObject({ method: "POST", path: `/crm/v3/objects/${type}/search`, body: search });
    expect(answer).toMatchObject({
      value: {
        total: 2,
        results: [{ id: "7", properties: { name: `a ${type}` } }],
        paging: { next: { after: "1" } },
      },
    });
  });

  it("reads the companies of contacts", async () => {
    const input = { inputs: [{ id: "7" }, { id: "8" }] };
    const { answer, request } = await both(
      () => reads().getPage("contacts", "companies", input),
      () => sdkArea(associationsArea, options()).batchApi.getPage("contacts", "companies", input),
    );
    expect(request).toMatchObject({
      method: "POST",
      path: "/crm/v4/associations/contacts/companies/batch/read",
      body: input,
    });
    expect(answer).toMatchObject({
      value: {
        results: [{ _from: { id: "7" }, to: [{ toObjectId: 42, associationTypes: [{ typeId: 1 }] }] }],
      },
    });
  });

  it("a search HubSpot turns away (429) waits as long as HubSpot asks, then reads", async () => {
    const waits: number[] = [];
    const search = new HubSpotCrmSearch({
      ...options(),
      retry: { ...crmReadRetry, sleep: async (ms) => void waits.push(ms) },
    });
    const before = api.requests.length;
    api.failNext(
      { status: 429, headers: { "retry-after": "3" }, body: { status: "error", message: "busy" } },
      // No header: the limit's own window (the portal's rolling ten seconds).
      { status: 429, body: { status: "error", message: "busy", policyName: "TEN_SECONDLY_ROLLING" } },
      { status: 429, body: { status: "error", message: "busy", policyName: "SECONDLY" } },
    );
    const page = await search.modifiedSince("companies", 0);
    expect(page.records.length).toBeGreaterThan(0);
    // Before: 0.2, 0.4 and 0.8 s, each inside the window that refused it; the run failed at the fourth.
    expect(waits).toEqual([3_000, 10_000, 1_000]);
    expect(api.requests.length - before).toBe(4);
  });

  it("a search HubSpot never answers is given up after its timeout, each attempt, not waited on until the function dies", async () => {
    // Accepts the connection and never answers.
    const server = createServer(() => {});
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const search = new HubSpotCrmSearch({
        accessToken: "pat-test",
        basePath: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        retry: instantRetries(2),
        timeoutMs: 300,
      });
      const started = Date.now();
      await expect(search.modifiedSince("companies", 0)).rejects.toThrow(/no answer within 300 ms/);
      // Before: never settled (the SDK's fetch has no timeout), until the Lambda's timeout killed the run.
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
