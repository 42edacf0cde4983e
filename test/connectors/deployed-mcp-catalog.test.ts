/**
 * The tool list GET /v1/tools and /mcp serve in AWS (shared/runtime/deployed-mcp.ts): asked of the
 * server without headers, once per TTL; a server that stops answering keeps the tools it last listed
 * (logged), and one never reached offers none, without failing the listing.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDeployedConnectors } from "../../shared/runtime/connector-schemas.ts";
import {
  deployedToolCatalog,
  FAILED_LIST_RETRY_MS,
  TOOL_LIST_TTL_MS,
} from "../../shared/runtime/deployed-mcp.ts";
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

const servers = (url: string, timeoutMs = 1000) =>
  parseDeployedConnectors(JSON.stringify({ mcp: [{ name: "crm", url, timeoutMs }] })).mcp ?? [];

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

  it("a server never reached offers no tools, the listing still answers, and it is asked again in a minute", async () => {
    let now = 0;
    const logged: Record<string, unknown>[] = [];
    const catalog = deployedToolCatalog(servers("http://127.0.0.1:9/mcp"), specs, {
      now: () => now,
      log: (_msg, data) => logged.push(data),
    });
    expect(await catalog.list()).toEqual([]);
    expect(logged.map((d) => d.server)).toEqual(["crm"]);
    now += FAILED_LIST_RETRY_MS - 1;
    await catalog.list();
    expect(logged).toHaveLength(1);
    now += 1;
    await catalog.list();
    expect(logged).toHaveLength(2);
  });

  it("a server slower than a request's wait does not hold the request, nor the next one", async () => {
    // Accepts and never answers: each of the client's steps waits its whole timeoutMs (10 s here).
    const hang = createServer(() => {});
    await new Promise<void>((resolve) => hang.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(hang.address() as AddressInfo).port}/mcp`;
    const logged: Record<string, unknown>[] = [];
    const catalog = deployedToolCatalog(servers(url, 10_000), specs, {
      waitMs: 100,
      log: (_msg, data) => logged.push(data),
    });
    try {
      for (const _ of [1, 2]) {
        const started = Date.now();
        expect(await catalog.list()).toEqual([]);
        expect(Date.now() - started).toBeLessThan(5_000);
      }
      expect(logged).toEqual([]);
    } finally {
      hang.closeAllConnections();
      hang.close();
    }
  });
});
