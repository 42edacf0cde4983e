import { Duration } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { IEventBus } from "aws-cdk-lib/aws-events";
import { Effect, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { FilterCriteria, FilterRule, StartingPosition } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { ackArchivePrefix } from "../nag-suppressions.ts";
import { archiveBucketName, archiveObjectsArn } from "./buckets.ts";
import { grantTable } from "./data-access.ts";
import { deadLetterQueue } from "./dead-letter-queue.ts";
import { HarnessFunction } from "./harness-function.ts";

export interface LedgerWorkersProps {
  stage: string;
  ledger: ITable;
  /** Its name only: the shared DynamoDB wiring wants both tables; the starter has no grant on it. */
  stateTableName: string;
  /** Where decision.made / decision.transitioned are published from the stream. */
  bus: IEventBus;
  stateMachineArn: string;
  overrideWindowSeconds: number;
  approvalTimeoutSeconds: number;
  logRetention: RetentionDays;
}

/**
 * The ledger stream's two consumers (DynamoDB Streams serves two readers per shard without
 * throttling): the archiver (every new image -> S3 NDJSON gzip by date) and the workflow starter
 * (DECISION items: new ones that wait -> one Step Functions execution each; every one ->
 * decision.made or decision.transitioned on the bus, so no request awaits a PutEvents). Both retry
 * and send what never succeeds to their own dead-letter queue.
 */
export class LedgerWorkers extends Construct {
  readonly archiver: HarnessFunction;
  readonly starter: HarnessFunction;
  readonly queues: Queue[];

  constructor(scope: Construct, id: string, props: LedgerWorkersProps) {
    super(scope, id);
    const common = { stage: props.stage, logRetention: props.logRetention };
    this.archiver = new HarnessFunction(this, "Archiver", {
      ...common,
      entry: "functions/ledger/archiver.ts",
      description: "Ledger stream -> S3 NDJSON (gzip), partitioned by date",
      invocation: "stream",
      timeout: Duration.seconds(60),
      environment: { ARCHIVE_BUCKET: archiveBucketName(props.stage) },
    });
    this.archiver.role.addToPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ["s3:PutObject"],
        resources: [archiveObjectsArn(props.stage, "decisions"), archiveObjectsArn(props.stage, "events")],
      }),
    );
    for (const prefix of ["decisions", "events"])
      ackArchivePrefix(
        this.archiver.role,
        props.stage,
        prefix,
        `The archiver writes new NDJSON objects with generated keys under ${prefix}/ only; it cannot read, delete or write elsewhere.`,
      );
    const archiverDlq = deadLetterQueue(this, "ArchiverDlq", `${props.stage}-harness-archiver-dlq`);
    this.archiver.fn.addEventSource(
      new DynamoEventSource(props.ledger, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 500,
        maxBatchingWindow: Duration.seconds(30),
        bisectBatchOnError: true,
        // Retried for as long as the stream keeps a record's place in its shard, not 5 times: an S3
        // outage of an hour used the 5 retries in minutes, and a batch's rows then left the archive
        // for good (the DLQ holds only the batch's stream positions, which expire in 24 h). Nothing in
        // a record can fail the archiver for good; the IteratorAge alarm says when it falls behind.
        retryAttempts: 10_000,
        maxRecordAge: Duration.hours(12),
        onFailure: new SqsDlq(archiverDlq),
      }),
    );

    this.starter = new HarnessFunction(this, "WorkflowStarter", {
      ...common,
      entry: "functions/ledger/workflow-starter.ts",
      description: "Decision items -> approval workflow executions and decision.* events",
      invocation: "stream",
      timeout: Duration.seconds(30),
      environment: {
        STATE_TABLE: props.stateTableName,
        LEDGER_TABLE: props.ledger.tableName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        STATE_MACHINE_ARN: props.stateMachineArn,
        OVERRIDE_WINDOW_SECONDS: String(props.overrideWindowSeconds),
        APPROVAL_TIMEOUT_SECONDS: String(props.approvalTimeoutSeconds),
      },
    });
    this.starter.role.addToPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ["states:StartExecution"],
        resources: [props.stateMachineArn],
      }),
    );
    // A transition's from/to: the ledger event written with that version, read by its key.
    grantTable(this.starter.role, props.ledger, ["dynamodb:GetItem"]);
    props.bus.grantPutEventsTo(this.starter.role);
    const starterDlq = deadLetterQueue(this, "StarterDlq", `${props.stage}-harness-workflow-starter-dlq`);
    this.starter.fn.addEventSource(
      new DynamoEventSource(props.ledger, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 50,
        // Up to four batches of a shard at once, each decision's images still in order (Lambda keeps
        // one partition key's records in one batch stream): a burst of decisions (an agent's run, a
        // CRM import's records) is published four times as fast, before its records age out below.
        parallelizationFactor: 4,
        bisectBatchOnError: true,
        // Retried for 30 minutes, not 10 times: the transitions it publishes (learning's sent counts,
        // the KB's executed record actions) have no other way out. Not longer: a record that fails every
        // time holds its shard's later records (approval waits, decision.made) back until then.
        // Workflow starts and decision.made have their backstops (overdue, reconciler).
        retryAttempts: 10_000,
        maxRecordAge: Duration.minutes(30),
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(starterDlq),
        // Decision items only (events, heads and the rest are the archiver's): a first image that
        // waits starts a workflow, and every image is a decision.made or a candidate transition.
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.or("INSERT", "MODIFY"),
            dynamodb: { NewImage: { sk: { S: FilterRule.isEqual("DECISION") } } },
          }),
        ],
      }),
    );
    this.queues = [archiverDlq, starterDlq];
  }
}
