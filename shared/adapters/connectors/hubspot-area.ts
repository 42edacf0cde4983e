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

import { withoutAddresses } from "../../domain/vendor-text.ts";
import { retryAfterMs } from "./retry.ts";

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
    const sent = await request;
    const response = await config.httpApi.send(sent).toPromise();
    try {
      // The constraint only knows `unknown`; an area's httpApi answers with that area's ResponseContext.
      return (await read(response as ResponseOf<Config>)).data;
    } catch (err) {
      throw hubspotError(err, (sent as { getBody?: () => unknown }).getBody?.());
    }
  };
  return { config, send };
}

/**
 * HubSpot's refusal, told without what it echoes. The SDK's ApiException says "HTTP-Code … Body: …
 * Headers: …": HubSpot's validation errors quote the values refused (an invalid email address, a
 * contact's name), and that text went wherever the error went: a connector's refusal, a worker's log
 * line, the error a function throws (which Lambda logs with its own fields, `body` too). This one
 * keeps the status as `code` (what retries and `statusOf` read) and the body as a field that is not
 * enumerated, so no log line copies it, for code that reads it. Its message: the status, HubSpot's
 * category, its message with every value the request sent and every address taken out, and the
 * correlation id HubSpot's support finds the request by. A batch's property errors (`Property values
 * were not valid: [{…}]`) are told by their codes and property names only:
 * `INVALID_EMAIL (email)`, `PROPERTY_DOESNT_EXIST (harness_persona)`.
 */
export class HubSpotApiError extends Error {
  override readonly name = "HubSpotApiError";
  declare readonly body: unknown;
  constructor(
    readonly code: number,
    body: unknown,
    sent?: unknown,
    /** How long HubSpot asks to be left alone (a 429): what the retries wait (retry.ts). */
    readonly retryAfterMs?: number,
  ) {
    super(`HubSpot answered ${code}${describe(body, sent)}`);
    Object.defineProperty(this, "body", { value: body, enumerable: false });
  }
}

/**
 * The wait a HubSpot 429 asks for: its Retry-After, else the window of the limit it names
 * (`policyName`: a second, or the rolling ten seconds every app of the portal shares). The daily
 * limit names no wait a call could make. Before, a 429 was retried after 0.2, 0.4 and 0.8 s, inside
 * the very window that refused it, and a CRM import sharing the portal's limit failed its run.
 */
const POLICY_WAITS: Readonly<Record<string, number>> = { SECONDLY: 1_000, TEN_SECONDLY_ROLLING: 10_000 };
export function hubspotRetryAfterMs(code: number, headers: unknown, body: unknown): number | undefined {
  if (code !== 429) return undefined;
  const h = headers && typeof headers === "object" ? (headers as Record<string, unknown>) : {};
  const header = Object.entries(h).find(([k]) => k.toLowerCase() === "retry-after")?.[1];
  const asked = retryAfterMs(typeof header === "string" && header.trim() !== "" ? header : null);
  if (asked !== undefined && asked >= 0) return asked;
  const policy = (body as { policyName?: unknown } | undefined)?.policyName;
  return typeof policy === "string" ? POLICY_WAITS[policy] : undefined;
}

/** An upper-case code as HubSpot writes them (INVALID_EMAIL, VALIDATION_ERROR), a property's name. */
const CODE = /^[A-Z][A-Z0-9_]{2,63}$/;
const PROPERTY = /^[a-z0-9_]{1,100}$/;
const MAX_MESSAGE = 300;

function describe(body: unknown, sent: unknown): string {
  if (!body || typeof body !== "object") return "";
  const b = body as { category?: unknown; correlationId?: unknown; message?: unknown };
  const parts: string[] = [];
  if (typeof b.category === "string" && CODE.test(b.category)) parts.push(b.category);
  if (typeof b.message === "string") parts.push(propertyErrors(b.message, sent) ?? scrub(b.message, sent));
  const id =
    typeof b.correlationId === "string" && /^[\w-]{1,64}$/.test(b.correlationId)
      ? ` (correlation id ${b.correlationId})`
      : "";
  return `${parts.length ? `: ${parts.filter(Boolean).join(": ")}` : ""}${id}`;
}

/** `Property values were not valid: [{"error":"INVALID_EMAIL","name":"email",…}]`, by code and property. */
function propertyErrors(message: string, sent: unknown): string | undefined {
  const at = message.indexOf("[");
  if (at < 0 || message.length > 100_000) return undefined;
  let list: unknown;
  try {
    list = JSON.parse(message.slice(at));
  } catch {
    return undefined;
  }
  if (!Array.isArray(list) || !list.length) return undefined;
  const told = list.slice(0, 10).map((e: { error?: unknown; name?: unknown }) => {
    const code = typeof e?.error === "string" && CODE.test(e.error) ? e.error : "INVALID";
    return typeof e?.name === "string" && PROPERTY.test(e.name) ? `${code} (${e.name})` : code;
  });
  return `${scrub(message.slice(0, Math.min(at, 80)), sent).replace(/[:\s]+$/, "")}: ${told.join(", ")}${list.length > 10 ? ", …" : ""}`;
}

/** HubSpot's message without the values the request sent, or any address, at most 300 characters. */
function scrub(message: string, sent: unknown): string {
  let text = message.slice(0, 2_000);
  const values = sentValues(sent).sort((a, b) => b.length - a.length);
  for (const v of values) {
    const lower = v.toLowerCase();
    for (let i = text.toLowerCase().indexOf(lower); i >= 0; i = text.toLowerCase().indexOf(lower, i + 3))
      text = `${text.slice(0, i)}[…]${text.slice(i + v.length)}`;
  }
  return withoutAddresses(text, MAX_MESSAGE);
}

/**
 * The string values (3 characters or more) of the request's JSON body: what HubSpot may quote back.
 * Not one that is also a key of the body (`"idProperty": "email"` beside `"properties": {"email": …}`):
 * a property's name, which the message names too.
 */
function sentValues(sent: unknown): string[] {
  if (typeof sent !== "string" || sent.length > 1_000_000) return [];
  let body: unknown;
  try {
    body = JSON.parse(sent);
  } catch {
    return [];
  }
  const out = new Set<string>();
  const keys = new Set<string>();
  const walk = (v: unknown, depth: number): void => {
    if (out.size >= 2_000 || depth > 8) return;
    if (typeof v === "string") {
      if (v.length >= 3) out.add(v);
    } else if (Array.isArray(v)) for (const x of v) walk(x, depth + 1);
    else if (v && typeof v === "object")
      for (const [k, x] of Object.entries(v)) {
        keys.add(k);
        walk(x, depth + 1);
      }
  };
  walk(body, 0);
  return [...out].filter((v) => !keys.has(v));
}

/**
 * What `send` throws: a refusal (the SDK's ApiException, one class per codegen area, so known by its
 * shape) as a HubSpotApiError; an answer that would not parse without its text (Node quotes a piece
 * of the JSON, which may be contacts' addresses); anything else as it came.
 */
function hubspotError(err: unknown, sent: unknown): unknown {
  const e = err as { code?: unknown; body?: unknown; headers?: unknown };
  if (err instanceof Error && typeof e.code === "number" && "body" in e && "headers" in e)
    return new HubSpotApiError(e.code, e.body, sent, hubspotRetryAfterMs(e.code, e.headers, e.body));
  if (err instanceof SyntaxError) return new Error("HubSpot's answer could not be read as JSON");
  return err;
}
