import { Stack } from "aws-cdk-lib";
import { CfnNamedQuery, CfnWorkGroup } from "aws-cdk-lib/aws-athena";
import { CfnDatabase, CfnTable } from "aws-cdk-lib/aws-glue";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { ATHENA_QUERIES } from "./athena-queries.ts";

export interface LedgerAnalyticsProps {
  stage: string;
  archive: IBucket;
  results: IBucket;
}

export type Column = { name: string; type: string };
const col = (name: string, type = "string"): Column => ({ name, type });

/**
 * Columns of a decision snapshot row as archived (shared/usecases/archive.ts: the stored item, see
 * shared/domain/decision.ts and personal-data.ts); the JSON SerDe ignores case. Only plain fields:
 * the sealed personal part (`sealed`) is ciphertext and has no column.
 */
export const DECISION_COLUMNS: Column[] = [
  col("decisionid"),
  col("proposalid"),
  col("agentid"),
  col("actiontype"),
  col("actionkind"),
  col("channel"),
  col("accountid"),
  col("personid"),
  col("verdict"),
  col("status"),
  col(
    "checks",
    "array<struct<check:string,rule:string,result:string,shadow:boolean,effect:string,detail:string>>",
  ),
  col("reasons", "array<string>"),
  col("autonomylevel", "int"),
  col("trustscore", "double"),
  col("confidence", "double"),
  col("specversion", "int"),
  col("spechash"),
  col("decidedat"),
  col("executeat"),
  // When a restarted workflow's release dispatched it (after executeat when late).
  col("releasedat"),
  col("expiresat"),
  col("retryafter"),
  col("idempotencykey"),
  // The reviewer's note and a vendor's error message are sealed (personal-data.ts): no field for them.
  col("review", "struct<action:string,by:string,at:string,digest:string>"),
  // retryat: the vendor turned the attempt away; deliveredat: SES reported the email delivered.
  col(
    "execution",
    "struct<at:string,idempotencykey:string,externalid:string,retryat:string,wrote:boolean,deliveredat:string>",
  ),
  col("outcomes", "array<struct<type:string,at:string,outcomeid:string,recordedat:string>>"),
  col("version", "int"),
  col("updatedat"),
  // Per shadow rule, the verdict the decision would have had with that one rule enforced.
  col("shadow", "array<struct<rule:string,check:string,verdict:string>>"),
  // The experiment arm whose spec version decided (absent outside experiments).
  col("arm"),
];

/** Columns of a ledger event row; `from`/`to` are renamed because they are SQL keywords. */
const EVENT_COLUMNS: Column[] = [
  col("stream"),
  col("seq", "bigint"),
  col("type"),
  col("at"),
  col("actor"),
  col("from_status"),
  col("to_status"),
  col("detail"),
];

/**
 * Glue tables over the archive (partition projection on `dt`, so no crawler and no partition
 * maintenance), an Athena workgroup that encrypts its results, and the named queries GTM teams ask.
 */
export class LedgerAnalytics extends Construct {
  readonly database: CfnDatabase;
  readonly workGroup: CfnWorkGroup;
  readonly databaseName: string;

  constructor(scope: Construct, id: string, props: LedgerAnalyticsProps) {
    super(scope, id);
    const account = Stack.of(this).account;
    this.databaseName = `${props.stage.replace(/-/g, "_")}_harness`;
    this.database = new CfnDatabase(this, "Database", {
      catalogId: account,
      databaseInput: { name: this.databaseName, description: "Agent harness ledger archive" },
    });
    const table = (name: string, prefix: string, columns: Column[], mapping: Record<string, string> = {}) => {
      const location = `s3://${props.archive.bucketName}/${prefix}/`;
      const t = new CfnTable(this, `${name}Table`, {
        catalogId: account,
        databaseName: this.databaseName,
        tableInput: {
          name,
          tableType: "EXTERNAL_TABLE",
          partitionKeys: [{ name: "dt", type: "string" }],
          parameters: {
            classification: "json",
            "projection.enabled": "true",
            "projection.dt.type": "date",
            "projection.dt.format": "yyyy-MM-dd",
            "projection.dt.range": "2024-01-01,NOW",
            "projection.dt.interval": "1",
            "projection.dt.interval.unit": "DAYS",
            "storage.location.template": `${location}dt=\${dt}/`,
          },
          storageDescriptor: {
            location,
            columns,
            inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
            outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            compressed: true,
            serdeInfo: {
              serializationLibrary: "org.openx.data.jsonserde.JsonSerDe",
              parameters: { "ignore.malformed.json": "true", ...mapping },
            },
          },
        },
      });
      t.addDependency(this.database);
      return t;
    };
    table("decisions", "decisions", DECISION_COLUMNS);
    table("ledger_events", "events", EVENT_COLUMNS, {
      "mapping.from_status": "from",
      "mapping.to_status": "to",
    });

    this.workGroup = new CfnWorkGroup(this, "WorkGroup", {
      name: `${props.stage}-harness`,
      description: "Queries over the agent harness ledger archive",
      state: "ENABLED",
      recursiveDeleteOption: false,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        resultConfiguration: {
          outputLocation: `s3://${props.results.bucketName}/results/`,
          encryptionConfiguration: { encryptionOption: "SSE_S3" },
        },
      },
    });
    for (const q of ATHENA_QUERIES) {
      const named = new CfnNamedQuery(this, `Query${q.id}`, {
        name: q.name,
        description: q.description,
        database: this.databaseName,
        workGroup: this.workGroup.name,
        queryString: q.sql,
      });
      named.addDependency(this.workGroup);
      named.addDependency(this.database);
    }
  }
}
