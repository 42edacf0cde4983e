import { lambdaHandler } from "../../shared/adapters/aws/powertools.ts";
import type { AwsRuntime } from "../../shared/runtime/aws.ts";
import { lazyRuntime } from "../../shared/runtime/aws-lazy.ts";
import { awsConnector } from "../../shared/runtime/aws-s3.ts";
import { deployedConnector } from "../../shared/runtime/deployed-connectors.ts";
import { executeStep } from "../../shared/usecases/workflow.ts";

/** State machine Task "Execute": call the connector for a dispatched decision, once. */
export const makeHandler = (runtime: () => AwsRuntime) =>
  lambdaHandler(async (input: unknown) => executeStep(runtime().deps, input));

// The live connectors where the deployment configures them (secrets read on first use), else the outbox.
export const handler = makeHandler(
  lazyRuntime((env) => ({ connector: deployedConnector(env, { outbox: awsConnector(env) }) })),
);
