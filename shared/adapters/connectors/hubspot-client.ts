/**
 * The one way the harness builds HubSpot's SDK clients. The SDK's own retries off, since each caller
 * retries (or not) by its own policy and must know whether a call may have been carried out;
 * `basePath` only for tests against a local server (default https://api.hubapi.com).
 *
 * Only the CRM areas a caller uses: `new Client()` reaches every API HubSpot has through static
 * `require`s, which a bundler follows (5.6 MB minified), so each area is built from the SDK's own
 * discovery class, as `Client.crm.<area>` builds it. With the retries off `Client` installs no
 * decorators, so these behave as its areas do. This file has the contacts area only (webhook, poll);
 * the connector's wider set is in hubspot-crm.ts.
 */

import type IConfiguration from "@hubspot/api-client/lib/src/configuration/IConfiguration.js";
import type ContactsDiscovery from "@hubspot/api-client/lib/src/discovery/crm/contacts/ContactsDiscovery.js";
import * as contactsModule from "@hubspot/api-client/lib/src/discovery/crm/contacts/ContactsDiscovery.js";

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

/** What the webhook's contact lookup and the poll call: `crm.contacts` as on the SDK's `Client`. */
export interface HubSpotContactsClient {
  crm: { contacts: ContactsDiscovery };
}

export function hubspotContactsClient(o: HubSpotOptions): HubSpotContactsClient {
  return { crm: { contacts: new (discovery(contactsModule))(hubspotConfig(o)) } };
}
