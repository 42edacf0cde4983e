/**
 * The one way the harness builds HubSpot's SDK clients. The SDK's own retries off, since each caller
 * retries (or not) by its own policy and must know whether a call may have been carried out;
 * `basePath` only for tests against a local server (default https://api.hubapi.com).
 *
 * Only the CRM areas a caller uses: `new Client()` reaches every API HubSpot has through static
 * `require`s, which a bundler follows (5.6 MB minified), so each area is built from the SDK's own
 * discovery class, as `Client.crm.<area>` builds it. With the retries off `Client` installs no
 * decorators, so these behave as its areas do. The connector's and the CRM import's set is in
 * hubspot-crm.ts and hubspot-crm-search.ts; this file also has the webhook's and the poll's two
 * contacts calls, built narrower still (hubspotContactsClient).
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
import type {
  HttpInfo,
  RequestContext,
  ResponseContext,
} from "@hubspot/api-client/lib/codegen/crm/contacts/http/http.js";
import type { CollectionResponseWithTotalSimplePublicObjectForwardPaging } from "@hubspot/api-client/lib/codegen/crm/contacts/models/CollectionResponseWithTotalSimplePublicObjectForwardPaging.js";
import type { PublicObjectSearchRequest } from "@hubspot/api-client/lib/codegen/crm/contacts/models/PublicObjectSearchRequest.js";
import type { SimplePublicObjectWithAssociations } from "@hubspot/api-client/lib/codegen/crm/contacts/models/SimplePublicObjectWithAssociations.js";
import { ServerConfiguration } from "@hubspot/api-client/lib/codegen/crm/contacts/servers.js";
import type IConfiguration from "@hubspot/api-client/lib/src/configuration/IConfiguration.js";

export interface HubSpotOptions {
  accessToken: string;
  basePath?: string;
}

type Discovery<T> = new (config: IConfiguration) => T;

/**
 * The class a discovery module exports as `default`. The SDK is CommonJS compiled from ES modules
 * (`exports.default`): Node's ESM loader and esbuild's node mode give `module.exports` as the
 * default, tsx gives `exports.default`; both are accepted.
 */
export function discovery<T>(mod: { default: Discovery<T> }): Discovery<T> {
  const d = mod.default as Discovery<T> | { default: Discovery<T> };
  return typeof d === "function" ? d : d.default;
}

export const hubspotConfig = (o: HubSpotOptions): IConfiguration => ({
  accessToken: o.accessToken,
  numberOfApiCallRetries: 0,
  ...(o.basePath ? { basePath: o.basePath } : {}),
});

/**
 * What the webhook's contact lookup and the poll call: `crm.contacts.basicApi.getById` and
 * `crm.contacts.searchApi.doSearch`, as the SDK makes them. Built from the SDK's generated request
 * factories and response processors, which build the request (path, query, OAuth header, JSON body)
 * and read the answer (models, ApiException with the status as `code`), and not from
 * ContactsDiscovery, whose Observable and Promise wrappers of every contacts method (batch, GDPR,
 * merge...) and whose configurator (lodash.merge) were 48 KB of the webhook's and the poll's bundles.
 * Between the two, the wrappers do only what `send` does: they apply no middleware unless a call
 * passes its own (test/connectors/hubspot-contacts-client.test.ts shows the requests are the same).
 */
export interface HubSpotContactsClient {
  getById(contactId: string, properties: string[]): Promise<SimplePublicObjectWithAssociations>;
  doSearch(
    request: PublicObjectSearchRequest,
  ): Promise<CollectionResponseWithTotalSimplePublicObjectForwardPaging>;
}

export function hubspotContactsClient(o: HubSpotOptions): HubSpotContactsClient {
  // The configuration ContactsDiscovery builds: OAuth with the token, the base path when given.
  const config = createConfiguration({
    authMethods: { oauth2: { accessToken: o.accessToken } },
    ...(o.basePath ? { baseServer: new ServerConfiguration<Record<string, string>>(o.basePath, {}) } : {}),
  });
  const send = async <T>(
    request: Promise<RequestContext>,
    read: (response: ResponseContext) => Promise<HttpInfo<T>>,
  ): Promise<T> => (await read(await config.httpApi.send(await request).toPromise())).data;
  const basic = { request: new BasicApiRequestFactory(config), response: new BasicApiResponseProcessor() };
  const search = { request: new SearchApiRequestFactory(config), response: new SearchApiResponseProcessor() };
  return {
    getById: (contactId, properties) =>
      send(basic.request.getById(contactId, properties), (r) => basic.response.getByIdWithHttpInfo(r)),
    doSearch: (request) =>
      send(search.request.doSearch(request), (r) => search.response.doSearchWithHttpInfo(r)),
  };
}
