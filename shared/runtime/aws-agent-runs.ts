import { LambdaClient } from "@aws-sdk/client-lambda";
import { awsClientConfig } from "../adapters/aws/client-config.ts";
import { LambdaAgentRuns } from "../adapters/aws/lambda-agent-runs.ts";
import * as z from "../domain/zod-mini.ts";
import type { AwsRuntime } from "./aws.ts";
import { ConfigError } from "./aws-env.ts";

const AgentFunctions = z.record(
  z.string().check(z.minLength(1)),
  z.string().check(z.minLength(1), z.maxLength(64)),
);

/**
 * The admin API's manual runs (POST /v1/agents/{agentId}/run): AGENT_FUNCTIONS names each deployed
 * agent's function. Without it the routes answer 404 as before: agents do not run here.
 */
export const withAgentRuns = (runtime: () => AwsRuntime, client?: LambdaClient) => (): AwsRuntime => {
  const rt = runtime();
  if (rt.deps.agents || !rt.env.AGENT_FUNCTIONS) return rt;
  let functions: Record<string, string>;
  try {
    functions = AgentFunctions.parse(JSON.parse(rt.env.AGENT_FUNCTIONS));
  } catch {
    throw new ConfigError("AGENT_FUNCTIONS: expected a JSON object of agent id to function name");
  }
  rt.deps.agents = new LambdaAgentRuns(
    client ?? new LambdaClient(awsClientConfig(rt.env.AWS_REGION)),
    functions,
    rt.db,
    () => rt.deps.clock.now(),
  );
  return rt;
};
