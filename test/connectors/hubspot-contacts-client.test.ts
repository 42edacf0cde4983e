/**
 * The webhook's and the poll's contacts client (hubspot-client.ts hubspotContactsClient) is built from
 * the SDK's request factories and response processors rather than from ContactsDiscovery, to keep 48
 * KB of wrappers out of their bundles (issue 11, item 8). Here both make the same calls against one
 * local stand-in: the same requests (method, path and query, headers, body) and the same answers,
 * errors included.
 */
import { FilterOperatorEnum } from "@hubspot/api-client/lib/codegen/crm/contacts/models/Filter.js";
import * as contactsArea from "@hubspot/api-client/lib/src/discovery/crm/contacts/ContactsDiscovery.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hubspotContactsClient } from "../../shared/adapters/connectors/hubspot-client.ts";
import { fakeApi } from "./helpers/fake-api.ts";
import { sameAsSdk, sdkArea } from "./helpers/hubspot-sdk.ts";

const contact = (id: string, properties: Record<string, string>) => ({
  id,
  properties: { hs_object_id: id, ...properties },
  createdAt: "2026-03-01T10:00:00.000Z",
  updatedAt: "2026-03-10T14:00:00.000Z",
  archived: false,
});

let api: Awaited<ReturnType<typeof fakeApi>>;
beforeAll(async () => {
  api = await fakeApi((r) => {
    if (r.method === "POST" && r.path === "/crm/v3/objects/contacts/search")
      return {
        status: 200,
        body: {
          total: 1,
          results: [
            contact("7", { email: "ana@acme.test", hs_sales_email_last_replied: "2026-03-10T15:00:00Z" }),
          ],
          paging: { next: { after: "7" } },
        },
      };
    if (r.method === "GET" && r.path.startsWith("/crm/v3/objects/contacts/1246965"))
      return { status: 200, body: contact("1246965", { email: "ana@acme.test" }) };
    return {
      status: 404,
      body: { status: "error", message: "resource not found", category: "OBJECT_NOT_FOUND" },
    };
  });
});
afterAll(() => api.close());

const options = () => ({ accessToken: "pat-test", basePath: api.url });
/** The SDK's own contacts area, as Client.crm.contacts builds it (retries off, as ours). */
const sdk = () => sdkArea(contactsArea, options());
const both = <T>(ours: () => Promise<T>, theirs: () => Promise<T>) => sameAsSdk(api, ours, theirs);

describe("the webhook's and the poll's contacts client", () => {
  it("reads a contact's email as the SDK does", async () => {
    const { answer, request } = await both(
      () => hubspotContactsClient(options()).getById("1246965", ["email"]),
      () => sdk().basicApi.getById("1246965", ["email"]),
    );
    expect(request.path).toBe("/crm/v3/objects/contacts/1246965?properties=email");
    expect(request.headers.authorization).toBe("Bearer pat-test");
    expect(answer).toMatchObject({ value: { id: "1246965", properties: { email: "ana@acme.test" } } });
  });

  it("fails on an unknown contact with the SDK's ApiException, status as `code`", async () => {
    const { answer } = await both(
      () => hubspotContactsClient(options()).getById("404404", ["email"]),
      () => sdk().basicApi.getById("404404", ["email"]),
    );
    expect(answer).toMatchObject({ error: { code: 404 } });
  });

  it("searches as the SDK does: the same JSON body, the same page back", async () => {
    const search = {
      filterGroups: [
        {
          filters: [
            { propertyName: "hs_sales_email_last_replied", operator: FilterOperatorEnum.Gt, value: "0" },
          ],
        },
      ],
      sorts: ["lastmodifieddate"],
      properties: ["email", "hs_sales_email_last_replied"],
      limit: 100,
    };
    const { answer, request } = await both(
      () => hubspotContactsClient(options()).doSearch(search),
      () => sdk().searchApi.doSearch(search),
    );
    expect(request).toMatchObject({ method: "POST", path: "/crm/v3/objects/contacts/search", body: search });
    expect(answer).toMatchObject({ value: { total: 1, paging: { next: { after: "7" } } } });
  });
});
