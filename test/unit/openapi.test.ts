import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { openApiDocument, operationId } from "../../shared/http/openapi.ts";
import { docOf, routeDocSets } from "../../shared/http/route-docs.ts";
import { ROUTES, type Route } from "../../shared/http/routes.ts";

const doc = openApiDocument(ROUTES) as any;
const opOf = (r: Route) => doc.paths[r.path]?.[r.method.toLowerCase()];
const pathParams = (path: string) => [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1, and every $ref resolves", async () => {
    const validator = new Validator();
    const res = await validator.validate(structuredClone(doc));
    expect(res.errors ?? [], JSON.stringify(res.errors, null, 1)?.slice(0, 2000)).toEqual([]);
    expect(res.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    // Dereferencing throws on a $ref that points nowhere.
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it("documents every route of the table: a route added without a doc fails here", () => {
    expect(ROUTES.filter((r) => !docOf(r)).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    const bare: Route = {
      method: "GET",
      path: "/v1/bare",
      group: "health",
      roles: "public",
      run: async () => ({ status: 200, body: {} }),
    };
    expect(() => openApiDocument([...ROUTES, bare])).toThrow(/GET \/v1\/bare has no doc/);
    // The served document (not strict) still lists it, so /v1/openapi.json never fails over one route.
    expect(
      (openApiDocument([...ROUTES, bare], { strict: false }) as any).paths["/v1/bare"].get,
    ).toBeDefined();
  });

  // Docs are keyed by method and path apart from the routes (route-docs.ts): a doc whose route was
  // renamed, or one route documented in two modules (one doc silently lost), fails here.
  it("has a route for every doc, and one doc for every route", () => {
    const keys = routeDocSets().flatMap((set) => Object.keys(set));
    const routes = new Set(ROUTES.map((r) => `${r.method} ${r.path}`));
    expect(keys.filter((k) => !routes.has(k))).toEqual([]);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
    expect(keys).toHaveLength(routes.size);
  });

  it("has one operation per route, each with its method, roles, parameters, bodies and error shapes", () => {
    const ops = Object.values(doc.paths).flatMap((byMethod: any) => Object.values(byMethod));
    expect(ops).toHaveLength(ROUTES.length);
    expect(new Set(ROUTES.map(operationId)).size).toBe(ROUTES.length);
    for (const r of ROUTES) {
      const where = `${r.method} ${r.path}`;
      const op = opOf(r);
      const rd = docOf(r);
      expect(op, where).toBeDefined();
      expect(op["x-roles"], where).toEqual(r.roles);
      expect(op.security, where).toEqual(r.roles === "public" ? [] : [{ bearer: [] }]);
      expect(op.summary, where).toBe(rd?.summary);
      const params = (op.parameters ?? []) as any[];
      for (const name of pathParams(r.path))
        expect(params.find((p) => p.in === "path" && p.name === name)?.required, `${where} {${name}}`).toBe(
          true,
        );
      if (rd?.query) {
        const shape = (rd.query as z.ZodObject).shape as Record<string, unknown>;
        expect(
          params.filter((p) => p.in === "query").map((p) => p.name),
          where,
        ).toEqual(Object.keys(shape));
      }
      if (rd?.body) {
        const types = Object.keys(op.requestBody.content);
        expect(types, where).toEqual((r.accepts ?? ["json"]).map((t) => `application/${t}`));
        expect(op.requestBody.required, where).toBe(!rd.bodyOptional);
      } else expect(op.requestBody, where).toBeUndefined();
      const statuses = Object.keys(op.responses).map(Number);
      for (const s of [rd?.status ?? 200].flat()) {
        expect(op.responses[s]?.content?.["application/json"]?.schema, `${where} ${s}`).toBeDefined();
      }
      const errors = [
        400,
        404,
        ...(r.roles === "public" ? [] : [401, 403, 429]),
        ...(rd?.body ? [413, 415] : []),
      ];
      for (const s of errors)
        expect(op.responses[s]?.$ref, `${where} ${s}`).toMatch(/^#\/components\/responses\//);
      if (r.roles === "public") expect(statuses, where).not.toContain(401);
    }
  });

  it("shares one error shape: 400 names the field at its path", () => {
    const error = doc.components.schemas.Error;
    expect(error.required).toEqual(expect.arrayContaining(["error", "message"]));
    expect(error.properties.issues.items.properties).toHaveProperty("path");
    for (const name of ["BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict", "RateLimited"])
      expect(doc.components.responses[name].content["application/json"].schema.$ref).toBe(
        "#/components/schemas/Error",
      );
  });

  it("takes its schemas from the zod schemas the routes parse with", () => {
    const list = opOf(ROUTES.find((r) => r.method === "GET" && r.path === "/v1/decisions") as Route);
    const limit = list.parameters.find((p: any) => p.name === "limit");
    expect(limit.schema).toMatchObject({ type: "integer", minimum: 1, maximum: 100, default: 25 });
    expect(limit.required).toBe(false);
    const status = list.parameters.find((p: any) => p.name === "status");
    expect(status.schema.enum).toContain("pending_approval");
    const approve = opOf(ROUTES.find((r) => r.path === "/v1/decisions/{id}/approve") as Route);
    const body = approve.requestBody.content["application/json"].schema;
    expect(body.required).toEqual(["digest"]);
    expect(body.additionalProperties).toBe(false);
    // The decision is one named schema, referenced.
    const one = opOf(
      ROUTES.find((r) => r.method === "POST" && r.path === "/v1/decisions/{id}/veto") as Route,
    );
    expect(one.responses[200].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/Decision",
    });
    expect(doc.components.schemas.Decision.properties.executeAt).toBeDefined();
    // A spec is published as YAML or JSON, and the body's schema is the spec schema's.
    const publish = opOf(ROUTES.find((r) => r.method === "POST" && r.path === "/v1/specs") as Route);
    expect(Object.keys(publish.requestBody.content)).toEqual(["application/json", "application/yaml"]);
    expect(publish.requestBody.content["application/yaml"].schema.properties).toHaveProperty("autonomy");
  });

  it("holds no secret: no credential, key or local path in the document", () => {
    const text = JSON.stringify(doc);
    expect(text).not.toMatch(/\/work\/|\/home\/|\.harness\/|sha256:[0-9a-f]{16}|AKIA[0-9A-Z]{12}/);
  });
});

it("zod emits JSON Schema 2020-12 for the route schemas (no draft-07 leftovers)", () => {
  expect(z.toJSONSchema(z.object({ a: z.string() }), { target: "draft-2020-12" }).$schema).toMatch(/2020-12/);
});
