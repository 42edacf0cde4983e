import { lambdaHandler, lazy } from "../../shared/adapters/aws/powertools.ts";
import { decisionStatus } from "../../shared/adapters/dynamo/decision-status.ts";
import { parseWith } from "../../shared/domain/validation.ts";
import * as z from "../../shared/domain/zod-mini.ts";
import { type AwsRuntime, createAwsRuntime } from "../../shared/runtime/aws.ts";
import { parseAwsEnv } from "../../shared/runtime/aws-env.ts";
import { sfnTasks } from "../../shared/runtime/aws-sfn.ts";
import { LIFECYCLE_STORES } from "../../shared/runtime/aws-stores.ts";
import { type AwaitApprovalDeps, registerApprovalWait } from "../../shared/usecases/workflow.ts";

export type AwaitApprovalRuntime = { runtime: AwsRuntime } & Pick<AwaitApprovalDeps, "taskTokens" | "tasks">;

/** The state's own timeout (the decision's expiry), passed in the payload: the token lives as long. */
const Wait = z.looseObject({ approvalTimeoutSeconds: z.number().check(z.int(), z.gte(1)) });

/**
 * State machine Task "AwaitApproval" (`lambda:invoke.waitForTaskToken`): keep the task token where
 * the approve/reject routes find it. The execution waits until a review sends the task's result.
 */
export const makeHandler = (wiring: () => AwaitApprovalRuntime) =>
  lambdaHandler(async (input: unknown) => {
    const { runtime, taskTokens, tasks } = wiring();
    const { approvalTimeoutSeconds } = parseWith(Wait, input);
    return registerApprovalWait(
      {
        clock: runtime.deps.clock,
        decisions: { decisionStatus: (id) => decisionStatus(runtime.db, id) },
        taskTokens,
        tasks,
      },
      input,
      approvalTimeoutSeconds,
    );
  });

export const handler = makeHandler(
  lazy(() => {
    const runtime = createAwsRuntime(parseAwsEnv(), {}, LIFECYCLE_STORES);
    return { runtime, ...sfnTasks(runtime.env, runtime.db) };
  }),
);
