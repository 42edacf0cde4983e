import { lambdaHandler, lazy } from "../../shared/adapters/aws/powertools.ts";
import { type AwsRuntime, createAwsRuntime } from "../../shared/runtime/aws.ts";
import { parseAwsEnv } from "../../shared/runtime/aws-env.ts";
import { sfnTasks } from "../../shared/runtime/aws-sfn.ts";
import { type AwaitApprovalDeps, registerApprovalWait } from "../../shared/usecases/workflow.ts";

export type AwaitApprovalRuntime = { runtime: AwsRuntime } & Pick<AwaitApprovalDeps, "taskTokens" | "tasks">;

/**
 * State machine Task "AwaitApproval" (`lambda:invoke.waitForTaskToken`): keep the task token where
 * the approve/reject routes find it. The execution waits until a review sends the task's result.
 */
export const makeHandler = (wiring: () => AwaitApprovalRuntime) =>
  lambdaHandler(async (input: unknown) => {
    const { runtime, taskTokens, tasks } = wiring();
    return registerApprovalWait(
      { clock: runtime.deps.clock, decisions: runtime.deps.decisions, taskTokens, tasks },
      input,
      runtime.env.APPROVAL_TIMEOUT_SECONDS,
    );
  });

export const handler = makeHandler(
  lazy(() => {
    const runtime = createAwsRuntime(parseAwsEnv());
    return { runtime, ...sfnTasks(runtime.env, runtime.db) };
  }),
);
