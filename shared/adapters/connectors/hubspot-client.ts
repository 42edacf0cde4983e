/**
 * The webhook's and the poll's HubSpot calls: a contact by id, the contacts search. Built from the
 * SDK's codegen as hubspot-area.ts says, in a file of their own so the connector's and the CRM
 * import's bundles do not carry the contacts codegen area they do not call.
 */
import {
  BasicApiRequestFactory,
  BasicApiResponseProcessor,
} from "@hubspot/api-client/lib/codegen/crm/contacts/apis/BasicApi.js";
import {
  SearchApiRequestFactory,
  SearchApiResponseProcessor,
} from "@hubspot/api-client/lib/codegen/crm/contacts/apis/SearchApi.js";
import { createConfiguration } from "@hubspot/api-client/lib/codegen/crm/contacts/configuration.js";
import type { CollectionResponseWithTotalSimplePublicObjectForwardPaging } from "@hubspot/api-client/lib/codegen/crm/contacts/models/CollectionResponseWithTotalSimplePublicObjectForwardPaging.js";
import type { PublicObjectSearchRequest } from "@hubspot/api-client/lib/codegen/crm/contacts/models/PublicObjectSearchRequest.js";
import type { SimplePublicObjectWithAssociations } from "@hubspot/api-client/lib/codegen/crm/contacts/models/SimplePublicObjectWithAssociations.js";
import { ServerConfiguration } from "@hubspot/api-client/lib/codegen/crm/contacts/servers.js";
import { type HubSpotOptions, hubspotArea } from "./hubspot-area.ts";

/**
 * What the webhook's contact lookup and the poll call: `crm.contacts.basicApi.getById` and
 * `crm.contacts.searchApi.doSearch`, as the SDK makes them, without ContactsDiscovery's wrappers of
 * every contacts method (batch, GDPR, merge...) and its configurator (lodash.merge): 48 KB of the
 * webhook's and the poll's bundles.
 */
export interface HubSpotContactsClient {
  getById(contactId: string, properties: string[]): Promise<SimplePublicObjectWithAssociations>;
  doSearch(
    request: PublicObjectSearchRequest,
  ): Promise<CollectionResponseWithTotalSimplePublicObjectForwardPaging>;
}

export function hubspotContactsClient(o: HubSpotOptions): HubSpotContactsClient {
  const { config, send } = hubspotArea({ createConfiguration, ServerConfiguration }, o);
  const basic = { request: new BasicApiRequestFactory(config), response: new BasicApiResponseProcessor() };
  const search = { request: new SearchApiRequestFactory(config), response: new SearchApiResponseProcessor() };
  return {
    getById: (contactId, properties) =>
      send(basic.request.getById(contactId, properties), (r) => basic.response.getByIdWithHttpInfo(r)),
    doSearch: (request) =>
      send(search.request.doSearch(request), (r) => search.response.doSearchWithHttpInfo(r)),
  };
}
