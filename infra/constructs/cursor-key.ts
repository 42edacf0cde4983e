import { RemovalPolicy } from "aws-cdk-lib";
import type { IGrantable } from "aws-cdk-lib/aws-iam";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { ack } from "../nag-suppressions.ts";

export interface CursorKeyProps {
  stage: string;
}

/**
 * The key that signs pagination cursors (shared/adapters/dynamo/cursor.ts): a random value generated
 * by Secrets Manager at deploy time, never in the template or the code, readable only by the API
 * functions that paginate (`grantRead`), which load it once per container.
 */
export class CursorKey extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: CursorKeyProps) {
    super(scope, id);
    this.secret = new Secret(this, "Secret", {
      secretName: `${props.stage}-harness-cursor-key`,
      description: "HMAC key signing the API's pagination cursors (not a credential: it protects no data)",
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      // Losing it only invalidates outstanding cursors: a new stack generates a new one.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    ack(
      this.secret,
      "AwsSolutions-SMG4",
      "Not a credential: it signs pagination cursors, which only say where a listing resumes and grant nothing (every request is authorized on its own). Rotating means replacing it, which only makes outstanding cursors a 400 (clients start the listing again); no rotation Lambda is warranted.",
    );
  }

  grantRead(grantee: IGrantable): void {
    this.secret.grantRead(grantee);
  }
}
