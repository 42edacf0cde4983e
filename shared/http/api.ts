import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { TooLargeError, ValidationError } from "../domain/errors.ts";
import { assertJsonLimits } from "../domain/json-limits.ts";
import { parseUntrustedYaml } from "../domain/yaml.ts";
import { credentialRejection, principalFromEvent } from "./principal-from-event.ts";
import { errorResponse, type HttpResult, json } from "./respond.ts";
import { type AppDeps, authorize, matchRoute, ROUTES, type Route } from "./routes.ts";

export type Logger = (msg: string, data: Record<string, unknown>) => void;

/**
 * The largest body any route accepts, in bytes. The local server refuses larger ones while they
 * stream in; behind API Gateway (whose own limit is 10 MB) the handler refuses them here. Either
 * way the answer is 413.
 */
export const MAX_BODY_BYTES = 256 * 1024;

const isYaml = (contentType: string) => /ya?ml|text\/plain/.test(contentType);

function parseBody(rawBody: string, contentType: string): unknown {
  if (!rawBody) return undefined;
  if (isYaml(contentType)) {
    try {
      // YAML 1.2 core schema: plain data only (no tags, dates or aliases beyond the library's cap).
      return parseUntrustedYaml(rawBody);
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
export function createApi(deps: AppDeps, options: { routes?: Route[]; log?: Logger } = {}) {
  const routes = options.routes ?? ROUTES;
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
      const principal = authorize(match.route, principalFromEvent(event), credentialRejection(event));
      const contentType = (
        event.headers?.["content-type"] ??
        event.headers?.["Content-Type"] ??
        "application/json"
      ).toLowerCase();
      const rawBytes = event.body
        ? Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8")
        : undefined;
      if (rawBytes && rawBytes.length > MAX_BODY_BYTES)
        throw new TooLargeError(`body larger than ${MAX_BODY_BYTES} bytes`);
      const rawBody = rawBytes ? rawBytes.toString("utf8") : "";
      const body = parseBody(rawBody, contentType);
      // Once, for every route: nothing the store cannot hold reaches a use case.
      if (body !== undefined) assertJsonLimits(body);
      const query: Record<string, string> = {};
      for (const [k, v] of Object.entries(event.queryStringParameters ?? {}))
        if (v !== undefined) query[k] = v;
      const result = await match.route.run(
        { principal, params: match.params, query, body, rawBody, contentType },
        deps,
      );
      return json(result.status, result.body);
    } catch (err) {
      return errorResponse(err, requestId, log);
    }
  };
}
