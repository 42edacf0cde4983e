import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { TooLargeError, ValidationError } from "../domain/errors.ts";
import { assertJsonLimits, queryKeyIssues, rawQueryIssues } from "../domain/json-limits.ts";
import { type BodyType, bodyTypeOf } from "./media-type.ts";
import { credentialRejection, principalFromEvent } from "./principal-from-event.ts";
import { errorResponse, type HttpResult, json } from "./respond.ts";
import { authorize, matchRoute } from "./route-match.ts";
import type { AppDeps, Route } from "./routes.ts";

export type Logger = (msg: string, data: Record<string, unknown>) => void;

/**
 * The largest body any route accepts, in bytes. The local server refuses larger ones while they
 * stream in; behind API Gateway (whose own limit is 10 MB) the handler refuses them here. Either
 * way the answer is 413.
 */
export const MAX_BODY_BYTES = 256 * 1024;

/**
 * Strict UTF-8: a byte sequence that is not UTF-8 is refused, not replaced with U+FFFD and stored. A
 * leading byte-order mark is kept (and so refused by the JSON reader, as RFC 8259 lets it be).
 */
export const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function decodeBody(bytes: Buffer): string {
  try {
    return UTF8.decode(bytes);
  } catch (err) {
    throw new ValidationError([{ path: "body", message: "not valid UTF-8" }], { cause: err });
  }
}

function parseBody(rawBody: string, type: BodyType, route: Route): unknown {
  if (!rawBody) return undefined;
  if (type === "yaml") {
    // The route's own reader (routes.ts readYaml); one that accepts YAML without it is a bug: 500.
    if (!route.readYaml) throw new Error(`${route.method} ${route.path} accepts YAML but has no readYaml`);
    try {
      // YAML 1.2 core schema: plain data only (no tags, dates or aliases beyond the library's cap).
      return route.readYaml(rawBody);
    } catch (err) {
      throw new ValidationError(
        [{ path: "body", message: `not valid YAML or JSON: ${(err as Error).message}` }],
        {
          cause: err,
        },
      );
    }
  }
  try {
    return JSON.parse(rawBody);
  } catch {
    throw new ValidationError([{ path: "body", message: "not valid JSON" }]);
  }
}

/**
 * The API Gateway HTTP API (payload v2) handler for a set of routes. Lambda functions wrap it with
 * middy; the local server calls it with events it builds from node:http requests.
 */
export function createApi(
  deps: AppDeps,
  /** `stage`: the deployment's, which IAM callers' agent roles must carry (principal-from-event.ts). */
  /** `routes`: the table served (routes.ts ROUTES locally; a group's table in each Lambda). */
  options: { routes: Route[]; log?: Logger; stage?: string },
) {
  const routes = options.routes;
  const log: Logger =
    options.log ?? ((msg, data) => console.error(JSON.stringify({ level: "error", msg, ...data })));
  return async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const requestId = event.requestContext?.requestId ?? "local";
    try {
      const method = event.requestContext.http.method.toUpperCase();
      // Undecodable path parameters are a 400 here, before anyone is authenticated.
      const match = matchRoute(method, event.rawPath, routes);
      if (!match) return json(404, { error: "not_found", message: `no route ${method} ${event.rawPath}` });
      if ("allowed" in match)
        return {
          ...json(405, { error: "method_not_allowed", message: `use ${match.allowed.join(", ")}` }),
          headers: { allow: match.allowed.join(", ") },
        };
      const principal = authorize(
        match.route,
        principalFromEvent(event, { stage: options.stage }),
        credentialRejection(event),
      );
      // Query parameter names are held to the key rules before anything copies them into an object
      // (where `__proto__` would silently vanish).
      const queryEntries = Object.entries(event.queryStringParameters ?? {}).filter(
        (e): e is [string, string] => e[1] !== undefined,
      );
      const queryIssues = [
        ...rawQueryIssues(event.rawQueryString),
        ...queryKeyIssues(queryEntries.map(([k]) => k)),
      ];
      if (queryIssues.length > 0) throw new ValidationError(queryIssues);
      const declared = event.headers?.["content-type"] ?? event.headers?.["Content-Type"];
      const contentType = (declared ?? "application/json").toLowerCase();
      const rawBytes = event.body
        ? Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8")
        : undefined;
      if (rawBytes && rawBytes.length > MAX_BODY_BYTES)
        throw new TooLargeError(`body larger than ${MAX_BODY_BYTES} bytes`);
      // Before a route runs: a body is read only as what it is declared to be (415 otherwise), and
      // only if it is UTF-8. Without a body there is nothing to misread.
      const type = rawBytes?.length ? bodyTypeOf(declared, match.route.accepts ?? ["json"]) : "json";
      const rawBody = rawBytes ? decodeBody(rawBytes) : "";
      const body = parseBody(rawBody, type, match.route);
      // Once, for every route: nothing the store cannot hold reaches a use case.
      if (body !== undefined) assertJsonLimits(body);
      const query = Object.fromEntries(queryEntries);
      const idempotencyKey = event.headers?.["idempotency-key"];
      const result = await match.route.run(
        {
          principal,
          params: match.params,
          query,
          body,
          rawBody,
          contentType,
          ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
        },
        deps,
      );
      return json(result.status, result.body);
    } catch (err) {
      return errorResponse(err, requestId, log);
    }
  };
}
