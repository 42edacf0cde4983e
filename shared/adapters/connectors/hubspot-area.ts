/**
 * The one way the harness builds HubSpot's SDK clients. The SDK's own retries off, since each caller
 * retries (or not) by its own policy and must know whether a call may have been carried out;
 * `basePath` only for tests against a local server (default https://api.hubapi.com).
 *
 * Only the calls a caller makes, from the SDK's generated request factories and response processors
 * (`@hubspot/api-client/lib/codegen/...`), which build the request (path, query, OAuth header, JSON
 * body) and read the answer (models, ApiException with the status as `code`). Not `new Client()`,
 * whose static `require`s reach every API HubSpot has (5.6 MB minified), nor an area's discovery
 * class (`Client.crm.contacts`...), whose Observable and Promise wrappers of every method of the
 * area, and for v4 associations the schema API too, are what a bundle would pay for: the codegen is
 * CommonJS, so esbuild keeps whatever is required, used or not. For the same reason each caller's
 * calls are in a file of their own, importing only this one: the webhook's and the poll's contacts
 * calls (hubspot-client.ts), the connector's writes (hubspot-crm.ts), the CRM import's reads
 * (hubspot-crm-search.ts).
 *
 * The discovery classes' wrappers do only what `send` does here: the SDK's codegen applies no
 * configured middleware (not even its User-agent header) unless a call passes its own, and with the
 * retries off the discovery classes install no decorators. The tests (test/connectors/hubspot-*.test.ts
 * with helpers/hubspot-sdk.ts) show the requests and the answers are the SDK's own.
 */

export interface HubSpotOptions {
  accessToken: string;
  basePath?: string;
}

/** What an area's `createConfiguration` gives: its HTTP library (node-fetch), whose `send` we call. */
interface AreaConfiguration {
  httpApi: { send(request: never): { toPromise(): Promise<unknown> } };
}
type Send<C extends AreaConfiguration> = C["httpApi"]["send"];
/** The area's own RequestContext and ResponseContext (classes of each area's http module). */
type RequestOf<C extends AreaConfiguration> = Parameters<Send<C>>[0];
type ResponseOf<C extends AreaConfiguration> = Awaited<ReturnType<ReturnType<Send<C>>["toPromise"]>>;

/** An area's `createConfiguration` and `ServerConfiguration` (each codegen area has its own). */
export interface Area<Server, Config> {
  createConfiguration(p: { authMethods: { oauth2: { accessToken: string } }; baseServer?: Server }): Config;
  ServerConfiguration: new (url: string, variables: Record<string, string>) => Server;
}

/**
 * An area's configuration as its discovery class builds it (OAuth with the token, the base path
 * when given), and `send`: a request factory's request, sent, read by the response processor.
 */
export function hubspotArea<Server, Config extends AreaConfiguration>(
  area: Area<Server, Config>,
  o: HubSpotOptions,
) {
  const config = area.createConfiguration({
    authMethods: { oauth2: { accessToken: o.accessToken } },
    ...(o.basePath ? { baseServer: new area.ServerConfiguration(o.basePath, {}) } : {}),
  });
  const send = async <T>(
    request: Promise<RequestOf<Config>>,
    read: (response: ResponseOf<Config>) => Promise<{ data: T }>,
  ): Promise<T> => {
    const response = await config.httpApi.send(await request).toPromise();
    // The constraint only knows `unknown`; an area's httpApi answers with that area's ResponseContext.
    return (await read(response as ResponseOf<Config>)).data;
  };
  return { config, send };
}
