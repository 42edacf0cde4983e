import { HubSpotConnector } from "../../shared/adapters/connectors/hubspot.ts";
import { deployedDownstream } from "../../shared/runtime/deployed-mcp.ts";
import { executorRuntime } from "../../shared/runtime/executor-runtime.ts";
import { makeHandler } from "./execute.ts";

/**
 * State machine Task "Execute" in a deployment whose connectors config names downstream MCP servers
 * (the CDK app picks this entry then): execute.ts with the MCP client and the HubSpot connector, so
 * a mapped action type calls its server's tool.
 */
export const handler = makeHandler(
  executorRuntime({ hubspot: (o) => new HubSpotConnector(o), mcp: deployedDownstream }),
);
