/**
 * The CRM import's reads from HubSpot through @hubspot/api-client: CRM search by last-modified time
 * (POST /crm/v3/objects/{type}/search, oldest first, 100 per page, paging with `after`, at most
 * 10,000 results per query) and the companies of contacts and deals (POST
 * /crm/v4/associations/{from}/companies/batch/read). Reads only: nothing here changes the CRM.
 */
import { FilterOperatorEnum } from "@hubspot/api-client/lib/codegen/crm/objects/models/Filter.js";
import * as associationsV4Module from "@hubspot/api-client/lib/src/discovery/crm/associations/v4/AssociationsDiscovery.js";
import * as companiesModule from "@hubspot/api-client/lib/src/discovery/crm/companies/CompaniesDiscovery.js";
import * as contactsModule from "@hubspot/api-client/lib/src/discovery/crm/contacts/ContactsDiscovery.js";
import * as dealsModule from "@hubspot/api-client/lib/src/discovery/crm/deals/DealsDiscovery.js";
import type { CrmPage, CrmSource } from "../../usecases/crm-import.ts";
import { CRM_PROPERTIES, type CrmObjectType, type CrmRecord } from "../../usecases/crm-records.ts";
import { discovery, hubspotConfig } from "./hubspot-client.ts";
import { defaultRetryPolicy, type RetryPolicy, withRetries } from "./retry.ts";

/** Contacts keep their modified time in `lastmodifieddate`; other objects in `hs_lastmodifieddate`. */
const MODIFIED: Record<CrmObjectType, string> = {
  companies: "hs_lastmodifieddate",
  contacts: "lastmodifieddate",
  deals: "hs_lastmodifieddate",
};

/** HubSpot's object type ids, as its record URLs name them. */
const TYPE_ID: Record<CrmObjectType, string> = { contacts: "0-1", companies: "0-2", deals: "0-3" };

/** Primary association types (HUBSPOT_DEFINED): contact→company 1, deal→company 5. */
const PRIMARY = new Set([1, 5]);

export interface HubSpotCrmSearchOptions {
  accessToken: string;
  /** For tests against a local server; default https://api.hubapi.com */
  basePath?: string;
  /** The portal (hub) id: with it, imported records cite their HubSpot URL. */
  portalId?: string;
  retry?: RetryPolicy;
  /** Results per page. Default 100 (HubSpot's most for search); tests page in smaller steps. */
  pageSize?: number;
  /** Results one query can reach. Default 10,000 (HubSpot's); tests use a smaller one. */
  window?: number;
}

export class HubSpotCrmSearch implements CrmSource {
  readonly system = "hubspot" as const;
  readonly window: number;
  private readonly retry: RetryPolicy;
  // Only the areas read (as Client.crm builds them: hubspot-client.ts says why not `new Client()`).
  private readonly search;
  private readonly associations;

  constructor(private readonly o: HubSpotCrmSearchOptions) {
    const config = hubspotConfig(o);
    this.search = {
      companies: new (discovery(companiesModule))(config).searchApi,
      contacts: new (discovery(contactsModule))(config).searchApi,
      deals: new (discovery(dealsModule))(config).searchApi,
    };
    this.associations = new (discovery(associationsV4Module))(config).batchApi;
    this.retry = o.retry ?? defaultRetryPolicy;
    this.window = o.window ?? 10_000;
  }

  /** Reads change nothing, so every one may be retried (429, 5xx) by our policy. */
  private call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetries(`HubSpot ${what}`, fn, this.retry, { replaySafe: true });
  }

  async modifiedSince(objectType: CrmObjectType, since: number, after?: string): Promise<CrmPage> {
    const property = MODIFIED[objectType];
    const page = await this.call(`${objectType} search`, () =>
      this.search[objectType].doSearch({
        filterGroups: [
          { filters: [{ propertyName: property, operator: FilterOperatorEnum.Gte, value: String(since) }] },
        ],
        sorts: [property],
        properties: [...CRM_PROPERTIES[objectType], property],
        // A page that would end past the window is refused, so the last one is cut to fit.
        limit: Math.min(this.o.pageSize ?? 100, this.window - Number(after ?? 0)),
        ...(after ? { after } : {}),
      }),
    );
    const records: CrmRecord[] = page.results.map((r) => {
      const stamp = r.properties[property];
      const modifiedAt = stamp ? Date.parse(stamp) : Number.NaN;
      return {
        id: r.id,
        properties: r.properties,
        modifiedAt: Number.isFinite(modifiedAt) ? modifiedAt : new Date(r.updatedAt).getTime(),
      };
    });
    const next = page.paging?.next?.after;
    return { records, ...(next ? { after: next } : {}) };
  }

  async companiesOf(objectType: "contacts" | "deals", ids: string[]): Promise<Map<string, string>> {
    const res = await this.call(`${objectType} associations`, () =>
      this.associations.getPage(objectType, "companies", {
        inputs: ids.map((id) => ({ id })),
      }),
    );
    const out = new Map<string, string>();
    for (const a of res.results) {
      const primary = a.to.find((t) => t.associationTypes.some((x) => PRIMARY.has(Number(x.typeId))));
      const to = primary ?? a.to[0];
      if (to) out.set(String(a._from.id), String(to.toObjectId));
    }
    return out;
  }

  recordUrl(objectType: CrmObjectType, id: string): string | undefined {
    return this.o.portalId
      ? `https://app.hubspot.com/contacts/${this.o.portalId}/record/${TYPE_ID[objectType]}/${id}`
      : undefined;
  }
}
