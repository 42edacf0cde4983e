import { ADMIN_TABLE } from "../../shared/http/groups/admin.ts";
import { withAgentRuns } from "../../shared/runtime/aws-agent-runs.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import { awsCursors } from "../../shared/runtime/aws-cursors.ts";
import { runtimeWith } from "../../shared/runtime/aws-lazy.ts";
import { awsLedgerIntegrity } from "../../shared/runtime/aws-ledger.ts";
import { ADMIN_STORES } from "../../shared/runtime/aws-stores.ts";

/** API Gateway HTTP API (payload v2) for the "admin" routes (shared/http/groups/admin.ts). */
export const handler = apiHandler(
  ADMIN_TABLE,
  // Manual agent runs invoke the agents' functions (AGENT_FUNCTIONS).
  withAgentRuns(
    runtimeWith(ADMIN_STORES, (env) => ({
      cursors: awsCursors(env),
      ledgerIntegrity: awsLedgerIntegrity(env),
    })),
  ),
);
