/**
 * The functions of a synthesized service stack as deployed, and the IAM their calls need: each
 * function's environment resolved as CloudFormation would resolve it and its role's policy statements,
 * and, for a request an AWS SDK sent, the actions and resources IAM would authorize it on. Shared by
 * deployed-first-calls.test.ts (each function's first request against an empty account) and
 * deployed-flow.dynamodb.test.ts (a decision's whole life, each step run by its function with its
 * role enforced). The conditions the templates' grants use are evaluated as IAM evaluates them
 * (`dynamodb:LeadingKeys`, `s3:prefix`); a grant with any other condition fails the check, naming it.
 */
import type { CfnElement } from "aws-cdk-lib";
import { Stack } from "aws-cdk-lib";
import type { StandInCall } from "../../bench/bundles.ts";
import type { Synthesized } from "./synth.ts";
import { ACCOUNT, iamMatch, REGION, type TemplateValues } from "./template-values.ts";

export type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
};

/** One authorization a call needs: `action` on `resource`, or on any one of several resources. */
export interface Need {
  action: string;
  resource: string | string[];
  /** The partition keys a DynamoDB call touches (`dynamodb:LeadingKeys`); none for a Scan. */
  leadingKeys?: string[];
  /** A listing's prefix (`s3:prefix`). */
  s3Prefix?: string;
}

export interface DeployedFunction {
  /** The construct id (`ApiProposals`, `WorkflowExecute`…). */
  cid: string;
  entry: string;
  /** Its variables as deployed. */
  env: Record<string, string>;
  /** Its role's logical id. */
  roleId: string;
  statements: Statement[];
}

/** Every function of the service stack, with its deployed environment and its role's statements. */
export function deployedFunctions(s: Synthesized, values: TemplateValues): DeployedFunction[] {
  const template = s.serviceTemplate.toJSON();
  return Object.entries(s.service.functions).map(([cid, f]) => {
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
    return { cid, entry: f.entry, env, roleId, statements };
  });
}

const arn = (service: string, rest: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${rest}`;

/** The IAM actions and resources an AWS call needs, read from the request the SDK sent. */
export function needs(call: StandInCall): Need[] {
  const table = (name: string, index?: string) =>
    `${name.startsWith("arn:") ? name : arn("dynamodb", `table/${name}`)}${index ? `/index/${index}` : ""}`;
  const [service = "", op = ""] = call.target.split(".");
  const body = call.target ? (JSON.parse(call.body || "{}") as Record<string, any>) : {};
  if (service === "DynamoDB_20120810") {
    const pk = (key: Record<string, { S?: string }> | undefined) =>
      key?.pk?.S === undefined ? [] : [key.pk.S];
    if (op === "BatchGetItem")
      return Object.entries(body.RequestItems as Record<string, { Keys: any[] }>).map(([t, r]) => ({
        action: `dynamodb:${op}`,
        resource: table(t),
        leadingKeys: r.Keys.flatMap(pk),
      }));
    if (op === "BatchWriteItem")
      return Object.entries(body.RequestItems as Record<string, any[]>).map(([t, requests]) => ({
        action: `dynamodb:${op}`,
        resource: table(t),
        leadingKeys: requests.flatMap((r) => pk(r.PutRequest?.Item ?? r.DeleteRequest?.Key)),
      }));
    if (op === "TransactWriteItems" || op === "TransactGetItems")
      return (body.TransactItems as Record<string, { TableName: string; Key?: any; Item?: any }>[]).map(
        (item) => {
          const [kind = "", spec] = Object.entries(item)[0] as [
            string,
            { TableName: string; Key?: any; Item?: any },
          ];
          const action =
            { Put: "PutItem", Update: "UpdateItem", Delete: "DeleteItem", Get: "GetItem" }[kind] ??
            `${kind}Item`;
          return {
            action: `dynamodb:${action}`,
            resource: table(spec.TableName),
            leadingKeys: pk(spec.Key ?? spec.Item),
          };
        },
      );
    const leadingKeys =
      op === "Query" ? queryPartition(body) : op === "Scan" ? undefined : pk(body.Key ?? body.Item);
    return [
      {
        action: `dynamodb:${op}`,
        resource: table(body.TableName, body.IndexName),
        ...(leadingKeys ? { leadingKeys } : {}),
      },
    ];
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
  if (service === "AmazonSQS") {
    // A batch is authorized as its single form (SendMessageBatch by sqs:SendMessage), on the queue.
    const name = new URL(body.QueueUrl).pathname.split("/")[2] ?? "";
    return [{ action: `sqs:${op.replace(/Batch$/, "")}`, resource: arn("sqs", name) }];
  }
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
  if (url.pathname === "/v2/email/outbound-emails") {
    // SES authorizes a send on the sender's address or its domain, and on the configuration set.
    const email = JSON.parse(call.body) as { FromEmailAddress: string; ConfigurationSetName?: string };
    const domain = email.FromEmailAddress.split("@")[1] ?? "";
    return [
      {
        action: "ses:SendEmail",
        resource: [arn("ses", `identity/${email.FromEmailAddress}`), arn("ses", `identity/${domain}`)],
      },
      ...(email.ConfigurationSetName
        ? [
            {
              action: "ses:SendEmail",
              resource: arn("ses", `configuration-set/${email.ConfigurationSetName}`),
            },
          ]
        : []),
    ];
  }
  if (url.pathname.startsWith("/crm/") || url.pathname.startsWith("/rest/")) return []; // HubSpot's, LinkedIn's: their tokens, not IAM
  // The harness's own API behind its IAM authorizer (agents propose there), as deployed-account.ts
  // names it: `/execute-api/<api id><route path>`, the stage the default one.
  const api = /^\/execute-api\/([^/]+)(\/.*)$/.exec(url.pathname);
  if (api?.[1] && api[2])
    return [
      {
        action: "execute-api:Invoke",
        resource: arn("execute-api", `${api[1]}/$default/${call.method}${api[2]}`),
      },
    ];
  const [bucket = "", ...key] = url.pathname.slice(1).split("/").map(decodeURIComponent);
  if (call.method === "GET" && url.searchParams.get("list-type") === "2") {
    const prefix = url.searchParams.get("prefix");
    return [
      {
        action: "s3:ListBucket",
        resource: `arn:aws:s3:::${bucket}`,
        ...(prefix === null ? {} : { s3Prefix: prefix }),
      },
    ];
  }
  const action = { PUT: "s3:PutObject", GET: "s3:GetObject", DELETE: "s3:DeleteObject" }[call.method];
  if (!action) throw new Error(`a call this test cannot read: ${call.method} ${call.url}`);
  return [{ action, resource: `arn:aws:s3:::${bucket}/${key.join("/")}` }];
}

/** The partition key value a Query's key condition names (`pk`, or an index's `<index>Pk`). */
function queryPartition(body: Record<string, any>): string[] {
  const hash = body.IndexName ? `${body.IndexName}Pk` : "pk";
  const names = (body.ExpressionAttributeNames ?? {}) as Record<string, string>;
  for (const m of String(body.KeyConditionExpression ?? "").matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
    const [, name = "", value = ""] = m;
    if ((names[name] ?? name) === hash) {
      const v = body.ExpressionAttributeValues?.[value]?.S;
      if (typeof v === "string") return [v];
    }
  }
  throw new Error(`a Query whose partition this test cannot read: ${body.KeyConditionExpression}`);
}

/**
 * Whether a statement's conditions hold for `need`, as IAM evaluates them: `ForAllValues:` holds when
 * every value in the request matches (and so when the request has none, as a Scan has no leading
 * keys); a plain operator on a key the request lacks does not hold.
 */
function conditionsHold(condition: Statement["Condition"], need: Need): boolean {
  for (const [operator, keys] of Object.entries(condition ?? {}))
    for (const [key, wanted] of Object.entries(keys)) {
      const patterns = [wanted].flat();
      const like = operator.endsWith("StringLike");
      if (!like && !operator.endsWith("StringEquals"))
        throw new Error(`a condition this test cannot evaluate: ${operator}`);
      const matches = (v: string) => patterns.some((p) => (like ? iamMatch(p, v) : p === v));
      if (key === "dynamodb:LeadingKeys" && operator.startsWith("ForAllValues:")) {
        if (!(need.leadingKeys ?? []).every(matches)) return false;
      } else if (key === "s3:prefix" && !operator.includes(":")) {
        if (need.s3Prefix === undefined || !matches(need.s3Prefix)) return false;
      } else throw new Error(`a condition this test cannot evaluate: ${operator} ${key}`);
    }
  return true;
}

/** Whether one of the role's Allow statements grants `need`. */
export const allowed = (statements: Statement[], need: Need) =>
  statements.some(
    (st) =>
      st.Effect === "Allow" &&
      [st.Action].flat().some((a) => iamMatch(a, need.action)) &&
      // "*": the request does not name its resource (SendTaskSuccess names a task token, which IAM
      // resolves to the token's state machine): the action is checked, the resource cannot be here.
      (need.resource === "*" ||
        [need.resource].flat().some((wanted) => [st.Resource].flat().some((r) => iamMatch(r, wanted)))) &&
      conditionsHold(st.Condition, need),
  );

/** What a call needs that the statements do not allow, as `action on resource` lines. */
export const denied = (statements: Statement[], call: StandInCall): string[] =>
  needs(call)
    .filter((need) => !allowed(statements, need))
    .map((need) => `${need.action} on ${[need.resource].flat().join(" or ")}`);
