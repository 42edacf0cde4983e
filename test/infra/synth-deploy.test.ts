/**
 * Synthesis as a real deployment does it, each with cdk-nag on (synthHarness throws on any
 * unacknowledged finding), without bundling:
 * - `cdk deploy` with credentials: cdk.json's feature flags and a concrete account and region, so
 *   CDK writes the partition as a literal (`arn:aws:`) where acknowledgments had `<AWS::Partition>`;
 *   with an inference profile model id (its grant has an acknowledged wildcard), and a team's own
 *   bootstrap qualifier (the console's file deployment reads from that bootstrap's bucket).
 * - `-c harness:alarmEmail=...`: the email subscription keeps what it cannot deliver.
 * - The Service stack's size: CloudFormation refuses a stack of more than 500 resources, and each
 *   added agent adds about a dozen.
 */
import { describe, expect, it } from "vitest";
import type { AgentDefinition } from "../../shared/agents/definition.ts";
import { agentRegistry } from "../../shared/agents/registry.ts";
import { personaClassifier } from "../../shared/agents/workflows/persona-classifier.ts";
import { ROUTES } from "../../shared/http/routes.ts";
import { CDK_JSON_CONTEXT, type Synthesized, settleBeforeBlocking, synthHarness, TEST_ENV } from "./synth.ts";

type Resource = { Type: string; Properties: Record<string, any> };
const resources = (t: Synthesized["serviceTemplate"], type: string) =>
  Object.values(t.findResources(type)) as Resource[];
const resourceCount = (t: Synthesized["serviceTemplate"]) =>
  Object.keys(t.toJSON().Resources as object).length;

describe("synthesis as `cdk deploy` with credentials (cdk.json's context, a concrete environment)", () => {
  it.each([
    { model: "us.anthropic.claude-3-5-haiku-20241022-v1:0", qualifier: undefined },
    { model: "global.anthropic.claude-sonnet-4-5-20250929-v1:0", qualifier: "acme1234" },
  ])("passes cdk-nag with model $model and bootstrap qualifier $qualifier", async ({ model, qualifier }) => {
    await settleBeforeBlocking();
    const s = synthHarness({
      bundle: false,
      context: {
        ...CDK_JSON_CONTEXT,
        "harness:bedrockModelId": model,
        ...(qualifier ? { "@aws-cdk/core:bootstrapQualifier": qualifier } : {}),
      },
    });
    expect(s.assembly.stacks.map((x) => x.environment.name).sort()).toEqual(
      Array(3).fill(`aws://${TEST_ENV.account}/${TEST_ENV.region}`),
    );
    // The case this is about: ARNs with the partition written out, not the pseudo parameter.
    const foundation = model.slice(model.indexOf(".") + 1);
    expect(JSON.stringify(s.serviceTemplate.toJSON())).toContain(
      `arn:aws:bedrock:*::foundation-model/${foundation}`,
    );
    const consoleTemplate = JSON.stringify(s.assembly.getStackByName(s.consoleAssets.stackName).template);
    expect(consoleTemplate).toContain(
      `arn:aws:s3:::cdk-${qualifier ?? "hnb659fds"}-assets-${TEST_ENV.account}-${TEST_ENV.region}`,
    );
  });
});

describe("alarm email", () => {
  it("passes cdk-nag: the subscription sends what it cannot deliver to a dead-letter queue", async () => {
    await settleBeforeBlocking();
    const s = synthHarness({ bundle: false, context: { "harness:alarmEmail": "ops@example.com" } });
    const t = s.serviceTemplate;
    const [subscription] = resources(t, "AWS::SNS::Subscription");
    expect(subscription?.Properties).toMatchObject({ Protocol: "email", Endpoint: "ops@example.com" });
    const dlqId = subscription?.Properties.RedrivePolicy.deadLetterTargetArn["Fn::GetAtt"][0];
    expect(t.toJSON().Resources[dlqId].Properties.QueueName).toBe("dev-harness-alarm-email-dlq");
    // Only the alarm topic may send to it, and its depth alarms like every dead-letter queue's.
    const policy = resources(t, "AWS::SQS::QueuePolicy").find((p) =>
      p.Properties.Queues.some((q: { Ref: string }) => q.Ref === dlqId),
    );
    expect(policy?.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({
        Action: "sqs:SendMessage",
        Principal: { Service: "sns.amazonaws.com" },
        Condition: { ArnEquals: { "aws:SourceArn": subscription?.Properties.TopicArn } },
      }),
    );
    expect(
      resources(t, "AWS::CloudWatch::Alarm").some(
        (a) =>
          a.Properties.MetricName === "ApproximateNumberOfMessagesVisible" &&
          a.Properties.Dimensions[0].Value["Fn::GetAtt"]?.[0] === dlqId,
      ),
    ).toBe(true);
  });
});

describe("the Service stack's size", () => {
  /** An agent a user adds: an event and a schedule, and actions (so its retries' schedule too). */
  const added = (n: number): AgentDefinition[] =>
    Array.from({ length: n }, (_, i) => ({
      ...personaClassifier,
      id: `added-agent-${i + 1}`,
      triggers: [...personaClassifier.triggers, { kind: "schedule" as const, cron: "0 9 * * 1-5" }],
    }));

  it("is well below CloudFormation's 500 resources: one API invoke permission per function", async () => {
    await settleBeforeBlocking();
    const t = synthHarness({ bundle: false }).serviceTemplate;
    // 469 with a permission per route (65 of them); 417 with one per function.
    expect(resourceCount(t)).toBeLessThan(420);
    const fromApi = resources(t, "AWS::Lambda::Permission").filter(
      (p) => p.Properties.Principal === "apigateway.amazonaws.com",
    );
    const [apiId] = Object.keys(t.findResources("AWS::ApiGatewayV2::Api"));
    // One per route group's function; /mcp's three methods and the HubSpot webhook, one route each,
    // keep theirs per route.
    expect(fromApi.length).toBe(new Set(ROUTES.map((r) => r.group)).size + 3 + 1);
    for (const p of fromApi) {
      // Each is scoped to this API (any stage, method and path of it), none to API Gateway at large.
      const [, parts] = p.Properties.SourceArn["Fn::Join"];
      expect(parts).toContainEqual({ Ref: apiId });
      expect(parts.at(-1)).toMatch(/^\/\*\/\*\//);
    }
  });

  it("leaves room for five added agents", async () => {
    await settleBeforeBlocking();
    // CDK refuses to synthesize a stack over the limit (TooManyResourcesInStack), as CloudFormation would.
    const t = synthHarness({ bundle: false, agents: [...agentRegistry, ...added(5)] }).serviceTemplate;
    expect(resourceCount(t)).toBeLessThan(500);
  });
});
