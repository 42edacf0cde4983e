/**
 * The MCP function's route table (shared/mcp/routes.ts): the routes its tools and resources call, as
 * the API's groups serve them. Its copy of GET /v1/specs/current must stay the admin group's route
 * in all that matters for authorization and the answer: method, path, roles and response schema.
 */
import { describe, expect, it } from "vitest";
import { OPERATIONS } from "../../shared/client/operations.ts";
import { SpecVersionOut } from "../../shared/http/api-schemas.ts";
import { SPEC_ROUTES } from "../../shared/http/groups/admin.ts";
import { docOf } from "../../shared/http/route-docs.ts";
import { ROUTES } from "../../shared/http/routes.ts";
import { MAX_WAIT_IN_AWS_SECONDS, withinGatewayLimit } from "../../shared/mcp/lambda-endpoint.ts";
import { MCP_API_ROUTES, SPEC_CURRENT_ROUTE } from "../../shared/mcp/routes.ts";

describe("MCP function routes", () => {
  it("its GET /v1/specs/current is the admin group's, roles and answer alike", () => {
    const admin = SPEC_ROUTES.find((r) => r.method === "GET" && r.path === "/v1/specs/current");
    expect(admin).toBeDefined();
    expect(SPEC_CURRENT_ROUTE.roles).toEqual(admin?.roles);
    // Described once, as the admin's route (route-docs.ts keys docs by method and path).
    expect(docOf(SPEC_CURRENT_ROUTE)?.response).toBe(SpecVersionOut);
  });

  it("every other route is the API's own route object, and every operation the tools call is served", () => {
    for (const r of MCP_API_ROUTES.filter((x) => x !== SPEC_CURRENT_ROUTE)) expect(ROUTES).toContain(r);
    const served = new Set(MCP_API_ROUTES.map((r) => `${r.method} ${r.path}`));
    // What shared/mcp/tools.ts and resources.ts call for an agent's credential (IAM callers are agents).
    for (const op of [
      "propose",
      "agentDecision",
      "agentTrust",
      "context",
      "searchMemory",
      "currentSpec",
    ] as const)
      expect(served, op).toContain(`${OPERATIONS[op].method} ${OPERATIONS[op].path}`);
  });
});

describe("wait_for_decision in AWS", () => {
  const call = (args: Record<string, unknown>) => ({
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name: "wait_for_decision", arguments: { decisionId: "d1", ...args } },
  });
  const seconds = (m: unknown) =>
    (m as { params: { arguments: { timeoutSeconds?: unknown } } }).params.arguments.timeoutSeconds;

  it("waits at most 25 s (API Gateway ends an integration at 30 s); shorter waits and other calls untouched", () => {
    expect(seconds(withinGatewayLimit(call({ timeoutSeconds: 60 })))).toBe(MAX_WAIT_IN_AWS_SECONDS);
    expect(seconds(withinGatewayLimit(call({})))).toBe(MAX_WAIT_IN_AWS_SECONDS);
    expect(seconds(withinGatewayLimit(call({ timeoutSeconds: 5 })))).toBe(5);
    // Left for the tool's schema to refuse, naming the field.
    expect(seconds(withinGatewayLimit(call({ timeoutSeconds: "soon" })))).toBe("soon");
    const list = { jsonrpc: "2.0", id: 2, method: "tools/list" };
    expect(withinGatewayLimit(list)).toBe(list);
  });

  it("holds a call within the function's time left", () => {
    // (A batch, whose calls skipped the cap, is refused before: shared/mcp/message.ts.)
    // 12.5 s left in the function (its time went on before the wait): 9 s, and 3 s to answer.
    expect(seconds(withinGatewayLimit(call({}), 12_500))).toBe(9);
    expect(seconds(withinGatewayLimit(call({ timeoutSeconds: 5 }), 12_500))).toBe(5);
    expect(seconds(withinGatewayLimit(call({}), 2_000))).toBe(1);
    // Arguments that are null are the schema's to refuse as invalid params, not a parse error.
    const nulled = { ...call({}), params: { name: "wait_for_decision", arguments: null } };
    expect(withinGatewayLimit(nulled)).toBe(nulled);
  });
});
