import { notRunByHand } from "../agents/builtin.ts";
import { checkManualInput } from "../agents/manual-inputs.ts";
import { NotFoundError, ValidationError } from "../domain/errors.ts";
import { newId, runIdFor } from "../domain/ids.ts";
import { parseWith } from "../domain/validation.ts";
import * as z from "../domain/zod-mini.ts";
import { PathId } from "../usecases/schemas.ts";
import { AgentRun } from "./api-schemas.ts";
import type { ApiRequest, AppDeps, Route, RouteDocs, RouteResult } from "./routes.ts";

/** A client's key for one request, so that sending it again (after a timeout) does not run the agent twice. */
const IdempotencyKey = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(255),
    z.regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces"),
    z.describe(
      "Names this request: sent again with the same key and body (a retry after a timeout), it answers the same run id and the agent runs once.",
    ),
  );

/** The header the manual-run routes read (RouteDoc.headers). */
export const IDEMPOTENCY_HEADER = { "Idempotency-Key": IdempotencyKey };

/**
 * POST /v1/agents/{agentId}/run: any registered agent, now. Locally the run happens in the server and
 * the answer carries what it did; in AWS the agent's function is invoked asynchronously and the
 * answer is its run id (shared/adapters/aws/lambda-agent-runs.ts). 404 only for an unknown agent; 400
 * for a built-in agent that a manual run gives nothing to do (it runs on events or its schedule).
 */
export const AGENT_RUN_ROUTES: Route[] = [
  {
    method: "POST",
    path: "/v1/agents/{agentId}/run",
    group: "admin",
    roles: ["admin"],
    run: async (req, deps) => {
      const agentId = parseWith(PathId, req.params.agentId, "agentId");
      if (!deps.agents) throw new NotFoundError("agents do not run in this deployment");
      // A 202 for a run that does nothing said "started" and left the caller waiting for a result.
      const runsOn = notRunByHand(agentId);
      if (runsOn)
        throw new ValidationError([
          { path: "agentId", message: `${agentId} runs on ${runsOn}: a manual run would do nothing` },
        ]);
      return runNow(agentId, req, deps);
    },
  },
];

/**
 * Runs `agentId` now, after its input is checked (POST /v1/agents/list-sync/run runs manual-list-sync).
 * With an Idempotency-Key, the run's id is the request's (runIdFor): sent again, it is the same run,
 * which runs once.
 */
export async function runNow(agentId: string, req: ApiRequest, deps: AppDeps): Promise<RouteResult> {
  if (!deps.agents) throw new NotFoundError("agents do not run in this deployment");
  checkManualInput(agentId, req.body ?? {});
  const key =
    req.idempotencyKey === undefined
      ? undefined
      : parseWith(IdempotencyKey, req.idempotencyKey, "Idempotency-Key");
  const runId = key === undefined ? undefined : runIdFor(req.principal.subject, agentId, key, req.body);
  const result = await deps.agents.run(agentId, req.body ?? {}, req.principal, runId);
  // The run's own id where it says one (a local result carries `runId: undefined`, which hid this one).
  const said = (result as { runId?: string }).runId;
  return { status: 202, body: { ...(result as object), runId: said ?? runId ?? newId("run") } };
}

/**
 * What the OpenAPI description says of each route above (route-docs.ts): a function that only the
 * description calls, so no Lambda bundle carries the docs or the schemas they alone name.
 */
export const agentRunRouteDocs = (): RouteDocs => ({
  "POST /v1/agents/{agentId}/run": {
    summary: "Run an agent now (asynchronously in AWS)",
    body: z.looseObject({}),
    bodyOptional: true,
    headers: IDEMPOTENCY_HEADER,
    response: AgentRun,
    status: 202,
  },
});
