/**
 * POST /v1/webhooks/hubspot behind API Gateway with no authorizer: HubSpot cannot send our bearer
 * tokens, so this function checks HubSpot's v3 signature itself (shared/usecases/hubspot-webhook.ts)
 * with the app's client secret from Secrets Manager, kept five minutes (connector-secrets.ts); a
 * signature that fails under it has the secret read again first (at most once in 10 s), since
 * HubSpot never resends a request answered 401 and a rotated secret would otherwise lose events.
 *
 * It queues the events the harness records (an SQS FIFO queue, a contact's events in the order it
 * received them) and answers: no store, no HubSpot client, a few SQS requests (10 events to one) where
 * it recorded each event, so it answers well within HubSpot's 5 seconds. Its worker
 * (hubspot-events.ts) records them.
 */

import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { awsClientConfig } from "../../shared/adapters/aws/client-config.ts";
import { ConnectorSecrets } from "../../shared/adapters/aws/connector-secrets.ts";
import { type FifoMessage, sendFifo, sha256 } from "../../shared/adapters/aws/fifo-queue.ts";
import { lazy } from "../../shared/adapters/aws/powertools.ts";
import { meteredHandler } from "../../shared/adapters/aws/powertools-metrics.ts";
import { type HubSpotWebhookEvent, headerProblem } from "../../shared/adapters/connectors/hubspot-webhook.ts";
import { canonicalJson } from "../../shared/domain/canonical-json.ts";
import { type AwsEnv, ConfigError, parseAwsEnv, required } from "../../shared/runtime/aws-env.ts";
import { webhookSigningSecret } from "../../shared/runtime/connector-schemas.ts";
import { receiveHubSpotWebhook } from "../../shared/usecases/hubspot-webhook.ts";

export interface WebhookWiring {
  env: () => AwsEnv;
  now?: () => number;
  /** Default: Secrets Manager, with CONNECTOR_SECRET_ARNS of this function (the client secret's only). */
  secrets?: ConnectorSecrets;
  /** Default: SQS, in the function's region. */
  sqs?: SQSClient;
  /** From the request's arrival to the end of queueing its events. Default QUEUE_DEADLINE_MS. */
  queueDeadlineMs?: number;
}

/** How long after a read of the client secret a signature that fails may have it read again. */
const REREAD_AFTER_MS = 10_000;
/**
 * How long after a request arrives its events must be queued: HubSpot waits 5 s for the answer, and a
 * later answer is a failure it retries anyway, so a slow SQS is answered 500 in time instead (what was
 * queued is dropped as a duplicate when HubSpot sends the batch again). Counted from the handler's
 * start, so a slow read of the client secret leaves SQS less (a cold start's init comes before).
 */
export const QUEUE_DEADLINE_MS = 3_500;

/** The URL HubSpot called, as it signed it (the custom domain when there is one). */
const requestUri = (e: APIGatewayProxyEventV2) =>
  `https://${e.requestContext.domainName}${e.rawPath}${e.rawQueryString ? `?${e.rawQueryString}` : ""}`;

/**
 * One event, one message. Its group is its contact, so a contact's events are recorded in the
 * order HubSpot sent them; a merge's is the contact that remains (as hubspot-merge.ts reads it),
 * whose later events follow the merge that links it. Its deduplication id is the event without its
 * attempt number, so HubSpot's redelivery of a batch within 5 minutes queues nothing twice (after
 * that, the outcomes' own ids hold).
 */
export const webhookMessage = (event: HubSpotWebhookEvent): FifoMessage => {
  const { attemptNumber: _attempt, ...same } = event;
  const remaining =
    event.subscriptionType === "contact.merge" ? (event.newObjectId ?? event.primaryObjectId) : undefined;
  return {
    group: `${event.subscriptionType.split(".")[0]}-${typeof remaining === "string" || typeof remaining === "number" ? remaining : event.objectId}`,
    dedupe: sha256(canonicalJson(same)),
    body: JSON.stringify(event),
  };
};

export const makeHandler = (w: WebhookWiring) =>
  meteredHandler(async (e: APIGatewayProxyEventV2, tools): Promise<APIGatewayProxyStructuredResultV2> => {
    const arrived = performance.now();
    const env = w.env();
    const secrets =
      w.secrets ??
      new ConnectorSecrets(
        new SecretsManagerClient(awsClientConfig(env.AWS_REGION)),
        env.CONNECTOR_SECRET_ARNS,
      );
    w.secrets = secrets;
    // The queue is the stack's, in the function's region: the client's own endpoint (which honours
    // AWS_ENDPOINT_URL) is its host, rather than the host of the queue's URL the SDK would otherwise use.
    const sqs = w.sqs ?? new SQSClient({ ...awsClientConfig(env.AWS_REGION), useQueueUrlAsEndpoint: false });
    w.sqs = sqs;
    const queueUrl = required(env, "WEBHOOK_QUEUE_URL");
    const signing = webhookSigningSecret(env.CONNECTOR_SECRET_ARNS);
    const answer = (statusCode: number, body: unknown) => ({
      statusCode,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    // Anyone can call this route: a deployment that takes no HubSpot webhooks, or a request without
    // a signature in time, is answered without reading any secret. Before, the first threw (no secret
    // configured), a 500 and a function error for every request, which kept its alarm up.
    if (!env.CONNECTOR_SECRET_ARNS[signing])
      return answer(404, {
        error: "not_found",
        message: `HubSpot webhooks are not configured in this deployment (connectorSecretArns.${signing})`,
      });
    const unsigned = headerProblem(
      {
        signature: e.headers["x-hubspot-signature-v3"],
        timestamp: e.headers["x-hubspot-request-timestamp"],
      },
      (w.now ?? Date.now)(),
    );
    if (unsigned) {
      tools.metrics.addMetric("WebhookSignatureRejected", "Count", 1);
      return answer(401, { error: "unauthorized", message: unsigned });
    }
    const secret = await secrets.get(signing);
    if (!secret.clientSecret) throw new ConfigError(`the ${signing} secret has no clientSecret`);
    const body = e.body ? (e.isBase64Encoded ? Buffer.from(e.body, "base64").toString("utf8") : e.body) : "";
    const received = await receiveHubSpotWebhook(
      w.now ?? Date.now,
      {
        method: e.requestContext.http.method,
        uri: requestUri(e),
        body,
        signature: e.headers["x-hubspot-signature-v3"],
        timestamp: e.headers["x-hubspot-request-timestamp"],
      },
      {
        clientSecret: secret.clientSecret,
        portalId: env.HUBSPOT_PORTAL_ID,
        // A rotated client secret is read again at once, at most once in 10 s per container.
        reread: () => secrets.reread(signing, REREAD_AFTER_MS)?.then((again) => again.clientSecret),
        enqueue: (events) => {
          const left = (w.queueDeadlineMs ?? QUEUE_DEADLINE_MS) - (performance.now() - arrived);
          return sendFifo(
            sqs,
            queueUrl,
            events.map(webhookMessage),
            AbortSignal.timeout(Math.max(1, Math.floor(left))),
          );
        },
      },
    );
    if (received.status === 401) tools.metrics.addMetric("WebhookSignatureRejected", "Count", 1);
    if (received.passedOver?.length)
      tools.logger.warn("webhook events passed over", { reasons: received.passedOver });
    // HubSpot delivers the batch again (a 500).
    if (received.failed) tools.logger.error("webhook events not queued", { error: received.failed });
    return answer(received.status, received.body);
  });

export const handler = makeHandler({ env: lazy(() => parseAwsEnv()) });
