import type { EventBridgeEvent } from "aws-lambda";
import { lambdaHandler } from "../../shared/adapters/aws/powertools.ts";
import { parseWith } from "../../shared/domain/validation.ts";
import * as z from "../../shared/domain/zod-mini.ts";
import type { AwsRuntime } from "../../shared/runtime/aws.ts";
import { connectorTimeLeft, executorRuntime } from "../../shared/runtime/executor-runtime.ts";
import { executeStep } from "../../shared/usecases/workflow.ts";

const Detail = z.looseObject({ decisionId: z.string().check(z.minLength(1)) });

/** EventBridge target of `decision.made` with status dispatched (level 3): execute it. */
export const makeHandler = (runtime: () => AwsRuntime) =>
  lambdaHandler(async (event: EventBridgeEvent<string, unknown>, _tools, context) =>
    executeStep(runtime().deps, parseWith(Detail, event.detail, "detail"), connectorTimeLeft(context)),
  );

// The live connectors where the deployment configures them (secrets read on first use), else the outbox.
// Neither HubSpot nor downstream MCP servers: a deployment that names HubSpot deploys
// execute-allowed-hubspot.ts, one that names MCP servers execute-allowed-mcp.ts instead.
export const handler = makeHandler(executorRuntime());
