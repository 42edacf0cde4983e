import { Stack, type StackProps } from "aws-cdk-lib";
import type { Table } from "aws-cdk-lib/aws-dynamodb";
import type { EventBus } from "aws-cdk-lib/aws-events";
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
