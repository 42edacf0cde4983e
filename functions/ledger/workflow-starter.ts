import { SFNClient } from "@aws-sdk/client-sfn";
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { awsClientConfig } from "../../shared/adapters/aws/client-config.ts";
import { EventBridgePublisher } from "../../shared/adapters/aws/event-bridge-publisher.ts";
import { DynamoTransitionReader } from "../../shared/adapters/aws/ledger-transitions.ts";
import { lazy } from "../../shared/adapters/aws/powertools.ts";
import { meteredHandler } from "../../shared/adapters/aws/powertools-metrics.ts";
import { SfnWorkflowStarter } from "../../shared/adapters/aws/sfn.ts";
import { ledgerChanges } from "../../shared/adapters/aws/stream-records.ts";
import { systemClock } from "../../shared/adapters/local/clock.ts";
import type { EventPublisher } from "../../shared/ports.ts";
import { createAwsDb } from "../../shared/runtime/aws-db.ts";
import { parseAwsEnv, required } from "../../shared/runtime/aws-env.ts";
import { publishDecisionEvents, type TransitionReader } from "../../shared/usecases/decision-events.ts";
import { startWorkflows } from "../../shared/usecases/workflow-start.ts";

type StarterDeps = Parameters<typeof startWorkflows>[0] & {
  reader: TransitionReader;
  events: EventPublisher;
};

/**
 * Ledger stream (filtered to decision items) -> one Step Functions execution per new decision that
 * waits, and decision.made / decision.transitioned onto the bus: published here, off the request
 * path, instead of awaited by the function that committed the decision. Failures are reported per
 * record: the first failed record and everything after it are retried, in order.
 *
 * A batch whose very first record fails is thrown instead: Lambda then bisects it (bisectBatchOnError)
 * and retries the halves, so a record that fails every time ends in the dead-letter queue alone.
 * Reported as a partial failure, the same record and everything after it came back each time, until
 * the retries ran out and up to a whole batch of good records was dropped with it.
 */
export const makeHandler = (deps: () => StarterDeps) =>
  meteredHandler(async (event: DynamoDBStreamEvent, tools): Promise<DynamoDBBatchResponse> => {
    const changes = ledgerChanges(event.Records);
    const starting = await startWorkflows(deps(), changes);
    const { started, failed } = starting;
    const stop =
      failed[0] === undefined ? changes.length : changes.findIndex((c) => c.position === failed[0]);
    const publishing = await publishDecisionEvents(deps(), changes.slice(0, stop));
    tools.metrics.addMetric("WorkflowsStarted", "Count", started.length);
    tools.metrics.addMetric("DecisionEventsPublished", "Count", publishing.published);
    const first = publishing.failed ?? failed[0];
    if (first === undefined) return { batchItemFailures: [] };
    const error = publishing.failed !== undefined ? publishing.error : starting.error;
    // Why it failed, once per invocation: a partial failure is a successful invocation, which no
    // Errors alarm sees. Names and positions only.
    tools.logger.error("ledger stream record failed", {
      sequenceNumber: first,
      step: publishing.failed !== undefined ? "publish" : "start",
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    if (first === changes[0]?.position)
      throw new Error(`the batch's first record (${first}) failed: bisecting the batch`, { cause: error });
    return { batchItemFailures: [{ itemIdentifier: first }] };
  });

export const handler = makeHandler(
  lazy(() => {
    const env = parseAwsEnv();
    return {
      clock: systemClock,
      // Not runtime/aws-sfn.ts: its approval signal would bring the lifecycle use cases along.
      starter: new SfnWorkflowStarter(
        new SFNClient(awsClientConfig(env.AWS_REGION)),
        required(env, "STATE_MACHINE_ARN"),
      ),
      defaults: {
        overrideWindowSeconds: env.OVERRIDE_WINDOW_SECONDS,
        approvalTimeoutSeconds: env.APPROVAL_TIMEOUT_SECONDS,
      },
      reader: new DynamoTransitionReader(createAwsDb(env)),
      events: EventBridgePublisher.create(required(env, "EVENT_BUS_NAME"), env.AWS_REGION),
    };
  }),
);
