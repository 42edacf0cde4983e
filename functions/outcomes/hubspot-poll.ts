/**
 * Scheduled fallback of the HubSpot webhook (an EventBridge schedule): replies and booked meetings
 * since the checkpoint, found by CRM search with the read token of the webhook's secret, recorded as
 * the webhook's worker records them (shared/usecases/hubspot-outcomes.ts).
 */

import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { awsClientConfig } from "../../shared/adapters/aws/client-config.ts";
import { ConnectorSecrets } from "../../shared/adapters/aws/connector-secrets.ts";
import { meteredHandler } from "../../shared/adapters/aws/powertools-metrics.ts";
import { HubSpotContactEmails } from "../../shared/adapters/connectors/hubspot-contacts.ts";
import { HubSpotOutcomeSearch } from "../../shared/adapters/connectors/hubspot-poll.ts";
import { DynamoCheckpointStore } from "../../shared/adapters/dynamo/checkpoint-store.ts";
import { importedPersonOf } from "../../shared/adapters/dynamo/crm-import-store.ts";
import type { AwsRuntime } from "../../shared/runtime/aws.ts";
import { ConfigError } from "../../shared/runtime/aws-env.ts";
import { runtimeWith } from "../../shared/runtime/aws-lazy.ts";
import { OUTCOME_STORES } from "../../shared/runtime/aws-stores.ts";
import { HUBSPOT_WEBHOOK_SECRET, parseDeployedConnectors } from "../../shared/runtime/connector-schemas.ts";
import { pollHubSpotOutcomes } from "../../shared/usecases/hubspot-outcomes.ts";

export const makeHandler = (runtime: () => AwsRuntime, secrets?: ConnectorSecrets) =>
  meteredHandler(async (_event: unknown, tools) => {
    const rt = runtime();
    secrets ??= new ConnectorSecrets(
      new SecretsManagerClient(awsClientConfig(rt.env.AWS_REGION)),
      rt.env.CONNECTOR_SECRET_ARNS,
    );
    const { accessToken } = await secrets.get(HUBSPOT_WEBHOOK_SECRET);
    if (!accessToken) throw new ConfigError(`the ${HUBSPOT_WEBHOOK_SECRET} secret has no accessToken`);
    const basePath = parseDeployedConnectors(rt.env.CONNECTORS_CONFIG).hubspot?.basePath;
    const o = { accessToken, ...(basePath ? { basePath } : {}) };
    const result = await pollHubSpotOutcomes(rt.deps, {
      changes: new HubSpotOutcomeSearch(o),
      contacts: new HubSpotContactEmails(o),
      checkpoints: new DynamoCheckpointStore(rt.db),
      personOf: importedPersonOf(rt.db, rt.deps.kb),
    });
    tools.logger.info("hubspot poll", result);
    if (result.recorded) tools.metrics.addMetric("WorldOutcomes", "Count", result.recorded);
    return result;
  });

export const handler = makeHandler(runtimeWith(OUTCOME_STORES));
