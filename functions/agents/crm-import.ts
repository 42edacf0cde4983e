/**
 * The crm-import agent's Lambda: the common agent handler (./handler.ts) with the CRM wired in. Its
 * own entry, so only this function's bundle carries HubSpot's SDK and only its role reads the token.
 */
import { lazy } from "../../shared/adapters/aws/powertools.ts";
import { systemClock } from "../../shared/adapters/local/clock.ts";
import { createAgentsAwsRuntime } from "../../shared/runtime/agents-aws.ts";
import { awsCrmImporter } from "../../shared/runtime/crm-import-aws.ts";
import { makeHandler } from "./handler.ts";

export const handler = makeHandler(
  lazy(() => createAgentsAwsRuntime(process.env, systemClock, { crm: awsCrmImporter })),
);
