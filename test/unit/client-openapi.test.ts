/**
 * The typed client (shared/client) against the OpenAPI document the server publishes: every client
 * operation is an operation of the document, with the same path parameters, query parameters and
 * body, and its request and answer schemas are the ones the route documents. A route whose schema
 * changes without the client (or the reverse) fails here.
 */
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { buildPath, createClient } from "../../shared/client/client.ts";
import { OPERATIONS, type Operation } from "../../shared/client/operations.ts";
import { ApiError, type Transport } from "../../shared/client/transport.ts";
import { openApiDocument } from "../../shared/http/openapi.ts";
import { docOf } from "../../shared/http/route-docs.ts";
import { ROUTES } from "../../shared/http/routes.ts";

const doc = openApiDocument(ROUTES) as any;
const jsonSchema = (s: z.core.$ZodType, io: "input" | "output") =>
  z.toJSONSchema(s, { target: "draft-2020-12", io, unrepresentable: "any" });
const entries = Object.entries(OPERATIONS) as [string, Operation][];

describe("the typed client's operations", () => {
  it.each(entries)("%s is an operation of /v1/openapi.json with the route's own schemas", (_name, op) => {
    const documented = doc.paths[op.path]?.[op.method.toLowerCase()];
    expect(documented, `${op.method} ${op.path}`).toBeDefined();
    const route = ROUTES.find((r) => r.method === op.method && r.path === op.path);
    const routeDoc = route && docOf(route);
    expect(routeDoc).toBeDefined();
    const params = (documented.parameters ?? []) as { in: string; name: string }[];
    expect(params.filter((p) => p.in === "path").map((p) => p.name)).toEqual(
      [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]),
    );
    expect(params.filter((p) => p.in === "query").map((p) => p.name)).toEqual(
      op.query ? Object.keys((op.query as z.ZodObject).shape) : [],
    );
    expect(Boolean(documented.requestBody)).toBe(Boolean(op.body));
    if (op.query && routeDoc?.query)
      expect(jsonSchema(op.query, "input")).toEqual(jsonSchema(routeDoc.query, "input"));
    if (op.body && routeDoc?.body)
      expect(jsonSchema(op.body, "input")).toEqual(jsonSchema(routeDoc.body, "input"));
    if (routeDoc) expect(jsonSchema(op.response, "output")).toEqual(jsonSchema(routeDoc.response, "output"));
  });

  it("a drifted schema is caught: a body the route does not take differs from the route's", () => {
    const route = ROUTES.find((r) => r.path === "/v1/proposals");
    const body = route && docOf(route)?.body;
    const drifted = z.object({ proposalId: z.string() });
    expect(body).toBeDefined();
    expect(jsonSchema(drifted, "input")).not.toEqual(jsonSchema(body as z.ZodType, "input"));
  });
});

describe("the typed client's requests", () => {
  const calls: [string, string, unknown][] = [];
  const answer = { status: 200, data: { ok: true } };
  const transport: Transport = async (method, path, body) => {
    calls.push([method, path, body]);
    return answer;
  };
  const client = createClient(transport);

  it("fills path parameters percent-encoded and sends only defined query values", async () => {
    await client.agentDecision({ agentId: "outreach-writer", id: "d/1" });
    await client.listDecisions({ query: { accountId: "acme", status: undefined, limit: 5 } });
    await client.propose({
      body: {
        proposalId: "p1",
        agentId: "a",
        action: { type: "email.send" },
        target: { accountId: "acme" },
        reasoning: "r",
        confidence: 0.5,
      },
    });
    expect(calls).toEqual([
      ["GET", "/v1/agents/outreach-writer/decisions/d%2F1", undefined],
      ["GET", "/v1/decisions?accountId=acme&limit=5", undefined],
      ["POST", "/v1/proposals", expect.objectContaining({ proposalId: "p1" })],
    ]);
    expect(() => buildPath("/v1/decisions/{id}", {})).toThrow(/id is required/);
  });

  it("throws the API's refusal as ApiError naming each field", async () => {
    const refusing = createClient(async () => ({
      status: 400,
      data: {
        error: "invalid_request",
        message: "invalid input",
        issues: [{ path: "target.accountId", message: "Required" }],
      },
    }));
    const err = await refusing.getDecision({ id: "x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, code: "invalid_request" });
    expect((err as ApiError).message).toBe("400: invalid input\n  target.accountId: Required");
  });
});
