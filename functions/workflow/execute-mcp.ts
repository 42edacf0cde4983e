import { HubSpotConnector } from "../../shared/adapters/connectors/hubspot.ts";
import { runtimeWith } from "../../shared/runtime/aws-lazy.ts";
import { awsConnector } from "../../shared/runtime/aws-s3.ts";
import { LIFECYCLE_STORES } from "../../shared/runtime/aws-stores.ts";
import { deployedConnector } from "../../shared/runtime/deployed-connectors.ts";
import { deployedDownstream } from "../../shared/runtime/deployed-mcp.ts";
import { makeHandler } from "./execute.ts";

/**
 * State machine Task "Execute" in a deployment whose connectors config names downstream MCP servers
 * (the CDK app picks this entry then): execute.ts with the MCP client and the HubSpot connector, so a mapped action type calls
 * its server's tool.
 */
export const handler = makeHandler(
  runtimeWith(LIFECYCLE_STORES, (env) => ({
    connector: deployedConnector(env, {
      outbox: awsConnector(env),
      hubspot: (o) => new HubSpotConnector(o),
      mcp: deployedDownstream,
    }),
  })),
);
