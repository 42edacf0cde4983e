/**
 * The settings of each real connector, shared by the local connectors file (connectors-config.ts)
 * and the deployment's connectors (deployed-connectors.ts, validated by the CDK app at synth). zod
 * only: infra and the executor functions import it without YAML or any SDK.
 */

import { McpServerName } from "../domain/spec-tools.ts";
import * as z from "../domain/zod-mini.ts";
import { SECRET_ARN, SECRET_ARN_MESSAGE } from "./secret-arn.ts";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Tokens and message bodies travel to these URLs: https, or plain http to this machine (a local stand-in). */
export const Endpoint = z.url().check(
  z.refine(
    (u) => {
      const url = new URL(u);
      return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname));
    },
    { message: "must be an https URL (plain http only to 127.0.0.1 or localhost)" },
  ),
);

/** How long one call may take before its outcome counts as unknown (a send then goes to in_doubt). */
export const TimeoutMs = z._default(z.number().check(z.int(), z.gte(100), z.lte(120_000)), 10_000);

const NonEmpty = z.string().check(z.minLength(1));

export const SesSettings = z.strictObject({
  from: z.email(),
  /** Default: AWS_REGION. */
  region: z.optional(NonEmpty),
  endpoint: z.optional(Endpoint),
  configurationSetName: z.optional(NonEmpty),
  /**
   * Send an HTML part beside the text (the same words, links live): SES tracks opens and clicks only
   * in HTML, so without it no `opened` ever comes back. `false`: plain text only. Default true.
   */
  html: z._default(z.boolean(), true),
  /**
   * SES subscription management: each email names this contact list (and topic), so SES adds the
   * List-Unsubscribe and one-click List-Unsubscribe-Post headers, hosts the unsubscribe page, and
   * publishes each unsubscribe as a Subscription event, which suppresses the person here
   * (world-outcomes.ts). An account has one contact list: name yours (`aws sesv2 create-contact-list`).
   */
  listManagement: z.optional(
    z.strictObject({
      contactListName: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be an SES contact list name")),
      topicName: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be an SES topic name"))),
    }),
  ),
  timeoutMs: TimeoutMs,
});

export const HubSpotSettings = z.strictObject({
  basePath: z.optional(Endpoint),
  /** The portal (hub) id: with it, records the CRM import writes cite their HubSpot URL. */
  portalId: z.optional(z.string().check(z.regex(/^\d+$/, "must be the portal's numeric id"))),
  timeoutMs: TimeoutMs,
});

/**
 * The LinkedIn Marketing API version sent when the config names none. LinkedIn supports each monthly
 * version for at least a year, then refuses it (HTTP 426): the default was 202501, sunset in 2026, so
 * every LinkedIn call of a deployment without `version` was refused. Synthesis warns when the version
 * in force is near its end (infra/config.ts configNotices).
 */
export const LINKEDIN_VERSION = "202608";

/** Whole months from a YYYYMM version to `now`. */
export const linkedInVersionAgeMonths = (version: string, now: number) => {
  const d = new Date(now);
  return (
    (d.getUTCFullYear() - Number(version.slice(0, 4))) * 12 + (d.getUTCMonth() + 1 - Number(version.slice(4)))
  );
};

export const LinkedInSettings = z.strictObject({
  adAccountUrn: z
    .string()
    .check(z.regex(/^urn:li:sponsoredAccount:\d+$/, "must be urn:li:sponsoredAccount:<id>")),
  baseUrl: z.optional(Endpoint),
  /** The Marketing API version (YYYYMM); LinkedIn refuses one older than about a year. Default LINKEDIN_VERSION. */
  version: z.optional(z.string().check(z.regex(/^20\d{2}(0[1-9]|1[0-2])$/, "must be YYYYMM"))),
  /** A new DMP segment's sourcePlatform: the value LinkedIn gave you with the Audiences program. */
  sourcePlatform: z.optional(
    z.string().check(z.regex(/^[A-Z][A-Z0-9_]{0,63}$/, "must be LinkedIn's enum value")),
  ),
  messageWebhookUrl: z.optional(Endpoint),
  timeoutMs: TimeoutMs,
});

const EnvName = z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"));
const HeaderName = z.string().check(z.regex(/^[A-Za-z0-9-]+$/, "must be an HTTP header name"));

/**
 * A downstream MCP server (spec `autonomy.actions.<type>.tool` maps its tools to action types). Secrets
 * stay out of the file: a stdio server's secret variables and an HTTP server's headers are copied from
 * the harness's environment variables they name.
 */
export const McpDownstreamSettings = z.strictObject({
  /** What the spec's `tool.server` names; agents see its tools as `<name>__<tool>`. */
  name: McpServerName,
  transport: z.discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("stdio"),
      command: NonEmpty,
      args: z._default(z.array(z.string()), []),
      /** Plain values (no secrets): the child gets these, the SDK's safe defaults (PATH, HOME), and envFrom. */
      env: z._default(z.record(EnvName, z.string()), {}),
      /** Child variable → the harness's environment variable it is copied from. */
      envFrom: z._default(z.record(EnvName, EnvName), {}),
    }),
    z.strictObject({
      type: z.literal("http"),
      url: Endpoint,
      /** Header → the environment variable holding its whole value (e.g. "Bearer …"). */
      headersFromEnv: z._default(z.record(HeaderName, EnvName), {}),
    }),
  ]),
  /** One tool call's budget: no answer by then and the decision is in_doubt (never called again). */
  timeoutMs: TimeoutMs,
});
export type McpDownstreamSettings = z.infer<typeof McpDownstreamSettings>;

const STDIO_IN_LAMBDA =
  "stdio servers cannot run in Lambda (no child process outlives an invocation): give the server's streamable HTTP url";

/** Each downstream MCP server's name once: a spec's `tool.server` must name exactly one. */
export function mcpNamesOnce(mcp: readonly { name: string }[], ctx: z.core.$RefinementCtx): void {
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
export const DeployedMcpServer = z.strictObject({
  name: McpServerName,
  url: Endpoint,
  headersSecretArn: z.optional(z.string().check(z.regex(SECRET_ARN, SECRET_ARN_MESSAGE))),
  // Connecting and the call each get this much; the executors' timeout grows with it
  // (infra/service-stack.ts executorTimeout) so the connector, not a killed function, answers.
  timeoutMs: z._default(z.number().check(z.int(), z.gte(100), z.lte(25_000)), 10_000),
  // Named so a local connectors file's stdio entry is refused with the reason, not "unrecognized key".
  command: z.optional(z.never({ error: STDIO_IN_LAMBDA })),
  transport: z.optional(z.never({ error: `${STDIO_IN_LAMBDA} (url, not transport)` })),
});
export type DeployedMcpServer = z.infer<typeof DeployedMcpServer>;

export const DeployedConnectorsConfig = z
  .strictObject({
    /** Record every action to the outbox instead of calling anything. Turn off once the secrets exist. */
    dryRun: z._default(z.boolean(), true),
    /** SES sends with the function's role (ses:SendEmail on the from address's identity): no secret. */
    ses: z.optional(SesSettings),
    /** Secret `connectorSecretArns.hubspot`: a private app's access token. */
    hubspot: z.optional(HubSpotSettings),
    /** Secret `connectorSecretArns.linkedin`: an access token with rw_dmp_segments. */
    linkedin: z.optional(LinkedInSettings),
    /** Downstream MCP servers (deployed-mcp.ts); the spec's `autonomy.actions.<type>.tool` maps their tools. */
    mcp: z.optional(z.array(DeployedMcpServer).check(z.maxLength(20))),
  })
  .check(z.superRefine((c, ctx) => mcpNamesOnce(c.mcp ?? [], ctx)));
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
 * The secret (connectorSecretArns key) of HubSpot's webhooks: `{"accessToken": ...}`, a token that
 * may read contacts, for the webhook's queue worker and the poll; and the app's client secret
 * (`"clientSecret"`, the signatures) unless HUBSPOT_SIGNING_SECRET holds it. The executors' HubSpot
 * token is a different secret these functions never see.
 */
export const HUBSPOT_WEBHOOK_SECRET = "hubspot-webhook";

/**
 * The app's client secret on its own, `{"clientSecret": ...}`: when configured, the public webhook
 * function reads this one only, so the function anyone can call cannot read a token that reads
 * contacts. Without it the webhook reads the client secret from HUBSPOT_WEBHOOK_SECRET (and synthesis
 * warns).
 */
export const HUBSPOT_SIGNING_SECRET = "hubspot-signing";

/** The secret the webhook checks signatures with: the signing secret when it is configured. */
export const webhookSigningSecret = (arns: Record<string, string>): string =>
  arns[HUBSPOT_SIGNING_SECRET] ? HUBSPOT_SIGNING_SECRET : HUBSPOT_WEBHOOK_SECRET;

type Timed = { timeoutMs: number } | undefined;

/**
 * The longest `timeoutMs` of the systems a connectors config names (0 when it names none): what a
 * call may take at worst, per attempt. The local config's in-doubt floor and the deployed executors'
 * timeout (infra/service-stack.ts) are both built on it.
 */
export const longestTimeoutMs = (c: {
  ses?: Timed;
  hubspot?: Timed;
  linkedin?: Timed;
  mcp?: readonly { timeoutMs: number }[] | undefined;
}): number => Math.max(0, ...[c.ses, c.hubspot, c.linkedin, ...(c.mcp ?? [])].map((s) => s?.timeoutMs ?? 0));
