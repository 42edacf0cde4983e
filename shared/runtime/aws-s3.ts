import { S3Client } from "@aws-sdk/client-s3";
import { awsClientConfig } from "../adapters/aws/client-config.ts";
import { S3ArchiveWriter } from "../adapters/aws/s3-archive-writer.ts";
import { S3OutboxConnector } from "../adapters/aws/s3-outbox-connector.ts";
import { DataKeys } from "../adapters/dynamo/data-keys.ts";
import type { Db } from "../adapters/dynamo/db.ts";
import type { Clock, Connector } from "../ports.ts";
import { type AwsEnv, required } from "./aws-env.ts";
import { awsKeyWrapper } from "./aws-keys.ts";

export const s3Archive = (env: AwsEnv) =>
  new S3ArchiveWriter(new S3Client(awsClientConfig(env.AWS_REGION)), required(env, "ARCHIVE_BUCKET"));

/**
 * The executors' connector. Until live connectors (HubSpot, SES, ...) are wired with the secrets in
 * CONNECTOR_SECRET_ARNS, a deployed harness records side effects to the S3 outbox (a dry run).
 */
export const awsConnector =
  (env: AwsEnv) =>
  (db: Db, clock: Clock): Connector =>
    new S3OutboxConnector(
      new S3Client(awsClientConfig(env.AWS_REGION)),
      required(env, "OUTBOX_BUCKET"),
      () => clock.now(),
      new DataKeys(db, awsKeyWrapper(env)),
    );
