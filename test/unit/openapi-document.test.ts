/**
 * GET /v1/openapi.json serves shared/http/openapi.json, written by bin/openapi-document.ts, so the
 * health function need not import every group's handlers to describe them. The file must be the
 * document the route table describes today: a route or schema changed without rewriting it fails here.
 */
import { describe, expect, it } from "vitest";
import { HEALTH_TABLE } from "../../shared/http/groups/health.ts";
import API_DOCUMENT from "../../shared/http/openapi.json" with { type: "json" };
import { openApiDocument } from "../../shared/http/openapi.ts";
import { matchRoute } from "../../shared/http/route-match.ts";
import { type ApiRequest, type AppDeps, ROUTES } from "../../shared/http/routes.ts";

// As served: JSON, so no undefined members.
const live = () => JSON.parse(JSON.stringify(openApiDocument(ROUTES)));

describe("the served OpenAPI document", () => {
  it("is the route table's document: `npx tsx bin/openapi-document.ts` rewrites it", () => {
    expect(API_DOCUMENT).toStrictEqual(live());
  });

  it("is what the health function answers on GET /v1/openapi.json", async () => {
    const match = matchRoute("GET", "/v1/openapi.json", HEALTH_TABLE);
    if (!match || !("route" in match)) throw new Error("the health table does not serve /v1/openapi.json");
    // The route reads neither the request nor the dependencies.
    const res = await match.route.run({} as ApiRequest, {} as AppDeps);
    expect(res?.status).toBe(200);
    expect(JSON.parse(JSON.stringify(res?.body))).toStrictEqual(live());
  });
});
