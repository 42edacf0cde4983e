import { Duration } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { Effect, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { HarnessFunction } from "./harness-function.ts";

export interface ReconcilerProps {
  stage: string;
  logRetention: RetentionDays;
  environment: Record<string, string>;
  /** The executor a never-attempted dispatched decision is handed to (the decision.made target). */
  executor: IFunction;
  /** The longest one execution can run (the executors' function timeout). */
  executorTimeout: Duration;
  /** The approval workflow: a scheduled decision its execution never released gets a second one. */
  stateMachineArn: string;
  /** Where the schedule's undeliverable events go. */
  deadLetterQueue: IQueue;
  /** Where failed asynchronous invocations go. */
  failureQueue: IQueue;
  /** @default every 5 minutes */
  schedule?: Schedule;
}

/**
 * No decision stays `dispatched` forever: on a schedule, the local runtime's recovery use case runs
 * against the ledger. An attempt older than the executor's timeout (plus a minute: the Lambda was
 * killed, not slow) becomes in_doubt; a decision nobody attempted goes to the executor. The stack
 * grants its data access like every lifecycle function's.
 */
export class Reconciler extends Construct {
  readonly function: HarnessFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: ReconcilerProps) {
    super(scope, id);
    const staleAfter = props.executorTimeout.toSeconds() + 60;
    // Named after its construct: the function's name (dev-harness-reconciler) is derived from this id.
    this.function = new HarnessFunction(this, "Reconciler", {
      stage: props.stage,
      logRetention: props.logRetention,
      entry: "functions/workflow/reconcile.ts",
      description: "Scheduled: dispatched decisions nobody finished -> in_doubt, or to the executor",
      invocation: "async",
      timeout: Duration.minutes(2),
      environment: {
        ...props.environment,
        STALE_AFTER_SECONDS: String(staleAfter),
        EXECUTOR_FUNCTION: props.executor.functionName,
        STATE_MACHINE_ARN: props.stateMachineArn,
      },
    });
    this.function.role.addToPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ["states:StartExecution"],
        resources: [props.stateMachineArn],
      }),
    );
    this.function.role.addToPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ["lambda:InvokeFunction"],
        resources: [props.executor.functionArn],
      }),
    );
    this.function.fn.configureAsyncInvoke({
      onFailure: new SqsDestination(props.failureQueue),
      retryAttempts: 0,
      maxEventAge: Duration.minutes(10),
    });
    this.rule = new Rule(this, "Schedule", {
      ruleName: `${props.stage}-harness-reconciler`,
      description: "Dispatched decisions whose execution stopped: in_doubt for a human, or executed",
      schedule: props.schedule ?? Schedule.rate(Duration.minutes(5)),
    });
    this.rule.addTarget(
      new LambdaFunction(this.function.fn, {
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: Duration.minutes(10),
      }),
    );
  }
}
