import { HubSpotConnector } from "../../shared/adapters/connectors/hubspot.ts";
import { executorRuntime } from "../../shared/runtime/executor-runtime.ts";
import { makeHandler } from "./execute-allowed.ts";

/**
 * `decision.made` (dispatched) -> execute, in a deployment whose connectors config names HubSpot and no MCP
 * server (the CDK app picks this entry then): execute-allowed.ts with the HubSpot connector.
 */
export const handler = makeHandler(executorRuntime({ hubspot: (o) => new HubSpotConnector(o) }));
