import { RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import type { Table } from "aws-cdk-lib/aws-dynamodb";
import type { EventBus } from "aws-cdk-lib/aws-events";
import { Key } from "aws-cdk-lib/aws-kms";
import type { Bucket } from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";
import type { HarnessConfig } from "./config.ts";
import { LedgerAnalytics } from "./constructs/analytics.ts";
import { HarnessBuckets } from "./constructs/buckets.ts";
import { HarnessEventBus } from "./constructs/event-bus.ts";
import { HarnessTables } from "./constructs/tables.ts";
import { ack } from "./nag-suppressions.ts";

export interface StatefulStackProps extends StackProps {
  config: HarnessConfig;
}

/** Everything that holds data and outlives deployments: tables, buckets, the bus, the analytics catalog. */
export class StatefulStack extends Stack {
  readonly stateTable: Table;
  readonly ledgerTable: Table;
  readonly archiveBucket: Bucket;
  readonly bus: EventBus;
  readonly analytics: LedgerAnalytics;
  /** Wraps each person's data key (crypto-shredding: erasing a person deletes their wrapped key). */
  readonly personKey: Key;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    const tables = new HarnessTables(this, "Tables", { stage: config.stage });
    this.stateTable = tables.state;
    this.ledgerTable = tables.ledger;
    const buckets = new HarnessBuckets(this, "Buckets", {
      stage: config.stage,
      objectLock: config.archiveObjectLock,
      lockDays: config.archiveLockDays,
    });
    this.archiveBucket = buckets.archive;
    this.bus = new HarnessEventBus(this, "Events", { stage: config.stage }).bus;
    this.personKey = new Key(this, "PersonDataKey", {
      alias: `alias/${config.stage}-harness-person-data`,
      description: "Agent harness: wraps the per-person data keys that seal personal fields in the ledger",
      enableKeyRotation: true,
      // Losing this key would make every sealed ledger field unreadable, not just an erased person's.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.analytics = new LedgerAnalytics(this, "Analytics", {
      stage: config.stage,
      archive: buckets.archive,
      results: buckets.athenaResults,
    });
    ack(
      buckets.accessLogs,
      "AwsSolutions-S1",
      "This is the server access log bucket the other buckets log to; logging it into itself would loop.",
    );
  }
}
