import { parseWith } from "../domain/validation.ts";
import * as z from "../domain/zod-mini.ts";
import { listSpecVersions, SpecListQuery, trustHistory } from "../usecases/console.ts";
import { PathActionType, PathId } from "../usecases/schemas.ts";
import { LedgerEventOut, TrustView } from "./api-schemas.ts";
import { ok, READERS } from "./route-helpers.ts";
import type { Route, RouteDocs } from "./routes.ts";

export type { ConsoleReader } from "./console-decision-routes.ts";

const d = <T extends z.ZodMiniType>(schema: T, description: string) => schema.check(z.describe(description));
const TrustHistory = z.looseObject({
  agentId: z.string(),
  actionType: z.string(),
  current: z.nullable(TrustView),
  changes: z.array(
    z.looseObject({
      at: LedgerEventOut.shape.at,
      type: LedgerEventOut.shape.type,
      actor: LedgerEventOut.shape.actor,
      from: z.nullable(z.number()),
      to: z.nullable(z.number()),
      reason: z.string(),
      evidence: d(
        z.optional(z.record(z.string(), z.unknown())),
        "score, lowerBound, sample, per stream counts",
      ),
    }),
  ),
  points: z.array(
    z.object({ at: z.string(), score: z.unknown(), level: z.nullable(z.number()), sample: z.unknown() }),
  ),
});
const SpecVersionList = z.object({
  items: z.array(
    z.object({
      version: z.number().check(z.int()),
      hash: z.string(),
      publishedAt: z.string(),
      publishedBy: z.string(),
      current: z.boolean(),
    }),
  ),
  before: d(z.nullable(z.number().check(z.int())), "pass as `before` for the next page; null on the last"),
});

/**
 * The reads the web console needs (issue 10) that the admin group serves; the decisions group's are
 * console-decision-routes.ts (so that the decisions function carries no spec parsing), and a spec's
 * validation, which reads YAML, is the specs group's (groups/specs.ts). The API's index and
 * description are index-routes.ts. Spread into ROUTES after CONSOLE_DECISION_ROUTES, both before
 * `/v1/decisions/{id}`: routes match in order, and `/v1/decisions/scheduled` would be taken for an id.
 */
export const CONSOLE_ADMIN_ROUTES: Route[] = [
  {
    method: "GET",
    path: "/v1/trust/{agentId}/{actionType}/history",
    group: "admin",
    roles: READERS,
    run: async (req, deps) =>
      ok(
        await trustHistory(
          deps,
          parseWith(PathId, req.params.agentId, "agentId"),
          parseWith(PathActionType, req.params.actionType, "actionType"),
        ),
      ),
  },
  {
    method: "GET",
    path: "/v1/specs",
    group: "admin",
    roles: READERS,
    run: async (req, deps) => ok(await listSpecVersions(deps, req.query)),
  },
];

/**
 * What the OpenAPI description says of each route above (route-docs.ts): a function that only the
 * description calls, so no Lambda bundle carries the docs or the schemas they alone name.
 */
export const consoleRouteDocs = (): RouteDocs => ({
  "GET /v1/trust/{agentId}/{actionType}/history": {
    summary: "A trust cell's level changes and score points over time, with their evidence",
    params: { actionType: PathActionType },
    response: TrustHistory,
  },
  "GET /v1/specs": {
    summary: "Published spec versions, newest first",
    query: SpecListQuery,
    response: SpecVersionList,
  },
});
