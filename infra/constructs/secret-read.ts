/**
 * The one way a function is granted a configured Secrets Manager secret (connector tokens, model and
 * embeddings keys, MCP headers). A secret encrypted with a customer-managed KMS key is decrypted by
 * Secrets Manager as the caller: GetSecretValue alone is then refused (AccessDenied) unless the role
 * may also kms:Decrypt that key, so the keys named in HarnessConfig.secretsKmsKeyArns go with every
 * read. Secrets under the account's AWS-managed key (aws/secretsmanager) need nothing more.
 */
import { Stack } from "aws-cdk-lib";
import { Effect, type IRole, PolicyStatement } from "aws-cdk-lib/aws-iam";

/**
 * A KMS key's ARN. Not an alias's: IAM authorizes kms:Decrypt on the key's ARN only, so a grant on an
 * alias would match no request and every read would still be refused.
 */
export const KMS_KEY_ARN =
  /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
export const KMS_KEY_ARN_MESSAGE =
  "a KMS key's ARN (arn:aws:kms:<region>:<account>:key/<key id>), not an alias's";

/**
 * GetSecretValue on `secretArns` and, where keys are given, kms:Decrypt on exactly those keys, only
 * through Secrets Manager in the stack's region (kms:ViaService): the role cannot decrypt anything else
 * with them, by calling KMS itself or through another service. No secrets: nothing is granted.
 */
export function grantSecretRead(role: IRole, secretArns: string[], kmsKeyArns: readonly string[]): void {
  if (!secretArns.length) return;
  role.addToPrincipalPolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ["secretsmanager:GetSecretValue"],
      resources: secretArns,
    }),
  );
  if (kmsKeyArns.length)
    role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ["kms:Decrypt"],
        resources: [...kmsKeyArns],
        conditions: {
          // The functions read their secrets in their own region (their clients' AWS_REGION), where
          // Secrets Manager calls KMS on their behalf.
          StringEquals: { "kms:ViaService": `secretsmanager.${Stack.of(role).region}.amazonaws.com` },
        },
      }),
    );
}
