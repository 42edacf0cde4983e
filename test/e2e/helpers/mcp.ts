/**
 * MCP clients from the official SDK against a test harness: `harness mcp` over stdio, started the
 * way an agent framework's config starts it (`npm run -s harness -- mcp` with the agent's token in its
 * environment), or the local server's /mcp endpoint over streamable HTTP.
 */
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const REPO = fileURLToPath(new URL("../../..", import.meta.url));

export async function connectStdio(url: string, token: string): Promise<Client> {
  const client = new Client({ name: "e2e-agent", version: "1.0.0" });
  await client.connect(
    new StdioClientTransport({
      command: "npm",
      args: ["run", "-s", "harness", "--", "mcp"],
      cwd: REPO,
      env: { ...(process.env as Record<string, string>), HARNESS_TOKEN: token, HARNESS_URL: url },
      stderr: "inherit",
    }),
  );
  return client;
}

export async function connectHttp(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: "e2e-agent", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL("/mcp", url), {
      requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} },
    }),
  );
  return client;
}

export interface ToolAnswer {
  isError: boolean;
  text: string;
  json: any;
}

/** Calls a tool; a tool error comes back (isError, its text), a protocol error throws. */
export async function callTool(client: Client, name: string, args: Record<string, unknown>) {
  const res = await client.callTool({ name, arguments: args });
  const content = res.content as { type: string; text?: string }[];
  const text = content.map((c) => c.text ?? "").join("\n");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { isError: res.isError === true, text, json } as ToolAnswer;
}

/** A resource's JSON text, parsed. */
export async function readJsonResource(client: Client, uri: string) {
  const [content] = (await client.readResource({ uri })).contents;
  if (!content || !("text" in content)) throw new Error(`${uri}: no text content`);
  return JSON.parse(content.text);
}
