import { RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import { LEDGER_INDEXES } from "../../shared/adapters/dynamo/keys.ts";

export interface HarnessTablesProps {
  stage: string;
  /** @default RemovalPolicy.RETAIN: the ledger is the product's record; never delete it with a stack. */
  removalPolicy?: RemovalPolicy;
}

/**
 * The two tables of shared/adapters/dynamo/tables.ts: state (TTL `ttl` for cooldown locks, counters
 * and task tokens; correctness never relies on TTL deletion) and the ledger (GSIs per account,
 * person, agent and status; a NEW_IMAGE stream for the archiver and the workflow starter).
 */
export class HarnessTables extends Construct {
  readonly state: Table;
  readonly ledger: Table;

  constructor(scope: Construct, id: string, props: HarnessTablesProps) {
    super(scope, id);
    const common = {
      partitionKey: { name: "pk", type: AttributeType.STRING },
      sortKey: { name: "sk", type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    };
    this.state = new Table(this, "State", {
      ...common,
      tableName: `${props.stage}-harness-state`,
      timeToLiveAttribute: "ttl",
    });
    this.ledger = new Table(this, "Ledger", {
      ...common,
      tableName: `${props.stage}-harness-ledger`,
      stream: StreamViewType.NEW_IMAGE,
    });
    for (const index of LEDGER_INDEXES) {
      this.ledger.addGlobalSecondaryIndex({
        indexName: index,
        partitionKey: { name: `${index}Pk`, type: AttributeType.STRING },
        sortKey: { name: `${index}Sk`, type: AttributeType.STRING },
      });
    }
  }
}
