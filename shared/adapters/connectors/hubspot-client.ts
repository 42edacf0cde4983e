import { Client } from "@hubspot/api-client";

/**
 * The one way the harness builds HubSpot's SDK client: the SDK's own retries off, since each caller
 * retries (or not) by its own policy and must know whether a call may have been carried out;
 * `basePath` only for tests against a local server (default https://api.hubapi.com).
 */
export function hubspotClient(o: { accessToken: string; basePath?: string }): Client {
  return new Client({
    accessToken: o.accessToken,
    numberOfApiCallRetries: 0,
    ...(o.basePath ? { basePath: o.basePath } : {}),
  });
}
