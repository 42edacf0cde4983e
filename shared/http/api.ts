import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { ValidationError } from "../domain/errors.ts";
import { principalFromEvent } from "./principal-from-event.ts";
import { errorResponse, type HttpResult, json } from "./respond.ts";
import { type AppDeps, authorize, matchRoute, ROUTES, type Route } from "./routes.ts";

export type Logger = (msg: string, data: Record<string, unknown>) => void;

const MAX_BODY = 256 * 1024;

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
      const match = matchRoute(method, event.rawPath, routes);
      if (!match) return json(404, { error: "not_found", message: `no route ${method} ${event.rawPath}` });
      if ("allowed" in match)
        return {
          ...json(405, { error: "method_not_allowed", message: `use ${match.allowed.join(", ")}` }),
          headers: { allow: match.allowed.join(", ") },
        };
      const principal = authorize(match.route, principalFromEvent(event));
      const contentType = (
        event.headers?.["content-type"] ??
        event.headers?.["Content-Type"] ??
        "application/json"
      ).toLowerCase();
      const rawBody = event.body
        ? event.isBase64Encoded
          ? Buffer.from(event.body, "base64").toString("utf8")
          : event.body
        : "";
      if (rawBody.length > MAX_BODY)
        throw new ValidationError([{ path: "body", message: `larger than ${MAX_BODY} bytes` }]);
      let body: unknown;
      if (rawBody && !/ya?ml|text\/plain/.test(contentType)) {
        try {
          body = JSON.parse(rawBody);
        } catch {
          throw new ValidationError([{ path: "body", message: "not valid JSON" }]);
        }
      }
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
