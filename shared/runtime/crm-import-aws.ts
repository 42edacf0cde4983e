/**
 * The CRM import's AWS wiring, for the crm-import agent's function (functions/agents/crm-import.ts):
 * the HubSpot token from Secrets Manager (CONNECTOR_SECRET_ARNS.hubspot, kept 5 minutes; only
 * this function and the executors may read it), the KB and checkpoints in the state table, and the
 * change events on the bus. Without the secret configured there is no CRM to import from.
 */

import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { awsClientConfig } from "../adapters/aws/client-config.ts";
import { ConnectorSecrets } from "../adapters/aws/connector-secrets.ts";
import { EventBridgePublisher } from "../adapters/aws/event-bridge-publisher.ts";
import { HubSpotCrmSearch } from "../adapters/connectors/hubspot-crm-search.ts";
import { DynamoCheckpointStore } from "../adapters/dynamo/checkpoint-store.ts";
import { DynamoCrmImportStore } from "../adapters/dynamo/crm-import-store.ts";
import type { Db } from "../adapters/dynamo/db.ts";
import { DynamoKnowledgeStore } from "../adapters/dynamo/kb-store.ts";
import type { Clock, EventPublisher } from "../ports.ts";
import { type CrmImporter, importFromCrm } from "../usecases/crm-import.ts";
import { type AwsEnv, ConfigError, required } from "./aws-env.ts";
import { parseDeployedConnectors } from "./connector-schemas.ts";

export const HUBSPOT_SECRET = "hubspot";

/** Stand-ins a test passes (a local Secrets Manager, a recording publisher). */
export interface CrmImportAwsOverrides {
  secrets?: SecretsManagerClient;
  events?: EventPublisher;
}

export function awsCrmImporter(
  env: AwsEnv,
  db: Db,
  clock: Clock,
  overrides: CrmImportAwsOverrides = {},
): CrmImporter | undefined {
  const arn = env.CONNECTOR_SECRET_ARNS[HUBSPOT_SECRET];
  if (!arn) return undefined;
  const secrets = new ConnectorSecrets(
    overrides.secrets ?? new SecretsManagerClient(awsClientConfig(env.AWS_REGION)),
    { [HUBSPOT_SECRET]: arn },
  );
  const { basePath, portalId } = parseDeployedConnectors(env.CONNECTORS_CONFIG).hubspot ?? {};
  const events =
    overrides.events ?? EventBridgePublisher.create(required(env, "EVENT_BUS_NAME"), env.AWS_REGION);
  const store = new DynamoCrmImportStore(db, new DynamoKnowledgeStore(db));
  const checkpoints = new DynamoCheckpointStore(db);
  return {
    importChanges: async (options) => {
      const { accessToken } = await secrets.get(HUBSPOT_SECRET);
      if (!accessToken) throw new ConfigError(`the ${HUBSPOT_SECRET} secret has no accessToken`);
      const crm = new HubSpotCrmSearch({
        accessToken,
        ...(basePath ? { basePath } : {}),
        ...(portalId ? { portalId } : {}),
      });
      return importFromCrm({ clock, crm, store, checkpoints, events }, options);
    },
  };
}
