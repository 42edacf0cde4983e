/** The health group: liveness, the API's index and description, who a credential is. */
import { iso } from "../../domain/time.ts";
import { Health } from "../api-schemas.ts";
import { INDEX_ROUTES } from "../index-routes.ts";
import { ok } from "../route-helpers.ts";
import type { Route, RouteDocs } from "../routes.ts";

export const HEALTH_ROUTES: Route[] = [
  {
    method: "GET",
    path: "/v1/health",
    group: "health",
    roles: "public",
    run: async (_req, deps) => ok({ status: "ok", time: iso(deps.clock.now()) }),
  },
];

/** The health group's function serves these, in the order of ROUTES (first match wins). */
// INDEX_ROUTES, not console-routes.ts: that module's other routes parse specs (RE2, YAML).
export const HEALTH_TABLE: Route[] = [...HEALTH_ROUTES, ...INDEX_ROUTES];

/**
 * What the OpenAPI description says of each route above (route-docs.ts): a function that only the
 * description calls, so no Lambda bundle carries the docs or the schemas they alone name.
 */
export const healthGroupDocs = (): RouteDocs => ({
  "GET /v1/health": { summary: "Liveness: the server answers", response: Health },
});
