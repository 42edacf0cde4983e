import { Duration } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { HarnessFunction } from "./harness-function.ts";

export interface SignalsRefitProps {
  stage: string;
  logRetention: RetentionDays;
  environment: Record<string, string>;
  /** Where the schedule's undeliverable events go. */
  deadLetterQueue: IQueue;
  /** Where failed asynchronous invocations go. */
  failureQueue: IQueue;
  /** When the loop takes its daily turn. @default 05:00 UTC, before the lead lists of most time zones' mornings */
  schedule?: Schedule;
}

/**
 * The signals loop in the deployment (functions/learning/signals-refit.ts): once a day an EventBridge
 * schedule invokes it, and the use case decides whether a refit is due, a draft in shadow can be
 * adopted, or nothing. The stack grants its data access: the touches of `learning.signals.lookbackDays`
 * (the ledger's byStatus index), spec versions and drafts, the account directory, and PutEvents for
 * spec.published.
 */
export class SignalsRefit extends Construct {
  readonly function: HarnessFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: SignalsRefitProps) {
    super(scope, id);
    this.function = new HarnessFunction(this, "SignalsRefit", {
      stage: props.stage,
      logRetention: props.logRetention,
      entry: "functions/learning/signals-refit.ts",
      description: "Daily: refit the intent weights as a draft in shadow, or adopt one the evidence supports",
      invocation: "async",
      // Up to 50,000 touches (read without personal data: no data key is opened) and the account
      // directory in pages: a few minutes at most.
      timeout: Duration.minutes(5),
      memorySize: 1024,
      environment: props.environment,
    });
    this.function.fn.configureAsyncInvoke({
      onFailure: new SqsDestination(props.failureQueue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });
    this.rule = new Rule(this, "Daily", {
      ruleName: `${props.stage}-harness-signals-refit`,
      description: "The signals loop's daily turn: refit intent weights, or adopt a refit in shadow",
      schedule: props.schedule ?? Schedule.cron({ minute: "0", hour: "5" }),
    });
    this.rule.addTarget(
      new LambdaFunction(this.function.fn, {
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: 4,
        maxEventAge: Duration.hours(6),
      }),
    );
  }
}
