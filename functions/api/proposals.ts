import { PROPOSALS_TABLE } from "../../shared/http/groups/proposals.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import { runtimeWith } from "../../shared/runtime/aws-lazy.ts";
import { GATE_STORES } from "../../shared/runtime/aws-stores.ts";
import { Gate } from "../../shared/usecases/gate.ts";

/** API Gateway HTTP API (payload v2) for the "proposals" routes: the one function that runs the gate. */
export const handler = apiHandler(
  PROPOSALS_TABLE,
  runtimeWith(GATE_STORES, () => ({ gate: (deps) => new Gate(deps) })),
);
