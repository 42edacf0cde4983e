import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { FilterPattern, type ILogGroup, MetricFilter } from "aws-cdk-lib/aws-logs";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { IStateMachine } from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { deadLetterQueue } from "./dead-letter-queue.ts";

export interface HarnessAlarmsProps {
  stage: string;
  functions: Record<string, IFunction>;
  queues: Record<string, IQueue>;
  /**
   * Work queues whose messages should be gone within minutes (the HubSpot webhook's events): their
   * worker reports failures per message, which no function error shows, and a stalled or disabled
   * mapping leaves them waiting until they expire.
   */
  backlogs?: Record<string, IQueue>;
  /**
   * The ledger stream's consumers: a batch that keeps failing (it retries, bisecting) or a consumer
   * that falls behind delays approval waits, `decision.made` and the archive without any function
   * error showing it (a record reported as a partial failure is a successful invocation).
   */
  streamConsumers?: Record<string, IFunction>;
  stateMachine: IStateMachine;
  /**
   * The log groups of the functions that answer HTTP (the API groups', /mcp's): a failure the API core
   * cannot map is answered 500 (no function error) and logged as "unexpected error"
   * (shared/http/respond.ts). A metric filter counts those lines; the functions emit no metric of their
   * own for it (powertools.ts). Not the HTTP API's 5xx count, which also holds the answers that are
   * meant (a 503 "retry" on contention, the HubSpot webhook's 500 that has HubSpot send again).
   */
  apiLogs?: Record<string, ILogGroup>;
  /** Subscribed to the alarm topic when given. */
  email?: string;
}

/** Anything in a dead-letter queue, any function error, any failed workflow: someone should look. */
export class HarnessAlarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: HarnessAlarmsProps) {
    super(scope, id);
    // CloudWatch publishes an alarm's notification as cloudwatch.amazonaws.com, which must be able to
    // use the topic's key and be allowed by the topic's policy. With SNS's AWS-managed key
    // (alias/aws/sns), whose policy cannot be changed, and a topic policy holding only the TLS deny
    // (enforceSSL), every alarm went into ALARM and its action failed: nobody was notified.
    const stack = Stack.of(this);
    const fromAlarms = {
      StringEquals: { "aws:SourceAccount": stack.account },
      ArnLike: {
        "aws:SourceArn": `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
      },
    };
    const key = new Key(this, "TopicKey", {
      description: `${props.stage} harness alarm topic`,
      enableKeyRotation: true,
      // It seals notifications in flight only: nothing is left to open once the stage is gone.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
        conditions: fromAlarms,
      }),
    );
    this.topic = new Topic(this, "Topic", {
      topicName: `${props.stage}-harness-alarms`,
      enforceSSL: true,
      masterKey: key,
    });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.topic.topicArn],
        conditions: fromAlarms,
      }),
    );
    const queues = { ...props.queues };
    if (props.email) {
      // A notification SNS could not deliver to the address (a full or refusing mailbox, a domain that
      // does not answer) is kept here once SNS's retries are spent, instead of dropped: it is an alarm
      // nobody read. This queue's own depth alarm shows in the CloudWatch console even when no mail
      // gets through. Its SQS-managed encryption (deadLetterQueue) needs no key grant to SNS.
      const undelivered = deadLetterQueue(this, "EmailDlq", `${props.stage}-harness-alarm-email-dlq`);
      this.topic.addSubscription(new EmailSubscription(props.email, { deadLetterQueue: undelivered }));
      queues.AlarmEmailDlq = undelivered;
    }
    const action = new SnsAction(this.topic);
    const add = (alarm: Alarm) => {
      alarm.addAlarmAction(action);
      this.alarms.push(alarm);
    };
    for (const [name, queue] of Object.entries(queues)) {
      add(
        new Alarm(this, `${name}Depth`, {
          alarmDescription: `Messages waiting in dead-letter queue ${name}`,
          metric: queue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(5),
            statistic: "Maximum",
          }),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    for (const [name, queue] of Object.entries(props.backlogs ?? {})) {
      add(
        new Alarm(this, `${name}Age`, {
          alarmDescription: `The oldest message in work queue ${name} has waited more than 15 minutes`,
          metric: queue.metricApproximateAgeOfOldestMessage({
            period: Duration.minutes(5),
            statistic: "Maximum",
          }),
          threshold: 15 * 60,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    for (const [name, fn] of Object.entries(props.streamConsumers ?? {})) {
      add(
        new Alarm(this, `${name}IteratorAge`, {
          alarmDescription: `Function ${name} is more than 5 minutes behind the ledger's stream`,
          metric: fn.metric("IteratorAge", { period: Duration.minutes(5), statistic: "Maximum" }),
          threshold: 5 * 60 * 1000,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      add(
        new Alarm(this, `${name}Errors`, {
          alarmDescription: `Errors in function ${name}`,
          metric: fn.metricErrors({ period: Duration.minutes(5), statistic: "Sum" }),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    const apiLogs = Object.entries(props.apiLogs ?? {});
    for (const [name, logGroup] of apiLogs)
      new MetricFilter(this, `${name}UnexpectedErrors`, {
        logGroup,
        filterPattern: FilterPattern.stringValue("$.message", "=", "unexpected error"),
        metricNamespace: "AgentHarness",
        metricName: "ApiUnexpectedErrors",
        metricValue: "1",
      });
    if (apiLogs.length)
      add(
        new Alarm(this, "ApiUnexpectedErrors", {
          alarmDescription: "An API route failed with an error it does not map (answered 500)",
          metric: new Metric({
            namespace: "AgentHarness",
            metricName: "ApiUnexpectedErrors",
            period: Duration.minutes(5),
            statistic: "Sum",
          }),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    add(
      new Alarm(this, "WorkflowFailures", {
        alarmDescription: "Approval workflow executions failed, timed out or were aborted",
        metric: props.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: "Sum" }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }
}
