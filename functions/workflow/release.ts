import { lambdaHandler } from "../../shared/adapters/aws/powertools.ts";
import type { AwsRuntime } from "../../shared/runtime/aws.ts";
import { runtimeWith } from "../../shared/runtime/aws-lazy.ts";
import { RELEASE_STORES } from "../../shared/runtime/aws-stores.ts";
import { releaseStep } from "../../shared/usecases/workflow-release.ts";

/** State machine Task "Release": the override window closed; re-validate and dispatch. */
export const makeHandler = (runtime: () => AwsRuntime) =>
  lambdaHandler(async (input: unknown) => releaseStep(runtime().deps, input));

export const handler = makeHandler(runtimeWith(RELEASE_STORES));
