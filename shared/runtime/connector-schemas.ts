/**
 * The settings of each real connector, shared by the local connectors file (connectors-config.ts)
 * and the deployment's connectors (deployed-connectors.ts, validated by the CDK app at synth). zod
 * only: infra and the executor functions import it without YAML or any SDK.
 */
import * as z from "zod";
import { McpServerName } from "../domain/spec-tools.ts";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Tokens and message bodies travel to these URLs: https, or plain http to this machine (a local stand-in). */
export const Endpoint = z.url().refine(
  (u) => {
    const url = new URL(u);
    return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname));
  },
  { message: "must be an https URL (plain http only to 127.0.0.1 or localhost)" },
);

/** How long one call may take before its outcome counts as unknown (a send then goes to in_doubt). */
export const TimeoutMs = z.number().int().min(100).max(120_000).default(10_000);

export const SesSettings = z
  .object({
    from: z.email(),
    /** Default: AWS_REGION. */
    region: z.string().min(1).optional(),
    endpoint: Endpoint.optional(),
    configurationSetName: z.string().min(1).optional(),
    timeoutMs: TimeoutMs,
  })
  .strict();

export const HubSpotSettings = z
  .object({
    basePath: Endpoint.optional(),
    timeoutMs: TimeoutMs,
  })
  .strict();

export const LinkedInSettings = z
  .object({
    adAccountUrn: z.string().regex(/^urn:li:sponsoredAccount:\d+$/, "must be urn:li:sponsoredAccount:<id>"),
    baseUrl: Endpoint.optional(),
    version: z
      .string()
      .regex(/^\d{6}$/, "must be YYYYMM")
      .optional(),
    messageWebhookUrl: Endpoint.optional(),
    timeoutMs: TimeoutMs,
  })
  .strict();

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");
const HeaderName = z.string().regex(/^[A-Za-z0-9-]+$/, "must be an HTTP header name");

/**
 * A downstream MCP server (spec `autonomy.actions.<type>.tool` maps its tools to action types). Secrets
 * stay out of the file: a stdio server's secret variables and an HTTP server's headers are copied from
 * the harness's environment variables they name.
 */
export const McpDownstreamSettings = z
  .object({
    /** What the spec's `tool.server` names; agents see its tools as `<name>__<tool>`. */
    name: McpServerName,
    transport: z.discriminatedUnion("type", [
      z
        .object({
          type: z.literal("stdio"),
          command: z.string().min(1),
          args: z.array(z.string()).default([]),
          /** Plain values (no secrets): the child gets these, the SDK's safe defaults (PATH, HOME), and envFrom. */
          env: z.record(EnvName, z.string()).default({}),
          /** Child variable → the harness's environment variable it is copied from. */
          envFrom: z.record(EnvName, EnvName).default({}),
        })
        .strict(),
      z
        .object({
          type: z.literal("http"),
          url: Endpoint,
          /** Header → the environment variable holding its whole value (e.g. "Bearer …"). */
          headersFromEnv: z.record(HeaderName, EnvName).default({}),
        })
        .strict(),
    ]),
    /** One tool call's budget: no answer by then and the decision is in_doubt (never called again). */
    timeoutMs: TimeoutMs,
  })
  .strict();
export type McpDownstreamSettings = z.infer<typeof McpDownstreamSettings>;

const STDIO_IN_LAMBDA =
  "stdio servers cannot run in Lambda (no child process outlives an invocation): give the server's streamable HTTP url";

/** Each downstream MCP server's name once: a spec's `tool.server` must name exactly one. */
export function mcpNamesOnce(mcp: readonly { name: string }[], ctx: z.RefinementCtx): void {
  mcp.forEach((s, i) => {
    if (mcp.findIndex((o) => o.name === s.name) !== i)
      ctx.addIssue({ code: "custom", path: ["mcp", i, "name"], message: `"${s.name}" is already used` });
  });
}

/**
 * A downstream MCP server as the deployment names it: streamable HTTP only. Its headers (e.g.
 * Authorization) are a Secrets Manager secret (a JSON object, header -> value) that only the
 * executor functions may read; the ARN is not itself a secret, so it travels in CONNECTORS_CONFIG.
 */
export const DeployedMcpServer = z
  .object({
    name: McpServerName,
    url: Endpoint,
    headersSecretArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/,
        "must be a Secrets Manager secret ARN",
      )
      .optional(),
    // Connecting and the call each get this much, and both must end inside the executor's 60 s
    // (infra/service-stack.ts EXECUTOR_TIMEOUT) so the connector, not a killed function, answers.
    timeoutMs: z.number().int().min(100).max(25_000).default(10_000),
    // Named so a local connectors file's stdio entry is refused with the reason, not "unrecognized key".
    command: z.never({ error: STDIO_IN_LAMBDA }).optional(),
    transport: z.never({ error: `${STDIO_IN_LAMBDA} (url, not transport)` }).optional(),
  })
  .strict();
export type DeployedMcpServer = z.infer<typeof DeployedMcpServer>;

export const DeployedConnectorsConfig = z
  .object({
    /** Record every action to the outbox instead of calling anything. Turn off once the secrets exist. */
    dryRun: z.boolean().default(true),
    /** SES sends with the function's role (ses:SendEmail on the from address's identity): no secret. */
    ses: SesSettings.optional(),
    /** Secret `connectorSecretArns.hubspot`: a private app's access token. */
    hubspot: HubSpotSettings.optional(),
    /** Secret `connectorSecretArns.linkedin`: an access token with rw_dmp_segments. */
    linkedin: LinkedInSettings.optional(),
    /** Downstream MCP servers (deployed-mcp.ts); the spec's `autonomy.actions.<type>.tool` maps their tools. */
    mcp: z.array(DeployedMcpServer).max(20).optional(),
  })
  .strict()
  .superRefine((c, ctx) => mcpNamesOnce(c.mcp ?? [], ctx));
export type DeployedConnectorsConfig = z.infer<typeof DeployedConnectorsConfig>;

/** The systems that need a secret, and so an entry in connectorSecretArns, when not a dry run. */
export const SECRET_SYSTEMS = ["hubspot", "linkedin"] as const;

/**
 * CONNECTORS_CONFIG of the functions that list downstream tools (GET /v1/tools, /mcp): each server's
 * name, URL and timeout, never its headers secret's ARN (they may not read it). Undefined: no servers.
 */
export function listingConnectorsConfig(c: DeployedConnectorsConfig): string | undefined {
  if (!c.mcp?.length) return undefined;
  return JSON.stringify({ mcp: c.mcp.map(({ name, url, timeoutMs }) => ({ name, url, timeoutMs })) });
}

export function parseDeployedConnectors(text: string | undefined): DeployedConnectorsConfig {
  let raw: unknown = {};
  try {
    if (text) raw = JSON.parse(text);
  } catch {
    throw new Error("CONNECTORS_CONFIG: not JSON");
  }
  const parsed = DeployedConnectorsConfig.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      `CONNECTORS_CONFIG: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  return parsed.data;
}

/**
 * The secret (connectorSecretArns key) of HubSpot's webhooks: `{"clientSecret": ..., "accessToken":
 * ...}`, the app's client secret (signatures) and a token that may read contacts. Only the webhook
 * function reads it; the executors' HubSpot token is a different secret it never sees.
 */
export const HUBSPOT_WEBHOOK_SECRET = "hubspot-webhook";
