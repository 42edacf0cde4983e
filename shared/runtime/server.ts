import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { systemClock } from "../adapters/local/clock.ts";
import { checkToken, hashToken } from "../adapters/local/token-store.ts";
import { RateLimitError, TooLargeError, ValidationError } from "../domain/errors.ts";
import { createApi, MAX_BODY_BYTES } from "../http/api.ts";
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimitOptions } from "../http/rate-limit.ts";
import { errorResponse, type HttpResult } from "../http/respond.ts";
import { type AppDeps, ROUTES } from "../http/routes.ts";
import { MCP_PATH, serveMcp } from "../mcp/http-endpoint.ts";
import type { Clock } from "../ports.ts";
import { CONSOLE_DIR, serveConsole } from "./static.ts";

/**
 * How much of an oversized body is read (and thrown away) before answering 413. A client that is
 * still sending when the server closes the connection gets a reset instead of the answer, so the
 * server reads to the end; past this much it stops and closes anyway.
 */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

type Body = { kind: "ok"; bytes: Buffer } | { kind: "too_large"; drained: boolean } | { kind: "aborted" };

/** Read the body, keeping at most MAX_BODY_BYTES; a larger one is drained, not kept. */
function readBody(req: IncomingMessage): Promise<Body> {
  return new Promise((resolve) => {
    const declared = Number(req.headers["content-length"]);
    // Known too large from the headers: nothing is kept, and beyond the drain cap nothing is read.
    let tooLarge = Number.isFinite(declared) && declared > MAX_BODY_BYTES;
    if (Number.isFinite(declared) && declared > MAX_DRAIN_BYTES) {
      resolve({ kind: "too_large", drained: false });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (body: Body) => {
      if (done) return;
      done = true;
      resolve(body);
    };
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DRAIN_BYTES) {
        req.pause();
        finish({ kind: "too_large", drained: false });
        return;
      }
      if (!tooLarge && size > MAX_BODY_BYTES) {
        tooLarge = true;
        chunks.length = 0;
      }
      if (!tooLarge) chunks.push(chunk);
    });
    req.on("end", () =>
      finish(tooLarge ? { kind: "too_large", drained: true } : { kind: "ok", bytes: Buffer.concat(chunks) }),
    );
    req.on("error", () => finish({ kind: "aborted" }));
    req.on("close", () => finish({ kind: "aborted" }));
  });
}

function send(res: ServerResponse, result: HttpResult, close = false) {
  res
    .writeHead(result.statusCode, {
      ...((result.headers ?? {}) as Record<string, string>),
      ...(close ? { connection: "close" } : {}),
    })
    .end(result.body);
}

export interface LocalServerOptions {
  /**
   * Per-caller token buckets: per token for authenticated requests, per remote address otherwise.
   * `false` turns limiting off (benchmarks that measure the gate itself). @default 50/s, burst 100
   */
  rateLimit?: RateLimitOptions | false;
  /** Monotonic milliseconds for the rate limiter. @default performance.now */
  now?: () => number;
  /**
   * The wall clock token expiry is judged on (tokens are stamped on it when created). Never the
   * runtime's clock, which `--clock simulated` lets an admin move: one allowed year's advance would
   * expire every token, the admin's included, and moving it back would revive expired ones.
   * @default the system clock
   */
  wallClock?: Clock;
  log?: (msg: string, data: Record<string, unknown>) => void;
  /** The web console's folder, served at `/` (static.ts); `false` serves the API only. @default CONSOLE_DIR */
  console?: string | false;
}

/**
 * Serves the same API handler API Gateway invokes, by turning each node:http request into an HTTP API
 * payload v2 event. Bearer tokens are checked here and the caller is put in the authorizer context,
 * exactly where API Gateway's authorizers put it. What API Gateway does before a function runs
 * (payload limit, throttling) is done here too.
 */
export function createLocalServer(deps: AppDeps, options: LocalServerOptions = {}): Server {
  const api = createApi(deps, { routes: ROUTES });
  const log = options.log ?? ((msg, data) => console.error(JSON.stringify({ level: "error", msg, ...data })));
  const limits = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const limiter =
    limits === false ? undefined : new RateLimiter(limits, options.now ?? (() => performance.now()));
  const wallClock = options.wallClock ?? systemClock;
  const consoleDir = options.console ?? CONSOLE_DIR;
  return createServer(async (req, res) => {
    try {
      if (consoleDir !== false && (await serveConsole(req, res, consoleDir))) return;
      const body = await readBody(req);
      if (body.kind === "aborted") return;
      if (body.kind === "too_large") {
        // Answered only once the body is read: see MAX_DRAIN_BYTES. Then the connection is closed.
        send(
          res,
          errorResponse(new TooLargeError(`body larger than ${MAX_BODY_BYTES} bytes`), "local", log),
          true,
        );
        return;
      }
      if (hasDotSegment(req.url ?? "/")) {
        const issue = { path: "path", message: "dot segments (. or ..) are not allowed in a request path" };
        send(res, errorResponse(new ValidationError([issue]), "local", log));
        return;
      }
      const url = new URL(req.url ?? "/", "http://localhost");
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === "string") headers[k.toLowerCase()] = v;
      const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? "")?.[1];
      const tokenHash = bearer ? hashToken(bearer) : undefined;
      const found = tokenHash ? await deps.tokens.get(tokenHash) : undefined;
      // Expired and revoked tokens authenticate nobody; the refusal says which (checkToken decides).
      const refused = found ? checkToken(found, wallClock.now()) : undefined;
      const record = refused ? undefined : found;
      if (limiter) {
        // An unknown token counts against its address: making up tokens buys no fresh buckets.
        const key = record && tokenHash ? `token:${tokenHash}` : `addr:${req.socket.remoteAddress ?? "?"}`;
        const decision = limiter.take(key);
        if (!decision.allowed) {
          const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
          send(res, errorResponse(new RateLimitError("too many requests", seconds), "local", log));
          return;
        }
      }
      // MCP over streamable HTTP (shared/mcp): the same tokens and limits, then the API in process.
      if (url.pathname === MCP_PATH) {
        await serveMcp(req, res, {
          ...(record ? { principal: { subject: record.subject, roles: record.roles } } : {}),
          ...(bearer && !record ? { rejected: refused ?? "unknown token" } : {}),
          body: body.bytes,
          api,
          now: () => deps.clock.now(),
        });
        return;
      }
      // Object.fromEntries defines keys: a `__proto__` parameter stays a key the API can refuse
      // (plain assignment would drop it), as in API Gateway's JSON event.
      const query = Object.fromEntries(url.searchParams);
      const now = deps.clock.now();
      const authorizer = record
        ? { lambda: { subject: record.subject, roles: record.roles } }
        : bearer
          ? // Whether that matters depends on the route (none on /v1/health): the API decides.
            { lambda: { rejected: refused ?? "unknown token" } }
          : undefined;
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
          ...(authorizer ? { authorizer } : {}),
        } as APIGatewayProxyEventV2["requestContext"],
        // The bytes as received, as API Gateway passes a binary body: the API decodes them as strict
        // UTF-8, so invalid sequences are refused rather than turned into U+FFFD here.
        ...(body.bytes.length > 0
          ? { body: body.bytes.toString("base64"), isBase64Encoded: true }
          : { isBase64Encoded: false }),
      };
      send(res, await api(event));
    } catch (err) {
      log("server error", { error: (err as Error).message });
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "internal", message: "internal error" }));
    }
  });
}

/**
 * `new URL` resolves `.` and `..` segments (also written %2e): /v1/agents/../trust would quietly be
 * served as /v1/trust. A request path with one is refused instead of being read as another route.
 */
function hasDotSegment(raw: string): boolean {
  const path = raw.split("?", 1)[0] ?? "";
  return path.split("/").some((segment) => {
    const decoded = segment.replace(/%2e/gi, ".");
    return decoded === "." || decoded === "..";
  });
}
