import { Aws, Duration, RemovalPolicy } from "aws-cdk-lib";
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type BucketProps,
  ObjectLockRetention,
  ObjectOwnership,
} from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";

/**
 * The archive's name is derived, not generated, so the service stack can scope grants to key
 * prefixes of it (`.../outbox/*`) without a cross-stack export in its policies.
 */
export const archiveBucketName = (stage: string) =>
  `${stage}-harness-archive-${Aws.ACCOUNT_ID}-${Aws.REGION}`;

export const archiveObjectsArn = (stage: string, prefix: string) =>
  `arn:${Aws.PARTITION}:s3:::${archiveBucketName(stage)}/${prefix}/*`;

export interface HarnessBucketsProps {
  stage: string;
  /** Object Lock in governance mode on the archive, for regulated users. @default false */
  objectLock?: boolean;
  /** @default 365 */
  lockDays?: number;
}

const hardened: BucketProps = {
  blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  encryption: BucketEncryption.S3_MANAGED,
  objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
};

/**
 * The archive bucket (ledger NDJSON, the executors' outbox), Athena's results bucket and the bucket
 * both write their server access logs to. All block public access, require TLS and are encrypted.
 */
export class HarnessBuckets extends Construct {
  readonly archive: Bucket;
  readonly athenaResults: Bucket;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: HarnessBucketsProps) {
    super(scope, id);
    this.accessLogs = new Bucket(this, "AccessLogs", {
      ...hardened,
      // Server access logging needs ACL-less delivery through the bucket policy CDK writes.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
    });
    this.archive = new Bucket(this, "Archive", {
      ...hardened,
      bucketName: archiveBucketName(props.stage),
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: "archive/",
      ...(props.objectLock
        ? {
            objectLockEnabled: true,
            objectLockDefaultRetention: ObjectLockRetention.governance(Duration.days(props.lockDays ?? 365)),
          }
        : {}),
      lifecycleRules: [{ prefix: "outbox/", noncurrentVersionExpiration: Duration.days(90) }],
    });
    this.athenaResults = new Bucket(this, "AthenaResults", {
      ...hardened,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: "athena-results/",
      lifecycleRules: [{ expiration: Duration.days(30), noncurrentVersionExpiration: Duration.days(7) }],
    });
  }
}
