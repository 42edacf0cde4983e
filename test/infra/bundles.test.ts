/**
 * Each Lambda bundle holds what its function serves (issue 11, item 8), checked on esbuild's own
 * account of the bundle (metafile), built as the CDK app builds it. The sizes and cold starts are
 * measured by `npx tsx bench/bundles.ts`; this keeps the import chains that were cut from growing
 * back: the YAML parser, the gate, the API core, the whole HubSpot SDK, Unicode tables, the X-Ray SDK.
 */

import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { asDeployed, bundleContents, has, MAX_KB } from "../../bench/bundles.ts";
import { REPO_ROOT } from "../../infra/constructs/harness-function.ts";
import { DECISIONS_TABLE } from "../../shared/http/groups/decisions.ts";
import { HEALTH_TABLE } from "../../shared/http/groups/health.ts";
import { PROPOSALS_TABLE } from "../../shared/http/groups/proposals.ts";
import { docOf } from "../../shared/http/route-docs.ts";

describe("Lambda bundles", () => {
  it("the proposals function: the gate, but no YAML parser, no HubSpot, no X-Ray SDK, no metrics", async () => {
    const { inputs } = await bundleContents("functions/api/proposals.ts");
    expect(has(inputs, "shared/usecases/gate.ts")).toBe(true);
    expect(has(inputs, "@aws-lambda-powertools/logger/")).toBe(true);
    // Its 5xx are the HTTP API's metric (alarms.ts): Powertools' metrics only where a function emits one.
    for (const part of [
      "node_modules/yaml/",
      "@hubspot/",
      "aws-xray-sdk",
      "powertools/tracer",
      "@aws-lambda-powertools/metrics/",
    ])
      expect(has(inputs, part), part).toBe(false);
    const metered = await bundleContents("functions/ledger/archiver.ts");
    expect(has(metered.inputs, "@aws-lambda-powertools/metrics/")).toBe(true);
  }, 60_000);

  it("another API group's function has neither the gate nor other groups' routes", async () => {
    const { inputs } = await bundleContents("functions/api/knowledge.ts");
    expect(has(inputs, "shared/http/groups/knowledge.ts")).toBe(true);
    for (const part of ["shared/usecases/gate.ts", "shared/http/groups/proposals.ts", "groups/reviews.ts"])
      expect(has(inputs, part), part).toBe(false);
  }, 60_000);

  it("HubSpot's webhook carries no store, no HubSpot client and no outcome recording: it checks and queues", async () => {
    const { inputs } = await bundleContents("functions/webhooks/hubspot.ts");
    for (const part of [
      "shared/adapters/dynamo/",
      "@aws-sdk/lib-dynamodb",
      "node_modules/@hubspot/api-client/",
      "shared/usecases/world-outcomes.ts",
      "shared/usecases/outcomes.ts",
    ])
      expect(has(inputs, part), part).toBe(false);
    expect(has(inputs, "shared/adapters/aws/fifo-queue.ts")).toBe(true);
  }, 60_000);

  it("a function that serves no HTTP has no API core and no YAML parser", async () => {
    const { inputs } = await bundleContents("functions/outcomes/ses-events.ts");
    for (const part of ["shared/http/api.ts", "node_modules/yaml/", "shared/usecases/gate.ts"])
      expect(has(inputs, part), part).toBe(false);
  }, 60_000);

  it.each(["functions/webhooks/hubspot-events.ts", "functions/outcomes/hubspot-poll.ts"])(
    "%s carries the SDK's contacts calls it makes only, and no Unicode tables",
    async (entry) => {
      const { inputs } = await bundleContents(entry);
      const codegen = new Set(
        inputs.flatMap((i) => /@hubspot\/api-client\/lib\/codegen\/(\w+\/\w+)\//.exec(i)?.[1] ?? []),
      );
      expect([...codegen]).toEqual(["crm/contacts"]);
      // Request factories and response processors, not ContactsDiscovery's wrappers of every contacts
      // method and its configurator (hubspot-client.ts hubspotContactsClient): 48 KB less.
      for (const part of [
        "node_modules/tr46/",
        "contacts/types/ObservableAPI.js",
        "contacts/types/PromiseAPI.js",
        "contacts/apis/BatchApi.js",
        "src/discovery/crm/contacts/ContactsDiscovery.js",
        "node_modules/lodash.merge/",
      ])
        expect(has(inputs, part), part).toBe(false);
    },
    60_000,
  );

  it.each([
    "functions/workflow/release.ts",
    "functions/api/reviews.ts",
    // The console's trust, pause and spec-version reads; the spec text is the specs function's.
    "functions/api/admin.ts",
    "functions/api/decisions.ts",
  ])(
    "%s, which reads specs but no YAML text, carries no YAML library",
    async (entry) => {
      // They read spec versions from the store; the YAML text reader is apart
      // (spec-text.ts), since yaml's ESM build keeps 33 KB that tree-shaking cannot drop.
      const { inputs } = await bundleContents(entry);
      expect(has(inputs, "shared/adapters/dynamo/spec-store.ts")).toBe(true);
      for (const part of ["node_modules/yaml/", "shared/domain/yaml.ts"])
        expect(has(inputs, part), part).toBe(false);
    },
    60_000,
  );

  it("the decisions function reads decisions without a spec's YAML or its evaluation; the replay function has both", async () => {
    // A replay parses the proposed spec and evaluates every decision of its window under it: 163 KB
    // the console's decision reads loaded at each cold start while one function served both.
    const parts = ["node_modules/yaml/", "shared/domain/evaluate.ts", "shared/usecases/replay.ts"];
    const reads = await bundleContents("functions/api/decisions.ts");
    expect(has(reads.inputs, "shared/usecases/explain.ts")).toBe(true);
    for (const part of parts) expect(has(reads.inputs, part), part).toBe(false);
    const replay = await bundleContents("functions/api/replay.ts");
    for (const part of parts) expect(has(replay.inputs, part), part).toBe(true);
    expect(has(replay.inputs, "shared/http/groups/decisions.ts")).toBe(false);
    expect(reads.bytes).toBeLessThan(replay.bytes);
  }, 60_000);

  it("the knowledge function carries no erasure and no cursor key; the erasure function has both", async () => {
    const parts = [
      "shared/usecases/erase.ts",
      "shared/adapters/dynamo/erasure-store.ts",
      "secret-cursor-key.ts",
    ];
    for (const entry of ["functions/api/knowledge.ts", "functions/api/knowledge-tools.ts"]) {
      const { inputs } = await bundleContents(entry);
      expect(has(inputs, "shared/http/kb-read-routes.ts"), entry).toBe(true);
      for (const part of parts) expect(has(inputs, part), `${entry}: ${part}`).toBe(false);
    }
    const { inputs } = await bundleContents("functions/api/erasure.ts");
    for (const part of parts) expect(has(inputs, part), part).toBe(true);
    expect(has(inputs, "shared/http/kb-read-routes.ts")).toBe(false);
  }, 60_000);

  it("the specs function reads a spec's text, with the spec store alone", async () => {
    const { inputs } = await bundleContents("functions/api/specs.ts");
    for (const part of [
      "node_modules/yaml/",
      "shared/domain/spec-text.ts",
      "shared/adapters/dynamo/spec-store.ts",
    ])
      expect(has(inputs, part), part).toBe(true);
    for (const part of [
      "decision-store.ts",
      "trust-store.ts",
      "pause-store.ts",
      "kb-store.ts",
      "groups/admin.ts",
    ])
      expect(has(inputs, part), part).toBe(false);
  }, 60_000);

  it("the gate's side of the decision store only where the gate runs", async () => {
    const gate = await bundleContents("functions/api/proposals.ts");
    expect(has(gate.inputs, "shared/adapters/dynamo/gate-decision-store.ts")).toBe(true);
    // The gate lists no decisions and records no review: the core beneath its commit.
    for (const part of [
      "shared/adapters/dynamo/decision-listings.ts",
      "shared/adapters/dynamo/draft-store.ts",
    ])
      expect(has(gate.inputs, part), part).toBe(false);
    for (const entry of ["functions/workflow/release.ts", "functions/workflow/execute.ts"]) {
      const { inputs } = await bundleContents(entry);
      expect(has(inputs, "shared/adapters/dynamo/decision-store.ts"), entry).toBe(true);
      for (const part of ["gate-decision-store.ts", "shared/adapters/dynamo/flip-store.ts"])
        expect(has(inputs, part), `${entry}: ${part}`).toBe(false);
    }
  }, 60_000);

  it("a function that only reads decisions carries no transition: the reader, without the store", async () => {
    for (const entry of [
      "functions/agents/crm-import.ts",
      "functions/events/agent-watchers.ts",
      "functions/learning/signals-refit.ts",
      "functions/api/decisions.ts",
    ]) {
      const { inputs } = await bundleContents(entry);
      expect(has(inputs, "shared/adapters/dynamo/decision-reader.ts"), entry).toBe(true);
      for (const part of ["shared/adapters/dynamo/decision-store.ts", "gate-decision-store.ts"])
        expect(has(inputs, part), `${entry}: ${part}`).toBe(false);
    }
    // The watchers read decisions by id only, and records through the records view: no listings, no
    // agents' knowledge view (its memory search, learned ring and context packets). They write memory
    // (memory-writer.ts) and never search it.
    const watchers = await bundleContents("functions/events/agent-watchers.ts");
    expect(has(watchers.inputs, "shared/adapters/dynamo/memory-writer.ts")).toBe(true);
    for (const part of [
      "shared/adapters/dynamo/decision-listings.ts",
      "shared/kb/view.ts",
      "context-packet.ts",
      "shared/adapters/dynamo/memory-store.ts",
      "shared/kb/hybrid-search.ts",
    ])
      expect(has(watchers.inputs, part), part).toBe(false);
  }, 60_000);

  // A group's function imports its own route arrays: shared modules export one per group (agent-routes.ts,
  // console-routes.ts, spec-routes.ts) instead of a mixed list each function filtered at run time.
  it("the admin function carries neither the reviews' corrections nor the decisions' daily report", async () => {
    const { inputs } = await bundleContents("functions/api/admin.ts");
    for (const part of [
      "shared/http/console-routes.ts",
      "shared/http/spec-routes.ts",
      "shared/usecases/drafts.ts",
    ])
      expect(has(inputs, part), part).toBe(true);
    for (const part of [
      "shared/usecases/as-proposed.ts",
      "shared/usecases/daily-report.ts",
      "shared/http/console-decision-routes.ts",
    ])
      expect(has(inputs, part), part).toBe(false);
  }, 60_000);

  // The API's description is served prebuilt: the docs are the description's alone (route-docs.ts).
  it.each([
    ["functions/api/decisions.ts", DECISIONS_TABLE],
    ["functions/api/proposals.ts", PROPOSALS_TABLE],
    ["functions/api/health.ts", HEALTH_TABLE],
  ] as const)(
    "%s carries none of its routes' docs",
    async (entry, table) => {
      const { outputFiles } = await build({
        ...asDeployed(),
        entryPoints: [join(REPO_ROOT, entry)],
        outfile: join(REPO_ROOT, "node_modules", ".cache", "route-docs-check.mjs"),
        write: false,
      });
      const text = outputFiles.find((f) => f.path.endsWith(".mjs"))?.text ?? "";
      expect(text).toContain(table[0]?.path);
      for (const route of table) {
        const summary = docOf(route)?.summary as string;
        expect(text.includes(JSON.stringify(summary).slice(1, -1)), summary).toBe(false);
      }
    },
    60_000,
  );

  // The SDK imports them statically; the harness runs neither (infra/constructs/mcp-sdk-unused-shim.mjs).
  it.each([
    "functions/api/mcp.ts",
    "functions/api/knowledge-tools.ts",
    "functions/workflow/execute-mcp.ts",
    "functions/events/execute-allowed-mcp.ts",
  ])(
    "%s: the MCP SDK without ajv or its Zod 3 path",
    async (entry) => {
      const { inputs } = await bundleContents(entry);
      expect(has(inputs, "node_modules/@modelcontextprotocol/sdk/")).toBe(true);
      expect(has(inputs, "shared/mcp/json-schema.ts")).toBe(true);
      for (const part of [
        "node_modules/ajv",
        "node_modules/fast-uri/",
        "node_modules/zod/v3/",
        "node_modules/zod-to-json-schema/",
      ])
        expect(has(inputs, part), part).toBe(false);
    },
    60_000,
  );

  it("no function carries the in-process database (it backs simulated runs only)", async () => {
    const { inputs } = await bundleContents("functions/ledger/digest.ts");
    expect(has(inputs, "shared/adapters/dynamo/db.ts")).toBe(true);
    expect(has(inputs, "shared/adapters/dynamo-memory/")).toBe(false);
  }, 60_000);

  it.each([
    "functions/ledger/archiver.ts",
    "functions/ledger/digest.ts",
    "functions/ledger/workflow-starter.ts",
    "functions/outcomes/ses-events.ts",
    "functions/workflow/expire.ts",
    "functions/workflow/await-approval.ts",
    "functions/workflow/reconcile.ts",
    // Without the gate's transaction (gate-decision-store.ts), below.
    "functions/workflow/release.ts",
    // The OpenAPI document compressed (openapi-served.ts) and no store wired (aws-storeless.ts).
    "functions/api/health.ts",
    // HubSpot's webhook: it checks the signature and queues (its worker records).
    "functions/webhooks/hubspot.ts",
    // A person's erasure, the API function that may scan and delete anywhere, built with its stores.
    "functions/api/erasure.ts",
    // The console's and agents' decision reads: the KB and the erasures by their reads alone, its own
    // group's routes, and no route docs (route-docs.ts).
    "functions/api/decisions.ts",
    // The executors of a deployment that names neither HubSpot nor MCP servers (service-stack.ts),
    // with their re-check at the send and without the decision listings (recheck-decision-store.ts).
    "functions/workflow/execute.ts",
    "functions/events/execute-allowed.ts",
    // The agents' watchers: the records view (records-view.ts), not the agents' knowledge view, and a
    // decision by its id without the listings.
    "functions/events/agent-watchers.ts",
  ])(
    "%s is within the size bound, with zod/mini and not zod's classic API",
    async (entry) => {
      const { bytes, inputs } = await bundleContents(entry);
      expect(bytes).toBeGreaterThan(0);
      expect(bytes).toBeLessThanOrEqual(MAX_KB * 1024);
      expect(has(inputs, "node_modules/zod/v4/mini/")).toBe(true);
      expect(has(inputs, "node_modules/zod/v4/classic/")).toBe(false);
      // package.json declares our modules free of import side effects but for zod-mini.ts, whose
      // config(en()) gives errors their English messages; without the exception it is dropped.
      expect(has(inputs, "node_modules/zod/v4/locales/en.js")).toBe(true);
    },
    60_000,
  );

  // Above the bound for other reasons (HubSpot's codegen, the DynamoDB adapters, the gate's checks,
  // Powertools), but every schema they build is zod/mini: one classic schema imported again would add
  // ~60 KB of zod. Only the entries that carry the MCP SDK (which imports classic zod) are not here.
  it.each([
    "functions/webhooks/hubspot-events.ts",
    "functions/outcomes/hubspot-poll.ts",
    "functions/api/proposals.ts",
    "functions/api/reviews.ts",
    "functions/api/decisions.ts",
    "functions/api/replay.ts",
    "functions/api/admin.ts",
    "functions/api/specs.ts",
    "functions/agents/handler.ts",
    "functions/agents/crm-import.ts",
    "functions/agents/outreach-writer.ts",
    "functions/agents/list-sync.ts",
    "functions/api/knowledge.ts",
    "functions/workflow/execute.ts",
    "functions/events/execute-allowed.ts",
  ])(
    "%s carries zod/mini and not zod's classic API",
    async (entry) => {
      const { inputs } = await bundleContents(entry);
      expect(has(inputs, "node_modules/zod/v4/mini/")).toBe(true);
      expect(has(inputs, "node_modules/zod/v4/classic/")).toBe(false);
      expect(has(inputs, "node_modules/zod/v4/locales/en.js")).toBe(true);
    },
    60_000,
  );
});
