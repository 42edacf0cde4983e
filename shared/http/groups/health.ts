/** The health group: liveness, the API's index and description, who a credential is. */
import { iso } from "../../domain/time.ts";
import { Health } from "../api-schemas.ts";
import { CONSOLE_ROUTES } from "../console-routes.ts";
import { inGroup, ok } from "../route-helpers.ts";
import type { Route } from "../routes.ts";

export const HEALTH_ROUTES: Route[] = [
  {
    method: "GET",
    path: "/v1/health",
    group: "health",
    roles: "public",
    doc: { summary: "Liveness: the server answers", response: Health },
    run: async (_req, deps) => ok({ status: "ok", time: iso(deps.clock.now()) }),
  },
];

/** The health group's function serves these, in the order of ROUTES (first match wins). */
export const HEALTH_TABLE: Route[] = [...HEALTH_ROUTES, ...inGroup("health", CONSOLE_ROUTES)];
