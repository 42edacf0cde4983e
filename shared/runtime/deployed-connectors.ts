/**
 * The deployed executors' connector. The deployment's `connectors` config (CDK context, validated at
 * synth, passed to the executor functions as CONNECTORS_CONFIG) names the systems to really call;
 * their credentials come from Secrets Manager (CONNECTOR_SECRET_ARNS, readable by the executors
 * only). `dryRun` (the default) keeps every action on the S3 outbox, as before any secret exists.
 * Systems the config does not name stay on the outbox, as locally (connectors-config.ts). Action
 * types the spec maps to a downstream MCP server's tool (config `mcp`) call that tool (deployed-mcp.ts),
 * in the executors built with the MCP client. The HubSpot connector likewise: the CDK app deploys the
 * executors' `-hubspot` entries when the config names HubSpot, the `-mcp` entries (HubSpot included)
 * when it names MCP servers, and the lean ones otherwise, so a deployment ships neither HubSpot's
 * codegen (~230 KB) nor the MCP SDK and its JSON Schema validator (~290 KB) unless it calls them
 * (issue 11 item 8).
 */

import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { awsClientConfig } from "../adapters/aws/client-config.ts";
import { ConnectorSecrets, SecretReadError } from "../adapters/aws/connector-secrets.ts";
import type { HubSpotConnector, HubSpotOptions } from "../adapters/connectors/hubspot.ts";
import { LinkedInConnector } from "../adapters/connectors/linkedin.ts";
import { statusOf } from "../adapters/connectors/retry.ts";
import { type ConnectorSystem, systemFor } from "../adapters/connectors/router.ts";
import { SesEmailConnector } from "../adapters/connectors/ses.ts";
import type { Db } from "../adapters/dynamo/db.ts";
import { DynamoSpecStore } from "../adapters/dynamo/spec-store.ts";
import {
  type Clock,
  type Connector,
  ConnectorError,
  type ConnectorRequest,
  type ConnectorResult,
} from "../ports.ts";
import { type AwsEnv, ConfigError } from "./aws-env.ts";
import { parseDeployedConnectors } from "./connector-schemas.ts";
import type * as DeployedMcp from "./deployed-mcp.ts";

/** The systems whose credentials are a token from their secret (SES signs with the function's role). */
const TOKEN_SYSTEMS = new Set<ConnectorSystem>(["hubspot", "linkedin"]);

export interface DeployedConnectorOptions {
  /** The dry-run connector (the S3 outbox); also serves the systems the config does not name. */
  outbox: (db: Db, clock: Clock) => Connector;
  /** Default: Secrets Manager in the function's region. Tests pass a client aimed at a stand-in. */
  secrets?: ConnectorSecrets;
  /** The downstream MCP servers' tools: given by the `-mcp` executor entries only. */
  mcp?: typeof DeployedMcp.deployedDownstream;
  /** The HubSpot connector: given by the `-hubspot` and `-mcp` executor entries only. */
  hubspot?: (o: HubSpotOptions) => HubSpotConnector;
}

/**
 * One connector per container: each live system is built on its first action (reading its secret
 * then), so a missing LinkedIn secret never holds up an email. A secret that is missing or denied
 * fails the action as refused (nothing was sent); one whose read failed in passing hands the action
 * back, to be tried later; either way the next action reads it again. A token the vendor rejects
 * (401: nothing was done) was perhaps rotated since this container read it: the secret is read again
 * and the action sent once more with what it holds now; a second 401 is the action's refusal.
 */
export function deployedConnector(env: AwsEnv, o: DeployedConnectorOptions) {
  const config = parseDeployedConnectors(env.CONNECTORS_CONFIG);
  let client: ConnectorSecrets | undefined;
  const secretsOf = () =>
    (client ??=
      o.secrets ??
      new ConnectorSecrets(
        new SecretsManagerClient(awsClientConfig(env.AWS_REGION)),
        env.CONNECTOR_SECRET_ARNS,
      ));
  // The CDK app deploys the executors' -hubspot or -mcp entries when the config it is given names them.
  if (config.hubspot && !config.dryRun && !o.hubspot)
    throw new ConfigError(
      "the connectors config names HubSpot; this executor was built without the HubSpot connector: redeploy with this config",
    );
  const mcpServers = config.dryRun ? [] : (config.mcp ?? []);
  if (mcpServers.length > 0 && !o.mcp)
    throw new ConfigError(
      "the connectors config names MCP servers; this executor was built without the MCP client: redeploy with this config",
    );
  // One per container: a server's connection is kept across invocations, as a live system is.
  const downstream =
    mcpServers.length > 0 && o.mcp
      ? o.mcp(mcpServers, (server, arn, rejected) => secretsOf().headers(server, arn, rejected))
      : undefined;
  return (db: Db, clock: Clock): Connector => {
    const outbox = o.outbox(db, clock);
    if (config.dryRun) return outbox;
    const secrets = secretsOf();
    const token = async (system: ConnectorSystem) => {
      const s = await secrets.get(system);
      if (!s.accessToken) {
        // Not kept: the next action reads the secret again, so a secret fixed now is used at once.
        // Before, it was kept five minutes, each action failed against it.
        secrets.forget(system);
        throw new ConfigError(`the ${system} secret has no accessToken`);
      }
      return s.accessToken;
    };
    const builders: Partial<Record<ConnectorSystem, (token: string) => Connector>> = {};
    const { ses, hubspot, linkedin } = config;
    if (ses) builders.ses = () => new SesEmailConnector({ ...ses, region: ses.region ?? env.AWS_REGION });
    const makeHubSpot = o.hubspot;
    if (hubspot && makeHubSpot) builders.hubspot = (accessToken) => makeHubSpot({ ...hubspot, accessToken });
    if (linkedin) builders.linkedin = (accessToken) => new LinkedInConnector({ ...linkedin, accessToken });
    // Each kept with the token it was built with, and built again when its secret (kept 5 minutes,
    // connector-secrets.ts) holds another: a rotated token is in use within the secret's keep, and a
    // connector's own caches (HubSpot's lists, LinkedIn's segments) live as long as its token.
    const built = new Map<ConnectorSystem, { token: string; connector: Connector }>();
    const live = async (system: ConnectorSystem): Promise<Connector> => {
      const build = builders[system] as (token: string) => Connector;
      const t = TOKEN_SYSTEMS.has(system) ? await token(system) : "";
      const kept = built.get(system);
      if (kept?.token === t) return kept.connector;
      const connector = build(t);
      built.set(system, { token: t, connector });
      return connector;
    };
    const send = async (
      system: ConnectorSystem,
      req: ConnectorRequest,
      again: boolean,
    ): Promise<ConnectorResult> => {
      let connector: Connector;
      try {
        connector = await live(system);
      } catch (err) {
        // Nothing reached the vendor: not in doubt. A secret missing or denied fails the action; one
        // whose read failed in passing (a throttle, a timeout, a 5xx on a cold container) hands it
        // back to be tried later, as a vendor's 429 does: before, that blip failed an approved send.
        throw new ConnectorError(`${system} connector unavailable: ${(err as Error).message}`, false, {
          cause: err,
          ...(err instanceof SecretReadError && err.passing ? { retryAfterMs: 0 } : {}),
        });
      }
      try {
        return await connector.execute(req);
      } catch (err) {
        const rejectedToken =
          err instanceof ConnectorError && !err.outcomeUnknown && statusOf(err.cause) === 401;
        if (!again || !rejectedToken || !TOKEN_SYSTEMS.has(system)) throw err;
        built.delete(system);
        secrets.forget(system);
        return send(system, req, false);
      }
    };
    const systems: Connector = {
      execute: async (req: ConnectorRequest) => {
        const system = systemFor(req.decision.actionType);
        if (!system || !builders[system]) return outbox.execute(req);
        return send(system, req, true);
      },
    };
    // A mapped action type calls its downstream tool, read from the decision's spec version as locally.
    return downstream ? downstream.connector(systems, new DynamoSpecStore(db)) : systems;
  };
}
