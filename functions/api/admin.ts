import { withAgentRuns } from "../../shared/runtime/aws-agent-runs.ts";
import { apiHandler, lazyRuntime } from "../../shared/runtime/aws-api.ts";
import { awsCursors } from "../../shared/runtime/aws-cursors.ts";
import { awsLedgerIntegrity } from "../../shared/runtime/aws-ledger.ts";

/** API Gateway HTTP API (payload v2) for the "admin" routes of shared/http/routes.ts. */
export const handler = apiHandler(
  "admin",
  // Manual agent runs invoke the agents' functions (AGENT_FUNCTIONS).
  withAgentRuns(
    lazyRuntime((env) => ({ cursors: awsCursors(env), ledgerIntegrity: awsLedgerIntegrity(env) })),
  ),
);
