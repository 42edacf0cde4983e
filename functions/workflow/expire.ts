import { lambdaHandler } from "../../shared/adapters/aws/powertools.ts";
import type { AwsRuntime } from "../../shared/runtime/aws.ts";
import { runtimeWith } from "../../shared/runtime/aws-lazy.ts";
import { LIFECYCLE_STORES } from "../../shared/runtime/aws-stores.ts";
import { expireStep } from "../../shared/usecases/workflow.ts";

/** State machine Task "Expire": the approval wait timed out; release the reservation. */
export const makeHandler = (runtime: () => AwsRuntime) =>
  lambdaHandler(async (input: unknown) => expireStep(runtime().deps, input));

export const handler = makeHandler(runtimeWith(LIFECYCLE_STORES));
