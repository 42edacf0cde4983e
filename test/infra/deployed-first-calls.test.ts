/**
 * Every deployed function's first request, with the environment and the role the template gives it:
 * each function of the synthesized service stack (live connectors and their secrets configured, as a
 * deployment that sends would be) is invoked with a payload of its trigger (bench/first-events.ts),
 * its variables resolved as CloudFormation would resolve them, against the bench's AWS stand-in; it
 * must get past its wiring (no variable missing from the template) and each AWS call it makes must be
 * allowed by its role's policy in the template. A function that runs in tests but fails in AWS with a
 * configuration error or AccessDenied on its first request is what this is for; the other tests run
 * functions with environments and permissions of their own making. Statement conditions are not
 * evaluated (none of the functions' grants has one).
 */
import type { CfnElement } from "aws-cdk-lib";
import { Stack } from "aws-cdk-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsStandIn, type StandIn, type StandInCall } from "../../bench/bundles.ts";
import { firstEvent } from "../../bench/first-events.ts";
import { firstRequest, NOT_A_REAL_PATH } from "./first-request.ts";
import { liveConnectorsContext, type Synthesized, settleBeforeBlocking, synthHarness } from "./synth.ts";
import { ACCOUNT, iamMatch, REGION, TemplateValues } from "./template-values.ts";

let aws: StandIn;
let calls: StandInCall[] = [];
let s: Synthesized;
let values: TemplateValues;
beforeAll(async () => {
  aws = await awsStandIn((c) => calls.push(c));
  await settleBeforeBlocking();
  // HubSpot's API is the stand-in too: the poll and the webhook call it.
  s = synthHarness({ bundle: false, context: liveConnectorsContext(aws.url) });
  values = new TemplateValues([s.statefulTemplate.toJSON(), s.serviceTemplate.toJSON()]);
});
afterAll(() => aws?.close());

type Statement = { Effect: string; Action: string | string[]; Resource: string | string[] };

/** The IAM actions and resources an AWS call needs, read from the request the SDK sent. */
function needs(call: StandInCall): { action: string; resource: string }[] {
  const arn = (service: string, rest: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${rest}`;
  const table = (name: string, index?: string) =>
    `${name.startsWith("arn:") ? name : arn("dynamodb", `table/${name}`)}${index ? `/index/${index}` : ""}`;
  const [service = "", op = ""] = call.target.split(".");
  const body = call.target ? (JSON.parse(call.body || "{}") as Record<string, any>) : {};
  if (service === "DynamoDB_20120810") {
    if (op === "BatchGetItem" || op === "BatchWriteItem")
      return Object.keys(body.RequestItems).map((t) => ({ action: `dynamodb:${op}`, resource: table(t) }));
    if (op === "TransactWriteItems" || op === "TransactGetItems")
      return (body.TransactItems as Record<string, { TableName: string }>[]).map((item) => {
        const [kind = "", spec] = Object.entries(item)[0] as [string, { TableName: string }];
        const action =
          { Put: "PutItem", Update: "UpdateItem", Delete: "DeleteItem", Get: "GetItem" }[kind] ??
          `${kind}Item`;
        return { action: `dynamodb:${action}`, resource: table(spec.TableName) };
      });
    return [{ action: `dynamodb:${op}`, resource: table(body.TableName, body.IndexName) }];
  }
  if (service === "AWSStepFunctions")
    return [{ action: `states:${op}`, resource: body.stateMachineArn ?? "*" }];
  if (service === "AWSEvents")
    return (body.Entries as { EventBusName: string }[]).map((e) => ({
      action: "events:PutEvents",
      resource: e.EventBusName.startsWith("arn:")
        ? e.EventBusName
        : arn("events", `event-bus/${e.EventBusName}`),
    }));
  if (service === "secretsmanager") return [{ action: `secretsmanager:${op}`, resource: body.SecretId }];
  if (service === "TrentService") return [{ action: `kms:${op}`, resource: body.KeyId }];
  if (call.target) throw new Error(`a call this test cannot read: ${call.target}`);
  const url = new URL(call.url, "http://stand-in");
  const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(url.pathname);
  if (invoke?.[1]) {
    const fn = decodeURIComponent(invoke[1]);
    return [
      {
        action: "lambda:InvokeFunction",
        resource: fn.startsWith("arn:") ? fn : arn("lambda", `function:${fn}`),
      },
    ];
  }
  if (url.pathname.startsWith("/crm/")) return []; // HubSpot's API: its token, not IAM
  const [bucket = "", ...key] = url.pathname.slice(1).split("/").map(decodeURIComponent);
  if (call.method === "GET" && url.searchParams.get("list-type") === "2")
    return [{ action: "s3:ListBucket", resource: `arn:aws:s3:::${bucket}` }];
  const action = { PUT: "s3:PutObject", GET: "s3:GetObject", DELETE: "s3:DeleteObject" }[call.method];
  if (!action) throw new Error(`a call this test cannot read: ${call.method} ${call.url}`);
  return [{ action, resource: `arn:aws:s3:::${bucket}/${key.join("/")}` }];
}

/** Whether one of the role's Allow statements grants `action` on `resource` (`*` needs the action only). */
const allowed = (statements: Statement[], need: { action: string; resource: string }) =>
  statements.some(
    (st) =>
      st.Effect === "Allow" &&
      [st.Action].flat().some((a) => iamMatch(a, need.action)) &&
      (need.resource === "*" || [st.Resource].flat().some((r) => iamMatch(r, need.resource))),
  );

describe("each deployed function's first request, with its template's environment and role", () => {
  it("every function of the service stack is checked", () => {
    expect(Object.keys(s.service.functions).length).toBeGreaterThan(25);
  });

  it("each gets past its wiring, and its role allows every AWS call it makes", async () => {
    const template = s.serviceTemplate.toJSON();
    const problems: string[] = [];
    for (const [cid, f] of Object.entries(s.service.functions)) {
      const id = Stack.of(f).getLogicalId(f.fn.node.defaultChild as CfnElement);
      const resource = template.Resources[id];
      const env = values.resolve(resource.Properties.Environment?.Variables ?? {}, template) as Record<
        string,
        string
      >;
      const roleId = resource.Properties.Role["Fn::GetAtt"][0] as string;
      const statements = Object.values(template.Resources as Record<string, any>)
        .filter(
          (r) => r.Type === "AWS::IAM::Policy" && JSON.stringify(r.Properties.Roles).includes(`"${roleId}"`),
        )
        .flatMap((r) => values.resolve(r.Properties.PolicyDocument.Statement, template) as Statement[]);
      calls = [];
      const event = f.entry.startsWith("functions/agents/")
        ? { ...(firstEvent(f.entry) as object), agentId: env.AGENT_ID }
        : firstEvent(f.entry);
      const { text } = await firstRequest(
        f.entry,
        {
          ...env,
          AWS_REGION: REGION,
          AWS_ACCESS_KEY_ID: "deployed",
          AWS_SECRET_ACCESS_KEY: "deployed",
          AWS_ENDPOINT_URL: aws.url,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        },
        event,
      );
      if (NOT_A_REAL_PATH.test(text)) problems.push(`${cid} (${f.entry}): ${text.slice(0, 200)}`);
      for (const call of calls)
        for (const need of needs(call))
          if (!allowed(statements, need))
            problems.push(`${cid}: ${need.action} on ${need.resource} not allowed`);
    }
    expect(problems).toEqual([]);
  });
});
