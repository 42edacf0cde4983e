/**
 * The typed client's transport inside the local server: each call is an API Gateway (payload v2)
 * event for the same API handler HTTP requests reach, with the caller's principal where the
 * authorizer puts it. The route table's authorization, validation and error mapping all apply, so
 * /mcp can do nothing the same token could not do over the API.
 */
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { ApiAnswer, Transport } from "../client/transport.ts";
import type { HttpResult } from "../http/respond.ts";
import type { Principal } from "../usecases/principal.ts";

export type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<HttpResult>;

export function inProcessTransport(api: ApiHandler, principal: Principal, now: () => number): Transport {
  return async (method, pathAndQuery, body): Promise<ApiAnswer> => {
    const url = new URL(pathAndQuery, "http://in-process");
    const query = Object.fromEntries(url.searchParams);
    const at = now();
    const event = {
      version: "2.0",
      routeKey: "$default",
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers: body === undefined ? {} : { "content-type": "application/json" },
      ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
      requestContext: {
        accountId: "local",
        apiId: "local",
        domainName: "localhost",
        domainPrefix: "localhost",
        http: { method, path: url.pathname, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "mcp" },
        requestId: randomUUID(),
        routeKey: "$default",
        stage: "$default",
        time: new Date(at).toISOString(),
        timeEpoch: at,
        authorizer: { lambda: { subject: principal.subject, roles: principal.roles } },
      },
      isBase64Encoded: false,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    } as unknown as APIGatewayProxyEventV2;
    const result = await api(event);
    return { status: result.statusCode, data: result.body ? JSON.parse(result.body) : {} };
  };
}
