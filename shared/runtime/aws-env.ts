/**
 * The Lambda functions' environment, parsed with zod once per container. Every variable a function
 * may need is declared here; the CDK constructs set exactly the ones each function uses, and a
 * missing one fails with a ConfigError naming it, at the point it is first needed.
 */

import type { DynamoCredentials } from "../adapters/dynamo/db.ts";
import { toIssues } from "../domain/validation.ts";
import * as z from "../domain/zod-mini.ts";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const seconds = (fallback: number) => z._default(z.coerce.number().check(z.int(), z.positive()), fallback);

export const AwsEnv = z.object({
  AWS_REGION: z._default(z.string().check(z.minLength(1)), "us-east-1"),
  /** The deployment's stage (every function has it): agents' IAM roles are named after it. */
  HARNESS_STAGE: z.optional(z.string().check(z.minLength(1))),
  STATE_TABLE: z.optional(z.string().check(z.minLength(1))),
  LEDGER_TABLE: z.optional(z.string().check(z.minLength(1))),
  EVENT_BUS_NAME: z.optional(z.string().check(z.minLength(1))),
  STATE_MACHINE_ARN: z.optional(z.string().check(z.startsWith("arn:"))),
  ARCHIVE_BUCKET: z.optional(z.string().check(z.minLength(3))),
  OUTBOX_BUCKET: z.optional(z.string().check(z.minLength(3))),
  /** Only for tests and local runs against DynamoDB Local; unset in AWS. */
  DYNAMODB_ENDPOINT: z.optional(z.url()),
  /** With DYNAMODB_ENDPOINT: the access key id that DynamoDB Local was started with (its database's key). */
  DYNAMODB_LOCAL_KEY: z.optional(z.string().check(z.minLength(1))),
  OVERRIDE_WINDOW_SECONDS: seconds(1800),
  APPROVAL_TIMEOUT_SECONDS: seconds(72 * 3600),
  /** `{"hubspot":"arn:aws:secretsmanager:..."}`: connector credentials, read by the executors only. */
  CONNECTOR_SECRET_ARNS: z.pipe(
    z._default(z.string(), "{}"),
    z.transform((s: string, ctx) => {
      try {
        return z.record(z.string(), z.string().check(z.startsWith("arn:"))).parse(JSON.parse(s));
      } catch {
        ctx.issues.push({
          code: "custom",
          message: "expected a JSON object of connector name to secret ARN",
          input: s,
        });
        return z.NEVER;
      }
    }),
  ),
  BEDROCK_MODEL_ID: z.optional(z.string().check(z.minLength(1))),
  /** The executors' connectors config (shared/runtime/deployed-connectors.ts), JSON; unset: a dry run. */
  CONNECTORS_CONFIG: z.optional(z.string()),
  /** The admin API's manual runs: `{"<agentId>":"<function name>"}` of every deployed agent. */
  AGENT_FUNCTIONS: z.optional(z.string()),
  /** The secret whose value signs pagination cursors: set on the API functions that paginate only. */
  CURSOR_KEY_SECRET_ARN: z.optional(z.string().check(z.startsWith("arn:"))),
  /** The KMS key that wraps each person's data key (crypto-shredding). */
  PERSON_KEY_ARN: z.optional(z.string().check(z.startsWith("arn:"))),
  /** The HubSpot webhook's queue (SQS FIFO), to which the webhook hands its events: set on it only. */
  WEBHOOK_QUEUE_URL: z.optional(z.url()),
  /** The HubSpot portal whose events the webhook takes (connectors.hubspot.portalId): set on it only. */
  HUBSPOT_PORTAL_ID: z.optional(z.string()),
});
export type AwsEnv = z.infer<typeof AwsEnv>;

export function parseAwsEnv(env: Record<string, string | undefined> = process.env): AwsEnv {
  const result = AwsEnv.safeParse(env);
  if (!result.success) {
    const issues = toIssues(result.error);
    throw new ConfigError(`invalid environment: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
  }
  return result.data;
}

/** An optional variable this function needs after all. */
export function required<K extends keyof AwsEnv>(env: AwsEnv, key: K): NonNullable<AwsEnv[K]> {
  const value = env[key];
  if (value === undefined || value === null)
    throw new ConfigError(`environment variable ${String(key)} is required by this function`);
  return value as NonNullable<AwsEnv[K]>;
}

/** Tests point functions at DynamoDB Local: its endpoint and the key its database is kept under. */
export function localDynamo(env: AwsEnv): { endpoint?: string; credentials?: DynamoCredentials } {
  if (!env.DYNAMODB_ENDPOINT) return {};
  const key = required(env, "DYNAMODB_LOCAL_KEY");
  return { endpoint: env.DYNAMODB_ENDPOINT, credentials: { accessKeyId: key, secretAccessKey: key } };
}
