/**
 * The crm-import agent's Lambda: the common agent handler (shared/runtime/agent-handler.ts) with the
 * CRM wired in. Its own entry, so only this function's bundle carries HubSpot's SDK and only its role
 * reads the token.
 * It runs that agent alone (the agent declares no action, so it never proposes): this bundle carries
 * none of the other agents' workflows. No agent function has a gate (agents propose through the API).
 */
import { lazy } from "../../shared/adapters/aws/powertools.ts";
import { systemClock } from "../../shared/adapters/local/clock.ts";
import { crmImport } from "../../shared/agents/workflows/crm-import.ts";
import { makeHandler } from "../../shared/runtime/agent-handler.ts";
import { agentsAwsRuntime } from "../../shared/runtime/agents-aws-core.ts";
import { awsCrmImporter } from "../../shared/runtime/crm-import-aws.ts";

export const handler = makeHandler(
  lazy(() => agentsAwsRuntime({ agents: [crmImport] }, process.env, systemClock, { crm: awsCrmImporter })),
);
