import { HubSpotConnector } from "../../shared/adapters/connectors/hubspot.ts";
import { runtimeWith } from "../../shared/runtime/aws-lazy.ts";
import { awsConnector } from "../../shared/runtime/aws-s3.ts";
import { LIFECYCLE_STORES } from "../../shared/runtime/aws-stores.ts";
import { deployedConnector } from "../../shared/runtime/deployed-connectors.ts";
import { makeHandler } from "./execute-allowed.ts";

/**
 * `decision.made` (dispatched) -> execute in a deployment whose connectors config names HubSpot and no MCP server (the CDK app picks
 * this entry then): execute-allowed.ts with the HubSpot connector.
 */
export const handler = makeHandler(
  runtimeWith(LIFECYCLE_STORES, (env) => ({
    connector: deployedConnector(env, { outbox: awsConnector(env), hubspot: (o) => new HubSpotConnector(o) }),
  })),
);
