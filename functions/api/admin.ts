import { apiHandler, lazyRuntime } from "../../shared/runtime/aws-api.ts";
import { awsCursors } from "../../shared/runtime/aws-cursors.ts";
import { awsLedgerIntegrity } from "../../shared/runtime/aws-ledger.ts";

/** API Gateway HTTP API (payload v2) for the "admin" routes of shared/http/routes.ts. */
export const handler = apiHandler(
  "admin",
  lazyRuntime((env) => ({ cursors: awsCursors(env), ledgerIntegrity: awsLedgerIntegrity(env) })),
);
