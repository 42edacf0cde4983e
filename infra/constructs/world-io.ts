import { Duration, Stack, Token } from "aws-cdk-lib";
import { type HttpApi, HttpMethod } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { EventBus, Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { Effect, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { EventSourceMapping } from "aws-cdk-lib/aws-lambda";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import {
  ConfigurationSet,
  ConfigurationSetEventDestination,
  EmailSendingEvent,
  EventDestination,
} from "aws-cdk-lib/aws-ses";
import { type IQueue, Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { SES_DETAIL_TYPES } from "../../shared/adapters/aws/ses-events.ts";
import { SES_TAGS } from "../../shared/adapters/connectors/ses-tags.ts";
import {
  type DeployedConnectorsConfig,
  HUBSPOT_SIGNING_SECRET,
  HUBSPOT_WEBHOOK_SECRET,
  SECRET_SYSTEMS,
  webhookSigningSecret,
} from "../../shared/runtime/connector-schemas.ts";
import { ack } from "../nag-suppressions.ts";
import { deadLetterQueue } from "./dead-letter-queue.ts";
import { HarnessFunction } from "./harness-function.ts";
import { grantSecretRead } from "./secret-read.ts";

export const WEBHOOK_PATH = "/v1/webhooks/hubspot";

/** The functions that record outcomes from the world, by what they write beyond any outcome's. */
export type OutcomeWorker = "ses" | "hubspot-events" | "hubspot-poll";

export interface WorldIoProps {
  stage: string;
  logRetention: RetentionDays;
  /** The environment every harness function gets (tables, bus, person key). */
  environment: Record<string, string>;
  connectors: DeployedConnectorsConfig;
  connectorSecretArns: Record<string, string>;
  /** The KMS keys those secrets are encrypted with (HarnessConfig.secretsKmsKeyArns), decrypted with each read. */
  secretsKmsKeyArns: string[];
  /** The functions that call connectors (the workflow's Execute task and execute-allowed). */
  executors: HarnessFunction[];
  api: HttpApi;
  /**
   * Grants a function what recording an outcome needs (tables, indexes, events, person keys), with
   * the state partitions its kind of worker writes (infra/constructs/state-writes.ts).
   */
  grantOutcomes: (f: HarnessFunction, worker: OutcomeWorker) => void;
  deadLetterQueue: IQueue;
  failureQueue: IQueue;
}

/**
 * The harness's connection to the world: what the executors may call (connector config, SES send
 * rights, the connectors' secrets) and the way outcomes come back: an SES configuration set that
 * publishes its events to the account's default event bus (the only bus SES publishes to), a rule
 * routing bounce, complaint, delivery, open, click, reject and unsubscribe to the outcomes worker, and HubSpot's
 * webhook route, which API Gateway does not authorize because the function checks HubSpot's signature.
 */
export class WorldIo extends Construct {
  readonly configurationSet: ConfigurationSet;
  readonly functions: Record<string, HarnessFunction> = {};
  /** Dead-letter queues whose depth should alarm (the webhook events' that failed 5 times). */
  readonly queues: Record<string, IQueue> = {};
  /** Work queues whose oldest message's age should alarm (the webhook's events). */
  readonly backlogs: Record<string, IQueue> = {};

  constructor(scope: Construct, id: string, props: WorldIoProps) {
    super(scope, id);
    const { stage, connectors } = props;
    const stack = Stack.of(this);
    // A literal name, not the resource's reference: it goes into the executors' JSON config.
    const setName = `${stage}-harness`;
    this.configurationSet = new ConfigurationSet(this, "ConfigurationSet", { configurationSetName: setName });
    const defaultBus = EventBus.fromEventBusName(this, "DefaultBus", "default");
    const toEventBridge = {
      destination: EventDestination.eventBus(defaultBus),
      events: [
        EmailSendingEvent.BOUNCE,
        EmailSendingEvent.COMPLAINT,
        EmailSendingEvent.DELIVERY,
        EmailSendingEvent.OPEN,
        EmailSendingEvent.CLICK,
        EmailSendingEvent.REJECT,
        // Unsubscribes through SES's subscription management (config ses.listManagement).
        EmailSendingEvent.SUBSCRIPTION,
      ],
    };
    this.configurationSet.addEventDestination("ToEventBridge", toEventBridge);
    const ses = connectors.ses;
    if (ses?.region && !Token.isUnresolved(stack.region) && ses.region !== stack.region)
      throw new Error(
        `invalid CDK context: harness.connectors.ses.region: ${ses.region} is not this stack's region (${stack.region}); the configuration set, its events and the send rights are in the stack's region, so sends from ${ses.region} would be refused and their bounces and complaints never heard`,
      );
    // Sends through a configuration set of the user's own (a dedicated IP pool, say) must publish
    // their events too: without this its complaints and hard bounces never reached the outcomes
    // worker, and the harness kept mailing people who had complained.
    const sendSet = ses?.configurationSetName ?? setName;
    if (sendSet !== setName)
      new ConfigurationSetEventDestination(this, "OwnSetToEventBridge", {
        configurationSet: ConfigurationSet.fromConfigurationSetName(this, "OwnSet", sendSet),
        ...toEventBridge,
      });

    // The executors: the connectors config (sends tagged with the configuration set), SES send
    // rights on the from address's identity, and the connectors' secrets, which no other function reads.
    const executorConfig: DeployedConnectorsConfig = ses
      ? { ...connectors, ses: { ...ses, configurationSetName: sendSet } }
      : connectors;
    if (!connectors.dryRun)
      for (const system of SECRET_SYSTEMS)
        if (connectors[system] && !props.connectorSecretArns[system])
          throw new Error(
            `invalid CDK context: harness.connectors.${system}: configured without dryRun, so harness.connectorSecretArns.${system} is required`,
          );
    // Downstream MCP servers' headers secrets too: only the executors call those servers' tools.
    const executorSecrets = [
      ...Object.entries(props.connectorSecretArns)
        .filter(([name]) => name !== HUBSPOT_WEBHOOK_SECRET && name !== HUBSPOT_SIGNING_SECRET)
        .map(([, arn]) => arn),
      ...(connectors.mcp ?? []).flatMap((s) => (s.headersSecretArn ? [s.headersSecretArn] : [])),
    ];
    for (const f of props.executors) {
      f.fn.addEnvironment("CONNECTORS_CONFIG", JSON.stringify(executorConfig));
      // A dry run calls nothing and reads no secret: the secrets may be filled in before going live.
      if (!connectors.dryRun) grantSecretRead(f.role, executorSecrets, props.secretsKmsKeyArns);
      if (connectors.ses && !connectors.dryRun) {
        const from = connectors.ses.from;
        const identity = (name: string) =>
          stack.formatArn({ service: "ses", resource: "identity", resourceName: name });
        f.role.addToPolicy(
          new PolicyStatement({
            effect: Effect.ALLOW,
            actions: ["ses:SendEmail"],
            // SES authorizes a send on the address's identity or its domain's, and the configuration set.
            resources: [
              identity(from),
              identity(from.split("@")[1] as string),
              stack.formatArn({
                service: "ses",
                resource: "configuration-set",
                resourceName: sendSet,
              }),
              // A send naming a contact list (ListManagementOptions) is authorized on the list too.
              ...(connectors.ses.listManagement
                ? [
                    stack.formatArn({
                      service: "ses",
                      resource: "contact-list",
                      resourceName: connectors.ses.listManagement.contactListName,
                    }),
                  ]
                : []),
            ],
          }),
        );
      }
    }

    const fn = (
      cid: string,
      entry: string,
      description: string,
      environment: Record<string, string> = {},
      o: { invocation?: "api" | "queue"; records?: OutcomeWorker } = {},
    ) => {
      const f = new HarnessFunction(this, cid, {
        stage,
        logRetention: props.logRetention,
        entry,
        description,
        invocation: o.invocation ?? "async",
        // Behind API Gateway, whose integrations end at 30 s: the webhook answers before that.
        timeout: Duration.seconds(o.invocation === "api" ? 29 : 30),
        environment: { ...props.environment, ...environment },
      });
      if (o.records) props.grantOutcomes(f, o.records);
      this.functions[cid] = f;
      return f;
    };

    const sesOutcomes = fn(
      "OutcomesSes",
      "functions/outcomes/ses-events.ts",
      "SES events -> outcomes",
      {},
      {
        records: "ses",
      },
    );
    sesOutcomes.fn.configureAsyncInvoke({
      onFailure: new SqsDestination(props.failureQueue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });
    new Rule(this, "SesEvents", {
      description: "SES event publishing of the harness's configuration set -> outcomes worker",
      eventPattern: {
        source: ["aws.ses"],
        detailType: [...SES_DETAIL_TYPES],
        // Only the harness's sends (tagged with their decision): a set of the user's own carries
        // other mail too, whose every open and delivery would otherwise invoke the worker for nothing.
        detail: {
          mail: {
            tags: {
              "ses:configuration-set": [...new Set([setName, sendSet])],
              [SES_TAGS.decisionId]: [{ exists: true }],
            },
          },
        },
      },
    }).addTarget(
      new LambdaFunction(sesOutcomes.fn, {
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: 8,
        maxEventAge: Duration.hours(6),
      }),
    );

    const webhookSecret = props.connectorSecretArns[HUBSPOT_WEBHOOK_SECRET];
    // The public webhook's client secret: a secret of its own when configured, so the function anyone
    // can call cannot read the contacts token its worker and the poll read.
    const signingName = webhookSigningSecret(props.connectorSecretArns);
    const signingSecret = props.connectorSecretArns[signingName];
    const webhookEnv = {
      CONNECTOR_SECRET_ARNS: JSON.stringify(webhookSecret ? { [HUBSPOT_WEBHOOK_SECRET]: webhookSecret } : {}),
      ...(connectors.hubspot?.basePath
        ? { CONNECTORS_CONFIG: JSON.stringify({ hubspot: { basePath: connectors.hubspot.basePath } }) }
        : {}),
    };
    // The webhook queues what it reads and answers; the worker records, a contact's events in order.
    const eventsDlq = deadLetterQueue(this, "HubspotEventsDlq", `${stage}-harness-hubspot-events-dlq.fifo`, {
      fifo: true,
    });
    this.queues.HubspotEventsDlq = eventsDlq;
    const events = new Queue(this, "HubspotEvents", {
      queueName: `${stage}-harness-hubspot-events.fifo`,
      fifo: true,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the worker's timeout, as AWS advises for a queue a function reads.
      visibilityTimeout: Duration.seconds(180),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: eventsDlq, maxReceiveCount: 5 },
    });
    this.backlogs.HubspotEvents = events;
    const webhook = fn(
      "WebhookHubspot",
      "functions/webhooks/hubspot.ts",
      `POST ${WEBHOOK_PATH}`,
      {
        CONNECTOR_SECRET_ARNS: JSON.stringify(signingSecret ? { [signingName]: signingSecret } : {}),
        WEBHOOK_QUEUE_URL: events.queueUrl,
        ...(connectors.hubspot?.portalId ? { HUBSPOT_PORTAL_ID: connectors.hubspot.portalId } : {}),
      },
      // It reads and writes no table: it queues.
      { invocation: "api" },
    );
    events.grantSendMessages(webhook.fn);
    const worker = fn(
      "WebhookHubspotEvents",
      "functions/webhooks/hubspot-events.ts",
      "HubSpot webhook events (queued) -> outcomes",
      webhookEnv,
      { invocation: "queue", records: "hubspot-events" },
    );
    // Two at a time (the least SQS allows): each event may read a contact from HubSpot, whose rate
    // limit the executors and the CRM import share.
    worker.fn.addEventSource(
      new SqsEventSource(events, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 2 }),
    );
    for (const mapping of worker.fn.node.children.filter((c) => c instanceof EventSourceMapping))
      ack(
        mapping,
        "Serverless-LambdaEventSourceMappingDestination",
        "An SQS event source mapping takes no on-failure destination (Lambda supports one for streams and Kafka only): the queue's redrive policy moves a message that failed 5 times to its FIFO dead-letter queue, whose depth alarms.",
      );
    const readsWebhookSecret = (f: HarnessFunction, secret: string) =>
      grantSecretRead(f.role, [secret], props.secretsKmsKeyArns);
    if (signingSecret) readsWebhookSecret(webhook, signingSecret);
    if (webhookSecret) {
      readsWebhookSecret(worker, webhookSecret);
      // The webhook's fallback: a poll of contacts' reply and meeting times, with the same secret's read token.
      const poll = fn(
        "OutcomesHubspotPoll",
        "functions/outcomes/hubspot-poll.ts",
        "HubSpot replies and meetings (poll) -> outcomes",
        webhookEnv,
        { records: "hubspot-poll" },
      );
      readsWebhookSecret(poll, webhookSecret);
      poll.fn.configureAsyncInvoke({
        onFailure: new SqsDestination(props.failureQueue),
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      });
      new Rule(this, "HubSpotPoll", {
        description: "Poll HubSpot for replies and meetings the webhook may have missed",
        schedule: Schedule.rate(Duration.minutes(15)),
      }).addTarget(
        new LambdaFunction(poll.fn, {
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
      );
    }
    const routes = props.api.addRoutes({
      path: WEBHOOK_PATH,
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration("HubSpotWebhook", webhook.fn),
    });
    for (const r of routes)
      ack(
        r,
        "AwsSolutions-APIG4",
        `POST ${WEBHOOK_PATH} cannot carry our tokens (HubSpot calls it): the function authenticates every request by HubSpot's v3 signature (HMAC-SHA256 with the app's client secret, 5-minute window) before reading or writing anything, and the stage throttles it.`,
      );
  }
}
