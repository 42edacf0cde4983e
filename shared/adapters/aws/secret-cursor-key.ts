import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/**
 * The pagination key from Secrets Manager: the secret the CDK app generated (a random string). Read
 * on first use and then kept by PageCursors for the container's life; a failed read is retried on
 * the next request.
 */
export const secretCursorKey =
  (client: SecretsManagerClient, secretArn: string) => async (): Promise<Uint8Array> => {
    const res = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!res.SecretString) throw new Error("the pagination key secret has no string value");
    return Buffer.from(res.SecretString, "utf8");
  };
