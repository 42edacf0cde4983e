/**
 * Deployment configuration, from CDK context (`cdk.json` or `-c key=value`), validated with zod so a
 * wrong value fails the synth with the field's name instead of deploying something unexpected.
 */
import * as z from "zod";
import { MAX_APPROVAL_TIMEOUT_HOURS } from "../shared/domain/spec-schema.ts";
import { isValidTimeZone } from "../shared/domain/time.ts";
import {
  DeployedConnectorsConfig,
  HUBSPOT_SIGNING_SECRET,
  HUBSPOT_WEBHOOK_SECRET,
  LINKEDIN_VERSION,
  linkedInVersionAgeMonths,
} from "../shared/runtime/connector-schemas.ts";
import { SECRET_ARN, SECRET_ARN_MESSAGE } from "../shared/runtime/secret-arn.ts";
import { AgentModelConfig } from "./constructs/agent-model.ts";
import { MemoryEmbeddingsConfig } from "./constructs/memory-embeddings.ts";
import { KMS_KEY_ARN, KMS_KEY_ARN_MESSAGE } from "./constructs/secret-read.ts";

const positiveInt = z.coerce.number().int().positive();

/** The connector secrets the functions read by name (connectorSecretArns). */
const SECRET_NAMES = ["hubspot", "linkedin", HUBSPOT_WEBHOOK_SECRET, HUBSPOT_SIGNING_SECRET] as const;

/** Context values given on the command line arrive as strings; JSON-ish ones are parsed here. */
const jsonish = <T extends z.core.SomeType>(schema: T) =>
  z.preprocess((v, ctx) => {
    if (typeof v !== "string") return v;
    try {
      return JSON.parse(v);
    } catch (err) {
      // Meant as JSON but mis-quoted on the command line: say so, not "expected object, received string".
      if (/^\s*[[{]/.test(v))
        ctx.issues.push({
          code: "custom",
          input: v,
          message: `not valid JSON (${(err as Error).message}); quote the whole value for your shell, e.g. -c 'harness:connectors={"dryRun":false}'`,
        });
      return v;
    }
  }, schema);

export const HarnessConfig = z
  .object({
    /** Prefix of every named resource; several stages can share an account. @default "dev" */
    stage: z
      .string()
      // Bounded so derived names (the archive bucket: <stage>-harness-archive-<account>-<region>) fit.
      .regex(/^[a-z][a-z0-9-]{1,15}$/, "lowercase letters, digits and dashes, 2-16 characters")
      .default("dev"),
    /** Used when a scheduled decision carries no executeAt (the spec normally sets it). @default 30 */
    overrideWindowMinutes: positiveInt.max(24 * 60).default(30),
    /**
     * How long a level-1 decision that carries no expiry waits for a review (every decision the gate
     * makes carries one: the wait ends at the decision's own expiry, never at a second ceiling).
     * Bounded by the Step Functions execution's year, as the spec's approvalTimeoutHours is. @default 72
     */
    approvalTimeoutHours: positiveInt.max(MAX_APPROVAL_TIMEOUT_HOURS).default(72),
    /** The Bedrock model agents call through the ModelClient port. */
    bedrockModelId: z.string().min(1).default("global.anthropic.claude-haiku-4-5-20251001-v1:0"),
    /**
     * The built-in agents' model: `{provider: "bedrock", modelId}` or `{provider: "openai-compatible",
     * baseUrl, model, keySecretArn?}` (constructs/agent-model.ts). @default Bedrock with bedrockModelId
     */
    model: jsonish(AgentModelConfig).optional(),
    /**
     * Memory by meaning: `{provider: "bedrock", modelId?, dimensions?}` (Titan Text Embeddings v2,
     * 1024) or `{provider: "openai-compatible", baseUrl, model, dimensions?, keySecretArn?}`
     * (constructs/memory-embeddings.ts). @default none: keyword search
     */
    embeddings: jsonish(MemoryEmbeddingsConfig).optional(),
    /** Connector name -> Secrets Manager secret ARN; only the executor functions may read them. */
    connectorSecretArns: jsonish(
      // The names the functions read: a misspelt one would grant a secret to nobody's code and leave
      // the one meant without it (the webhook answering 500, no poll deployed).
      z
        .strictObject(
          Object.fromEntries(
            SECRET_NAMES.map((k) => [k, z.string().regex(SECRET_ARN, SECRET_ARN_MESSAGE).optional()]),
          ) as Record<(typeof SECRET_NAMES)[number], z.ZodOptional<z.ZodString>>,
          {
            error: (iss) =>
              iss.code === "unrecognized_keys"
                ? `no such secret: ${iss.keys.join(", ")} (the secrets: ${SECRET_NAMES.join(", ")})`
                : undefined,
          },
        )
        .refine((arns) => !arns[HUBSPOT_SIGNING_SECRET] || arns[HUBSPOT_WEBHOOK_SECRET], {
          // The webhook would check and queue, and its worker, with no token to read contacts, fail
          // every event into the dead-letter queue.
          message: `${HUBSPOT_SIGNING_SECRET} (the webhook's client secret) needs ${HUBSPOT_WEBHOOK_SECRET} beside it: the token its queue's worker and the poll read contacts with`,
          path: [HUBSPOT_SIGNING_SECRET],
        }),
    ).default({}),
    /**
     * The customer-managed KMS keys the configured secrets (connectorSecretArns, the model's and
     * embeddings' keySecretArn, MCP servers' headersSecretArn) are encrypted with: every function
     * granted a secret may also kms:Decrypt these, through Secrets Manager only
     * (constructs/secret-read.ts). Without it such a secret's every read is refused. Secrets under
     * the AWS-managed key (aws/secretsmanager) need none. @default []
     */
    secretsKmsKeyArns: jsonish(z.array(z.string().regex(KMS_KEY_ARN, KMS_KEY_ARN_MESSAGE))).default([]),
    /**
     * What the executors really call (shared/runtime/connector-schemas.ts): `dryRun` (the default)
     * records every action to the S3 outbox; with `dryRun: false` the systems named here are called,
     * HubSpot and LinkedIn with the tokens in connectorSecretArns.hubspot / .linkedin.
     */
    connectors: jsonish(DeployedConnectorsConfig).default({ dryRun: true }),
    /** Object Lock (governance mode) on the archive bucket, for regulated users. @default false */
    archiveObjectLock: jsonish(z.boolean()).default(false),
    /** Days archived objects are locked for when archiveObjectLock is on. @default 365 */
    archiveLockDays: positiveInt.max(36500).default(365),
    /** CloudWatch Logs retention for functions, API and state machine logs. @default 90 */
    logRetentionDays: z.coerce
      .number()
      .int()
      .refine(
        (d) => [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 3653].includes(d),
        {
          message: "a CloudWatch Logs retention period (1, 3, 5, 7, 14, 30, 60, 90, 180, 365, ...)",
        },
      )
      .default(90),
    /** API throttling (steady requests per second and burst). @default 50 / 100 */
    apiRateLimit: positiveInt.default(50),
    apiBurstLimit: positiveInt.default(100),
    /**
     * IANA time zone the agents' cron expressions are read in, fixed at deploy. @default the spec's
     * `workspace.timezone`, read when each schedule fires (as the local runtime reads it), so a
     * published spec's zone, and its daylight saving, is followed without a deploy.
     */
    // Checked here: EventBridge Scheduler refuses an unknown zone only while the stack deploys.
    scheduleTimezone: z
      .string()
      .min(1)
      .refine(isValidTimeZone, "expected an IANA time zone such as Europe/Berlin")
      .optional(),
    /** Where alarms notify (an SNS topic is created; subscribe this address if given). */
    alarmEmail: z.email().optional(),
    /**
     * Where else the console is served (a copy hosted elsewhere, a developer's machine): each URL is a
     * sign-in callback and sign-out URL of the console's Cognito client and an origin the API allows
     * (CORS), beside the deployment's own CloudFront URL. https, or http only to localhost.
     * @default []
     */
    consoleUrls: jsonish(
      z
        .array(
          z
            .string()
            .refine((u) => URL.canParse(u), { message: "must be a URL" })
            .refine(
              (u) => {
                const url = URL.canParse(u) ? new URL(u) : undefined;
                return (
                  !url ||
                  url.protocol === "https:" ||
                  (url.protocol === "http:" && url.hostname === "localhost")
                );
              },
              { message: "must be an https URL (http only to localhost)" },
            )
            .refine((u) => !u.includes("#") && !u.includes("?"), {
              message: "must have no #fragment or ?query (the console signs in back to its page's path)",
            })
            // As the console sends it (origin and path): a host in capitals or a bare origin without
            // its "/" would never match its redirect_uri.
            .transform((u) => new URL(u).href),
        )
        .max(20),
    ).default([]),
  })
  .strict();
export type HarnessConfig = z.infer<typeof HarnessConfig>;

/** The agents' model as deployed: the config's `model`, else Bedrock with bedrockModelId. */
export const agentModel = (config: HarnessConfig): AgentModelConfig =>
  config.model ?? { provider: "bedrock", modelId: config.bedrockModelId };

export const CONTEXT_KEY = "harness";

/**
 * Read `harness` from context (an object in cdk.json) and any `harness:<key>` overrides given with
 * `-c harness:stage=prod`.
 */
export function configFromContext(
  tryGet: (key: string) => unknown,
  /** Every context key given (to refuse a `harness:<key>` that names no setting). */
  given: string[] = [],
): HarnessConfig {
  // A misspelt override (`-c harness:connector=…`) would otherwise deploy the default silently: a
  // dry run that sends nothing, or alarms that reach nobody.
  const unknown = given.filter(
    (k) =>
      k.startsWith(`${CONTEXT_KEY}:`) && !Object.hasOwn(HarnessConfig.shape, k.slice(CONTEXT_KEY.length + 1)),
  );
  if (unknown.length)
    throw new Error(
      `invalid CDK context: ${unknown.join(", ")}: no such setting (the settings: ${Object.keys(
        HarnessConfig.shape,
      )
        .map((k) => `${CONTEXT_KEY}:${k}`)
        .join(", ")})`,
    );
  const base = tryGet(CONTEXT_KEY);
  const raw: Record<string, unknown> = {
    ...(typeof base === "string" ? JSON.parse(base) : ((base as Record<string, unknown> | undefined) ?? {})),
  };
  for (const key of Object.keys(HarnessConfig.shape)) {
    const v = tryGet(`${CONTEXT_KEY}:${key}`);
    if (v !== undefined) raw[key] = v;
  }
  const result = HarnessConfig.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${CONTEXT_KEY}.${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid CDK context: ${issues.join("; ")}`);
  }
  return result.data;
}

/**
 * What a deployment as configured will not do that its config suggests it will, said at synth
 * (infra/service-stack.ts adds each as a warning): connectors named while the run is still dry (every
 * action goes to the outbox; nothing is sent), a live run that leaves a system unnamed (its actions
 * go to the outbox, recorded executed), a live deployment without HubSpot's webhook secret (no
 * reply or meeting comes back), SES live without subscription management (no unsubscribe header),
 * LinkedIn live without the message webhook (its linkedin.message decisions fail) or on an API
 * version near its retirement.
 */
export function configNotices(config: HarnessConfig, now = Date.now()): string[] {
  const c = config.connectors;
  const named: string[] = [
    ...(["ses", "hubspot", "linkedin"] as const).filter((k) => c[k] !== undefined),
    ...(c.mcp?.length ? ["mcp"] : []),
  ];
  const notices: string[] = [];
  if (c.dryRun && named.length)
    notices.push(
      `harness.connectors names ${named.join(", ")} but dryRun is true: every action is recorded to the archive bucket's outbox and nothing is sent. Set "dryRun": false once connectorSecretArns holds the secrets.`,
    );
  const outboxed = (["ses", "hubspot", "linkedin"] as const).filter((k) => c[k] === undefined);
  if (!c.dryRun && outboxed.length)
    notices.push(
      `harness.connectors names no ${outboxed.join(", ")}: with dryRun false, their actions still go to the archive bucket's outbox and nothing reaches ${outboxed.length > 1 ? "those systems" : "that system"}, yet each is recorded executed (its external id "s3-outbox:…") and its agent is taught as if it went out. Name ${outboxed.length > 1 ? "them" : "it"}, or keep the agents that act there paused.`,
    );
  if (!c.dryRun && named.length && !config.connectorSecretArns[HUBSPOT_WEBHOOK_SECRET])
    notices.push(
      `harness.connectorSecretArns has no ${HUBSPOT_WEBHOOK_SECRET}: replies and meetings booked never come back from HubSpot (the webhook answers 500 and no poll is deployed), so a reply does not pause its account and the agents go on contacting people who answered.`,
    );
  if (
    !c.dryRun &&
    config.connectorSecretArns[HUBSPOT_WEBHOOK_SECRET] &&
    !config.connectorSecretArns[HUBSPOT_SIGNING_SECRET]
  )
    notices.push(
      `harness.connectorSecretArns has no ${HUBSPOT_SIGNING_SECRET}: the webhook, which anyone on the internet can call, reads its client secret from ${HUBSPOT_WEBHOOK_SECRET}, and so may read the token that reads your contacts too. Put {"clientSecret": …} in a secret of its own and name it ${HUBSPOT_SIGNING_SECRET}.`,
    );
  if (c.hubspot && config.connectorSecretArns[HUBSPOT_WEBHOOK_SECRET] && !c.hubspot.portalId)
    notices.push(
      "harness.connectors.hubspot has no portalId: the webhook and its worker accept events from any portal your HubSpot app is installed in. A sandbox or test portal's contact 12345 is then taken for production's contact 12345: its deletion or opt-out suppresses a real prospect, its reply pauses a real account and teaches trust. Set it to your production portal's id.",
    );
  if (!c.dryRun && c.ses && !c.ses.listManagement)
    notices.push(
      "harness.connectors.ses has no listManagement: emails go out without an unsubscribe header or link (Gmail and Yahoo require one-click unsubscribe of bulk senders), and a recipient can only opt out by complaining. Name your SES contact list there.",
    );
  const liVersion = c.linkedin?.version ?? LINKEDIN_VERSION;
  if (!c.dryRun && c.linkedin && linkedInVersionAgeMonths(liVersion, now) >= 11)
    notices.push(
      `harness.connectors.linkedin: API version ${liVersion}${c.linkedin.version ? "" : " (the default)"} is ${linkedInVersionAgeMonths(liVersion, now)} months old; LinkedIn refuses a version about a year after its release, and then every audience add fails. Set "version" to a recent YYYYMM.`,
    );
  if (!c.dryRun && c.linkedin && !c.linkedin.messageWebhookUrl)
    notices.push(
      "harness.connectors.linkedin has no messageWebhookUrl: linkedin.message decisions (the outreach writer's) fail; audience adds work.",
    );
  return notices;
}
