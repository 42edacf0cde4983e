/**
 * The deployed executors' downstream MCP servers (CONNECTORS_CONFIG `mcp`): streamable HTTP only, the
 * same DownstreamServer and DownstreamTools as `harness serve`, so a decision of a mapped type calls
 * its tool once with the decision's idempotency key in `_meta`, with the same in_doubt rules. The
 * headers come from Secrets Manager on the first request to the server, not from the environment,
 * and are read again at once when the server answers 401 (a rotated token).
 */
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import { DownstreamServer } from "../adapters/connectors/mcp-downstream.ts";
import {
  DownstreamTools,
  exposedTools,
  type ToolCatalog,
} from "../adapters/connectors/mcp-downstream-tools.ts";
import { DynamoSpecStore } from "../adapters/dynamo/spec-store.ts";
import type { SpecStore } from "../ports.ts";
import type { AwsExtras } from "./aws.ts";
import type { AwsEnv } from "./aws-env.ts";
import { type DeployedMcpServer, parseDeployedConnectors } from "./connector-schemas.ts";

/**
 * Reads a server's headers secret (ConnectorSecrets.headers); called on each request, kept there.
 * With `rejected` (the headers a request sent that the server answered 401), the secret is read again
 * at once, one read for all the requests refused together.
 */
export type HeadersReader = (
  server: string,
  arn: string,
  rejected?: (kept: Record<string, string>) => boolean,
) => Promise<Record<string, string>>;

/**
 * One server, its secret's headers added to each request by its fetch. A secret that cannot be read
 * fails the request before anything leaves, so the connection is never opened and the call is a plain
 * failure. A 401 to the secret's headers means they were perhaps rotated since this container read
 * them (kept 5 minutes): the DownstreamServer has them read again and sends the refused request once
 * more on a new connection (renewCredentials), as the built-in connectors do on a 401.
 */
function deployedServer(s: DeployedMcpServer, headers: HeadersReader): DownstreamServer {
  const arn = s.headersSecretArn;
  // What the last refused request sent: only a value still kept is read again (ConnectorSecrets).
  // Every value a request sent that the server answered 401 (not the last one only: a late 401 for
  // an older value would hide the newer refused one, and its request be refused with no read).
  const rejected = new WeakSet<Record<string, string>>();
  const withSecretHeaders: FetchLike = async (url, init) => {
    const merged = new Headers(init?.headers);
    const sent = arn ? await headers(s.name, arn) : undefined;
    for (const [k, v] of Object.entries(sent ?? {})) merged.set(k, v);
    const response = await fetch(url, { ...init, headers: merged });
    if (response.status === 401 && sent) rejected.add(sent);
    return response;
  };
  return new DownstreamServer(
    { name: s.name, transport: { type: "http", url: s.url, headersFromEnv: {} }, timeoutMs: s.timeoutMs },
    () => new StreamableHTTPClientTransport(new URL(s.url), { fetch: withSecretHeaders }),
    arn
      ? { renewCredentials: async () => void (await headers(s.name, arn, (kept) => rejected.has(kept))) }
      : {},
  );
}

export function deployedDownstream(servers: DeployedMcpServer[], headers: HeadersReader): DownstreamTools {
  return new DownstreamTools(servers.map((s) => deployedServer(s, headers)));
}

/** How long a container offers the tools as last listed before asking the servers again. */
export const TOOL_LIST_TTL_MS = 5 * 60_000;

/**
 * How long a request waits for the servers' lists before answering with the tools as last listed. A
 * refresh may take each server's `timeoutMs` to connect and again per page (up to 20): it goes on in
 * the background, and a later request gets its result. Before, a server slower than the function's
 * timeout killed the request, and every later one, since the list was never marked fresh.
 */
export const TOOL_LIST_WAIT_MS = 5_000;

/** After a refresh no server answered, how soon a request asks again. */
export const FAILED_LIST_RETRY_MS = 60_000;

/**
 * What GET /v1/tools and /mcp offer in AWS: the mapped tools the servers list, asked WITHOUT their
 * headers. Least privilege: the headers secret lets its holder act on the downstream system, and the
 * API functions that list never act; a server that refuses an unauthenticated tools/list offers no
 * tools (logged) until it allows it, and its mapped actions stay proposable by propose_action. Listed
 * once per container per TTL; a server that fails keeps the tools it last listed.
 */
export function deployedToolCatalog(
  servers: DeployedMcpServer[],
  specs: Pick<SpecStore, "current">,
  options: {
    now?: () => number;
    log?: (msg: string, data: Record<string, unknown>) => void;
    /** TOOL_LIST_WAIT_MS unless given (tests). */
    waitMs?: number;
  } = {},
): ToolCatalog {
  const now = options.now ?? Date.now;
  const waitMs = options.waitMs ?? TOOL_LIST_WAIT_MS;
  const listers = servers.map(
    (s) =>
      new DownstreamServer(
        { name: s.name, transport: { type: "http", url: s.url, headersFromEnv: {} }, timeoutMs: s.timeoutMs },
        () => new StreamableHTTPClientTransport(new URL(s.url)),
      ),
  );
  const byName = new Map(listers.map((s) => [s.name, s]));
  let listedAt = Number.NEGATIVE_INFINITY;
  let refreshing: Promise<void> | undefined;
  const refresh = async () => {
    const listed = await Promise.all(
      listers.map((s) =>
        s.start().then(
          () => true,
          (err) => {
            options.log?.("downstream tool list failed", { server: s.name, error: (err as Error).message });
            return false;
          },
        ),
      ),
    );
    // None answered (down, or its timers ran out while Lambda froze the container after a response):
    // asked again in a minute, not after the TTL, so one bad refresh does not hide the tools for five.
    listedAt = listed.some(Boolean) ? now() : now() - TOOL_LIST_TTL_MS + FAILED_LIST_RETRY_MS;
  };
  return {
    list: async () => {
      if (now() - listedAt >= TOOL_LIST_TTL_MS) {
        refreshing ??= refresh().finally(() => {
          refreshing = undefined;
        });
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          refreshing,
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, waitMs);
          }),
        ]);
        clearTimeout(timer);
      }
      const current = await specs.current();
      return current ? exposedTools(current.spec, byName) : [];
    },
  };
}

/**
 * The AwsExtras hook of the functions that list tools (the knowledge API's GET /v1/tools, /mcp):
 * their CONNECTORS_CONFIG holds the servers' names and URLs only (listingConnectorsConfig).
 */
export function awsToolCatalog(env: AwsEnv): Pick<AwsExtras, "tools"> {
  const servers = parseDeployedConnectors(env.CONNECTORS_CONFIG).mcp;
  if (!servers?.length) return {};
  let catalog: ToolCatalog | undefined;
  return { tools: (db) => (catalog ??= deployedToolCatalog(servers, new DynamoSpecStore(db))) };
}
