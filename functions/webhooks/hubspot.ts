/**
 * POST /v1/webhooks/hubspot behind API Gateway with no authorizer: HubSpot cannot send our bearer
 * tokens, so this function checks HubSpot's v3 signature itself (shared/usecases/hubspot-webhook.ts)
 * with the app's client secret from Secrets Manager, kept five minutes (connector-secrets.ts); a
 * signature that fails under it has the secret read again first (at most once in 10 s), since
 * HubSpot never resends a request answered 401 and a rotated secret would otherwise lose events.
 */
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { ConnectorSecrets } from "../../shared/adapters/aws/connector-secrets.ts";
import { lambdaHandler } from "../../shared/adapters/aws/powertools.ts";
import { HubSpotContactEmails } from "../../shared/adapters/connectors/hubspot-contacts.ts";
import type { ContactEmails } from "../../shared/adapters/connectors/hubspot-webhook.ts";
import { importedPersonOf, putCrmLink } from "../../shared/adapters/dynamo/crm-import-store.ts";
import type { AwsRuntime } from "../../shared/runtime/aws.ts";
import { ConfigError } from "../../shared/runtime/aws-env.ts";
import { runtimeWith } from "../../shared/runtime/aws-lazy.ts";
import { OUTCOME_STORES } from "../../shared/runtime/aws-stores.ts";
import { HUBSPOT_WEBHOOK_SECRET, parseDeployedConnectors } from "../../shared/runtime/connector-schemas.ts";
import { receiveHubSpotWebhook } from "../../shared/usecases/hubspot-webhook.ts";

export interface WebhookWiring {
  runtime: () => AwsRuntime;
  /** Default: Secrets Manager, with CONNECTOR_SECRET_ARNS of this function (the webhook secret only). */
  secrets?: ConnectorSecrets;
}

/** How long after a read of the client secret a signature that fails may have it read again. */
const REREAD_AFTER_MS = 10_000;

/** The URL HubSpot called, as it signed it (the custom domain when there is one). */
const requestUri = (e: APIGatewayProxyEventV2) =>
  `https://${e.requestContext.domainName}${e.rawPath}${e.rawQueryString ? `?${e.rawQueryString}` : ""}`;

export const makeHandler = (w: WebhookWiring) => {
  // Built with the token the secret held when built: rebuilt when a rotation changes it.
  let contacts: { token: string; emails: ContactEmails } | undefined;
  return lambdaHandler(
    async (e: APIGatewayProxyEventV2, tools): Promise<APIGatewayProxyStructuredResultV2> => {
      const rt = w.runtime();
      const secrets =
        w.secrets ??
        new ConnectorSecrets(
          new SecretsManagerClient({ region: rt.env.AWS_REGION }),
          rt.env.CONNECTOR_SECRET_ARNS,
        );
      w.secrets = secrets;
      let secret = await secrets.get(HUBSPOT_WEBHOOK_SECRET);
      if (!secret.clientSecret)
        throw new ConfigError(`the ${HUBSPOT_WEBHOOK_SECRET} secret has no clientSecret`);
      const body = e.body
        ? e.isBase64Encoded
          ? Buffer.from(e.body, "base64").toString("utf8")
          : e.body
        : "";
      const answer = await receiveHubSpotWebhook(
        rt.deps,
        {
          method: e.requestContext.http.method,
          uri: requestUri(e),
          body,
          signature: e.headers["x-hubspot-signature-v3"],
          timestamp: e.headers["x-hubspot-request-timestamp"],
        },
        {
          clientSecret: secret.clientSecret,
          // A rotated client secret is read again at once, at most once in 10 s per container.
          reread: () =>
            secrets.reread(HUBSPOT_WEBHOOK_SECRET, REREAD_AFTER_MS)?.then((again) => {
              secret = again;
              return again.clientSecret;
            }),
          personOf: importedPersonOf(rt.db, rt.deps.kb),
          link: (contactId, personId) => putCrmLink(rt.db, "contacts", contactId, { kbId: personId }),
          contacts: async () => {
            const token = secret.accessToken;
            if (!token) throw new ConfigError(`the ${HUBSPOT_WEBHOOK_SECRET} secret has no accessToken`);
            if (contacts?.token === token) return contacts.emails;
            const basePath = parseDeployedConnectors(rt.env.CONNECTORS_CONFIG).hubspot?.basePath;
            const emails = new HubSpotContactEmails({
              accessToken: token,
              ...(basePath ? { basePath } : {}),
            });
            contacts = { token, emails };
            return emails;
          },
        },
      );
      if (answer.status === 401) tools.metrics.addMetric("WebhookSignatureRejected", "Count", 1);
      if (answer.passedOver?.length)
        tools.logger.warn("webhook events passed over", { reasons: answer.passedOver });
      // HubSpot delivers the batch again (a 500); the events it recorded count once.
      if (answer.failed?.length) tools.logger.error("webhook events failed", { failures: answer.failed });
      return {
        statusCode: answer.status,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(answer.body),
      };
    },
  );
};

export const handler = makeHandler({ runtime: runtimeWith(OUTCOME_STORES) });
