/**
 * The health group's console routes: the API's index, its OpenAPI description and who a credential
 * is. Apart from console-routes.ts (the decisions' and admin's reads, which parse specs and so carry
 * RE2 and YAML) so that the health function bundles none of those (issue 11, item 8).
 */
import pkg from "../../package.json" with { type: "json" };
// zod/mini: these schemas only describe the answers, and the health function needs no classic zod.
import * as z from "../domain/zod-mini.ts";
// Built from the whole route table by bin/openapi-document.ts, not at request time: building it here
// would import every group's handlers (the gate, re-validation, RE2) into the health function.
// test/unit/openapi-document.test.ts fails when it differs from openApiDocument(ROUTES).
import { servedApiDocument } from "./openapi-served.ts";
import { ok, READERS } from "./route-helpers.ts";
import type { Route, RouteDocs } from "./routes.ts";

const Index = z.object({
  name: z.string(),
  version: z.string(),
  links: z.record(z.string(), z.string()).check(z.describe("openapi, health and (where served) console")),
});
export const Me = z.object({ subject: z.string(), roles: z.array(z.string()) });

/** Spread into ROUTES and into the health group's table, in this order. */
export const INDEX_ROUTES: Route[] = [
  {
    method: "GET",
    path: "/v1",
    group: "health",
    roles: "public",
    run: async (_req, deps) =>
      ok({
        name: "agent-harness",
        version: pkg.version,
        links: {
          openapi: "/v1/openapi.json",
          health: "/v1/health",
          ...(deps.consoleUrl ? { console: deps.consoleUrl } : {}),
        },
      }),
  },
  {
    method: "GET",
    path: "/v1/openapi.json",
    group: "health",
    roles: "public",
    run: async () => ok(servedApiDocument()),
  },
  {
    method: "GET",
    path: "/v1/me",
    group: "health",
    // An agent's MCP server asks who it is too (which tools its credential allows).
    roles: ["agent", ...READERS],
    run: async (req) => ok({ subject: req.principal.subject, roles: req.principal.roles }),
  },
];

/**
 * What the OpenAPI description says of each route above (route-docs.ts): a function that only the
 * description calls, so no Lambda bundle carries the docs or the schemas they alone name.
 */
export const indexRouteDocs = (): RouteDocs => ({
  "GET /v1": { summary: "The API's index: name, version, links", response: Index },
  "GET /v1/openapi.json": {
    summary: "This API's OpenAPI 3.1 description",
    response: z.looseObject({ openapi: z.string() }),
  },
  "GET /v1/me": {
    summary: "Who the credential is: subject and roles (the console shows what they allow)",
    response: Me,
  },
});
