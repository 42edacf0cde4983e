import { notRunByHand } from "../agents/builtin.ts";
import { checkManualInput } from "../agents/manual-inputs.ts";
import { NotFoundError, ValidationError } from "../domain/errors.ts";
import { newId } from "../domain/ids.ts";
import { parseWith } from "../domain/validation.ts";
import * as z from "../domain/zod-mini.ts";
import { PathId } from "../usecases/schemas.ts";
import { AgentRun } from "./api-schemas.ts";
import type { Route } from "./routes.ts";

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
    doc: {
      summary: "Run an agent now (asynchronously in AWS)",
      body: z.looseObject({}),
      bodyOptional: true,
      response: AgentRun,
      status: 202,
    },
    run: async (req, deps) => {
      const agentId = parseWith(PathId, req.params.agentId, "agentId");
      if (!deps.agents) throw new NotFoundError("agents do not run in this deployment");
      // A 202 for a run that does nothing said "started" and left the caller waiting for a result.
      const runsOn = notRunByHand(agentId);
      if (runsOn)
        throw new ValidationError([
          { path: "agentId", message: `${agentId} runs on ${runsOn}: a manual run would do nothing` },
        ]);
      checkManualInput(agentId, req.body ?? {});
      const result = await deps.agents.run(agentId, req.body ?? {}, req.principal);
      return { status: 202, body: { runId: newId("run"), ...(result as object) } };
    },
  },
];
