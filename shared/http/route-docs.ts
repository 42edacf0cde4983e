/**
 * Every route's OpenAPI doc, gathered from the route modules (each exports a function of its routes'
 * docs beside them): openapi.ts describes each route with `docOf`. Only the description imports this
 * module (bin/openapi-document.ts, which writes the served description, the CDK app and the tests);
 * no Lambda function does, since the description is served prebuilt (openapi-served.ts), so no
 * bundle carries the docs or the schemas they alone name: 6-12 KB of each API function.
 */
import { agentRouteDocs } from "./agent-routes.ts";
import { agentRunRouteDocs } from "./agent-run-routes.ts";
import { consoleDecisionRouteDocs } from "./console-decision-routes.ts";
import { consoleRouteDocs } from "./console-routes.ts";
import { eraseRouteDocs } from "./erase-routes.ts";
import { adminGroupDocs } from "./groups/admin.ts";
import { decisionsGroupDocs } from "./groups/decisions.ts";
import { healthGroupDocs } from "./groups/health.ts";
import { knowledgeGroupDocs } from "./groups/knowledge.ts";
import { proposalsGroupDocs } from "./groups/proposals.ts";
import { reviewsGroupDocs } from "./groups/reviews.ts";
import { specsGroupDocs } from "./groups/specs.ts";
import { indexRouteDocs } from "./index-routes.ts";
import { kbReadRouteDocs } from "./kb-read-routes.ts";
import { ledgerRouteDocs } from "./ledger-routes.ts";
import { memoryRouteDocs } from "./memory-routes.ts";
import type { RouteDoc } from "./openapi.ts";
import { replayRouteDocs } from "./replay-routes.ts";
import { reportRouteDocs } from "./report-routes.ts";
import type { Route, RouteDocs } from "./routes.ts";
import { specRouteDocs } from "./spec-routes.ts";
import { toolRouteDocs } from "./tool-routes.ts";

/** Each module's docs; a key in two of them would be a doc lost (test/unit/openapi.test.ts lists none). */
export const routeDocSets = (): RouteDocs[] => [
  agentRouteDocs(),
  agentRunRouteDocs(),
  consoleDecisionRouteDocs(),
  consoleRouteDocs(),
  eraseRouteDocs(),
  adminGroupDocs(),
  decisionsGroupDocs(),
  healthGroupDocs(),
  knowledgeGroupDocs(),
  proposalsGroupDocs(),
  reviewsGroupDocs(),
  specsGroupDocs(),
  indexRouteDocs(),
  kbReadRouteDocs(),
  ledgerRouteDocs(),
  memoryRouteDocs(),
  replayRouteDocs(),
  reportRouteDocs(),
  specRouteDocs(),
  toolRouteDocs(),
];

let docs: Map<string, RouteDoc> | undefined;

/** A route's doc, by its method and path (undefined: not described). */
export function docOf(route: Pick<Route, "method" | "path">): RouteDoc | undefined {
  docs ??= new Map(routeDocSets().flatMap((set) => Object.entries(set)));
  return docs.get(`${route.method} ${route.path}`);
}
