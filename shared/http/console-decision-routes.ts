/**
 * The web console's reads of the decisions group (issue 10): level-2 actions in their override window
 * and the daily report. Apart from console-routes.ts, whose admin routes parse specs (RE2, YAML), so
 * the decisions function's bundle carries neither.
 */
import { NotFoundError } from "../domain/errors.ts";
import { ScheduledQuery, type ScheduledReader, scheduledDecisions } from "../usecases/console.ts";
import { DailyQuery, DailyReport, type DailyRowReader, dailyReport } from "../usecases/daily-report.ts";
import { PublicDecision, page } from "./api-schemas.ts";
import { ok, READERS } from "./route-helpers.ts";
import type { AppDeps, Route, RouteDocs } from "./routes.ts";

/** What the console's index reads need from the store (adapters/dynamo/console-reader.ts). */
export type ConsoleReader = ScheduledReader & DailyRowReader;

function reader(deps: AppDeps): ConsoleReader {
  if (!deps.consoleReads) throw new NotFoundError("console reads are not configured in this deployment");
  return deps.consoleReads;
}

/** Before `/v1/decisions/{id}` in ROUTES: `/v1/decisions/scheduled` would otherwise be taken for an id. */
export const CONSOLE_DECISION_ROUTES: Route[] = [
  {
    method: "GET",
    path: "/v1/decisions/scheduled",
    group: "decisions",
    roles: READERS,
    run: async (req, deps) =>
      ok(await scheduledDecisions({ decisions: deps.decisions, reader: reader(deps) }, req.query)),
  },
  {
    method: "GET",
    path: "/v1/reports/daily",
    group: "decisions",
    roles: READERS,
    run: async (req, deps) => ok(await dailyReport({ clock: deps.clock, reader: reader(deps) }, req.query)),
  },
];

/**
 * What the OpenAPI description says of each route above (route-docs.ts): a function that only the
 * description calls, so no Lambda bundle carries the docs or the schemas they alone name.
 */
export const consoleDecisionRouteDocs = (): RouteDocs => ({
  "GET /v1/decisions/scheduled": {
    summary: "Level-2 actions inside their override window, soonest to run first (veto before executeAt)",
    query: ScheduledQuery,
    response: page(PublicDecision),
  },
  "GET /v1/reports/daily": {
    summary: "Per UTC day: proposals by verdict, collisions prevented, touches sent, replies, meetings",
    description: "Counted on the day each decision was made (at most 92 days).",
    query: DailyQuery,
    response: DailyReport,
  },
});
