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

/** A run's id as POST /v1/agents/{agentId}/run answers it (newId, runIdFor). */
const RunId = z
  .string()
  .check(z.regex(/^run_[A-Za-z0-9_-]{1,60}$/, "a run id as the run was answered with (run_...)"));

/** The header the manual-run routes read (RouteDoc.headers). */
export const IDEMPOTENCY_HEADER = { "Idempotency-Key": IdempotencyKey };

/**
 * POST /v1/agents/{agentId}/run: any registered agent, now. Locally the run happens in the server and
 * the answer carries what it did; in AWS the agent's function is invoked asynchronously and the
 * answer is its run id (shared/adapters/aws/lambda-agent-runs.ts). 404 only for an unknown agent; 400
 * for a built-in agent that a manual run gives nothing to do (it runs on events or its schedule).
 * GET /v1/agents/{agentId}/runs/{runId}: what became of it (agents/run-status.ts), read from the
 * records its invocations keep, here and in AWS alike.
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
  {
    method: "GET",
    path: "/v1/agents/{agentId}/runs/{runId}",
    group: "admin",
    roles: ["admin"],
    run: async (req, deps) => {
      const asked = parseWith(PathId, req.params.agentId, "agentId");
      const runId = parseWith(RunId, req.params.runId, "runId");
      if (!deps.agents) throw new NotFoundError("agents do not run in this deployment");
      // POST /v1/agents/list-sync/run runs manual-list-sync (list-sync itself never runs by hand).
      const agentId = asked === "list-sync" ? "manual-list-sync" : asked;
      const status = await deps.agents.status(agentId, runId);
      if (!status)
        throw new NotFoundError(
          `no run ${runId} of ${agentId} has started (in AWS a run starts within seconds of its 202)`,
        );
      return { status: 200, body: status };
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
  "GET /v1/agents/{agentId}/runs/{runId}": {
    summary: "What became of a manual run: running, done or failed, and what it proposed",
    response: AgentRunStatus(),
  },
});

/** The answer of GET /v1/agents/{agentId}/runs/{runId} (agents/run-status.ts ManualRunStatus). */
const AgentRunStatus = () => {
  const Proposal = z.object({
    proposalId: z.string(),
    actionType: z.string(),
    verdict: z.string(),
    status: z.string(),
  });
  return z.object({
    runId: z.string(),
    agentId: z.string(),
    status: z
      .enum(["running", "done", "failed", "stopped"])
      .check(
        z.describe(
          "running: an invocation holds it; done; failed: its last invocation failed; stopped: its invocation died without a word (timed out, out of memory)",
        ),
      ),
    final: z.boolean().check(z.describe("No retry follows: the run is over")),
    startedAt: z.optional(z.string()),
    finishedAt: z.optional(z.string()),
    invocations: z.number().check(z.describe("Invocations that took the run further (continuations)")),
    attempts: z.number().check(z.describe("Deliveries of its last invocation (Lambda's retries)")),
    proposals: z.number().check(z.describe("New proposals, over every invocation")),
    retried: z.number().check(z.describe("Deferred proposals proposed again after it")),
    listed: z.array(Proposal).check(z.describe("Its first 25 new proposals")),
    error: z.optional(z.string()),
  });
};
