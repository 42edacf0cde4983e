import { lambdaHandler } from "../../shared/adapters/aws/powertools.ts";
import type { AwsRuntime } from "../../shared/runtime/aws.ts";
import { lazyRuntime } from "../../shared/runtime/aws-lazy.ts";
import { expireStep } from "../../shared/usecases/workflow.ts";

/** State machine Task "Expire": the approval wait timed out; release the reservation. */
export const makeHandler = (runtime: () => AwsRuntime) =>
  lambdaHandler(async (input: unknown) => expireStep(runtime().deps, input));

export const handler = makeHandler(lazyRuntime());
