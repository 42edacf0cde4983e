import { Aws, Duration } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { Effect, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { DIGEST_PREFIX } from "../../shared/usecases/archive.ts";
import { ackArchivePrefix } from "../nag-suppressions.ts";
import { archiveBucketName, archiveObjectsArn } from "./buckets.ts";
import { grantTable } from "./data-access.ts";
import { HarnessFunction } from "./harness-function.ts";

/** What reading and writing ledger digests takes; the admin API function gets the same. */
export function grantDigests(
  fn: HarnessFunction,
  props: { stage: string; ledger: ITable; state: ITable },
): void {
  const prefix = DIGEST_PREFIX.replace(/\/$/, "");
  // The verifier reads the whole ledger (a Scan: every stream, every event), and a stream written
  // while it ran again (its partition's new events, its head: ledger-reader.ts reread); nothing else.
  grantTable(fn.role, props.ledger, ["dynamodb:Scan", "dynamodb:Query", "dynamodb:GetItem"]);
  // Heads kept beside state: the spec, trust records and pause index items only, by their keys.
  fn.role.addToPolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ["dynamodb:BatchGetItem", "dynamodb:GetItem"],
      resources: [props.state.tableArn],
      conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["SPEC", "TRUST#*", "PAUSEID#*"] } },
    }),
  );
  // Digests are the verifier's anchors: it lists and reads them back, and writes new ones, under digests/ only.
  fn.role.addToPolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ["s3:PutObject", "s3:GetObject"],
      resources: [archiveObjectsArn(props.stage, prefix)],
    }),
  );
  fn.role.addToPolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ["s3:ListBucket"],
      resources: [`arn:${Aws.PARTITION}:s3:::${archiveBucketName(props.stage)}`],
      conditions: { StringLike: { "s3:prefix": [`${prefix}/*`] } },
    }),
  );
  ackArchivePrefix(
    fn.role,
    props.stage,
    prefix,
    "Ledger digests: the verifier reads back the digests it anchors on and writes one new object per day under digests/ (conditional put, never overwrites); nothing outside that prefix.",
  );
}

export interface LedgerDigestProps {
  stage: string;
  ledger: ITable;
  state: ITable;
  logRetention: RetentionDays;
  /** Where the schedule's undeliverable events go. */
  deadLetterQueue: IQueue;
  /** Where failed asynchronous invocations go. */
  failureQueue: IQueue;
  /** When the daily digest runs. @default 00:15 UTC */
  schedule?: Schedule;
}

/**
 * The daily ledger digest: an EventBridge schedule invokes a function that verifies the ledger since
 * the previous digest and writes the next one to the archive bucket (where Object Lock, when the
 * stateful stack enables it, retains it). The verifier's finding is a metric, LedgerVerifyProblems;
 * `alarmOn` raises an alarm on any problem.
 */
export class LedgerDigest extends Construct {
  readonly function: HarnessFunction;
  readonly rule: Rule;
  readonly problems: Metric;

  constructor(scope: Construct, id: string, props: LedgerDigestProps) {
    super(scope, id);
    this.function = new HarnessFunction(this, "Fn", {
      stage: props.stage,
      logRetention: props.logRetention,
      entry: "functions/ledger/digest.ts",
      description: "Daily: verify the ledger since the last digest, then archive a new digest",
      invocation: "async",
      // A full Scan of the ledger: minutes, not seconds, once the ledger is large.
      timeout: Duration.minutes(15),
      memorySize: 1024,
      environment: {
        STATE_TABLE: props.state.tableName,
        LEDGER_TABLE: props.ledger.tableName,
        ARCHIVE_BUCKET: archiveBucketName(props.stage),
      },
    });
    grantDigests(this.function, props);
    this.function.fn.configureAsyncInvoke({
      onFailure: new SqsDestination(props.failureQueue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });
    this.rule = new Rule(this, "Daily", {
      ruleName: `${props.stage}-harness-ledger-digest`,
      description: "Daily ledger digest (Merkle root over every stream's head) and verification",
      schedule: props.schedule ?? Schedule.cron({ minute: "15", hour: "0" }),
    });
    this.rule.addTarget(
      new LambdaFunction(this.function.fn, {
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: 4,
        maxEventAge: Duration.hours(6),
      }),
    );
    this.problems = new Metric({
      namespace: "AgentHarness",
      metricName: "LedgerVerifyProblems",
      // Powertools' default dimension: the service name HarnessFunction gives every function.
      dimensionsMap: { service: "agent-harness" },
      statistic: "Maximum",
      period: Duration.hours(1),
    });
  }

  /** Alarm on any problem the verifier found: the ledger was changed outside its writers. */
  alarmOn(topic: ITopic): Alarm {
    const alarm = new Alarm(this, "ProblemsAlarm", {
      alarmDescription:
        "The ledger does not verify: an event was altered, removed or reordered (see the digest function's logs)",
      metric: this.problems,
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(topic));
    return alarm;
  }
}
