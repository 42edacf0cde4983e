/**
 * The tool list GET /v1/tools and /mcp serve in AWS (shared/runtime/deployed-mcp.ts): asked of the
 * server without headers, once per TTL; a server that stops answering keeps the tools it last listed
 * (logged), and one never reached offers none, without failing the listing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDeployedConnectors } from "../../shared/runtime/connector-schemas.ts";
import { deployedToolCatalog, TOOL_LIST_TTL_MS } from "../../shared/runtime/deployed-mcp.ts";
import { type FakeDownstream, startFakeDownstream } from "./helpers/fake-mcp-downstream.ts";

const TYPE = "crm.sequence.email";
/** The spec in force, as far as the catalog reads it: one action type mapped to send_email. */
const specs = {
  current: async () =>
    ({
      spec: {
        autonomy: {
          actions: {
            [TYPE]: {
              kind: "touch",
              channel: "email",
              tool: {
                server: "crm",
                name: "send_email",
                target: { accountId: "/accountId", personId: "/contactId" },
                content: { subject: "/subject", body: "/body" },
              },
            },
          },
        },
      },
    }) as any,
};

let fake: FakeDownstream;
beforeAll(async () => {
  fake = await startFakeDownstream();
});
afterAll(() => fake?.close());

const servers = (url: string) =>
  parseDeployedConnectors(JSON.stringify({ mcp: [{ name: "crm", url, timeoutMs: 1000 }] })).mcp ?? [];

describe("the deployed tool catalog", () => {
  it("lists the mapped tool; after the server goes away it keeps the last list and logs the failure", async () => {
    let now = 0;
    const logged: Record<string, unknown>[] = [];
    const catalog = deployedToolCatalog(servers(fake.url), specs, {
      now: () => now,
      log: (_msg, data) => logged.push(data),
    });
    expect((await catalog.list()).map((t) => [t.name, t.actionType])).toEqual([["crm__send_email", TYPE]]);
    await fake.close();
    now += TOOL_LIST_TTL_MS;
    expect((await catalog.list()).map((t) => t.name)).toEqual(["crm__send_email"]);
    expect(logged).toEqual([expect.objectContaining({ server: "crm" })]);
  });

  it("a server never reached offers no tools, and the listing still answers", async () => {
    const logged: Record<string, unknown>[] = [];
    const catalog = deployedToolCatalog(servers("http://127.0.0.1:9/mcp"), specs, {
      log: (_msg, data) => logged.push(data),
    });
    expect(await catalog.list()).toEqual([]);
    expect(logged.map((d) => d.server)).toEqual(["crm"]);
  });
});
