/**
 * One agent's Lambda (the CDK app deploys one per registry entry, env AGENT_ID): the agent handler
 * (shared/runtime/agent-handler.ts) over every agent. Agents only propose: this function has no
 * connector and writes no ledger.
 */
import { lazy } from "../../shared/adapters/aws/powertools.ts";
import { makeHandler } from "../../shared/runtime/agent-handler.ts";
import { createAgentsAwsRuntime } from "../../shared/runtime/agents-aws.ts";

export { makeHandler, toInvocation } from "../../shared/runtime/agent-handler.ts";

export const handler = makeHandler(lazy(() => createAgentsAwsRuntime()));
