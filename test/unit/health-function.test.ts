/**
 * The health function (functions/api/health.ts) as deployed: its exported handler, with a real API
 * Gateway payload, built with no store (shared/runtime/aws-storeless.ts) and serving the OpenAPI
 * document from its compressed copy (shared/http/openapi-served.ts). Needs nothing outside the process.
 */
import { describe, expect, it } from "vitest";
import { handler } from "../../functions/api/health.ts";
import { openApiDocument } from "../../shared/http/openapi.ts";
import { ROUTES } from "../../shared/http/routes.ts";
import { ConfigError } from "../../shared/runtime/aws-env.ts";
import { storelessDeps } from "../../shared/runtime/aws-storeless.ts";
import { fixture, lambdaContext } from "../handlers/lambda.ts";

const get = (path: string) => {
  const e = fixture("api-v2-health.json");
  e.rawPath = path;
  e.routeKey = `GET ${path}`;
  e.requestContext.http.path = path;
  e.requestContext.routeKey = `GET ${path}`;
  return handler(e, lambdaContext("health"));
};

describe("the health function", () => {
  it("answers GET /v1/openapi.json with the route table's document, byte for byte, as JSON", async () => {
    const res = await get("/v1/openapi.json");
    expect(res.statusCode).toBe(200);
    // What the route answered when it served the JSON file (and what openApiDocument builds now).
    // Compared as a boolean so a failure does not print the 160 KB text twice.
    const expected = JSON.stringify(openApiDocument(ROUTES));
    expect(res.body.length).toBe(expected.length);
    expect(res.body === expected, "the same bytes").toBe(true);
    expect(res.headers).toEqual({
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
    });
    // Inflated once per container: the second answer is the same.
    expect((await get("/v1/openapi.json")).body === res.body).toBe(true);
  });

  it("answers liveness and the index without any store; the index has no console link in AWS", async () => {
    const before = Date.now();
    const health = await get("/v1/health");
    expect(health.statusCode).toBe(200);
    const { status, time } = JSON.parse(health.body);
    expect(status).toBe("ok");
    expect(Date.parse(time)).toBeGreaterThanOrEqual(before - 1000);
    const index = JSON.parse((await get("/v1")).body);
    expect(index.links).toEqual({ openapi: "/v1/openapi.json", health: "/v1/health" });
  });

  it("a route reading a store it was not given fails naming the store, not on undefined", () => {
    const deps = storelessDeps("health", { clock: { now: () => 0 } }, ["consoleUrl"]);
    expect(deps.clock.now()).toBe(0);
    expect(deps.consoleUrl).toBeUndefined();
    expect(() => deps.decisions).toThrow(ConfigError);
    expect(() => deps.kb).toThrow(/the health function has no kb/);
  });
});
