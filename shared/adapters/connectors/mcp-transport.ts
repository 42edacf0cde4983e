/**
 * The SDK transport to one downstream MCP server, from its settings: a child process over stdio, or
 * streamable HTTP. Secrets come from the environment the settings name, never from the file.
 */
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ValidationError } from "../../domain/errors.ts";
import type { McpDownstreamSettings } from "../../runtime/connector-schemas.ts";

/** Builds the SDK transport for the settings, the secrets read from `env` (never from the file). */
export function transportFor(
  s: McpDownstreamSettings,
  env: Record<string, string | undefined>,
): () => Transport {
  const fromEnv = (name: string, path: string): string => {
    const value = env[name];
    if (!value) throw new ValidationError([{ path, message: `environment variable ${name} is not set` }]);
    return value;
  };
  const t = s.transport;
  if (t.type === "stdio") {
    const copied = Object.fromEntries(
      Object.entries(t.envFrom).map(([k, v]) => [k, fromEnv(v, `mcp.${s.name}.transport.envFrom.${k}`)]),
    );
    // The SDK's defaults (PATH, HOME, ...) and what the file names: never the harness's whole environment.
    const childEnv = { ...getDefaultEnvironment(), ...t.env, ...copied };
    return () =>
      new StdioClientTransport({ command: t.command, args: t.args, env: childEnv, stderr: "inherit" });
  }
  const headers = Object.fromEntries(
    Object.entries(t.headersFromEnv).map(([h, v]) => [
      h,
      fromEnv(v, `mcp.${s.name}.transport.headersFromEnv.${h}`),
    ]),
  );
  return () => new StreamableHTTPClientTransport(new URL(t.url), { requestInit: { headers } });
}
