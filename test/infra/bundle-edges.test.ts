/**
 * The pattern engine (domain/regex) and the persona check only in the functions that can evaluate a
 * persona pattern (issue 11, item 8), and re2js (147 KB minified, ~40 ms to evaluate) in none: the
 * engine replaced it, and re2js stays only as the tests' reference. The engine reached the others through
 * incidental edges, cut since: trust asked the agents registry (every workflow, persona checks
 * included) whether an agent id is built in (now agents/builtin.ts); the Expire, Execute and
 * Reconcile steps imported the re-validation with the lifecycle (now usecases/execution.ts). Checked
 * on esbuild's account of each bundle, built as the CDK app builds it.
 */
import { describe, expect, it } from "vitest";
import { bundleContents, has } from "../../bench/bundles.ts";
import { OWN_AGENT_ENTRIES } from "../../infra/constructs/agent-functions.ts";
import { MODEL_AGENT_IDS } from "../../shared/agents/builtin.ts";
import { agentRegistry, findAgent } from "../../shared/agents/registry.ts";

/** Functions that never evaluate a persona pattern: they record outcomes, expire, execute, reconcile. */
const FREED = [
  "functions/outcomes/ses-events.ts",
  "functions/webhooks/hubspot.ts",
  "functions/webhooks/hubspot-events.ts",
  "functions/outcomes/hubspot-poll.ts",
  "functions/workflow/expire.ts",
  "functions/workflow/reconcile.ts",
  "functions/workflow/await-approval.ts",
  "functions/workflow/execute.ts",
  "functions/events/execute-allowed.ts",
];

describe("the pattern engine only where persona patterns are evaluated", () => {
  it.each(FREED)(
    "%s carries no pattern engine, no persona check, no re-validation and no agent workflow",
    async (entry) => {
      const { inputs } = await bundleContents(entry);
      expect(inputs.length).toBeGreaterThan(0);
      for (const part of [
        "node_modules/re2js/",
        "shared/domain/regex/",
        "shared/domain/patterns.ts",
        "shared/domain/checks/persona.ts",
        "shared/domain/revalidate.ts",
        "shared/agents/workflows/",
      ])
        expect(has(inputs, part), part).toBe(false);
    },
    60_000,
  );

  it.each([
    // The gate matches a proposal's person against the spec's persona rules.
    ["functions/api/proposals.ts", "shared/usecases/gate.ts"],
    // Release re-validates a scheduled decision, persona check included, before dispatching it.
    ["functions/workflow/release.ts", "shared/domain/revalidate.ts"],
  ])(
    "%s carries the pattern engine, with %s, and not re2js",
    async (entry, evaluator) => {
      const { inputs } = await bundleContents(entry);
      expect(has(inputs, "shared/domain/regex/")).toBe(true);
      expect(has(inputs, "node_modules/re2js/")).toBe(false);
      expect(has(inputs, evaluator)).toBe(true);
    },
    60_000,
  );
});

/**
 * The API's description is built from every route (bin/openapi-document.ts writes it; index-routes.ts
 * serves the file), so no group's function imports the whole route table to answer
 * GET /v1/openapi.json: before, health, admin and decisions carried the gate, the lifecycle and the
 * reviews' and proposals' handlers that way, and health RE2 and YAML through the admin's spec reads.
 */
describe("each API function carries its own group's routes, not the route table", () => {
  const TABLE = [
    "shared/http/routes.ts",
    "shared/http/openapi.ts",
    "shared/usecases/gate.ts",
    "shared/usecases/lifecycle.ts",
    "shared/http/groups/reviews.ts",
    "shared/http/groups/proposals.ts",
  ];

  it("functions/api/health.ts: neither the table nor RE2, YAML, spec parsing or other groups' routes", async () => {
    const { inputs } = await bundleContents("functions/api/health.ts");
    // The document compressed, not as JSON (150 KB); and no store, since its routes read none.
    expect(has(inputs, "shared/http/openapi-brotli.ts")).toBe(true);
    for (const part of [
      ...TABLE,
      "shared/http/openapi.json",
      "shared/adapters/dynamo/",
      "node_modules/re2js/",
      "node_modules/yaml/",
      "shared/domain/spec-schema.ts",
      "shared/http/console-routes.ts",
      "shared/http/groups/admin.ts",
      "shared/http/groups/decisions.ts",
    ])
      expect(has(inputs, part), part).toBe(false);
  }, 60_000);

  it.each([
    ["functions/api/admin.ts", "shared/http/groups/admin.ts"],
    ["functions/api/decisions.ts", "shared/http/groups/decisions.ts"],
  ])(
    "%s: its own group's routes, neither the table nor the served description",
    async (entry, own) => {
      const { inputs } = await bundleContents(entry);
      expect(has(inputs, own)).toBe(true);
      for (const part of [
        ...TABLE,
        "shared/http/openapi.json",
        "shared/http/openapi-brotli.ts",
        "shared/http/index-routes.ts",
      ])
        expect(has(inputs, part), part).toBe(false);
    },
    60_000,
  );
});

/**
 * The crm-import function runs that agent alone (shared/runtime/agents-aws-core.ts): the registry
 * put every agent's workflow in its bundle, and an in-process gate fallback (since removed from every
 * agent function) the gate's checks, though the agent declares no action and never proposes. The pattern engine stays, through the knowledge view every
 * agent's context holds (kb/view.ts matches persona patterns); the agent reads only its spec().
 */
it("functions/agents/crm-import.ts carries no other agent's workflow and no gate", async () => {
  const { inputs } = await bundleContents("functions/agents/crm-import.ts");
  expect(has(inputs, "shared/agents/workflows/crm-import.ts")).toBe(true);
  expect(inputs.filter((i) => i.includes("shared/agents/workflows/"))).toEqual([
    "shared/agents/workflows/crm-import.ts",
  ]);
  for (const part of [
    "shared/agents/registry.ts",
    "shared/usecases/gate.ts",
    "shared/domain/evaluate.ts",
    "shared/runtime/agents-aws.ts",
  ])
    expect(has(inputs, part), part).toBe(false);
}, 60_000);

/**
 * No agent function carries the gate: agents propose through the API (ApiGate, signed with the
 * function's role), and their roles may not write the ledger a decision is committed to. Every agent
 * function carried the whole gate for a fallback without HARNESS_API_URL, which the CDK app always sets.
 */
it("functions/agents/handler.ts runs every agent's workflow, and proposes through the API without a gate", async () => {
  const { inputs } = await bundleContents("functions/agents/handler.ts");
  for (const part of [
    "shared/agents/registry.ts",
    "shared/agents/workflows/outreach-writer.ts",
    "shared/runtime/agents-aws-core.ts",
  ])
    expect(has(inputs, part), part).toBe(true);
  for (const part of [
    "shared/usecases/gate.ts",
    "shared/domain/evaluate.ts",
    "shared/domain/checks/rules.ts",
    "shared/domain/checks/volume.ts",
    "shared/adapters/dynamo/gate-decision-store.ts",
    "shared/adapters/aws/event-bridge-publisher.ts",
  ])
    expect(has(inputs, part), part).toBe(false);
}, 60_000);

/**
 * The executors and the knowledge API carry the MCP client (its SDK) only in their -mcp and
 * -tools entries, which the CDK app deploys when the connectors config names downstream MCP servers
 * (infra/service-stack.ts executorEntry, apiEntry; shared/runtime/deployed-connectors.ts).
 */
describe("the MCP client only in the functions built for MCP servers", () => {
  it.each([
    ["functions/workflow/execute.ts", false],
    ["functions/events/execute-allowed.ts", false],
    ["functions/workflow/execute-mcp.ts", true],
    ["functions/events/execute-allowed-mcp.ts", true],
    // GET /v1/tools lists downstream tools only in the knowledge entry deployed with servers.
    ["functions/api/knowledge.ts", false],
    ["functions/api/knowledge-tools.ts", true],
  ])(
    "%s: MCP client %s",
    async (entry, mcp) => {
      const { inputs } = await bundleContents(entry);
      for (const part of [
        "node_modules/@modelcontextprotocol/sdk/",
        "shared/mcp/json-schema.ts",
        "shared/runtime/deployed-mcp.ts",
      ])
        expect(has(inputs, part), part).toBe(mcp);
    },
    60_000,
  );
});

/**
 * Each built-in agent's function runs on its own entry (OWN_AGENT_ENTRIES, functions/agents/<id>.ts):
 * its workflow alone, not the registry's every workflow (26–33 KB less), and no gate.
 */
it.each(Object.entries(OWN_AGENT_ENTRIES))(
  "the %s agent's function carries its own workflow and no other",
  async (id, entry) => {
    const { inputs } = await bundleContents(entry);
    const workflows = inputs.filter(
      (i) => i.startsWith("shared/agents/workflows/") && !i.endsWith("common.ts"),
    );
    const own = findAgent(id);
    expect(own).toBeDefined();
    expect(workflows).toContain(`shared/agents/workflows/${id}.ts`);
    // Only modules of its own workflow (an agent's helpers live beside it, e.g. audiences.ts).
    for (const other of agentRegistry.filter((a) => a.id !== id))
      expect(workflows, other.id).not.toContain(`shared/agents/workflows/${other.id}.ts`);
    for (const part of ["shared/agents/registry.ts", "shared/usecases/gate.ts"])
      expect(has(inputs, part), part).toBe(false);
    // The model (its adapters and prompts) only where the agent calls one (MODEL_AGENT_IDS).
    for (const part of [
      "shared/runtime/model-aws.ts",
      "shared/adapters/model/",
      "shared/agents/model-prompts.ts",
    ])
      expect(has(inputs, part), `${id}: ${part}`).toBe(MODEL_AGENT_IDS.includes(id));
  },
  60_000,
);
