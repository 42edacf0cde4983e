/**
 * The deployed executors' downstream MCP servers (CONNECTORS_CONFIG `mcp`): streamable HTTP only, the
 * same DownstreamServer and DownstreamTools as `harness serve`, so a decision of a mapped type calls
 * its tool once with the decision's idempotency key in `_meta`, with the same in_doubt rules. The
 * headers come from Secrets Manager on the first request to the server, not from the environment.
 */
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import { DownstreamServer } from "../adapters/connectors/mcp-downstream.ts";
import { DownstreamTools } from "../adapters/connectors/mcp-downstream-tools.ts";
import type { DeployedMcpServer } from "./connector-schemas.ts";

/** Reads a server's headers secret (ConnectorSecrets.headers); called on each request, cached there. */
export type HeadersReader = (server: string, arn: string) => Promise<Record<string, string>>;

/**
 * A fetch that adds the server's secret headers. A secret that cannot be read fails the request
 * before anything leaves, so the connection is never opened and the call is a plain failure.
 */
function fetchWithSecretHeaders(s: DeployedMcpServer, headers: HeadersReader): FetchLike {
  return async (url, init) => {
    const merged = new Headers(init?.headers);
    if (s.headersSecretArn)
      for (const [k, v] of Object.entries(await headers(s.name, s.headersSecretArn))) merged.set(k, v);
    return fetch(url, { ...init, headers: merged });
  };
}

export function deployedDownstream(servers: DeployedMcpServer[], headers: HeadersReader): DownstreamTools {
  return new DownstreamTools(
    servers.map(
      (s) =>
        new DownstreamServer(
          {
            name: s.name,
            transport: { type: "http", url: s.url, headersFromEnv: {} },
            timeoutMs: s.timeoutMs,
          },
          () =>
            new StreamableHTTPClientTransport(new URL(s.url), { fetch: fetchWithSecretHeaders(s, headers) }),
        ),
    ),
  );
}
