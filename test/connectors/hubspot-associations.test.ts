/**
 * Which company a contact or deal is at (HubSpotCrmSearch.companiesOf, the CRM import's read of v4
 * associations), against a local server answering HubSpot's batch read: the primary association is
 * HUBSPOT_DEFINED's type 1 (contact→company) or 5 (deal→company), not a label a portal defined whose
 * type id happens to be the same number.
 */
import { afterEach, describe, expect, it } from "vitest";
import { HubSpotCrmSearch } from "../../shared/adapters/connectors/hubspot-crm-search.ts";
import { fakeApi, instantRetries } from "./helpers/fake-api.ts";

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const type = (category: "HUBSPOT_DEFINED" | "USER_DEFINED", typeId: number, label: string | null) => ({
  category,
  typeId,
  label,
});

async function source(to: unknown[]) {
  const api = await fakeApi((r) =>
    r.method === "POST" && /^\/crm\/v4\/associations\/(contacts|deals)\/companies\/batch\/read$/.test(r.path)
      ? {
          status: 200,
          body: {
            status: "COMPLETE",
            results: [{ from: { id: "7" }, to }],
            startedAt: "2026-12-01T10:00:00.000Z",
            completedAt: "2026-12-01T10:00:00.100Z",
          },
        }
      : undefined,
  );
  close = api.close;
  return new HubSpotCrmSearch({ accessToken: "t", basePath: api.url, retry: instantRetries() });
}

describe("the company a contact or deal is at", () => {
  it("a contact's primary company, not the one a portal's own label of type 1 names", async () => {
    const crm = await source([
      // "Former employer": a label the portal defined, whose type id is 1 in its own category.
      {
        toObjectId: 41,
        associationTypes: [type("USER_DEFINED", 1, "Former employer"), type("HUBSPOT_DEFINED", 279, null)],
      },
      {
        toObjectId: 42,
        associationTypes: [type("HUBSPOT_DEFINED", 1, "Primary"), type("HUBSPOT_DEFINED", 279, null)],
      },
    ]);
    expect(await crm.companiesOf("contacts", ["7"])).toEqual(new Map([["7", "42"]]));
  });

  it("a deal's primary company is HubSpot's type 5, not a portal's label of type 5", async () => {
    const to = [
      {
        toObjectId: 51,
        associationTypes: [type("USER_DEFINED", 5, "Reseller"), type("HUBSPOT_DEFINED", 341, null)],
      },
      {
        toObjectId: 52,
        associationTypes: [type("HUBSPOT_DEFINED", 5, "Primary"), type("HUBSPOT_DEFINED", 341, null)],
      },
    ];
    expect(await (await source(to)).companiesOf("deals", ["7"])).toEqual(new Map([["7", "52"]]));
  });
});
