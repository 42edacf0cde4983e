import { HubSpotConnector } from "../../shared/adapters/connectors/hubspot.ts";
import { deployedDownstream } from "../../shared/runtime/deployed-mcp.ts";
import { executorRuntime } from "../../shared/runtime/executor-runtime.ts";
import { makeHandler } from "./execute-allowed.ts";

/**
 * `decision.made` (dispatched) -> execute, in a deployment whose connectors config names downstream
 * MCP servers (the CDK app picks this entry then), HubSpot or not: execute-allowed.ts with the MCP
 * client and the HubSpot connector.
 */
export const handler = makeHandler(
  executorRuntime({ hubspot: (o) => new HubSpotConnector(o), mcp: deployedDownstream }),
);
