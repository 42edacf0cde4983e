import { S3Client } from "@aws-sdk/client-s3";
import { awsClientConfig } from "../adapters/aws/client-config.ts";
import { S3DigestArchive } from "../adapters/aws/s3-digest-archive.ts";
import type { Db } from "../adapters/dynamo/db.ts";
import { DynamoLedgerReader } from "../adapters/dynamo/ledger-reader.ts";
import type { LedgerVerifyDeps } from "../usecases/ledger-verify.ts";
import { type AwsEnv, required } from "./aws-env.ts";

/**
 * Ledger verification in AWS: the ledger table read by a paginated Scan, the digests in the archive
 * bucket (ARCHIVE_BUCKET). Used by the scheduled digest function and by the admin API function.
 */
export const awsLedgerIntegrity =
  (env: AwsEnv) =>
  (db: Db): LedgerVerifyDeps => ({
    ledger: new DynamoLedgerReader(db),
    digests: new S3DigestArchive(
      new S3Client(awsClientConfig(env.AWS_REGION)),
      required(env, "ARCHIVE_BUCKET"),
    ),
  });
