import { PROPOSALS_TABLE } from "../../shared/http/groups/proposals.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import { lazyRuntime } from "../../shared/runtime/aws-lazy.ts";
import { Gate } from "../../shared/usecases/gate.ts";

/** API Gateway HTTP API (payload v2) for the "proposals" routes: the one function that runs the gate. */
export const handler = apiHandler(
  PROPOSALS_TABLE,
  lazyRuntime(() => ({ gate: (deps) => new Gate(deps) })),
);
