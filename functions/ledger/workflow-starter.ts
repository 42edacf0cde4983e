import { SFNClient } from "@aws-sdk/client-sfn";
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { EventBridgePublisher } from "../../shared/adapters/aws/event-bridge-publisher.ts";
import { DynamoTransitionReader } from "../../shared/adapters/aws/ledger-transitions.ts";
import { lambdaHandler, lazy } from "../../shared/adapters/aws/powertools.ts";
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
 */
export const makeHandler = (deps: () => StarterDeps) =>
  lambdaHandler(async (event: DynamoDBStreamEvent, tools): Promise<DynamoDBBatchResponse> => {
    const changes = ledgerChanges(event.Records);
    const { started, failed } = await startWorkflows(deps(), changes);
    const stop =
      failed[0] === undefined ? changes.length : changes.findIndex((c) => c.position === failed[0]);
    const publishing = await publishDecisionEvents(deps(), changes.slice(0, stop));
    tools.metrics.addMetric("WorkflowsStarted", "Count", started.length);
    tools.metrics.addMetric("DecisionEventsPublished", "Count", publishing.published);
    const first = publishing.failed ?? failed[0];
    return { batchItemFailures: first === undefined ? [] : [{ itemIdentifier: first }] };
  });

export const handler = makeHandler(
  lazy(() => {
    const env = parseAwsEnv();
    return {
      clock: systemClock,
      // Not runtime/aws-sfn.ts: its approval signal would bring the lifecycle use cases along.
      starter: new SfnWorkflowStarter(
        new SFNClient({ region: env.AWS_REGION }),
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
