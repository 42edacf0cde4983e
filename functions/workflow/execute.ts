import { lambdaHandler } from "../../shared/adapters/aws/powertools.ts";
import type { AwsRuntime } from "../../shared/runtime/aws.ts";
import { connectorTimeLeft, executorRuntime } from "../../shared/runtime/executor-runtime.ts";
import { executeStep } from "../../shared/usecases/workflow.ts";

/** State machine Task "Execute": call the connector for a dispatched decision, once. */
export const makeHandler = (runtime: () => AwsRuntime) =>
  lambdaHandler(async (input: unknown, _tools, context) =>
    executeStep(runtime().deps, input, connectorTimeLeft(context)),
  );

// The live connectors where the deployment configures them (secrets read on first use), else the outbox.
// Neither HubSpot nor downstream MCP servers: a deployment that names HubSpot deploys
// execute-hubspot.ts, one that names MCP servers execute-mcp.ts instead.
export const handler = makeHandler(executorRuntime());
