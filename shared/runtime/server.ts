import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { hashToken } from "../adapters/local/token-store.ts";
import { createApi } from "../http/api.ts";
import { json } from "../http/respond.ts";
import type { AppDeps } from "../http/routes.ts";

const MAX_BODY = 512 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw Object.assign(new Error("body too large"), { tooLarge: true });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Serves the same API handler API Gateway invokes, by turning each node:http request into an HTTP API
 * payload v2 event. Bearer tokens are checked here and the caller is put in the authorizer context,
 * exactly where API Gateway's authorizers put it.
 */
export function createLocalServer(deps: AppDeps): Server {
  const api = createApi(deps);
  return createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      let body: string;
      try {
        body = await readBody(req);
      } catch {
        const r = json(413, { error: "too_large", message: `body larger than ${MAX_BODY} bytes` });
        res.writeHead(r.statusCode, r.headers as Record<string, string>).end(r.body);
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === "string") headers[k.toLowerCase()] = v;
      const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? "")?.[1];
      const record = bearer ? await deps.tokens.get(hashToken(bearer)) : undefined;
      if (bearer && !record) {
        const r = json(401, { error: "unauthorized", message: "unknown or revoked token" });
        res.writeHead(r.statusCode, r.headers as Record<string, string>).end(r.body);
        return;
      }
      const query: Record<string, string> = {};
      for (const [k, v] of url.searchParams) query[k] = v;
      const now = deps.clock.now();
      const event: APIGatewayProxyEventV2 = {
        version: "2.0",
        routeKey: "$default",
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
        requestContext: {
          accountId: "local",
          apiId: "local",
          domainName: headers.host ?? "localhost",
          domainPrefix: "localhost",
          http: {
            method: req.method ?? "GET",
            path: url.pathname,
            protocol: "HTTP/1.1",
            sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
            userAgent: headers["user-agent"] ?? "",
          },
          requestId: randomUUID(),
          routeKey: "$default",
          stage: "$default",
          time: new Date(now).toISOString(),
          timeEpoch: now,
          ...(record ? { authorizer: { lambda: { subject: record.subject, roles: record.roles } } } : {}),
        } as APIGatewayProxyEventV2["requestContext"],
        ...(body ? { body } : {}),
        isBase64Encoded: false,
      };
      const result = await api(event);
      res.writeHead(result.statusCode, (result.headers ?? {}) as Record<string, string>).end(result.body);
    } catch (err) {
      console.error(JSON.stringify({ level: "error", msg: "server error", error: (err as Error).message }));
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "internal", message: "internal error" }));
    }
  });
}
