import { NotFoundError } from "../domain/errors.ts";
import { OutcomesQuery, outcomesReport } from "../usecases/reports.ts";
import { OutcomesReportOut } from "./api-schemas.ts";
import type { Route, RouteDocs } from "./routes.ts";

/** Reports (viewer and up): outcomes per spec version or experiment arm. */
export const REPORT_ROUTES: Route[] = [
  {
    method: "GET",
    path: "/v1/reports/outcomes",
    // Served with the other decision reads: ledger indexes, no data key opened.
    group: "decisions",
    roles: ["viewer", "approver", "admin"],
    run: async (req, deps) => {
      if (!deps.reports) throw new NotFoundError("reports are not configured in this deployment");
      return {
        status: 200,
        body: await outcomesReport(
          { clock: deps.clock, specs: deps.specs, reports: deps.reports },
          req.query,
        ),
      };
    },
  },
];

/**
 * What the OpenAPI description says of each route above (route-docs.ts): a function that only the
 * description calls, so no Lambda bundle carries the docs or the schemas they alone name.
 */
export const reportRouteDocs = (): RouteDocs => ({
  "GET /v1/reports/outcomes": {
    summary: "Outcomes per spec version or experiment arm",
    query: OutcomesQuery,
    response: OutcomesReportOut,
  },
});
