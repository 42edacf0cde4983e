import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { lambdaHandler, lazy } from "../../shared/adapters/aws/powertools.ts";
import { ledgerChanges } from "../../shared/adapters/aws/stream-records.ts";
import { systemClock } from "../../shared/adapters/local/clock.ts";
import { parseAwsEnv } from "../../shared/runtime/aws-env.ts";
import { sfnStarter } from "../../shared/runtime/aws-sfn.ts";
import { startWorkflows } from "../../shared/usecases/workflow.ts";

type StarterDeps = Parameters<typeof startWorkflows>[0];

/**
 * Ledger stream (filtered to new DECISION items that wait) -> one Step Functions execution each.
 * Failures are reported per record so only the rest of the batch is retried.
 */
export const makeHandler = (deps: () => StarterDeps) =>
  lambdaHandler(async (event: DynamoDBStreamEvent, tools): Promise<DynamoDBBatchResponse> => {
    const { started, failed } = await startWorkflows(deps(), ledgerChanges(event.Records));
    tools.metrics.addMetric("WorkflowsStarted", "Count", started.length);
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  });

export const handler = makeHandler(
  lazy(() => {
    const env = parseAwsEnv();
    return {
      clock: systemClock,
      starter: sfnStarter(env),
      defaults: {
        overrideWindowSeconds: env.OVERRIDE_WINDOW_SECONDS,
        approvalTimeoutSeconds: env.APPROVAL_TIMEOUT_SECONDS,
      },
    };
  }),
);
