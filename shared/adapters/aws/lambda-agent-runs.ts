import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { NotFoundError } from "../../domain/errors.ts";
import { newId } from "../../domain/ids.ts";
import type { AgentRunHook } from "../../http/routes.ts";
import type { Principal } from "../../usecases/principal.ts";
import { manualRunStatus } from "../dynamo/agent-run-claims.ts";
import type { Db } from "../dynamo/db.ts";

/**
 * Manual runs in AWS: the agent's own function is invoked asynchronously (InvocationType Event), as
 * its schedule would, so the API answers at once and the run gets the agent's role, timeout, retries
 * and dead-letter queue. The functions come from the deployment (AGENT_FUNCTIONS), so an unknown
 * agent is a 404 without this function importing the registry. What became of a run is read from
 * the run claims its function writes (`status`, agents/run-status.ts).
 */
export class LambdaAgentRuns implements AgentRunHook {
  constructor(
    private readonly client: LambdaClient,
    /** agentId -> function name */
    private readonly functions: Record<string, string>,
    /** Where the agents' functions record their runs. */
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  async status(agentId: string, runId: string) {
    if (!Object.hasOwn(this.functions, agentId)) throw new NotFoundError(`no agent ${agentId} is deployed`);
    return manualRunStatus(this.db, agentId, runId, this.now());
  }

  async run(agentId: string, input: unknown, principal: Principal, named?: string) {
    const functionName = Object.hasOwn(this.functions, agentId) ? this.functions[agentId] : undefined;
    if (!functionName) throw new NotFoundError(`no agent ${agentId} is deployed`);
    // A run the request named (its Idempotency-Key) keeps its id: invoked again, the function's run
    // claim (`manual:<runId>`) lets it run once.
    const runId = named ?? newId("run");
    // The shape functions/agents/handler.ts reads as a manual invocation; runId ties its logs to this answer.
    const res = await this.client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: "Event",
        Payload: Buffer.from(JSON.stringify({ trigger: "manual", input, by: principal.subject, runId })),
      }),
    );
    if (res.StatusCode !== 202) throw new Error(`Lambda accepted no run of ${agentId}: ${res.StatusCode}`);
    return { runId, agentId, status: "started" };
  }
}
