/**
 * Which systems `harness serve` really calls. The embedded default sends nothing: every action goes to
 * the sandbox outbox. A connectors file (YAML or JSON, `harness serve --connectors FILE` or
 * HARNESS_CONNECTORS=FILE) turns on the real connector of each system it names; systems it does not
 * name stay on the sandbox outbox. Secrets are never in the file: HubSpot and LinkedIn tokens are read
 * from the environment variables it names, SES uses the AWS SDK's own credential chain.
 *
 * ```yaml
 * ses: { from: sdr@example.com, region: us-east-1 }
 * hubspot: { accessTokenEnv: HUBSPOT_ACCESS_TOKEN }
 * linkedin:
 *   adAccountUrn: urn:li:sponsoredAccount:123
 *   messageWebhookUrl: https://hooks.example.com/linkedin
 * inDoubtAfterMs: 60000   # optional: when a send cut off by a crash is surfaced in_doubt
 * mcp:                     # downstream MCP servers; the spec maps their tools to action types
 *   - name: ads
 *     transport: { type: http, url: https://mcp.ads.example.com/mcp, headersFromEnv: { Authorization: ADS_AUTH } }
 *   - name: crm
 *     transport: { type: stdio, command: npx, args: [crm-mcp], envFrom: { CRM_TOKEN: CRM_TOKEN } }
 * ```
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import * as z from "zod";
import { HubSpotConnector } from "../adapters/connectors/hubspot.ts";
import { LinkedInConnector } from "../adapters/connectors/linkedin.ts";
import { DownstreamServer } from "../adapters/connectors/mcp-downstream.ts";
import { DownstreamTools } from "../adapters/connectors/mcp-downstream-tools.ts";
import { transportFor } from "../adapters/connectors/mcp-transport.ts";
import { defaultRetryPolicy } from "../adapters/connectors/retry.ts";
import { type ConnectorSystem, systemFor } from "../adapters/connectors/router.ts";
import { SesEmailConnector } from "../adapters/connectors/ses.ts";
import { ValidationError } from "../domain/errors.ts";
import { parseWith } from "../domain/validation.ts";
import type { Connector, ConnectorRequest, ConnectorResult } from "../ports.ts";
import {
  HubSpotSettings,
  LinkedInSettings,
  longestTimeoutMs,
  McpDownstreamSettings,
  mcpNamesOnce,
  SesSettings,
} from "./connector-schemas.ts";

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");

export const ConnectorsConfig = z
  .object({
    // The connector schemas are zod/mini (functions import them): extended here as classic objects.
    ses: z.optional(SesSettings),
    hubspot: z
      .object({ ...HubSpotSettings.shape, accessTokenEnv: EnvName.default("HUBSPOT_ACCESS_TOKEN") })
      .strict()
      .optional(),
    linkedin: z
      .object({ ...LinkedInSettings.shape, accessTokenEnv: EnvName.default("LINKEDIN_ACCESS_TOKEN") })
      .strict()
      .optional(),
    /**
     * How long a send may go without a recorded result before the harness, when none of its own
     * executions is still running it (the process that made it crashed), surfaces it as in_doubt.
     * Default: the runtime's. At least one call's own retries, so a live send is never written off.
     */
    inDoubtAfterMs: z.number().int().min(1_000).max(3_600_000).optional(),
    /** Downstream MCP servers (mcp-downstream.ts); the spec's `autonomy.actions.<type>.tool` maps their tools. */
    mcp: z.array(McpDownstreamSettings).max(20).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const mcp = c.mcp ?? [];
    mcpNamesOnce(mcp, ctx);
    const floor = defaultRetryPolicy.attempts * longestTimeoutMs(c);
    if (c.inDoubtAfterMs !== undefined && c.inDoubtAfterMs < floor)
      ctx.addIssue({
        code: "custom",
        path: ["inDoubtAfterMs"],
        message: `must be at least ${floor} (${defaultRetryPolicy.attempts} attempts × the longest timeoutMs)`,
      });
  });
export type ConnectorsConfig = z.infer<typeof ConnectorsConfig>;

/** Parse a connectors file's text (YAML or JSON); errors name the field. */
export function parseConnectorsConfig(text: string): ConnectorsConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ValidationError([{ path: "", message: `not YAML or JSON: ${(err as Error).message}` }], {
      cause: err,
    });
  }
  return parseWith(ConnectorsConfig, raw ?? {});
}

function secret(env: Record<string, string | undefined>, name: string, system: string): string {
  const value = env[name];
  if (!value)
    throw new ValidationError([
      { path: `${system}.accessTokenEnv`, message: `environment variable ${name} is not set` },
    ]);
  return value;
}

/** The configured systems' real connectors, validated before anything starts. */
export class LiveConnectors {
  constructor(
    private readonly live: Partial<Record<ConnectorSystem, Connector>>,
    /** See ConnectorsConfig.inDoubtAfterMs; the runtime's default when undefined. */
    readonly inDoubtAfterMs?: number,
    /** The downstream MCP servers, if the file names any: started (tools listed) by `start()`. */
    readonly downstream?: DownstreamTools,
  ) {}

  /** Connects to the downstream MCP servers and lists their tools, before the harness serves. */
  async start(): Promise<void> {
    await this.downstream?.start();
  }

  /** The systems that are really called, for the startup banner. */
  get systems(): ConnectorSystem[] {
    return Object.keys(this.live) as ConnectorSystem[];
  }

  /** The runtime's one connector: the action's system when it is live, else the sandbox outbox. */
  withSandbox(sandbox: Connector): Connector {
    return {
      execute: (req: ConnectorRequest): Promise<ConnectorResult> => {
        const system = systemFor(req.decision.actionType);
        return ((system && this.live[system]) || sandbox).execute(req);
      },
    };
  }
}

export function connectorsFromConfig(
  config: ConnectorsConfig,
  env: Record<string, string | undefined>,
): LiveConnectors {
  const live: Partial<Record<ConnectorSystem, Connector>> = {};
  if (config.ses) {
    // Without a region the SDK fails at send time, which would read as an unknown outcome: fail now.
    const region = config.ses.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (!region) throw new ValidationError([{ path: "ses.region", message: "set it here or in AWS_REGION" }]);
    live.ses = new SesEmailConnector({ ...config.ses, region });
  }
  if (config.hubspot)
    live.hubspot = new HubSpotConnector({
      accessToken: secret(env, config.hubspot.accessTokenEnv, "hubspot"),
      timeoutMs: config.hubspot.timeoutMs,
      ...(config.hubspot.basePath ? { basePath: config.hubspot.basePath } : {}),
    });
  if (config.linkedin) {
    const { accessTokenEnv, ...rest } = config.linkedin;
    live.linkedin = new LinkedInConnector({ ...rest, accessToken: secret(env, accessTokenEnv, "linkedin") });
  }
  const downstream = config.mcp?.length
    ? new DownstreamTools(config.mcp.map((s) => new DownstreamServer(s, transportFor(s, env))))
    : undefined;
  return new LiveConnectors(live, config.inDoubtAfterMs, downstream);
}

/** The connectors file named by `--connectors` or HARNESS_CONNECTORS; none means the sandbox for everything. */
export function loadConnectors(
  file: string | undefined,
  env: Record<string, string | undefined>,
): LiveConnectors | undefined {
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ValidationError([
      {
        path: "connectors",
        message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? "error"}`,
      },
    ]);
  }
  try {
    return connectorsFromConfig(parseConnectorsConfig(text), env);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    throw new ValidationError(
      err.issues.map((i) => ({ path: i.path ? `${file}: ${i.path}` : file, message: i.message })),
      { cause: err },
    );
  }
}
