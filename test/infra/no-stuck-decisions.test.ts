/**
 * Issue 11, deliverables 5 and 7, read off the synthesized service template (no bundling): the
 * reconciler's schedule and grants, the approval wait without a second ceiling, a ledger no function
 * may delete from, and Bedrock grants that cover the configured model's inference profile.
 */
import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { beforeAll, describe, expect, it } from "vitest";
import { configFromContext } from "../../infra/config.ts";
import { grantBedrockInvoke } from "../../infra/constructs/bedrock-access.ts";
import { executorTimeout } from "../../infra/service-stack.ts";
import { parseSpec } from "../../shared/domain/spec-loader.ts";
import { parseDeployedConnectors } from "../../shared/runtime/connector-schemas.ts";
import { defaultSpecObject } from "../integration/helpers/store.ts";
import { type Synthesized, settleBeforeBlocking, synthHarness } from "./synth.ts";

let s: Synthesized;
beforeAll(async () => {
  await settleBeforeBlocking();
  s = synthHarness({ bundle: false });
});

type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string };
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const all = (type: string) => Object.entries(s.serviceTemplate.findResources(type)) as [string, Resource][];

/** The function whose name ends with `-harness-<suffix>`, and its role's policy statements. */
function fn(suffix: string) {
  const found = all("AWS::Lambda::Function").find(([, f]) =>
    String(f.Properties.FunctionName).endsWith(`-harness-${suffix}`),
  );
  if (!found) throw new Error(`no function ${suffix}`);
  const [id, f] = found;
  const roleId = f.Properties.Role["Fn::GetAtt"][0] as string;
  const statements = all("AWS::IAM::Policy")
    .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
  return { id, f, statements };
}

describe("no stuck decisions", () => {
  it("a reconciler runs every 5 minutes, may invoke the executor only, and waits out its timeout", () => {
    const reconciler = fn("reconciler");
    const rules = all("AWS::Events::Rule").filter(([, r]) =>
      asArray<{ Arn: unknown }>(r.Properties.Targets).some(
        (t) => JSON.stringify(t.Arn) === JSON.stringify({ "Fn::GetAtt": [reconciler.id, "Arn"] }),
      ),
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]?.[1].Properties.ScheduleExpression).toBe("rate(5 minutes)");

    const executor = fn("execute-allowed");
    const invoke = reconciler.statements.filter((st) => asArray(st.Action).includes("lambda:InvokeFunction"));
    expect(invoke).toHaveLength(1);
    expect(JSON.stringify(invoke[0]?.Resource)).toContain(executor.id);
    const env = reconciler.f.Properties.Environment.Variables;
    expect(env.EXECUTOR_FUNCTION).toEqual({ Ref: executor.id });
    // An attempt is stale only once no executor can still be running it.
    for (const e of [executor, fn("workflow-execute")])
      expect(Number(env.STALE_AFTER_SECONDS)).toBeGreaterThan(e.f.Properties.Timeout);
    // It reads dispatched decisions by status and moves them: never a delete, never a connector.
    const actions = reconciler.statements.flatMap((st) => asArray(st.Action));
    expect(actions).toContain("dynamodb:Query");
    expect(actions.filter((a) => /^(secretsmanager|s3):/.test(a))).toEqual([]);
    // A scheduled decision its workflow never released gets a second execution of the same machine.
    const starts = reconciler.statements.filter((st) => asArray(st.Action).includes("states:StartExecution"));
    expect(starts).toHaveLength(1);
    expect(JSON.stringify(starts[0]?.Resource)).toContain(":stateMachine:dev-harness-approval");
    expect(env.STATE_MACHINE_ARN).toEqual(starts[0]?.Resource);
  });

  it("the executors' timeout covers a connector call's worst case: a longer timeoutMs lengthens it", () => {
    const seconds = (c: unknown) => executorTimeout(parseDeployedConnectors(JSON.stringify(c))).toSeconds();
    expect(seconds({})).toBe(60);
    expect(fn("execute-allowed").f.Properties.Timeout).toBe(60);
    // 4 attempts of 30 s, 3 waits of at most 5 s, 10 s for the rest.
    expect(seconds({ dryRun: false, hubspot: { timeoutMs: 30_000 } })).toBe(145);
    expect(seconds({ dryRun: false, ses: { from: "a@b.co", timeoutMs: 120_000 } })).toBe(505);
    const slow = synthHarness({
      bundle: false,
      context: {
        "harness:connectors": JSON.stringify({ dryRun: false, ses: { from: "a@b.co", timeoutMs: 30_000 } }),
      },
    });
    const fns = Object.values(slow.serviceTemplate.findResources("AWS::Lambda::Function")) as Resource[];
    const named = (suffix: string) =>
      fns.find((f) => String(f.Properties.FunctionName).endsWith(`-harness-${suffix}`)) as Resource;
    for (const e of ["execute-allowed", "workflow-execute"]) expect(named(e).Properties.Timeout).toBe(145);
    expect(Number(named("reconciler").Properties.Environment.Variables.STALE_AFTER_SECONDS)).toBeGreaterThan(
      145,
    );
  });

  it("the approval wait has no ceiling of its own: its timeout is the decision's expiry", () => {
    const env = fn("workflow-await-approval").f.Properties.Environment.Variables;
    expect(env.APPROVAL_TIMEOUT_SECONDS).toBeUndefined();
  });

  it("what a Step Functions execution cannot wait (a year) is refused by config and spec, naming the field", () => {
    expect(() =>
      configFromContext((k) => (k === "harness:approvalTimeoutHours" ? "8760" : undefined)),
    ).toThrow(/harness\.approvalTimeoutHours/);
    const spec = defaultSpecObject();
    spec.autonomy.actions["email.send"].approvalTimeoutHours = 365 * 24;
    expect(() => parseSpec(spec)).toThrow(/approvalTimeoutHours/);
    spec.autonomy.actions["email.send"].approvalTimeoutHours = 300 * 24;
    expect(parseSpec(spec).autonomy.actions["email.send"]?.approvalTimeoutHours).toBe(300 * 24);
    // A level-2 action waits its override window in the same kind of workflow.
    spec.autonomy.actions["email.send"].overrideWindowMinutes = 600_000;
    expect(() => parseSpec(spec)).toThrow(/overrideWindowMinutes: at most 364 days/);
    spec.autonomy.actions["email.send"].overrideWindowMinutes = 7 * 24 * 60;
    expect(parseSpec(spec).autonomy.actions["email.send"]?.overrideWindowMinutes).toBe(7 * 24 * 60);
  });
});

describe("least privilege", () => {
  it("the approval wait may write and delete its task-token items only, nothing else of the state table", () => {
    const writes = fn("workflow-await-approval").statements.filter((st) =>
      asArray(st.Action).some((a) => /^dynamodb:(PutItem|DeleteItem|UpdateItem|BatchWriteItem)$/.test(a)),
    );
    expect(writes.length).toBeGreaterThan(0);
    for (const st of writes)
      expect((st as Statement & { Condition?: unknown }).Condition).toEqual({
        "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["APPROVALWAIT#*"] },
      });
    // Of the ledger, the status of a decision: a Query of its own item, nothing else.
    const ledger = fn("workflow-await-approval").statements.filter((st) =>
      JSON.stringify(st.Resource).includes("TablesLedger"),
    );
    expect(ledger.map((st) => [st.Action, (st as Statement & { Condition?: unknown }).Condition])).toEqual([
      ["dynamodb:Query", { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["DECISION#*"] } }],
    ]);
  });

  it("the ledger is append-only by IAM: no function may delete from it", () => {
    const deleting = /^dynamodb:(DeleteItem|BatchWriteItem|DeleteTable|\*)$/;
    const offenders = all("AWS::IAM::Policy").flatMap(([id, p]) =>
      (p.Properties.PolicyDocument.Statement as Statement[])
        .filter((st) => st.Effect === "Allow" && asArray(st.Action).some((a) => deleting.test(a)))
        .filter((st) => JSON.stringify(st.Resource).includes("TablesLedger"))
        .map(() => id),
    );
    expect(offenders).toEqual([]);
    // Deletes remain where they belong: the state table (task tokens, due items, data keys).
    const stateDeletes = all("AWS::IAM::Policy").filter(([, p]) =>
      (p.Properties.PolicyDocument.Statement as Statement[]).some(
        (st) =>
          asArray(st.Action).includes("dynamodb:DeleteItem") &&
          JSON.stringify(st.Resource).includes("TablesState"),
      ),
    );
    expect(stateDeletes.length).toBeGreaterThan(0);
  });

  it("a wildcard resource only where the service has no other (X-Ray, listing the stream): harness-function.ts acknowledges it so", () => {
    // The functions' roles (the state machine's log delivery, which needs `*`, is acknowledged apart).
    const roles = new Set(
      all("AWS::Lambda::Function").map(([, f]) => f.Properties.Role["Fn::GetAtt"]?.[0] as string),
    );
    const ofFunctions = all("AWS::IAM::Policy").filter(([, p]) =>
      (p.Properties.Roles as { Ref: string }[]).some((r) => roles.has(r.Ref)),
    );
    const wildcard = ofFunctions.flatMap(([, p]) =>
      (p.Properties.PolicyDocument.Statement as Statement[])
        .filter((st) => st.Effect === "Allow" && asArray(st.Resource as string | string[]).includes("*"))
        .flatMap((st) => asArray(st.Action)),
    );
    expect(wildcard.length).toBeGreaterThan(0);
    expect([...new Set(wildcard)].filter((a) => !/^xray:|^dynamodb:ListStreams$/.test(a))).toEqual([]);
  });

  it("the state table: deletes only in the partitions a function moves on, anywhere only for the erasure", () => {
    const functions = all("AWS::Lambda::Function").map(([, f]) =>
      String(f.Properties.FunctionName).replace(/^dev-harness-/, ""),
    );
    const deletes = (name: string) =>
      fn(name).statements.filter(
        (st) =>
          asArray(st.Action).includes("dynamodb:DeleteItem") &&
          JSON.stringify(st.Resource).includes("TablesState"),
      ) as (Statement & { Condition?: Record<string, Record<string, string[]>> })[];
    const leadingKeys = (st: { Condition?: Record<string, Record<string, string[]>> }) =>
      st.Condition?.["ForAllValues:StringLike"]?.["dynamodb:LeadingKeys"] ??
      st.Condition?.["ForAllValues:StringEquals"]?.["dynamodb:LeadingKeys"];
    const unscoped = functions.filter((name) => deletes(name).some((st) => !leadingKeys(st)));
    // Deleting anywhere could shred every person's data key, lift a suppression or a pause.
    expect(unscoped).toEqual(["api-erasure"]);
    const scoped = (name: string) => deletes(name).flatMap((st) => leadingKeys(st) ?? []);
    expect(scoped("api-proposals")).toEqual([]);
    expect(scoped("api-mcp")).toEqual([]);
    expect(scoped("workflow-execute")).toEqual(["DUE"]);
    expect(scoped("api-reviews")).toEqual(["DUE", "APPROVALWAIT#*"]);
    // The function that serves agents' context packets: only the index items a changed record leaves.
    expect(scoped("api-knowledge")).toEqual(["EMAIL#*", "DOMAIN#*"]);
    // The ledger is put, never updated: a decision moves on by a conditional put of its next version.
    const ledgerUpdates = all("AWS::IAM::Policy").filter(([, p]) =>
      (p.Properties.PolicyDocument.Statement as Statement[]).some(
        (st) =>
          asArray(st.Action).includes("dynamodb:UpdateItem") &&
          JSON.stringify(st.Resource).includes("TablesLedger"),
      ),
    );
    expect(ledgerUpdates.map(([id]) => id)).toEqual([]);
    // The steps that only move decisions on put nothing on the bus: the ledger stream publishes them.
    for (const name of ["workflow-release", "workflow-expire", "workflow-execute"])
      expect(
        fn(name).statements.filter((st) => asArray(st.Action).includes("events:PutEvents")),
        name,
      ).toEqual([]);
  });

  it("Bedrock: a foundation model in the stack's region; an inference profile and, through it only, its model", () => {
    const statements = (modelId: string) => {
      const stack = new Stack(new App(), "S", { env: { account: "123456789012", region: "us-east-1" } });
      const role = new Role(stack, "R", { assumedBy: new ServicePrincipal("lambda.amazonaws.com") });
      grantBedrockInvoke(role, modelId);
      const policies = Object.values(Template.fromStack(stack).findResources("AWS::IAM::Policy"));
      return policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, any>[]);
    };
    const plain = statements("anthropic.claude-3-5-haiku-20241022-v1:0");
    expect(plain.map((st) => JSON.stringify(st.Resource))).toEqual([
      expect.stringContaining(
        ":bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0",
      ),
    ]);
    const viaProfile = statements("us.anthropic.claude-3-5-haiku-20241022-v1:0");
    const profileArn = JSON.stringify(viaProfile[0]?.Resource);
    expect(profileArn).toContain(
      ":bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0",
    );
    expect(JSON.stringify(viaProfile[1]?.Resource)).toContain(
      ":bedrock:*::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0",
    );
    expect(JSON.stringify(viaProfile[1]?.Condition)).toContain("bedrock:InferenceProfileArn");
    expect(viaProfile).toHaveLength(2);
  });
});

describe("off the request path", () => {
  it("the gate's function cannot PutEvents; the ledger stream worker publishes decision events", () => {
    const actionsOf = (suffix: string) => fn(suffix).statements.flatMap((st) => asArray(st.Action));
    expect(actionsOf("api-proposals")).not.toContain("events:PutEvents");
    expect(actionsOf("workflow-starter")).toContain("events:PutEvents");
    // It reads a transition's ledger event by key, and nothing else of the ledger's items.
    expect(
      actionsOf("workflow-starter").filter((a) => a.startsWith("dynamodb:") && a !== "dynamodb:ListStreams"),
    ).toEqual(expect.arrayContaining(["dynamodb:GetItem"]));
    const mappings = all("AWS::Lambda::EventSourceMapping").filter(([, m]) =>
      JSON.stringify(m.Properties.FunctionName).includes(fn("workflow-starter").id),
    );
    expect(mappings).toHaveLength(1);
    const pattern = JSON.parse(mappings[0]?.[1].Properties.FilterCriteria.Filters[0].Pattern);
    expect(pattern).toEqual({
      eventName: ["INSERT", "MODIFY"],
      dynamodb: { NewImage: { sk: { S: ["DECISION"] } } },
    });
    // Two readers per shard, as DynamoDB Streams serves them without throttling.
    expect(
      all("AWS::Lambda::EventSourceMapping").filter(([, m]) => m.Properties.StartingPosition),
    ).toHaveLength(2);
  });
});
