/**
 * The harness's MCP resources: the spec in force (the rules every proposal is held to) and, for an
 * agent's credential, its own trust and autonomy level per action type. Read through the API as the
 * session's caller, like the tools.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { HarnessClient } from "../client/client.ts";
import type { McpIdentity } from "./identity.ts";

export const SPEC_URI = "harness://spec/current";
export const trustUri = (agentId: string) => `harness://agents/${encodeURIComponent(agentId)}/trust`;

const json = (uri: URL, value: unknown) => ({
  contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(value, null, 2) }],
});

export function registerResources(server: McpServer, api: HarnessClient, who: McpIdentity): void {
  server.registerResource(
    "spec",
    SPEC_URI,
    {
      title: "The spec in force",
      description:
        "ICP, persona, quality, volume, coordination and autonomy rules every proposal is checked against, with its version and hash.",
      mimeType: "application/json",
    },
    async (uri) => json(uri, await api.currentSpec()),
  );
  const agentId = who.agentId;
  if (agentId)
    server.registerResource(
      "trust",
      trustUri(agentId),
      {
        title: `Trust of ${agentId}`,
        description:
          "Your trust score and autonomy level per action type: 1 = a person approves, 2 = runs unless vetoed in the window, 3 = runs.",
        mimeType: "application/json",
      },
      async (uri) => json(uri, await api.agentTrust({ agentId })),
    );
}
