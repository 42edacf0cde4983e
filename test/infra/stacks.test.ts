/**
 * The whole CDK app synthesized once (with esbuild bundling, offline) with cdk-nag's AwsSolutions
 * and Serverless packs registered as synthesis validations: synthesis itself fails on any
 * unacknowledged finding. The assertions below pin what matters in the templates.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type CfnElement, Stack, Validations } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import { agentRoleName, OWN_AGENT_ENTRIES } from "../../infra/constructs/agent-functions.ts";
import { ATHENA_QUERIES } from "../../infra/constructs/athena-queries.ts";
import { CRM_IMPORT_ENTRY } from "../../infra/constructs/crm-import.ts";
import { schedulerExpression, workspaceTickExpression } from "../../infra/cron.ts";
import { RECONCILE_RESUME_POINT } from "../../shared/adapters/dynamo/checkpoint-store.ts";
import { stateKeys } from "../../shared/adapters/dynamo/keys.ts";
import { AGENT_LEDGER_READS, type BuiltinAgentId } from "../../shared/agents/builtin.ts";
import { agentRegistry } from "../../shared/agents/registry.ts";
import { ROUTES } from "../../shared/http/routes.ts";
import { fixture } from "../handlers/lambda.ts";
import { type Synthesized, settleBeforeBlocking, synthHarness } from "./synth.ts";
import { iamMatch } from "./template-values.ts";

let s: Synthesized;
beforeAll(async () => {
  await settleBeforeBlocking();
  s = synthHarness({ bundle: true });
});

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
const resources = (template: Synthesized["serviceTemplate"], type: string) =>
  Object.entries(template.findResources(type)) as [string, Resource][];
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

type Statement = {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, string[]>>;
};
/** The policy statements of a role of the service stack, by its logical id. */
const roleStatements = (roleId: string): Statement[] =>
  resources(s.serviceTemplate, "AWS::IAM::Policy")
    .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);

/** A function of the service stack (by its logical id's prefix) and its role's policy statements. */
const functionPolicy = (fnPrefix: string) => {
  const [fnId, fn] = resources(s.serviceTemplate, "AWS::Lambda::Function").find(([id]) =>
    id.startsWith(fnPrefix),
  ) as [string, Resource];
  return { fnId, fn, statements: roleStatements(fn.Properties.Role["Fn::GetAtt"][0]) };
};

function acknowledgments(root: IConstruct): { path: string; id: string; reason: string }[] {
  const out: { path: string; id: string; reason: string }[] = [];
  const walk = (c: IConstruct) => {
    for (const m of c.node.metadata)
      if (m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && m.data)
        for (const [id, reason] of Object.entries(m.data as Record<string, unknown>))
          out.push({
            path: c.node.path,
            // Stored as "Annotation::<rule id>" (older aws-cdk-lib: "annotation::").
            id: id.replace(/^annotation::/i, ""),
            reason: typeof reason === "string" ? reason : JSON.stringify(reason),
          });
    c.node.children.forEach(walk);
  };
  walk(root);
  return out;
}

describe("cdk-nag (AwsSolutions + Serverless)", () => {
  it("synthesizes with zero unacknowledged findings, and every acknowledgment says why", () => {
    expect(s.assembly.stacks.map((x) => x.stackName).sort()).toEqual([
      "Harness-dev-Console",
      "Harness-dev-Service",
      "Harness-dev-Stateful",
    ]);
    // CDK acknowledges some CloudFormation-Validate rules itself; these are the cdk-nag ones.
    const acks = acknowledgments(s.app).filter((a) => /^(AwsSolutions|Serverless)-/.test(a.id));
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) {
      expect(a.id, a.path).toMatch(/^(AwsSolutions|Serverless)-[A-Za-z0-9]+(\[.+\])?$/);
      expect(a.reason.length, `${a.path} ${a.id}`).toBeGreaterThan(60);
    }
    // No blanket acknowledgment: never on a stack or the app, never a bare IAM5.
    for (const a of acks) {
      expect(a.path.split("/").length, a.path).toBeGreaterThan(1);
      expect(a.id).not.toBe("AwsSolutions-IAM5");
    }
  });
});

describe("stateful stack", () => {
  it("tables: on-demand, PITR, deletion protection; TTL on state; stream and GSIs on the ledger", () => {
    const t = s.statefulTemplate;
    const tables = resources(t, "AWS::DynamoDB::Table");
    expect(tables).toHaveLength(2);
    for (const [, table] of tables) {
      expect(table.Properties.BillingMode).toBe("PAY_PER_REQUEST");
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
      expect(table.DeletionPolicy).toBe("Retain");
    }
    t.hasResourceProperties("AWS::DynamoDB::Table", {
      TableName: "dev-harness-state",
      TimeToLiveSpecification: { AttributeName: "ttl", Enabled: true },
    });
    t.hasResourceProperties("AWS::DynamoDB::Table", {
      TableName: "dev-harness-ledger",
      StreamSpecification: { StreamViewType: "NEW_IMAGE" },
      GlobalSecondaryIndexes: ["byAccount", "byPerson", "byAgent", "byStatus"].map((i) =>
        Match.objectLike({ IndexName: i }),
      ),
    });
  });

  it("buckets: public access blocked, TLS only, encrypted, versioned, retained", () => {
    const t = s.statefulTemplate;
    const buckets = resources(t, "AWS::S3::Bucket");
    expect(buckets).toHaveLength(3);
    for (const [id, b] of buckets) {
      expect(b.Properties.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(b.Properties.BucketEncryption, id).toBeDefined();
      expect(b.Properties.VersioningConfiguration, id).toEqual({ Status: "Enabled" });
      expect(b.DeletionPolicy, id).toBe("Retain");
    }
    const policies = resources(t, "AWS::S3::BucketPolicy");
    expect(policies).toHaveLength(3);
    for (const [, p] of policies)
      expect(JSON.stringify(p.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    // Object Lock is opt-in: off by default.
    for (const [, b] of buckets) expect(b.Properties.ObjectLockEnabled).toBeUndefined();
  });

  it("event bus with an archive for replay", () => {
    s.statefulTemplate.hasResourceProperties("AWS::Events::EventBus", { Name: "dev-harness" });
    s.statefulTemplate.hasResourceProperties("AWS::Events::Archive", {
      ArchiveName: "dev-harness-events",
      EventPattern: { source: ["agent-harness"] },
    });
  });

  it("Glue tables with partition projection, an encrypting Athena workgroup and the named queries", () => {
    const t = s.statefulTemplate;
    for (const name of ["decisions", "ledger_events"]) {
      t.hasResourceProperties("AWS::Glue::Table", {
        TableInput: Match.objectLike({
          Name: name,
          PartitionKeys: [{ Name: "dt", Type: "string" }],
          Parameters: Match.objectLike({ "projection.enabled": "true", "projection.dt.type": "date" }),
        }),
      });
    }
    t.hasResourceProperties("AWS::Athena::WorkGroup", {
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        ResultConfiguration: Match.objectLike({ EncryptionConfiguration: { EncryptionOption: "SSE_S3" } }),
      }),
    });
    const named = resources(t, "AWS::Athena::NamedQuery").map(([, q]) => q.Properties.Name);
    expect(named.sort()).toEqual(ATHENA_QUERIES.map((q) => q.name).sort());
  });
});

describe("service stack", () => {
  it("a role EventBridge Scheduler assumes is assumed only for this account's schedules", () => {
    const t = s.serviceTemplate.toJSON();
    const assumed = Object.values(t.Resources as Record<string, any>)
      .filter((r) => r.Type === "AWS::IAM::Role")
      .flatMap((r) => r.Properties.AssumeRolePolicyDocument.Statement)
      .filter((st: any) => JSON.stringify(st.Principal).includes("scheduler.amazonaws.com"));
    expect(assumed.length).toBeGreaterThan(0);
    for (const st of assumed)
      expect(st.Condition, JSON.stringify(st)).toEqual({
        StringEquals: { "aws:SourceAccount": expect.anything() },
      });
  });

  it("one Node 24 ARM64 traced function per route group, workflow task, worker and agent, each with its own role, no source maps at load", () => {
    const fns = resources(s.serviceTemplate, "AWS::Lambda::Function");
    const groups = new Set(ROUTES.map((r) => r.group));
    // API groups, 4 workflow tasks and the reconciler, 2 event workers, 3 ledger workers (archiver,
    // starter, digest), the signals loop, agents, the world's 3 (SES outcomes worker, HubSpot
    // webhook and its queue's worker: world-io.test.ts) and /mcp's.
    expect(fns).toHaveLength(groups.size + 4 + 1 + 2 + 3 + 1 + agentRegistry.length + 3 + 1);
    const roles = new Set<string>();
    for (const [id, f] of fns) {
      expect(f.Properties.Runtime, id).toBe("nodejs24.x");
      expect(f.Properties.Architectures, id).toEqual(["arm64"]);
      expect(f.Properties.TracingConfig, id).toEqual({ Mode: "Active" });
      expect(f.Properties.MemorySize, id).toBeGreaterThan(0);
      expect(f.Properties.Timeout, id).toBeGreaterThan(0);
      // Source maps are read when a stack is printed (source-maps.ts), not at every cold start.
      expect(f.Properties.Environment.Variables.NODE_OPTIONS ?? "", id).not.toMatch(/source-maps/);
      roles.add(JSON.stringify(f.Properties.Role));
    }
    expect(roles.size).toBe(fns.length);
  });

  it("every route is on the API with its authorizer: IAM for agents, the Cognito JWT for people", () => {
    const routes = resources(s.serviceTemplate, "AWS::ApiGatewayV2::Route");
    // Plus POST /v1/webhooks/hubspot, signature-checked in its function (world-io.test.ts), and
    // POST, GET and DELETE /mcp, behind the agent routes' IAM authorizer.
    expect(routes).toHaveLength(ROUTES.length + 1 + 3);
    for (const method of ["POST", "GET", "DELETE"]) {
      const mcp = routes.find(([, r]) => r.Properties.RouteKey === `${method} /mcp`)?.[1];
      expect(mcp?.Properties.AuthorizationType, `${method} /mcp`).toBe("AWS_IAM");
    }
    for (const route of ROUTES) {
      const key = `${route.method} ${route.path}`;
      const found = routes.find(([, r]) => r.Properties.RouteKey === key)?.[1];
      expect(found, key).toBeDefined();
      const expected =
        route.roles === "public" ? "NONE" : route.roles.every((r) => r === "agent") ? "AWS_IAM" : "JWT";
      expect(found?.Properties.AuthorizationType ?? "NONE", key).toBe(expected);
    }
    expect(routes.filter(([, r]) => (r.Properties.AuthorizationType ?? "NONE") === "NONE")).toHaveLength(
      ROUTES.filter((r) => r.roles === "public").length + 1,
    );
    s.serviceTemplate.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      AuthorizerType: "JWT",
      IdentitySource: ["$request.header.Authorization"],
    });
    s.serviceTemplate.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 }),
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    const groups = resources(s.serviceTemplate, "AWS::Cognito::UserPoolGroup").map(
      ([, g]) => g.Properties.GroupName,
    );
    expect(groups.sort()).toEqual(["admin", "approver", "viewer"]);
  });

  it("a failure destination on every asynchronous path", () => {
    const t = s.serviceTemplate;
    const mappings = resources(t, "AWS::Lambda::EventSourceMapping");
    // The two ledger stream workers and the HubSpot webhook's queue worker.
    expect(mappings).toHaveLength(3);
    const queues = resources(t, "AWS::SQS::Queue");
    for (const [, m] of mappings) {
      const source = JSON.stringify(m.Properties.EventSourceArn);
      const queue = queues.find(([id]) => source.includes(`"${id}"`));
      // A stream's failed batch goes to the mapping's destination; a queue's message to its own DLQ.
      if (queue) expect(queue[1].Properties.RedrivePolicy?.deadLetterTargetArn).toBeDefined();
      else expect(m.Properties.DestinationConfig?.OnFailure?.Destination).toBeDefined();
    }
    for (const [, rule] of resources(t, "AWS::Events::Rule"))
      for (const target of rule.Properties.Targets) expect(target.DeadLetterConfig?.Arn).toBeDefined();
    const invokeConfigs = resources(t, "AWS::Lambda::EventInvokeConfig");
    // execute-allowed, agent-watchers, digest; the world's outcomes worker; the reconciler; the
    // signals loop; agents.
    expect(invokeConfigs).toHaveLength(3 + 1 + 1 + 1 + agentRegistry.length);
    for (const [, c] of invokeConfigs)
      expect(c.Properties.DestinationConfig.OnFailure.Destination).toBeDefined();
    for (const [, sch] of resources(t, "AWS::Scheduler::Schedule"))
      expect(sch.Properties.Target.DeadLetterConfig?.Arn).toBeDefined();
    const alarmed = resources(t, "AWS::CloudWatch::Alarm").filter(
      ([, a]) => a.Properties.MetricName === "ApproximateNumberOfMessagesVisible",
    );
    // Every queue a failure ends in alarms on its depth; a work queue's failures end in its DLQ.
    const dead = queues.filter(([, q]) => !q.Properties.RedrivePolicy);
    expect(alarmed).toHaveLength(dead.length);
    expect(dead.length).toBe(queues.length - 1);
    const errorAlarms = resources(t, "AWS::CloudWatch::Alarm").filter(
      ([, a]) => a.Properties.MetricName === "Errors",
    );
    expect(errorAlarms).toHaveLength(resources(t, "AWS::Lambda::Function").length);
    // An API function's 500 is no function error: its "unexpected error" log line is counted, in every
    // function that answers HTTP through the API core, and alarms.
    const filters = resources(t, "AWS::Logs::MetricFilter").filter(
      ([, f]) => f.Properties.MetricTransformations[0].MetricName === "ApiUnexpectedErrors",
    );
    const apiLogIds = Object.values(s.service.functions)
      .filter((f) => f.entry.startsWith("functions/api/"))
      .map((f) => Stack.of(f).getLogicalId(f.logGroup.node.defaultChild as CfnElement));
    expect(apiLogIds.length).toBeGreaterThan(5);
    expect(filters.map(([, f]) => f.Properties.LogGroupName.Ref).sort()).toEqual(apiLogIds.sort());
    expect(filters.map(([, f]) => f.Properties.FilterPattern)).toEqual(
      filters.map(() => '{ $.message = "unexpected error" }'),
    );
    const unexpected = resources(t, "AWS::CloudWatch::Alarm").filter(
      ([, a]) => a.Properties.MetricName === "ApiUnexpectedErrors",
    );
    expect(unexpected.map(([, a]) => a.Properties)).toEqual([
      expect.objectContaining({ Namespace: "AgentHarness", Statistic: "Sum", Threshold: 0 }),
    ]);
    // Each consumer of the ledger's stream alarms when it falls behind: a stuck batch shows no error.
    const streamed = resources(t, "AWS::Lambda::EventSourceMapping")
      .filter(([, m]) => JSON.stringify(m.Properties.EventSourceArn).includes("StreamArn"))
      .map(([, m]) => JSON.stringify(m.Properties.FunctionName));
    const behind = resources(t, "AWS::CloudWatch::Alarm").filter(
      ([, a]) => a.Properties.MetricName === "IteratorAge",
    );
    expect(streamed.length).toBeGreaterThan(1);
    // They ride out an outage of hours instead of giving a batch up after a few quick retries.
    for (const [, m] of resources(t, "AWS::Lambda::EventSourceMapping").filter(([, m]) =>
      JSON.stringify(m.Properties.EventSourceArn).includes("StreamArn"),
    ))
      expect(m.Properties.MaximumRecordAgeInSeconds).toBeGreaterThanOrEqual(30 * 60);
    // The decision events' publisher, whose records age out after 30 minutes, reads a shard four
    // batches at once (each decision's images in order).
    const starter = resources(t, "AWS::Lambda::EventSourceMapping").find(
      ([, m]) => m.Properties.MaximumRecordAgeInSeconds === 30 * 60,
    );
    expect(starter?.[1].Properties.ParallelizationFactor).toBe(4);
    expect(behind.map(([, a]) => JSON.stringify(a.Properties.Dimensions[0].Value)).sort()).toEqual(
      streamed.sort(),
    );
    for (const [, a] of behind)
      expect(a.Properties).toMatchObject({ Statistic: "Maximum", Threshold: 300_000 });
  });

  it("every function behind an HTTP route ends before API Gateway does; the whole-table routes get that long", () => {
    const t = s.serviceTemplate.toJSON();
    const fnOf = (uri: unknown) =>
      JSON.stringify(uri)
        .match(/"(\w+?)"/g)
        ?.map((m) => m.slice(1, -1)) ?? [];
    const behindRoutes = new Set(
      Object.values(t.Resources as Record<string, any>)
        .filter((r) => r.Type === "AWS::ApiGatewayV2::Integration")
        .flatMap((r) => fnOf(r.Properties.IntegrationUri))
        .filter((id) => t.Resources[id]?.Type === "AWS::Lambda::Function"),
    );
    expect(behindRoutes.size).toBeGreaterThan(6);
    for (const id of behindRoutes) expect(t.Resources[id].Properties.Timeout, id).toBeLessThan(30);
    // An erasure's scan, the ledger's verification, a replay: not cut at the default 10 s.
    for (const cid of ["ApiAdmin", "ApiKnowledge", "ApiErasure", "ApiDecisions", "ApiReplay"]) {
      const id = Stack.of(s.service).getLogicalId(
        s.service.functions[cid]?.fn.node.defaultChild as CfnElement,
      );
      expect(t.Resources[id].Properties.Timeout, cid).toBe(29);
    }
  });

  it("only an agent whose runs continue may invoke a function, and only its own", () => {
    const t = s.serviceTemplate.toJSON();
    // The agents' functions (their entries under functions/agents/) and their roles.
    const agentRoleIds = Object.values(s.service.functions)
      .filter((f) => f.entry.startsWith("functions/agents/"))
      .map(
        (f) =>
          t.Resources[Stack.of(f).getLogicalId(f.fn.node.defaultChild as CfnElement)].Properties.Role[
            "Fn::GetAtt"
          ][0] as string,
      );
    expect(agentRoleIds).toHaveLength(agentRegistry.length);
    // Each built-in agent on its own entry (the CRM import's wires HubSpot), none on the shared one.
    const entries = Object.fromEntries(
      agentRegistry.map((a) => {
        const cid = `Agent${a.id.replace(/(^|-)([a-z])/g, (_m, _s, c: string) => c.toUpperCase())}`;
        return [a.id, s.service.functions[cid]?.entry];
      }),
    );
    expect(entries).toEqual({ ...OWN_AGENT_ENTRIES, "crm-import": CRM_IMPORT_ENTRY });
    const invokes = (roleId: string) =>
      roleStatements(roleId)
        .filter((st) => asArray(st.Action).includes("lambda:InvokeFunction"))
        .flatMap((st) => asArray(st.Resource).map((r) => JSON.stringify(r)));
    expect(
      agentRegistry
        .filter((a) => a.continues)
        .map((a) => a.id)
        .sort(),
    ).toEqual(["crm-import", "outreach-writer"]);
    for (const roleId of agentRoleIds) {
      const resources = invokes(roleId);
      const own = /OutreachWriter/.test(roleId)
        ? "outreach-writer"
        : /CrmImport/.test(roleId)
          ? "crm-import"
          : undefined;
      if (own) {
        expect(resources).toHaveLength(1);
        expect(resources[0]).toContain(`:function:dev-harness-agent-${own}"`);
      } else expect(resources, roleId).toEqual([]);
    }
  });

  it("CloudWatch may publish the alarms: a key and a topic policy that let it", () => {
    const t = s.serviceTemplate;
    const [[topicId, topic] = ["", undefined]] = resources(t, "AWS::SNS::Topic");
    // Not SNS's AWS-managed key, whose policy CloudWatch may not use and nobody may change.
    const keyRef = topic?.Properties.KmsMasterKeyId;
    expect(JSON.stringify(keyRef)).not.toContain("alias/aws/sns");
    const key = t.toJSON().Resources[keyRef["Fn::GetAtt"]?.[0] ?? keyRef.Ref];
    expect(key?.Type).toBe("AWS::KMS::Key");
    const cloudwatch = (st: any) => JSON.stringify(st.Principal) === '{"Service":"cloudwatch.amazonaws.com"}';
    const keyGrant = key.Properties.KeyPolicy.Statement.find(cloudwatch);
    expect(asArray(keyGrant?.Action).sort()).toEqual(["kms:Decrypt", "kms:GenerateDataKey*"]);
    const policies = resources(t, "AWS::SNS::TopicPolicy").filter(([, p]) =>
      JSON.stringify(p.Properties.Topics).includes(topicId),
    );
    const publish = policies.flatMap(([, p]) => p.Properties.PolicyDocument.Statement).find(cloudwatch);
    expect(publish).toMatchObject({ Effect: "Allow", Action: "sns:Publish" });
    expect(publish.Condition.ArnLike["aws:SourceArn"]).toBeDefined();
  });

  it("no IAM wildcard on data actions", () => {
    const data = /^(dynamodb|s3|states|events|sqs|secretsmanager|bedrock|execute-api|lambda):/;
    for (const [id, policy] of resources(s.serviceTemplate, "AWS::IAM::Policy")) {
      for (const st of policy.Properties.PolicyDocument.Statement) {
        const actions = asArray<string>(st.Action);
        // ListStreams (needed by stream event source mappings) lists stream ARNs and has no resource-level form.
        for (const a of actions.filter((x) => data.test(x) && x !== "dynamodb:ListStreams")) {
          expect(a, id).not.toMatch(/\*/);
          expect(asArray(st.Resource), `${id} ${a}`).not.toContain("*");
        }
      }
    }
  });

  it("agents can propose but cannot write the ledger or reach connectors", () => {
    // crm-import also reads the CRM's token and writes the KB: its grants are in test/infra/world-io.test.ts.
    for (const agent of agentRegistry.filter((a) => a.id !== "crm-import")) {
      const roleName = agentRoleName("dev", agent.id);
      const [roleId] = resources(s.serviceTemplate, "AWS::IAM::Role").find(
        ([, r]) => r.Properties.RoleName === roleName,
      ) ?? [undefined];
      expect(roleId, roleName).toBeDefined();
      const statements = roleStatements(roleId as string);
      const actions = statements.flatMap((st) => asArray(st.Action));
      expect(actions).toContain("execute-api:Invoke");
      // The only writes: the agent's own retry-queue and run-claim partitions of the state table, never
      // the ledger.
      const writes = statements.filter((st) =>
        asArray(st.Action).some((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a)),
      );
      expect(writes).toHaveLength(1);
      expect(writes[0]?.Condition?.["ForAllValues:StringEquals"]?.["dynamodb:LeadingKeys"]).toEqual([
        `AGENTRETRY#${agent.id}`,
        `AGENTRUN#${agent.id}`,
      ]);
      expect(JSON.stringify(writes[0]?.Resource)).toContain("TablesState");
      expect(JSON.stringify(writes[0]?.Resource)).not.toContain("TablesLedger");
      expect(actions.filter((a) => /^(s3|secretsmanager|states|events):/.test(a))).toEqual([]);
      const invoke = statements.find((st) => asArray(st.Action).includes("execute-api:Invoke"));
      expect(JSON.stringify(invoke)).toContain("/POST/v1/proposals");
      // The ledger and the person key only where the agent reads decisions, with the indexes it reads.
      const reads = AGENT_LEDGER_READS[agent.id as BuiltinAgentId];
      const ledger = statements.filter((st) => JSON.stringify(st.Resource).includes("TablesLedger"));
      expect(actions.includes("kms:Decrypt"), agent.id).toBe(reads !== undefined);
      if (!reads) expect(ledger, agent.id).toEqual([]);
      else {
        const indexes = JSON.stringify(ledger).match(/\/index\/(\w+)/g) ?? [];
        expect(indexes.map((i) => i.slice("/index/".length)).sort(), agent.id).toEqual(
          [...reads.indexes].sort(),
        );
      }
    }
  });

  it("EventBridge rules come from the event route table; Scheduler schedules from the registry", () => {
    s.serviceTemplate.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: {
        source: ["agent-harness"],
        "detail-type": ["decision.made"],
        detail: { status: ["dispatched"] },
      },
    });
    // The agents' watchers: one rule per watched event type, all targeting the AgentWatchers function.
    const watcherFn = resources(s.serviceTemplate, "AWS::Lambda::Function").find(([id]) =>
      id.startsWith("AgentWatchers"),
    )?.[0];
    expect(watcherFn).toBeDefined();
    const rules = resources(s.serviceTemplate, "AWS::Events::Rule");
    for (const type of [
      "kb.account.put",
      "kb.person.put",
      "kb.signals.added",
      "decision.transitioned",
      "outcome.recorded",
    ]) {
      const rule = rules.find(
        ([, r]) =>
          JSON.stringify(r.Properties.EventPattern?.["detail-type"]) === JSON.stringify([type]) &&
          JSON.stringify(r.Properties.Targets).includes(String(watcherFn)),
      );
      expect(rule, type).toBeDefined();
      expect(rule?.[1].Properties.EventPattern.source).toEqual(["agent-harness"]);
    }
    const scheduled = agentRegistry.flatMap((a) =>
      a.triggers.flatMap((t) => (t.kind === "schedule" ? [{ agent: a.id, cron: t.cron }] : [])),
    );
    const all = resources(s.serviceTemplate, "AWS::Scheduler::Schedule");
    const schedules = all.filter(([, x]) => JSON.parse(x.Properties.Target.Input).trigger === "schedule");
    expect(schedules).toHaveLength(scheduled.length);
    // Every agent that proposes gets its deferred proposals proposed again each quarter hour, invoked or not.
    const retries = all.filter(([, x]) => JSON.parse(x.Properties.Target.Input).trigger === "retries");
    expect(retries.map(([, x]) => JSON.parse(x.Properties.Target.Input).agentId).sort()).toEqual(
      agentRegistry
        .filter((a) => a.actions.length > 0)
        .map((a) => a.id)
        .sort(),
    );
    for (const [, x] of retries) expect(x.Properties.ScheduleExpression).toBe("rate(15 minutes)");
    expect(all).toHaveLength(scheduled.length + retries.length);
    for (const sc of scheduled) {
      const found = schedules.find(
        ([, x]) => JSON.parse(x.Properties.Target.Input).agentId === sc.agent,
      )?.[1];
      // Every minute the expression may fire in some zone, in UTC: the function runs where it fires
      // in the spec's workspace zone (agent-handler.ts), which a published spec may change.
      expect(found?.Properties.ScheduleExpression).toBe(workspaceTickExpression(sc.cron));
      expect(found?.Properties.ScheduleExpressionTimezone).toBe("Etc/UTC");
      expect(JSON.parse(found?.Properties.Target.Input).zone).toBe("workspace");
      expect(Object.keys(JSON.parse(found?.Properties.Target.Input))).toEqual(
        Object.keys(fixture("scheduler-agent-invoke.json")),
      );
      // The scheduler puts the firing's time there: the same in a duplicate delivery of it.
      expect(JSON.parse(found?.Properties.Target.Input).scheduledAt).toBe("<aws.scheduler.scheduled-time>");
    }
  });

  it("a Standard state machine with logs and tracing; its logs without execution data (task tokens)", () => {
    s.serviceTemplate.hasResourceProperties("AWS::StepFunctions::StateMachine", {
      StateMachineName: "dev-harness-approval",
      StateMachineType: "STANDARD",
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: "ALL", IncludeExecutionData: false }),
    });
  });
});

describe("configuration", () => {
  it("Object Lock on the archive is an opt-in; bad context fails synthesis naming the field", () => {
    const locked = synthHarness({
      bundle: false,
      context: { "harness:archiveObjectLock": "true", "harness:stage": "prod" },
    });
    locked.statefulTemplate.hasResourceProperties("AWS::S3::Bucket", {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: Match.objectLike({ ObjectLockEnabled: "Enabled" }),
    });
    expect(() => synthHarness({ bundle: false, context: { "harness:overrideWindowMinutes": "-5" } })).toThrow(
      /harness\.overrideWindowMinutes/,
    );
    expect(() =>
      synthHarness({ bundle: false, context: { "harness:connectorSecretArns": '{"hubspot":"not-an-arn"}' } }),
    ).toThrow(/harness\.connectorSecretArns\.hubspot/);
  });

  it("a schedule time zone given at deploy fixes the agents' schedules in it, as EventBridge Scheduler fires them", () => {
    const fixed = synthHarness({ bundle: false, context: { "harness:scheduleTimezone": "Europe/Berlin" } });
    const schedules = Object.values(fixed.serviceTemplate.findResources("AWS::Scheduler::Schedule")).filter(
      (sch) => JSON.parse(sch.Properties.Target.Input).trigger === "schedule",
    );
    expect(schedules.length).toBeGreaterThan(0);
    for (const sch of schedules) {
      const input = JSON.parse(sch.Properties.Target.Input);
      expect(sch.Properties.ScheduleExpression).toBe(schedulerExpression(input.cron));
      expect(sch.Properties.ScheduleExpressionTimezone).toBe("Europe/Berlin");
      expect(input.zone).toBeUndefined();
    }
  });
});

describe("persons' data keys (crypto-shredding)", () => {
  it("one rotating, retained KMS key; only the gate wraps new data keys; every KMS grant is on that key", () => {
    const keys = resources(s.statefulTemplate, "AWS::KMS::Key").filter(([, k]) =>
      String(k.Properties.Description).includes("per-person data keys"),
    );
    expect(keys).toHaveLength(1);
    const [keyId, key] = keys[0] as [string, Resource];
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe("Retain");
    const kms = resources(s.serviceTemplate, "AWS::IAM::Policy").flatMap(([, p]) =>
      (p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
        .filter((st) => asArray(st.Action).some((a) => a.startsWith("kms:")))
        .map((st) => ({ st, roles: JSON.stringify(p.Properties.Roles) })),
    );
    expect(kms.length).toBeGreaterThan(5);
    for (const { st } of kms) {
      expect(asArray(st.Resource)).not.toContain("*");
      expect(JSON.stringify(st.Resource)).toContain(keyId);
    }
    const encrypting = kms.filter(({ st }) => asArray(st.Action).includes("kms:Encrypt"));
    expect(encrypting.map((e) => e.roles).join()).toMatch(/ApiProposals/);
    // The gate runs in the proposals function, and in /mcp's, whose propose_action calls it in process.
    expect(encrypting.every((e) => /ApiProposals|ApiMcp/.test(e.roles))).toBe(true);
    const decrypting = kms.filter(({ st }) => asArray(st.Action).includes("kms:Decrypt")).map((e) => e.roles);
    for (const reader of [
      "ApiDecisions",
      "ApiReplay",
      "ApiReviews",
      "ApiKnowledge",
      "WorkflowExecute",
      "ExecuteAllowed",
    ])
      expect(decrypting.join(), reader).toMatch(new RegExp(reader));
    expect(decrypting.join()).not.toMatch(/ApiHealth/);
  });
});

describe("ledger digest", () => {
  it("a daily EventBridge schedule invokes the digest function, with a dead-letter queue and retries", () => {
    const { fnId, fn } = functionPolicy("LedgerDigestFn");
    expect(fn.Properties.Environment.Variables).toMatchObject({
      ARCHIVE_BUCKET: expect.anything(),
      LEDGER_TABLE: expect.anything(),
      STATE_TABLE: expect.anything(),
    });
    // Scheduled rules: this one, the reconciler's (no-stuck-decisions.test.ts) and the signals loop's.
    const rules = resources(s.serviceTemplate, "AWS::Events::Rule").filter(
      ([, r]) =>
        r.Properties.ScheduleExpression !== undefined &&
        !["dev-harness-reconciler", "dev-harness-signals-refit"].includes(r.Properties.Name),
    );
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0] as [string, Resource];
    expect(rule.Properties.ScheduleExpression).toBe("cron(15 0 * * ? *)");
    expect(rule.Properties.Name).toBe("dev-harness-ledger-digest");
    expect(rule.Properties.Targets).toHaveLength(1);
    expect(JSON.stringify(rule.Properties.Targets[0].Arn)).toContain(fnId);
    expect(rule.Properties.Targets[0].RetryPolicy).toMatchObject({ MaximumRetryAttempts: 4 });
    // The name the fixture's resource carries: the handler test runs with what this rule sends.
    expect(fixture("eventbridge-scheduled-event.json").resources[0]).toMatch(
      /rule\/dev-harness-ledger-digest$/,
    );
  });

  it("least privilege: read the ledger, read heads of spec, trust and pauses, read and write digests/ only", () => {
    const { statements } = functionPolicy("LedgerDigestFn");
    const data = statements.filter((st) => asArray(st.Action).some((a) => /^(dynamodb|s3|kms):/.test(a)));
    const byAction = Object.fromEntries(data.map((st) => [asArray(st.Action).sort().join(","), st]));
    const ledgerReads = "dynamodb:GetItem,dynamodb:Query,dynamodb:Scan";
    const stateHeads = "dynamodb:BatchGetItem,dynamodb:GetItem";
    expect(Object.keys(byAction).sort()).toEqual(
      [stateHeads, ledgerReads, "s3:GetObject,s3:PutObject", "s3:ListBucket"].sort(),
    );
    expect(JSON.stringify(byAction[ledgerReads]?.Resource)).toContain("TablesLedger");
    expect(asArray(byAction[ledgerReads]?.Resource)).toHaveLength(1);
    expect(JSON.stringify(byAction[stateHeads]?.Resource)).toContain("TablesState");
    expect(byAction[stateHeads]?.Condition).toEqual({
      "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["SPEC", "TRUST#*", "PAUSEID#*"] },
    });
    expect(JSON.stringify(byAction["s3:GetObject,s3:PutObject"]?.Resource)).toMatch(/\/digests\/\*"/);
    expect(byAction["s3:ListBucket"]?.Condition).toEqual({ StringLike: { "s3:prefix": ["digests/*"] } });
  });

  it("an alarm on any problem the verifier finds; the admin API may verify and digest too", () => {
    const alarm = resources(s.serviceTemplate, "AWS::CloudWatch::Alarm").find(
      ([, a]) => a.Properties.MetricName === "LedgerVerifyProblems",
    )?.[1];
    expect(alarm?.Properties).toMatchObject({
      Namespace: "AgentHarness",
      Dimensions: [{ Name: "service", Value: "agent-harness" }],
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      AlarmActions: [expect.anything()],
    });
    const admin = functionPolicy("ApiAdmin");
    expect(admin.fn.Properties.Environment.Variables.ARCHIVE_BUCKET).toBeDefined();
    const actions = admin.statements.flatMap((st) => asArray(st.Action));
    expect(actions).toEqual(
      expect.arrayContaining(["dynamodb:Scan", "s3:GetObject", "s3:PutObject", "s3:ListBucket"]),
    );
  });

  it("the signals loop runs daily on its own schedule: reads touches by status, never scans or deletes", () => {
    const { fnId, fn, statements } = functionPolicy("SignalsRefit");
    expect(fn.Properties.Handler).toBe("index.handler");
    const rule = resources(s.serviceTemplate, "AWS::Events::Rule").find(
      ([, r]) => r.Properties.Name === "dev-harness-signals-refit",
    )?.[1];
    expect(rule?.Properties.ScheduleExpression).toBe("cron(0 5 * * ? *)");
    expect(JSON.stringify(rule?.Properties.Targets[0].Arn)).toContain(fnId);
    expect(rule?.Properties.Targets[0].DeadLetterConfig?.Arn).toBeDefined();
    const actions = statements.flatMap((st) => asArray(st.Action));
    // The touches of the lookback window by the ledger's byStatus index; spec.published to the bus.
    expect(
      statements.some(
        (st) =>
          asArray(st.Action).includes("dynamodb:Query") &&
          JSON.stringify(st.Resource).includes("/index/byStatus"),
      ),
    ).toBe(true);
    expect(actions).toContain("events:PutEvents");
    expect(actions.filter((a) => /Scan|DeleteItem|secretsmanager:|s3:|lambda:|bedrock:/.test(a))).toEqual([]);
    // On the ledger: the spec stream's event put, nothing updated (append-only by IAM).
    const onLedger = statements.filter((st) => {
      const r = JSON.stringify(st.Resource);
      return r.includes("TablesLedger") && !r.includes("/index/");
    });
    expect(onLedger.flatMap((st) => asArray(st.Action)).sort()).toEqual(["dynamodb:PutItem"]);
    // It reads touches without their personal data: no data key is opened or made.
    expect(actions.filter((a) => a.startsWith("kms:"))).toEqual([]);
  });
});

describe("the admin API's view of the ledger", () => {
  it("reads the byAgent index (is this agent known? before a pin) and no other index, with no kms:Decrypt", () => {
    const { statements } = functionPolicy("ApiAdmin");
    const onIndexes = statements.filter((st) => /\/index\//.test(JSON.stringify(st.Resource)));
    expect(onIndexes).toHaveLength(1);
    const [index] = onIndexes;
    expect(asArray(index?.Action)).toEqual(["dynamodb:Query"]);
    const resourcesText = JSON.stringify(index?.Resource);
    expect(resourcesText).toContain("TablesLedger");
    expect(resourcesText.match(/\/index\/[A-Za-z]+/g)).toEqual(["/index/byAgent"]);
    // The question is key-only: the admin function never opens a sealed decision.
    expect(statements.flatMap((st) => asArray(st.Action))).not.toContain("kms:Decrypt");
  });
});

describe("the knowledge API's view of the ledger", () => {
  it("queries the byAccount index (a context packet's touches) and no other", () => {
    const { statements } = functionPolicy("ApiKnowledge");
    const onIndexes = statements.filter((st) => /\/index\//.test(JSON.stringify(st.Resource)));
    expect(onIndexes.map((st) => asArray(st.Action))).toEqual([["dynamodb:Query"]]);
    expect(JSON.stringify(onIndexes[0]?.Resource).match(/\/index\/[A-Za-z]+/g)).toEqual(["/index/byAccount"]);
  });

  it("the erasure queries byAccount and byStatus (account-level mentions, list syncs still to go out)", () => {
    const { statements } = functionPolicy("ApiErasure");
    const onIndexes = statements.filter((st) => /\/index\//.test(JSON.stringify(st.Resource)));
    expect(onIndexes.map((st) => asArray(st.Action))).toEqual([["dynamodb:Query"]]);
    expect(JSON.stringify(onIndexes[0]?.Resource).match(/\/index\/[A-Za-z]+/g)).toEqual([
      "/index/byAccount",
      "/index/byStatus",
    ]);
  });

  it("only the erasure may scan the state table and delete anywhere in it; knowledge deletes only the index items a record leaves", () => {
    const deletes = (cid: string) =>
      functionPolicy(cid).statements.filter((st) => asArray(st.Action).includes("dynamodb:DeleteItem"));
    const erasure = deletes("ApiErasure");
    expect(erasure.some((st) => !st.Condition)).toBe(true);
    const knowledge = deletes("ApiKnowledge");
    expect(knowledge.length).toBeGreaterThan(0);
    for (const st of knowledge) expect(JSON.stringify(st.Condition)).toMatch(/dynamodb:LeadingKeys/);
    expect(JSON.stringify(knowledge.map((st) => st.Condition))).not.toMatch(/"\*"/);
    const scans = (cid: string) =>
      functionPolicy(cid).statements.some((st) => asArray(st.Action).includes("dynamodb:Scan"));
    expect(scans("ApiErasure")).toBe(true);
    expect(scans("ApiKnowledge")).toBe(false);
    // The erasure's `erased` event is the one ledger write either made; only knowledge's writes feed the bus.
    const allows = (cid: string, action: string, on = "") =>
      functionPolicy(cid).statements.some(
        (st) => asArray(st.Action).includes(action) && JSON.stringify(st.Resource).includes(on),
      );
    expect(allows("ApiErasure", "dynamodb:PutItem", "TablesLedger")).toBe(true);
    expect(allows("ApiKnowledge", "dynamodb:PutItem", "TablesLedger")).toBe(false);
    expect(allows("ApiKnowledge", "events:PutEvents")).toBe(true);
    expect(allows("ApiErasure", "events:PutEvents")).toBe(false);
  });

  it("a person's data key, a suppression, an erasure mark: only the functions that write one may put or update it", () => {
    /** Whether the function's role may put (or update) an item of this state partition. */
    const writes = (cid: string, pk: string) =>
      functionPolicy(cid).statements.some(
        (st) =>
          asArray(st.Action).some((a) => a === "dynamodb:PutItem" || a === "dynamodb:UpdateItem") &&
          JSON.stringify(st.Resource).includes("TablesState") &&
          (!st.Condition ||
            asArray(st.Condition["ForAllValues:StringLike"]?.["dynamodb:LeadingKeys"]).some((p) =>
              iamMatch(p, pk),
            )),
      );
    const KEY = "PKEY#person-1";
    const SUPPRESSION = "SUPPRESS#email#0a1b";
    const ERASED = "ERASED#PERSON#person-1";
    const RESUME = stateKeys.checkpoint(RECONCILE_RESUME_POINT).pk;
    const expected: Record<string, [string, boolean][]> = {
      ApiProposals: [
        [KEY, true],
        [SUPPRESSION, false],
        ["CONTACT#acme", true],
      ],
      ApiSpecs: [
        ["SPEC", true],
        [KEY, false],
        [SUPPRESSION, false],
      ],
      WorkflowExecute: [
        ["COUNTER#touches", true],
        ["TRUST#a#email", true],
        ["PEERS#email", false],
        [KEY, false],
        [SUPPRESSION, false],
      ],
      ExecuteAllowed: [
        ["DUE", true],
        [KEY, false],
        [SUPPRESSION, false],
      ],
      WorkflowRelease: [
        ["CONTACT#acme", true],
        ["TRUST#a#email", false],
        [KEY, false],
      ],
      ReconcilerFn: [
        ["TRUSTED#a#email#o-1", true],
        ["PEERS#email", true],
        [RESUME, true],
        [KEY, false],
        [SUPPRESSION, false],
      ],
      WorldOutcomesSes: [
        [SUPPRESSION, true],
        ["PAUSE", true],
        ["COUNTER#touches", true],
        [RESUME, false],
        [KEY, false],
        ["PERSON#person-1", false],
      ],
      AgentWatchers: [
        ["PERSON#person-1", true],
        [SUPPRESSION, true],
        ["LEARNED#TEMPLATES", true],
        [KEY, false],
        ["TRUST#a#email", false],
      ],
      ApiKnowledge: [
        ["PERSON#person-1", true],
        [SUPPRESSION, true],
        ["MEMORY#agents", true],
        [KEY, false],
        ["TRUST#a#email", false],
      ],
      ApiReviews: [
        [SUPPRESSION, true],
        ["REVIEWCELLS", true],
        ["CONTACT#acme", true],
        [KEY, false],
        ["PERSON#person-1", false],
      ],
      ApiMcp: [
        [KEY, true],
        ["MEMORY#agent-1", true],
        [SUPPRESSION, false],
        ["PERSON#person-1", false],
      ],
      ApiAdmin: [
        ["PAUSE", true],
        ["TRUSTDIR#FILL", true],
        [KEY, false],
        [SUPPRESSION, false],
      ],
      SignalsRefitFn: [
        ["SPEC", true],
        ["DRAFTS", true],
        [KEY, false],
        [SUPPRESSION, false],
      ],
    };
    for (const [cid, cases] of Object.entries(expected))
      for (const [pk, may] of [...cases, [ERASED, false] as [string, boolean]])
        expect({ cid, pk, may: writes(cid, pk) }).toEqual({ cid, pk, may });
    // The erasure may: it writes the marks (and removes every copy of the person).
    expect(writes("ApiErasure", ERASED)).toBe(true);
  });
});

describe("the web console in AWS (issue 10)", () => {
  it("a private bucket read by CloudFront through Origin Access Control only, over HTTPS, with security headers", () => {
    const t = s.serviceTemplate;
    const [[, dist]] = resources(t, "AWS::CloudFront::Distribution") as [[string, Resource]];
    const cfg = dist.Properties.DistributionConfig;
    expect(cfg.DefaultRootObject).toBe("index.html");
    expect(cfg.DefaultCacheBehavior.ViewerProtocolPolicy).toBe("redirect-to-https");
    expect(cfg.DefaultCacheBehavior.AllowedMethods).toEqual(["GET", "HEAD"]);
    expect(cfg.DefaultCacheBehavior.ResponseHeadersPolicyId).toBeDefined();
    expect(cfg.Logging?.Bucket).toBeDefined();
    const origin = cfg.Origins[0];
    expect(origin.OriginAccessControlId).toBeDefined();
    expect(origin.S3OriginConfig?.OriginAccessIdentity ?? "").toBe("");
    t.hasResourceProperties("AWS::CloudFront::OriginAccessControl", {
      OriginAccessControlConfig: Match.objectLike({ SigningBehavior: "always", SigningProtocol: "sigv4" }),
    });
    t.hasResourceProperties("AWS::S3::Bucket", {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketName: Match.anyValue(),
      WebsiteConfiguration: Match.absent(),
    });
    // The bucket policy lets the CloudFront service read, on the condition of this distribution only.
    const policies = resources(t, "AWS::S3::BucketPolicy").flatMap(
      ([, p]) => p.Properties.PolicyDocument.Statement,
    );
    const read = policies.find((st: any) => st.Principal?.Service === "cloudfront.amazonaws.com");
    expect(read?.Action).toBe("s3:GetObject");
    expect(JSON.stringify(read?.Condition)).toMatch(/AWS:SourceArn/);
    expect(policies.filter((st: any) => st.Effect === "Allow" && st.Principal === "*")).toEqual([]);
    const [[, headers]] = resources(t, "AWS::CloudFront::ResponseHeadersPolicy") as [[string, Resource]];
    const security = headers.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    expect(JSON.stringify(security.ContentSecurityPolicy)).toMatch(/frame-ancestors 'none'/);
    expect(JSON.stringify(security.ContentSecurityPolicy)).toMatch(/script-src 'self'/);
    expect(security.StrictTransportSecurity).toBeDefined();
    expect(security.FrameOptions.FrameOption).toBe("DENY");
  });

  it("signs in by authorization code only, calling back to the CloudFront URL, with the API's groups", () => {
    const t = s.serviceTemplate;
    const clients = resources(t, "AWS::Cognito::UserPoolClient").map(([, c]) => c.Properties);
    // Exactly one client speaks OAuth: the console's (the CLI's client has OAuth disabled).
    const oauth = clients.filter((c) => c.AllowedOAuthFlowsUserPoolClient === true);
    expect(oauth).toHaveLength(1);
    const web = oauth[0];
    expect(web?.AllowedOAuthFlows).toEqual(["code"]);
    expect(web?.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect(web?.GenerateSecret ?? false).toBe(false);
    expect(web?.ExplicitAuthFlows).toEqual(["ALLOW_REFRESH_TOKEN_AUTH"]);
    // The console renews its hourly token with the refresh token: a sign-in lasts a working day
    // (12 h), and signing out revokes the refresh token, which needs revocation on.
    expect(web?.TokenValidityUnits).toEqual({
      AccessToken: "minutes",
      IdToken: "minutes",
      RefreshToken: "minutes",
    });
    expect([web?.IdTokenValidity, web?.AccessTokenValidity, web?.RefreshTokenValidity]).toEqual([
      60, 60, 720,
    ]);
    expect(web?.EnableTokenRevocation).toBe(true);
    // One callback: the distribution's own domain, no placeholder.
    expect(web?.CallbackURLs).toHaveLength(1);
    expect(JSON.stringify(web?.CallbackURLs)).toMatch(/DistributionDomainName|DomainName/);
    expect(JSON.stringify(web?.CallbackURLs)).not.toMatch(/localhost|example/);
    t.hasResourceProperties("AWS::Cognito::UserPoolDomain", { Domain: Match.anyValue() });
    // The API accepts the console client's tokens and lets the console's origin call it.
    const [[, authorizer]] = resources(t, "AWS::ApiGatewayV2::Authorizer") as [[string, Resource]];
    expect(authorizer.Properties.JwtConfiguration.Audience).toHaveLength(2);
    const [[, api]] = resources(t, "AWS::ApiGatewayV2::Api") as [[string, Resource]];
    expect(JSON.stringify(api.Properties.CorsConfiguration.AllowOrigins)).toMatch(/DomainName/);
    expect(api.Properties.CorsConfiguration.AllowOrigins).not.toContain("*");
    // Signed-in people may change their names only, never their email (who they are in the ledger);
    // a changed email stays the old one until the new one is verified.
    expect(clients).toHaveLength(2);
    for (const c of clients) expect([...c.WriteAttributes].sort()).toEqual(["family_name", "given_name"]);
    const pools = [
      ...resources(s.statefulTemplate, "AWS::Cognito::UserPool"),
      ...resources(t, "AWS::Cognito::UserPool"),
    ];
    expect(pools.map(([, p]) => p.Properties.UserAttributeUpdateSettings)).toEqual([
      { AttributesRequireVerificationBeforeUpdate: ["email"] },
    ]);
  });

  it("a console served elsewhere (consoleUrls) may sign in and call the API; a URL Cognito or a browser would refuse is named", () => {
    const other = synthHarness({
      bundle: false,
      context: {
        // Written as people write them: a host in capitals, an origin without its "/".
        "harness:consoleUrls": JSON.stringify(["https://GTM.example.com/console/", "http://localhost:5173"]),
      },
    });
    const clients = resources(other.serviceTemplate, "AWS::Cognito::UserPoolClient").map(
      ([, c]) => c.Properties,
    );
    const web = clients.find((c) => c.AllowedOAuthFlowsUserPoolClient === true);
    expect(web?.CallbackURLs).toHaveLength(3);
    expect(web?.CallbackURLs).toEqual(
      expect.arrayContaining(["https://gtm.example.com/console/", "http://localhost:5173/"]),
    );
    expect(web?.LogoutURLs).toEqual(web?.CallbackURLs);
    const [[, api]] = resources(other.serviceTemplate, "AWS::ApiGatewayV2::Api") as [[string, Resource]];
    expect(api.Properties.CorsConfiguration.AllowOrigins).toEqual(
      expect.arrayContaining(["https://gtm.example.com", "http://localhost:5173"]),
    );
    for (const [url, message] of [
      ["http://gtm.example.com/", /consoleUrls\.0: must be an https URL \(http only to localhost\)/],
      ["https://gtm.example.com/#/x", /consoleUrls\.0: must have no #fragment/],
      ["https://gtm.example.com/?a=1", /consoleUrls\.0: must have no #fragment or \?query/],
      ["gtm.example.com/console", /consoleUrls\.0: must be a URL/],
    ] as const)
      expect(() =>
        synthHarness({ bundle: false, context: { "harness:consoleUrls": JSON.stringify([url]) } }),
      ).toThrow(message);
  });

  it("deploys shared/console/ and a config.json with the API URL, the hosted UI, the client id and the region", () => {
    const stack = s.assembly.getStackByName("Harness-dev-Console");
    const template = JSON.stringify(stack.template);
    expect(template).toMatch(/Custom::CDKBucketDeployment/);
    const deploy = Object.values(stack.template.Resources as Record<string, Resource>).find(
      (r) => r.Type === "Custom::CDKBucketDeployment",
    );
    // The console's files less index.html, index.html with its connection policy, and config.json.
    expect(deploy?.Properties.SourceObjectKeys).toHaveLength(3);
    expect(deploy?.Properties.DistributionPaths).toEqual(["/*"]);
    // The config.json asset, written at synthesis with deploy-time markers resolved by the deployment.
    const dirs = readdirSync(s.outdir).filter(
      (d) => d.startsWith("asset.") && existsSync(join(s.outdir, d, "config.json")),
    );
    expect(dirs).toHaveLength(1);
    const config = JSON.parse(readFileSync(join(s.outdir, dirs[0] as string, "config.json"), "utf8"));
    expect(Object.keys(config).sort()).toEqual(["apiBase", "cognito", "region"]);
    expect(config.region).toBe("us-east-1");
    expect(config.cognito.domain).toMatch(/^https:\/\/dev-harness-.*\.auth\.us-east-1\.amazoncognito\.com$/);
    expect(config.cognito).toMatchObject({ scope: "openid email", tokenUse: "id" });
    const markers = JSON.stringify(deploy?.Properties.SourceMarkers);
    expect(markers).toMatch(/ApiEndpoint/);
    expect(markers).toMatch(/ConsoleWeb/);
    expect(markers).toMatch(/DomainName/);
    // index.html narrows where the page may connect: this deployment's API and hosted UI, where the
    // distribution's header allows every execute-api host of the region (any account's API).
    const staged = readdirSync(s.outdir).filter((d) => d.startsWith("asset."));
    const files = staged.filter((d) => existsSync(join(s.outdir, d, "js", "app.js")));
    expect(files).toHaveLength(1);
    expect(existsSync(join(s.outdir, files[0] as string, "index.html"))).toBe(false);
    const pages = staged.filter((d) => existsSync(join(s.outdir, d, "index.html")));
    expect(pages).toHaveLength(1);
    const page = readFileSync(join(s.outdir, pages[0] as string, "index.html"), "utf8");
    const policy = page.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)" \/>/)?.[1];
    // The deploy-time values are markers the deployment replaces: the API's endpoint and the hosted UI.
    expect(policy).toMatch(
      /^connect-src 'self' <<marker:0xbaba:\d+>> https:\/\/dev-harness-<<marker:0xbaba:\d+>>\.auth\.us-east-1\.amazoncognito\.com$/,
    );
    expect(page.indexOf("Content-Security-Policy")).toBeLessThan(page.indexOf("<script"));
    expect(page).toContain('<script type="module" src="js/app.js"></script>');
  });
});
