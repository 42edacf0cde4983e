/**
 * The CRM import's reads from HubSpot through @hubspot/api-client: CRM search by last-modified time
 * (POST /crm/v3/objects/{type}/search, oldest first, 100 per page; each page a query of its own, so
 * no query pages by position nor nears the 10,000 results one can reach; one millisecond's records
 * by record id) and the companies of contacts and deals (POST
 * /crm/v4/associations/{from}/companies/batch/read). Reads only: nothing here changes the CRM.
 */
import {
  BatchApiRequestFactory as AssociationsRequests,
  BatchApiResponseProcessor as AssociationsResponses,
} from "@hubspot/api-client/lib/codegen/crm/associations/v4/apis/BatchApi.js";
import { createConfiguration as createAssociationsConfiguration } from "@hubspot/api-client/lib/codegen/crm/associations/v4/configuration.js";
import type { BatchInputPublicFetchAssociationsBatchRequest } from "@hubspot/api-client/lib/codegen/crm/associations/v4/models/BatchInputPublicFetchAssociationsBatchRequest.js";
import type { BatchResponsePublicAssociationMultiWithLabel } from "@hubspot/api-client/lib/codegen/crm/associations/v4/models/BatchResponsePublicAssociationMultiWithLabel.js";
import type { BatchResponsePublicAssociationMultiWithLabelWithErrors } from "@hubspot/api-client/lib/codegen/crm/associations/v4/models/BatchResponsePublicAssociationMultiWithLabelWithErrors.js";
import { ServerConfiguration as AssociationsServer } from "@hubspot/api-client/lib/codegen/crm/associations/v4/servers.js";
import {
  SearchApiRequestFactory,
  SearchApiResponseProcessor,
} from "@hubspot/api-client/lib/codegen/crm/objects/apis/SearchApi.js";
import { createConfiguration as createObjectsConfiguration } from "@hubspot/api-client/lib/codegen/crm/objects/configuration.js";
import type { CollectionResponseWithTotalSimplePublicObjectForwardPaging } from "@hubspot/api-client/lib/codegen/crm/objects/models/CollectionResponseWithTotalSimplePublicObjectForwardPaging.js";
import { FilterOperatorEnum } from "@hubspot/api-client/lib/codegen/crm/objects/models/Filter.js";
import type { PublicObjectSearchRequest } from "@hubspot/api-client/lib/codegen/crm/objects/models/PublicObjectSearchRequest.js";
import { ServerConfiguration as ObjectsServer } from "@hubspot/api-client/lib/codegen/crm/objects/servers.js";
import type { CrmSource, FollowedType } from "../../usecases/crm-import.ts";
import type { CrmPage } from "../../usecases/crm-paging.ts";
import { CRM_PROPERTIES, type CrmObjectType, type CrmRecord } from "../../usecases/crm-records.ts";
import { type HubSpotOptions, hubspotArea } from "./hubspot-area.ts";
import { defaultRetryPolicy, type RetryPolicy, withRetries, withTimeout } from "./retry.ts";

/** Contacts keep their modified time in `lastmodifieddate`; other objects in `hs_lastmodifieddate`. */
const MODIFIED: Record<CrmObjectType, string> = {
  companies: "hs_lastmodifieddate",
  contacts: "lastmodifieddate",
  deals: "hs_lastmodifieddate",
};

/** HubSpot's object type ids, as its record URLs name them. */
const TYPE_ID: Record<CrmObjectType, string> = { contacts: "0-1", companies: "0-2", deals: "0-3" };

/**
 * The primary association's type (HUBSPOT_DEFINED): contact→company 1, deal→company 5. A label a
 * portal defines (USER_DEFINED, "Former employer", say) has type ids of its own, which may be the
 * same numbers: the category tells them apart.
 */
const PRIMARY: Record<"contacts" | "deals", number> = { contacts: 1, deals: 5 };

/**
 * The two calls the import makes, as the SDK's `Client` has them: `crm.objects.searchApi.doSearch(
 * type, request)` (the generic objects API: the same POST /crm/v3/objects/{type}/search as
 * `crm.<type>.searchApi.doSearch(request)`, with the same models) and
 * `crm.associations.v4.batchApi.getPage`. Built as hubspot-area.ts says: the request factories and
 * response processors of two codegen areas, not the contacts, companies, deals and v4 associations
 * discovery classes (with every API of each, and the association schema API): 399 KB of the bundle.
 */
export interface HubSpotCrmReads {
  doSearch(
    objectType: string,
    request: PublicObjectSearchRequest,
  ): Promise<CollectionResponseWithTotalSimplePublicObjectForwardPaging>;
  getPage(
    fromObjectType: string,
    toObjectType: string,
    request: BatchInputPublicFetchAssociationsBatchRequest,
  ): Promise<
    BatchResponsePublicAssociationMultiWithLabel | BatchResponsePublicAssociationMultiWithLabelWithErrors
  >;
}

export function hubspotCrmReads(o: HubSpotOptions): HubSpotCrmReads {
  const objects = hubspotArea(
    { createConfiguration: createObjectsConfiguration, ServerConfiguration: ObjectsServer },
    o,
  );
  const search = {
    request: new SearchApiRequestFactory(objects.config),
    response: new SearchApiResponseProcessor(),
  };
  const associations = hubspotArea(
    { createConfiguration: createAssociationsConfiguration, ServerConfiguration: AssociationsServer },
    o,
  );
  const batch = {
    request: new AssociationsRequests(associations.config),
    response: new AssociationsResponses(),
  };
  return {
    doSearch: (objectType, request) =>
      objects.send(search.request.doSearch(objectType, request), (r) =>
        search.response.doSearchWithHttpInfo(r),
      ),
    getPage: (from, to, request) =>
      associations.send(batch.request.getPage(from, to, request), (r) =>
        batch.response.getPageWithHttpInfo(r),
      ),
  };
}

export interface HubSpotCrmSearchOptions {
  accessToken: string;
  /** For tests against a local server; default https://api.hubapi.com */
  basePath?: string;
  /** The portal (hub) id: with it, imported records cite their HubSpot URL. */
  portalId?: string;
  /** Default: crmReadRetry. */
  retry?: RetryPolicy;
  /** Results per page. Default 100 (HubSpot's most for search); tests page in smaller steps. */
  pageSize?: number;
  /** How long one read may go unanswered. Default 10 s (the SDK's fetch has no timeout of its own). */
  timeoutMs?: number;
}

/**
 * The import's reads wait out HubSpot's limits: the portal's rolling ten seconds (shared with every
 * app and the harness's own executors) and the search's few requests a second. Four attempts, up to
 * 10 s apart or as long as HubSpot asks: a read waits at most 30 s before the run gives up (its
 * checkpoint held for the next), so a page's two reads fit the run's margin (RUN_MARGIN_MS and the
 * handler's reserve). Before, the connectors' policy (four attempts within 1.4 s) failed the whole
 * run at the first busy moment, companies, contacts and deals alike.
 */
export const crmReadRetry: RetryPolicy = {
  ...defaultRetryPolicy,
  attempts: 4,
  baseDelayMs: 1_000,
  maxDelayMs: 10_000,
};

export class HubSpotCrmSearch implements CrmSource {
  readonly system = "hubspot" as const;
  private readonly retry: RetryPolicy;
  private readonly client: HubSpotCrmReads;

  constructor(private readonly o: HubSpotCrmSearchOptions) {
    this.client = hubspotCrmReads(o);
    this.retry = o.retry ?? crmReadRetry;
  }

  /**
   * Reads change nothing, so every one may be retried (429, 5xx, no answer) by our policy. Each waits
   * at most `timeoutMs`: a stalled connection held the import until the function's timeout killed it,
   * past its own margin, with no run log.
   */
  private call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const ms = this.o.timeoutMs ?? 10_000;
    return withRetries(`HubSpot ${what}`, () => withTimeout(fn(), ms, what), this.retry, {
      replaySafe: true,
    });
  }

  async modifiedSince(objectType: CrmObjectType, since: number, tieAfter?: string): Promise<CrmPage> {
    return this.search(objectType, since, tieAfter);
  }

  /**
   * A company's contacts or deals: any associated with it (the search's `associations.company`; the
   * import then reads each one's primary company, companiesOf), by id, after `afterId`. Contacts were
   * searched by their primary company (`associatedcompanyid`), which a contact associated without a
   * primary one has not: one skipped while its company was not yet imported was never followed, and
   * stayed out of the knowledge base for good, though its own import would have placed it there.
   */
  async ofCompany(type: FollowedType, companyId: string, afterId?: string): Promise<CrmPage> {
    const property = MODIFIED[type];
    const page = await this.call(`${type} search`, () =>
      this.client.doSearch(type, {
        filterGroups: [
          {
            filters: [
              {
                propertyName: "associations.company",
                operator: FilterOperatorEnum.Eq,
                value: companyId,
              },
              ...(afterId
                ? [{ propertyName: "hs_object_id", operator: FilterOperatorEnum.Gt, value: afterId }]
                : []),
            ],
          },
        ],
        sorts: ["hs_object_id"],
        properties: [...CRM_PROPERTIES[type], property],
        limit: this.o.pageSize ?? 100,
      }),
    );
    return this.page(page, property);
  }

  /** Contacts with "Unsubscribed from all email" set, by modification time. */
  async optedOutSince(since: number, tieAfter?: string): Promise<CrmPage> {
    return this.search("contacts", since, tieAfter, {
      propertyName: "hs_email_optout",
      operator: FilterOperatorEnum.Eq,
      value: "true",
    });
  }

  /**
   * One page: records modified at or after `since`, by modified time; or, with `tieAfter`, the records
   * modified at `since` itself whose id is greater (all of them with ""), by id. Ties are read by id,
   * not by position: results tied on their modified time come in no set order from one query to the
   * next, and a tied record modified while the tie is paged leaves it, moving every one behind it up a
   * place, so the next position would skip one.
   */
  private async search(
    objectType: CrmObjectType,
    since: number,
    tieAfter?: string,
    also?: { propertyName: string; operator: FilterOperatorEnum; value: string },
  ): Promise<CrmPage> {
    const property = MODIFIED[objectType];
    const tie = tieAfter !== undefined;
    const page = await this.call(`${objectType} search`, () =>
      this.client.doSearch(objectType, {
        filterGroups: [
          {
            filters: [
              {
                propertyName: property,
                operator: tie ? FilterOperatorEnum.Eq : FilterOperatorEnum.Gte,
                value: String(since),
              },
              ...(also ? [also] : []),
              ...(tieAfter
                ? [{ propertyName: "hs_object_id", operator: FilterOperatorEnum.Gt, value: tieAfter }]
                : []),
            ],
          },
        ],
        sorts: [tie ? "hs_object_id" : property],
        properties: [...CRM_PROPERTIES[objectType], property],
        limit: this.o.pageSize ?? 100,
      }),
    );
    return this.page(page, property);
  }

  /** The search's answer as the import reads it: each record with its modified time. */
  private page(page: CollectionResponseWithTotalSimplePublicObjectForwardPaging, property: string): CrmPage {
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
      this.client.getPage(objectType, "companies", {
        inputs: ids.map((id) => ({ id })),
      }),
    );
    const out = new Map<string, string>();
    for (const a of res.results) {
      const primary = a.to.find((t) =>
        t.associationTypes.some(
          (x) => x.category === "HUBSPOT_DEFINED" && Number(x.typeId) === PRIMARY[objectType],
        ),
      );
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
