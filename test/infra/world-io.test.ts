/**
 * The world's wiring in the synthesized template (live connectors configured, as a deployment with
 * its secrets would): connector secrets readable by the executors only, the webhook's client secret by the
 * webhook function only; the SES configuration set publishing to EventBridge and the rule to the
 * outcomes worker; the webhook route unauthenticated at API Gateway; manual runs invoking the agents'
 * functions. Synthesis runs cdk-nag and fails on any unacknowledged finding.
 */
import { Annotations, Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { agentRegistry } from "../../shared/agents/registry.ts";
import {
  LIVE_SECRETS,
  liveConnectorsContext,
  type Synthesized,
  settleBeforeBlocking,
  synthHarness,
} from "./synth.ts";

const SECRETS = LIVE_SECRETS;
/** What every configuration set the harness sends through publishes to EventBridge (sorted). */
const SES_EVENT_TYPES = ["bounce", "click", "complaint", "delivery", "open", "reject", "subscription"];

let s: Synthesized;
beforeAll(async () => {
  await settleBeforeBlocking();
  s = synthHarness({ bundle: false, context: liveConnectorsContext() });
});

type Resource = { Type: string; Properties: Record<string, any> };
const all = () => Object.entries(s.serviceTemplate.toJSON().Resources as Record<string, Resource>);
const ofType = (t: string) => all().filter(([, r]) => r.Type === t);
const fnByDescription = (d: string) => {
  const found = ofType("AWS::Lambda::Function").find(([, r]) => r.Properties.Description === d);
  if (!found) throw new Error(`no function described ${d}`);
  return found;
};
/** The logical ids of the roles whose policies allow `action` on a resource mentioning `needle`. */
function rolesAllowed(action: string, needle?: string): string[] {
  const roles: string[] = [];
  for (const [, p] of ofType("AWS::IAM::Policy"))
    for (const st of p.Properties.PolicyDocument.Statement as any[])
      if ([st.Action].flat().includes(action) && (!needle || JSON.stringify(st.Resource).includes(needle)))
        roles.push(...(p.Properties.Roles as { Ref: string }[]).map((r) => r.Ref));
  return [...new Set(roles)].sort();
}
const roleOf = (description: string) =>
  fnByDescription(description)[1].Properties.Role["Fn::GetAtt"][0] as string;
const CRM_IMPORT_DESCRIPTION = `Agent crm-import: ${agentRegistry.find((a) => a.id === "crm-import")?.description}`;
const WEBHOOK_WORKER = "HubSpot webhook events (queued) -> outcomes";
const EXECUTORS = ["Workflow task: execute a dispatched decision", "decision.made (dispatched) -> execute"];

describe("connectors live in AWS", () => {
  it("the CRM import's function: its own entry, the HubSpot secret, KB partitions only, change events on the bus", () => {
    const [, fn] = fnByDescription(CRM_IMPORT_DESCRIPTION);
    const env = fn.Properties.Environment.Variables;
    expect(JSON.parse(env.CONNECTOR_SECRET_ARNS)).toEqual({ hubspot: SECRETS.hubspot });
    expect(JSON.parse(env.CONNECTORS_CONFIG)).toMatchObject({ hubspot: {} });
    expect(env.EVENT_BUS_NAME).toBeDefined();
    const role = roleOf(CRM_IMPORT_DESCRIPTION);
    const statements = ofType("AWS::IAM::Policy")
      .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as any[]);
    const writes = statements.filter((st) =>
      [st.Action].flat().some((a: string) => /^dynamodb:(Put|Update|Delete)/.test(a)),
    );
    // The agents' retry queue and run claims, and the KB partitions the import writes: never the ledger.
    expect(writes.map((st) => st.Condition)).toEqual([
      {
        "ForAllValues:StringEquals": {
          "dynamodb:LeadingKeys": ["AGENTRETRY#crm-import", "AGENTRUN#crm-import"],
        },
      },
      {
        "ForAllValues:StringLike": {
          "dynamodb:LeadingKeys": [
            "ACCOUNT#*",
            "PERSON#*",
            "EMAIL#*",
            "DOMAIN#*",
            "SUPPRESS#*",
            "ACCOUNTDEALS#*",
            "CRMLINK#hubspot#*",
            "CHECKPOINT#crm-import:*",
          ],
        },
      },
      { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["EMAIL#*", "DOMAIN#*", "ACCOUNTDEALS#*"] } },
    ]);
    // Deletes: its own retry queue and run claims, and the KB only where an upsert moves an index entry or a deal,
    // never an account, person or suppression.
    const deletes = writes.filter((st) => [st.Action].flat().includes("dynamodb:DeleteItem"));
    expect(deletes.map((st) => st.Condition)).toEqual([
      {
        "ForAllValues:StringEquals": {
          "dynamodb:LeadingKeys": ["AGENTRETRY#crm-import", "AGENTRUN#crm-import"],
        },
      },
      { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["EMAIL#*", "DOMAIN#*", "ACCOUNTDEALS#*"] } },
    ]);
    for (const st of writes) expect(JSON.stringify(st.Resource)).not.toContain("TablesLedger");
    expect(rolesAllowed("events:PutEvents")).toContain(role);
    expect(rolesAllowed("secretsmanager:GetSecretValue", SECRETS.linkedin)).not.toContain(role);
  });

  it("connector secrets are readable by the executor roles only (HubSpot's also by the CRM import); the webhook secret by the webhook only", () => {
    const executors = EXECUTORS.map(roleOf).sort();
    expect(rolesAllowed("secretsmanager:GetSecretValue", SECRETS.hubspot)).toEqual(
      [...executors, roleOf(CRM_IMPORT_DESCRIPTION)].sort(),
    );
    expect(rolesAllowed("secretsmanager:GetSecretValue", SECRETS.linkedin)).toEqual(executors);
    // The contacts token: the worker and the poll, not the public webhook, which reads the client
    // secret in its own secret, and knows of no other.
    expect(rolesAllowed("secretsmanager:GetSecretValue", SECRETS["hubspot-webhook"])).toEqual(
      [roleOf(WEBHOOK_WORKER), roleOf("HubSpot replies and meetings (poll) -> outcomes")].sort(),
    );
    expect(rolesAllowed("secretsmanager:GetSecretValue", SECRETS["hubspot-signing"])).toEqual([
      roleOf("POST /v1/webhooks/hubspot"),
    ]);
    const [, webhook] = fnByDescription("POST /v1/webhooks/hubspot");
    expect(JSON.parse(webhook.Properties.Environment.Variables.CONNECTOR_SECRET_ARNS)).toEqual({
      "hubspot-signing": SECRETS["hubspot-signing"],
    });
    expect(rolesAllowed("ses:SendEmail")).toEqual(executors);
  });

  it("a dry run's executors read no connector secret, however many are configured", () => {
    const dry = synthHarness({
      bundle: false,
      context: { ...liveConnectorsContext(), "harness:connectors": JSON.stringify({ dryRun: true }) },
    });
    const readers = Object.values(dry.serviceTemplate.findResources("AWS::IAM::Policy")).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as any[]).filter(
        (st) =>
          [st.Action].flat().includes("secretsmanager:GetSecretValue") &&
          [SECRETS.linkedin, SECRETS.hubspot].some((arn) => JSON.stringify(st.Resource).includes(arn)),
      ),
    );
    // The CRM import reads HubSpot's token whatever the executors do: reading is not acting.
    expect(readers.map((st) => JSON.stringify(st.Resource))).toEqual([
      expect.stringContaining(SECRETS.hubspot),
    ]);
  });

  it("the executors get the connectors config, their sends tagged with the configuration set", () => {
    for (const d of EXECUTORS) {
      const env = fnByDescription(d)[1].Properties.Environment.Variables;
      expect(JSON.parse(env.CONNECTORS_CONFIG)).toMatchObject({
        dryRun: false,
        ses: { from: "sdr@mail.example.com", configurationSetName: "dev-harness" },
      });
      expect(JSON.parse(env.CONNECTOR_SECRET_ARNS)).toMatchObject({ hubspot: SECRETS.hubspot });
    }
  });
});

describe("outcomes from the world", () => {
  it("an SES configuration set publishes bounce, complaint, delivery, open, click, reject and unsubscribes to EventBridge", () => {
    const [, set] = ofType("AWS::SES::ConfigurationSet")[0] as [string, Resource];
    expect(set.Properties.Name).toBe("dev-harness");
    const [, dest] = ofType("AWS::SES::ConfigurationSetEventDestination")[0] as [string, Resource];
    const d = dest.Properties.EventDestination;
    expect(d.Enabled).toBe(true);
    expect([...d.MatchingEventTypes].sort()).toEqual(SES_EVENT_TYPES);
    expect(JSON.stringify(d.EventBridgeDestination.EventBusArn)).toContain("event-bus/default");
  });

  it("a rule on the default bus sends those SES events to the outcomes worker", () => {
    const rules = ofType("AWS::Events::Rule").filter(
      ([, r]) => r.Properties.EventPattern?.source?.[0] === "aws.ses",
    );
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0] as [string, Resource];
    expect(rule.Properties.EventBusName).toBeUndefined();
    expect([...rule.Properties.EventPattern["detail-type"]].sort()).toEqual(
      [
        "Email Bounced",
        "Email Clicked",
        "Email Complaint Received",
        "Email Delivered",
        "Email Opened",
        "Email Rejected",
        "Email Subscribed",
      ].sort(),
    );
    const [workerId] = fnByDescription("SES events -> outcomes");
    expect(rule.Properties.Targets[0].Arn).toEqual({ "Fn::GetAtt": [workerId, "Arn"] });
    expect(rule.Properties.Targets[0].DeadLetterConfig).toBeDefined();
  });

  it("POST /v1/webhooks/hubspot is not authorized by API Gateway and goes to the signature-checking function", () => {
    const routes = ofType("AWS::ApiGatewayV2::Route").filter(
      ([, r]) => r.Properties.RouteKey === "POST /v1/webhooks/hubspot",
    );
    expect(routes).toHaveLength(1);
    const [, route] = routes[0] as [string, Resource];
    expect(route.Properties.AuthorizationType ?? "NONE").toBe("NONE");
    const integrationId = JSON.stringify(route.Properties.Target).match(/"Ref":"(\w+)"/)?.[1];
    const integration = all().find(([id]) => id === integrationId)?.[1] as Resource;
    const [webhookId] = fnByDescription("POST /v1/webhooks/hubspot");
    expect(JSON.stringify(integration.Properties.IntegrationUri)).toContain(webhookId);
  });

  it("the webhook queues to a FIFO queue and reads no table; its worker records, failed messages dead-lettered", () => {
    const [, webhook] = fnByDescription("POST /v1/webhooks/hubspot");
    const [workerId, worker] = fnByDescription(WEBHOOK_WORKER);
    const queues = ofType("AWS::SQS::Queue").filter(([, q]) =>
      String(q.Properties.QueueName).startsWith("dev-harness-hubspot-events"),
    );
    const [queueId, queue] = queues.find(
      ([, q]) => q.Properties.QueueName === "dev-harness-hubspot-events.fifo",
    ) as [string, Resource];
    const [dlqId, dlq] = queues.find(([id]) => id !== queueId) as [string, Resource];
    expect(queue.Properties).toMatchObject({
      FifoQueue: true,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { "Fn::GetAtt": [dlqId, "Arn"] }, maxReceiveCount: 5 },
    });
    expect(dlq.Properties).toMatchObject({
      FifoQueue: true,
      QueueName: "dev-harness-hubspot-events-dlq.fifo",
    });
    // The webhook knows the queue and may send to it, and nothing of the tables.
    expect(webhook.Properties.Environment.Variables.WEBHOOK_QUEUE_URL).toEqual({ Ref: queueId });
    const webhookRole = roleOf("POST /v1/webhooks/hubspot");
    const actions = ofType("AWS::IAM::Policy")
      .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === webhookRole))
      .flatMap(([, p]) =>
        (p.Properties.PolicyDocument.Statement as any[]).flatMap((st) => [st.Action].flat()),
      );
    expect(actions).toContain("sqs:SendMessage");
    expect(actions.filter((a: string) => a.startsWith("dynamodb:") || a.startsWith("kms:"))).toEqual([]);
    expect(rolesAllowed("sqs:SendMessage", queueId)).toEqual([webhookRole]);
    // The worker reads the queue in batches of 10, reporting failed messages one by one.
    const [mapping] = ofType("AWS::Lambda::EventSourceMapping")
      .map(([, m]) => m)
      .filter((m) => JSON.stringify(m.Properties.FunctionName).includes(workerId));
    expect(mapping?.Properties).toMatchObject({
      EventSourceArn: { "Fn::GetAtt": [queueId, "Arn"] },
      BatchSize: 10,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    expect(worker.Properties.Environment.Variables.WEBHOOK_QUEUE_URL).toBeUndefined();
    // Its failures are per message (no function error): a message waiting 15 minutes alarms, as does
    // anything in the dead-letter queue.
    const alarmsOn = (metric: string, id: string) =>
      ofType("AWS::CloudWatch::Alarm").filter(
        ([, a]) =>
          a.Properties.MetricName === metric && JSON.stringify(a.Properties.Dimensions).includes(`"${id}"`),
      );
    expect(alarmsOn("ApproximateAgeOfOldestMessage", queueId)).toHaveLength(1);
    expect(alarmsOn("ApproximateNumberOfMessagesVisible", dlqId)).toHaveLength(1);
  });

  it("a schedule polls HubSpot as the webhook's fallback, with a dead-letter queue", () => {
    const [pollId] = fnByDescription("HubSpot replies and meetings (poll) -> outcomes");
    const rules = ofType("AWS::Events::Rule").filter(
      ([, r]) =>
        JSON.stringify(r.Properties.Targets?.[0]?.Arn) === JSON.stringify({ "Fn::GetAtt": [pollId, "Arn"] }),
    );
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0] as [string, Resource];
    expect(rule.Properties.ScheduleExpression).toBe("rate(15 minutes)");
    expect(rule.Properties.Targets[0].DeadLetterConfig).toBeDefined();
  });
});

describe("what the deployment tells its user", () => {
  it("warns at synth that LinkedIn messages fail without the sending tool's webhook, and prints the console's URL", () => {
    const warnings = Annotations.fromStack(s.service).findWarning(
      "*",
      Match.stringLikeRegexp("messageWebhookUrl"),
    );
    expect(warnings).toHaveLength(1);
    expect(Object.keys(s.serviceTemplate.toJSON().Outputs)).toEqual(
      expect.arrayContaining(["ApiUrl", "UserPoolId", "UserPoolClientId", "StateMachineArn", "ConsoleUrl"]),
    );
  });
});

describe("manual runs", () => {
  it("the admin API function knows every agent's function and may invoke those, and no other role may (but an agent whose runs continue, itself)", () => {
    const [, admin] = fnByDescription("HTTP API: admin routes");
    const names = JSON.parse(admin.Properties.Environment.Variables.AGENT_FUNCTIONS) as Record<
      string,
      string
    >;
    expect(Object.keys(names).sort()).toEqual(agentRegistry.map((a) => a.id).sort());
    const deployed = new Set(ofType("AWS::Lambda::Function").map(([, r]) => r.Properties.FunctionName));
    for (const n of Object.values(names)) expect(deployed.has(n)).toBe(true);
    const roleOfAgent = (id: string) =>
      roleOf(`Agent ${id}: ${agentRegistry.find((a) => a.id === id)?.description}`.slice(0, 256));
    const writerRole = roleOfAgent("outreach-writer");
    const importRole = roleOfAgent("crm-import");
    expect(rolesAllowed("lambda:InvokeFunction", "function:dev-harness-agent")).toEqual(
      [roleOf("HTTP API: admin routes"), writerRole, importRole].sort(),
    );
    // Each its own function only (a run stopped with more to do goes on: agent-handler.ts).
    expect(rolesAllowed("lambda:InvokeFunction", "function:dev-harness-agent-outreach-writer")).toContain(
      writerRole,
    );
    expect(rolesAllowed("lambda:InvokeFunction", "function:dev-harness-agent-crm-import")).toContain(
      importRole,
    );
    expect(rolesAllowed("lambda:InvokeFunction", "function:dev-harness-agent-crm-import")).not.toContain(
      writerRole,
    );
  });
});

describe("sends through a configuration set of the user's own", () => {
  const ownSet = (ses: Record<string, unknown>) => ({
    ...liveConnectorsContext(),
    "harness:connectors": JSON.stringify({ dryRun: false, ses: { from: "sdr@mail.example.com", ...ses } }),
  });

  it("publishes its events to the outcomes worker too, and the executors may send through it (and its contact list)", () => {
    const own = synthHarness({
      bundle: false,
      context: ownSet({
        configurationSetName: "marketing-ip-pool",
        listManagement: { contactListName: "prospects", topicName: "outreach" },
      }),
    });
    const res = Object.values(own.serviceTemplate.toJSON().Resources as Record<string, Resource>);
    const dests = res.filter((r) => r.Type === "AWS::SES::ConfigurationSetEventDestination");
    const mine = dests.find((d) => d.Properties.ConfigurationSetName === "marketing-ip-pool") as Resource;
    expect([...mine.Properties.EventDestination.MatchingEventTypes].sort()).toEqual(SES_EVENT_TYPES);
    const rule = res.find(
      (r) => r.Type === "AWS::Events::Rule" && r.Properties.EventPattern?.source?.[0] === "aws.ses",
    );
    const tags = (rule as Resource).Properties.EventPattern.detail.mail.tags;
    expect([...tags["ses:configuration-set"]].sort()).toEqual(["dev-harness", "marketing-ip-pool"]);
    // Only the harness's sends: the set's other mail does not invoke the outcomes worker.
    expect(tags.decision_id).toEqual([{ exists: true }]);
    const send = res
      .filter((r) => r.Type === "AWS::IAM::Policy")
      .flatMap((p) => p.Properties.PolicyDocument.Statement as any[])
      .filter((st) => [st.Action].flat().includes("ses:SendEmail"));
    expect(send.length).toBeGreaterThan(0);
    for (const st of send) {
      expect(JSON.stringify(st.Resource)).toContain("configuration-set/marketing-ip-pool");
      // A send naming the contact list (SES subscription management) is authorized on it as well.
      expect(JSON.stringify(st.Resource)).toContain("contact-list/prospects");
    }
  });

  it("an SES region other than the stack's is refused at synth, naming the field", () => {
    expect(() => synthHarness({ bundle: false, context: ownSet({ region: "eu-west-1" }) })).toThrow(
      /harness\.connectors\.ses\.region: eu-west-1 is not this stack's region \(us-east-1\)/,
    );
  });
});
