/**
 * The executors and the CRM import carry the HubSpot calls they make and no more (issue 11, item 8):
 * the SDK's request factories and response processors of the codegen areas they call
 * (shared/adapters/connectors/hubspot-area.ts), none of the discovery classes (`Client.crm.<area>`),
 * whose wrappers of every method of each area, and every generated API of it, were 765 KB of each
 * executor and 399 KB of the CRM import. And bundled as deployed, the connector and the import still
 * make their calls: the codegen is CommonJS, which a bundle can break where the sources run fine.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { asDeployed, bundleContents, has } from "../../bench/bundles.ts";
import { REPO_ROOT } from "../../infra/constructs/harness-function.ts";
import { fakeApi } from "../connectors/helpers/fake-api.ts";
import { fakeHubSpotCrm } from "../connectors/helpers/fake-hubspot-crm.ts";
import { fakeHubSpotWrites } from "../connectors/helpers/fake-hubspot-writes.ts";

const areas = (inputs: string[]) =>
  [
    ...new Set(inputs.flatMap((i) => /@hubspot\/api-client\/lib\/codegen\/(\w+\/\w+)\//.exec(i)?.[1] ?? [])),
  ].sort();

/** What the discovery classes bring: their modules, their wrappers of every method, their configurator. */
const DISCOVERY = [
  "@hubspot/api-client/lib/src/discovery/",
  "/types/ObservableAPI.js",
  "/types/PromiseAPI.js",
  "@hubspot/api-client/lib/src/configuration/ApiClientConfigurator.js",
  "node_modules/lodash.merge/",
  "crm/associations/v4/schema/",
];

describe("HubSpot in the Lambda bundles", () => {
  // The lean executors, deployed where the connectors config names neither HubSpot nor MCP servers.
  it.each(["functions/workflow/execute.ts", "functions/events/execute-allowed.ts"])(
    "%s carries no HubSpot code",
    async (entry) => {
      const { inputs } = await bundleContents(entry);
      expect(has(inputs, "shared/runtime/deployed-connectors.ts")).toBe(true);
      for (const part of ["@hubspot/", "shared/adapters/connectors/hubspot"])
        expect(has(inputs, part), part).toBe(false);
    },
    60_000,
  );

  it.each([
    ["functions/workflow/execute-hubspot.ts", ["crm/associations", "crm/lists", "crm/objects"]],
    ["functions/events/execute-allowed-hubspot.ts", ["crm/associations", "crm/lists", "crm/objects"]],
    ["functions/workflow/execute-mcp.ts", ["crm/associations", "crm/lists", "crm/objects"]],
    ["functions/agents/crm-import.ts", ["crm/associations", "crm/objects"]],
  ])(
    "%s carries the codegen of the calls it makes, no discovery class",
    async (entry, expected) => {
      const { inputs } = await bundleContents(entry);
      // The connector's upserts and the import's searches go through the generic objects API, so the
      // contacts, companies, deals, notes, emails and communications areas are not there at all.
      expect(areas(inputs)).toEqual(expected);
      for (const part of DISCOVERY) expect(has(inputs, part), part).toBe(false);
      // Of each area, only the APIs called.
      for (const api of ["objects/apis/BasicApi.js", "v4/apis/ReportApi.js", "lists/apis/FoldersApi.js"])
        expect(has(inputs, api), api).toBe(false);
    },
    60_000,
  );

  it.each([
    "functions/workflow/execute-hubspot.ts",
    "functions/agents/crm-import.ts",
    "functions/webhooks/hubspot-events.ts",
    "functions/outcomes/hubspot-poll.ts",
  ])(
    "%s sends through node-fetch over node:http, not Node's fetch, whose undici loads on the first request",
    async (entry) => {
      const { inputs } = await bundleContents(entry);
      expect(has(inputs, "node_modules/node-fetch/")).toBe(true);
      // node-fetch's URL parser is Node's own (ALIASES' whatwg-url shim), not the package's tables.
      expect(has(inputs, "node_modules/whatwg-url/")).toBe(false);
      expect(has(inputs, "node_modules/tr46/")).toBe(false);
    },
    60_000,
  );
});

// Under node_modules, as bench/bundles.ts does: the banner's createRequire resolves from there.
mkdirSync(join(REPO_ROOT, "node_modules", ".cache"), { recursive: true });
const dir = mkdtempSync(join(REPO_ROOT, "node_modules", ".cache", "hubspot-bundle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The connector and the CRM source, bundled as the CDK app bundles the functions that use them. */
async function bundleAdapters(): Promise<string> {
  const outfile = join(dir, "hubspot-adapters.mjs");
  await build({
    stdin: {
      contents: [
        'export { HubSpotConnector } from "./shared/adapters/connectors/hubspot.ts";',
        'export { HubSpotCrmSearch } from "./shared/adapters/connectors/hubspot-crm-search.ts";',
      ].join("\n"),
      resolveDir: REPO_ROOT,
      loader: "ts",
    },
    outfile,
    ...asDeployed(),
  });
  return outfile;
}

/** Runs `script` in a fresh Node process with the bundle as `m`; its stdout, parsed. */
async function inBundle(outfile: string, script: string): Promise<unknown> {
  const program = `const m = await import(${JSON.stringify(outfile)}); ${script}`;
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", program], {
    env: { PATH: process.env.PATH ?? "" },
    encoding: "utf8",
  });
  return JSON.parse(stdout);
}

describe("HubSpot calls, bundled", () => {
  it("the connector records research and syncs a list; the import reads a page and its companies", async () => {
    const outfile = await bundleAdapters();
    const hs = fakeHubSpotWrites();
    const writes = await fakeApi(hs.handle);
    const crm = await fakeHubSpotCrm();
    try {
      crm.put("companies", "501", { name: "Acme", domain: "acme.io" }, Date.UTC(2026, 2, 1));
      crm.put("contacts", "601", { email: "jane@acme.io" }, Date.UTC(2026, 2, 2), "501");
      const research = {
        operation: "research_note",
        accountId: "acme",
        domain: "acme.io",
        facts: [{ kind: "news", text: "Acme launched Flow Studio.", sourceUrl: "https://acme.io/news" }],
      };
      const sync = {
        audienceId: "sdr-1",
        listName: "Harness: sdr-1",
        add: [{ personId: "acme.jane", email: "jane@acme.io" }],
        remove: [],
        members: [{ personId: "acme.jane", email: "jane@acme.io" }],
      };
      const out = await inBundle(
        outfile,
        `const c = new m.HubSpotConnector({ accessToken: "pat-test", basePath: ${JSON.stringify(writes.url)} });
         const note = await c.execute({ idempotencyKey: "d_1:exec:1", decision: { actionType: "crm.update" }, payload: ${JSON.stringify(research)} });
         const list = await c.execute({ idempotencyKey: "d_2:exec:1", decision: { actionType: "list.sync" }, payload: ${JSON.stringify(sync)} });
         const s = new m.HubSpotCrmSearch({ accessToken: "pat-test", basePath: ${JSON.stringify(crm.url)} });
         const page = await s.modifiedSince("contacts", 0);
         const companies = await s.companiesOf("contacts", page.records.map((r) => r.id));
         process.stdout.write(JSON.stringify({ note, list, contacts: page.records.map((r) => r.id), companies: [...companies] }));`,
      );
      expect(out).toEqual({
        note: { externalId: expect.stringMatching(/^hubspot:note:\d+$/) },
        list: { externalId: expect.stringMatching(/^hubspot:list:\d+:\+1-0$/) },
        contacts: ["601"],
        companies: [["601", "501"]],
      });
      expect(writes.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        "POST /crm/v3/objects/companies/batch/upsert",
        "POST /crm/v3/objects/notes/batch/upsert",
        expect.stringMatching(/^PUT \/crm\/v4\/objects\/notes\/\d+\/associations\/default\/companies\/\d+$/),
        "GET /crm/v3/lists/object-type-id/0-1/name/Harness%3A%20sdr-1",
        "POST /crm/v3/lists",
        "POST /crm/v3/objects/contacts/batch/upsert",
        expect.stringMatching(/^PUT \/crm\/v3\/lists\/\d+\/memberships\/add-and-remove$/),
      ]);
      expect(writes.requests[0]?.headers.authorization).toBe("Bearer pat-test");
    } finally {
      await writes.close();
      await crm.close();
    }
  }, 60_000);
});
