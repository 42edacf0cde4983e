/**
 * The HubSpot webhook's queue worker: an SQS FIFO event source (batches of up to 10, failures
 * reported per message) records each event the webhook queued (hubspot.ts) as an outcome, an
 * opt-out, a deletion or a merge, reading contacts with the webhook secret's access token. A message
 * that fails is delivered again, and its contact's later messages of the batch with it, unattempted
 * (they must not be recorded before it); other contacts' go on. A message received 5 times goes to
 * the queue's dead-letter queue, whose depth alarms, with those of its contact held back as often
 * (its contact's later events then go on: redrive the dead letters once the cause is fixed, knowing
 * they are older than what was recorded since). An event that can never be recorded (unreadable, or
 * invalid for its kind) is logged and let go.
 */

import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { awsClientConfig } from "../../shared/adapters/aws/client-config.ts";
import { ConnectorSecrets } from "../../shared/adapters/aws/connector-secrets.ts";
import { handleFifoBatch } from "../../shared/adapters/aws/fifo-queue.ts";
import { meteredHandler } from "../../shared/adapters/aws/powertools-metrics.ts";
import { HubSpotContactEmails } from "../../shared/adapters/connectors/hubspot-contacts.ts";
import { type ContactEmails, HubSpotWebhookEvent } from "../../shared/adapters/connectors/hubspot-webhook.ts";
import {
  crmLink,
  importedContactOf,
  importedPersonOf,
  putCrmLink,
} from "../../shared/adapters/dynamo/crm-import-store.ts";
import { ValidationError } from "../../shared/domain/errors.ts";
import type { AwsRuntime } from "../../shared/runtime/aws.ts";
import { ConfigError } from "../../shared/runtime/aws-env.ts";
import { runtimeWith } from "../../shared/runtime/aws-lazy.ts";
import { OUTCOME_STORES } from "../../shared/runtime/aws-stores.ts";
import { HUBSPOT_WEBHOOK_SECRET, parseDeployedConnectors } from "../../shared/runtime/connector-schemas.ts";
import { recordWebhookEvent } from "../../shared/usecases/hubspot-webhook-events.ts";
import type { WorldOutcomeResult } from "../../shared/usecases/world-outcomes.ts";

export interface WebhookEventsWiring {
  runtime: () => AwsRuntime;
  /** Default: Secrets Manager, with CONNECTOR_SECRET_ARNS of this function (the webhook secret only). */
  secrets?: ConnectorSecrets;
  /** What became of each event, as the log says it (the handler tests read it whole). */
  onRecorded?: (result: WorldOutcomeResult) => void;
}

export const makeHandler = (w: WebhookEventsWiring) => {
  // Built with the token the secret held when built: rebuilt when a rotation changes it.
  let contacts: { token: string; emails: ContactEmails } | undefined;
  return meteredHandler(async (e: SQSEvent, tools): Promise<SQSBatchResponse> => {
    const rt = w.runtime();
    const secrets =
      w.secrets ??
      new ConnectorSecrets(
        new SecretsManagerClient(awsClientConfig(rt.env.AWS_REGION)),
        rt.env.CONNECTOR_SECRET_ARNS,
      );
    w.secrets = secrets;
    const wiring = {
      personOf: importedPersonOf(rt.db, rt.deps.kb),
      contactOf: importedContactOf(rt.db, rt.deps.kb),
      link: (contactId: string, personId: string, mergedInto?: string) =>
        putCrmLink(rt.db, "contacts", contactId, { kbId: personId, ...(mergedInto ? { mergedInto } : {}) }),
      accountOf: async (companyId: string) => (await crmLink(rt.db, "companies", companyId))?.kbId,
      contacts: async () => {
        const token = (await secrets.get(HUBSPOT_WEBHOOK_SECRET)).accessToken;
        if (!token) throw new ConfigError(`the ${HUBSPOT_WEBHOOK_SECRET} secret has no accessToken`);
        if (contacts?.token === token) return contacts.emails;
        const basePath = parseDeployedConnectors(rt.env.CONNECTORS_CONFIG).hubspot?.basePath;
        const emails = new HubSpotContactEmails({ accessToken: token, ...(basePath ? { basePath } : {}) });
        contacts = { token, emails };
        return emails;
      },
    };
    let recorded = 0;
    const answer = await handleFifoBatch(
      e.Records,
      async (r) => {
        // The webhook wrote it; one that does not read again can never be recorded, so it is logged,
        // not retried into the dead-letter queue.
        let raw: unknown;
        try {
          raw = JSON.parse(r.body);
        } catch {
          raw = undefined;
        }
        const event = HubSpotWebhookEvent.safeParse(raw);
        if (!event.success) {
          tools.logger.error("queued webhook event unreadable", { messageId: r.messageId });
          return;
        }
        let result: WorldOutcomeResult;
        try {
          result = await recordWebhookEvent(rt.deps, event.data, wiring);
        } catch (err) {
          // An event whose fields do not read as its kind (a merge without its merged ids) fails
          // the same way every time: logged and let go, not retried into the dead-letter queue with
          // its contact's later events held behind it.
          if (!(err instanceof ValidationError)) throw err;
          tools.logger.error("queued webhook event invalid", { messageId: r.messageId, error: err.message });
          return;
        }
        if (result.recorded) recorded++;
        w.onRecorded?.(result);
        // What became of the event, without its values (a contact id is HubSpot's, not a person's data).
        tools.logger.info("webhook event", {
          eventId: event.data.eventId,
          subscriptionType: event.data.subscriptionType,
          recorded: result.recorded,
          ...(result.recorded ? {} : { reason: result.reason }),
        });
      },
      (r, err) => tools.logger.error("webhook event failed", { messageId: r.messageId, error: err.message }),
    );
    if (recorded) tools.metrics.addMetric("WebhookEventsRecorded", "Count", recorded);
    if (answer.batchItemFailures.length)
      tools.metrics.addMetric("WebhookEventsFailed", "Count", answer.batchItemFailures.length);
    return answer;
  });
};

export const handler = makeHandler({ runtime: runtimeWith(OUTCOME_STORES) });
