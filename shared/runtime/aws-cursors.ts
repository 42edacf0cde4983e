import { createHash } from "node:crypto";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { awsClientConfig } from "../adapters/aws/client-config.ts";
import { secretCursorKey } from "../adapters/aws/secret-cursor-key.ts";
import { PageCursors } from "../adapters/dynamo/cursor.ts";
import { type AwsEnv, ConfigError } from "./aws-env.ts";

/**
 * The cursors of the API functions that paginate (routes marked `paginated`): signed with the
 * deployment's secret, so a cursor from one container is good in every other. Against DynamoDB
 * Local (handler tests, never in AWS) a key derived from the endpoint. Its own module, so only the
 * functions that paginate bundle the Secrets Manager client.
 */
export function awsCursors(env: AwsEnv): PageCursors {
  if (env.CURSOR_KEY_SECRET_ARN)
    return new PageCursors(
      secretCursorKey(new SecretsManagerClient(awsClientConfig(env.AWS_REGION)), env.CURSOR_KEY_SECRET_ARN),
    );
  if (env.DYNAMODB_ENDPOINT)
    return new PageCursors(
      createHash("sha256").update(`local-test-cursors:${env.DYNAMODB_ENDPOINT}`).digest(),
    );
  throw new ConfigError("CURSOR_KEY_SECRET_ARN is required by functions that serve paginated listings");
}
