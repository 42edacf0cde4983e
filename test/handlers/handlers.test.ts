/**
 * Every Lambda entry invoked as Lambda invokes it, with real AWS event payloads from
 * test/fixtures/events, against DynamoDB Local. Entries whose only outside dependency is DynamoDB run
 * with their exported `handler` and zod-parsed environment; the others get the same wiring with the
 * test's clock, sandbox connector and in-memory stand-ins for EventBridge, S3 and Step Functions.
 */

import { gunzipSync } from "node:zlib";
import { Logger } from "@aws-lambda-powertools/logger";
import { marshall } from "@aws-sdk/util-dynamodb";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { makeHandler as agentWatchers } from "../../functions/events/agent-watchers.ts";
import { makeHandler as executeAllowed } from "../../functions/events/execute-allowed.ts";
import { makeHandler as archiver } from "../../functions/ledger/archiver.ts";
import { makeHandler as workflowStarter } from "../../functions/ledger/workflow-starter.ts";
import { makeHandler as awaitApproval } from "../../functions/workflow/await-approval.ts";
import { makeHandler as release } from "../../functions/workflow/release.ts";
import { StepFunctionsApprovalSignal } from "../../shared/adapters/aws/approval-signal.ts";
import { DynamoTransitionReader } from "../../shared/adapters/aws/ledger-transitions.ts";
import { S3ArchiveWriter } from "../../shared/adapters/aws/s3-archive-writer.ts";
import { DynamoTaskTokenStore } from "../../shared/adapters/aws/task-token-store.ts";
import { ledgerKeys } from "../../shared/adapters/dynamo/keys.ts";
import type { Decision } from "../../shared/domain/decision.ts";
import { PROPOSALS_TABLE } from "../../shared/http/groups/proposals.ts";
import { REVIEWS_TABLE } from "../../shared/http/groups/reviews.ts";
import { createAgentWatchers } from "../../shared/runtime/agent-watchers-aws.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import { ConfigError, parseAwsEnv } from "../../shared/runtime/aws-env.ts";
import {
  EXECUTOR_STORES,
  GATE_STORES,
  RELEASE_STORES,
  WATCHER_STORES,
} from "../../shared/runtime/aws-stores.ts";
import { approve, execute, reject } from "../../shared/usecases/lifecycle.ts";
import type { WorkflowInput } from "../../shared/usecases/workflow.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { emailProposal, seedAcme } from "../helpers/world.ts";
import {
  awsRuntimeFor,
  fixture,
  functionEnv,
  LocalTasks,
  lambdaContext,
  RecordingPublisher,
} from "./lambda.ts";

let rt: TestRuntime;
const saved = { ...process.env };
beforeAll(async () => {
  // AWS shape: execution happens only through the handlers under test, not the local bus workers.
  rt = await startRuntime({ runWorkers: false });
  await seedAcme(rt.deps, "h-acme");
});
afterAll(() => rt?.close());
afterEach(() => {
  process.env = { ...saved };
});

const ctx = lambdaContext();
const decisionImage = (d: Decision) =>
  marshall(
    { ...ledgerKeys.decision(d.decisionId), ...ledgerKeys.decisionIndexes(d), ...d },
    { removeUndefinedValues: true },
  );

function streamEvent(d: Decision, seq = "4421584500000000017450439091") {
  const e = fixture("dynamodb-stream-ledger-insert.json");
  e.Records[0].dynamodb.Keys = marshall(ledgerKeys.decision(d.decisionId));
  e.Records[0].dynamodb.NewImage = decisionImage(d);
  e.Records[0].dynamodb.SequenceNumber = seq;
  return e;
}

/** Each proposal targets its own account: the default spec allows one touch per account per day. */
async function propose(agentId: string) {
  const accountId = `acct-${agentId}`;
  await seedAcme(rt.deps, accountId);
  const publisher = new RecordingPublisher();
  const handler = apiHandler(PROPOSALS_TABLE, () =>
    awsRuntimeFor(rt, { events: publisher, stores: GATE_STORES, gate: true }),
  );
  const e = fixture("api-v2-iam-proposal.json");
  const arn = `arn:aws:sts::123456789012:assumed-role/dev-harness-agent-${agentId}/dev-harness-agents-agent-${agentId}`;
  e.requestContext.authorizer.iam.userArn = arn;
  e.body = JSON.stringify(emailProposal(agentId, accountId));
  const res = await handler(e, ctx);
  return { res, body: JSON.parse(res.body), publisher };
}

describe("API Gateway HTTP API (payload v2) handlers", () => {
  it("GET /v1/health: the exported handler, wired from its environment", async () => {
    Object.assign(process.env, functionEnv(rt));
    const { handler } = await import("../../functions/api/health.ts");
    const res = await handler(fixture("api-v2-health.json"), ctx);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).status).toBe("ok");
  });

  it("POST /v1/proposals with IAM auth: the agent is the role session's agent; nothing is published on the request path", async () => {
    const { res, body, publisher } = await propose("h-writer");
    expect(res.statusCode).toBe(201);
    expect(body).toMatchObject({ agentId: "h-writer", status: "pending_approval", replay: false });
    // decision.made goes onto the bus from the ledger stream (test/handlers/decision-events.test.ts).
    expect(publisher.events).toEqual([]);
    // An IAM caller proposing as another agent is refused.
    const other = fixture("api-v2-iam-proposal.json");
    other.body = JSON.stringify(emailProposal("someone-else", "h-acme"));
    const refused = await apiHandler(PROPOSALS_TABLE, () =>
      awsRuntimeFor(rt, { stores: GATE_STORES, gate: true }),
    )(other, ctx);
    expect(refused.statusCode).toBe(403);
  });

  it("a JWT caller cannot reach the proposals group; approvers approve through the reviews group", async () => {
    const reviews = apiHandler(REVIEWS_TABLE, () => awsRuntimeFor(rt, { sandbox: rt.sandbox }));
    const { body: d } = await propose("h-writer2");
    const e = fixture("api-v2-jwt-approve.json");
    e.rawPath = e.requestContext.http.path = `/v1/decisions/${d.decisionId}/approve`;
    e.body = JSON.stringify({ digest: d.payloadDigest });
    const res = await reviews(e, ctx);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ status: "dispatched", review: { by: "ana@example.com" } });
    // The proposals function has only its own routes.
    const proposals = apiHandler(PROPOSALS_TABLE, () =>
      awsRuntimeFor(rt, { stores: GATE_STORES, gate: true }),
    );
    expect((await proposals(e, ctx)).statusCode).toBe(404);
  });
});

describe("EventBridge target: execute-allowed", () => {
  it("executes a decision dispatched at decision time (decision.made, status dispatched)", async () => {
    const spec = (await rt.deps.specs.current())?.spec;
    expect(spec?.autonomy.actions["crm.update"]).toBeDefined();
    const { decision } = await rt.deps.gate.propose(
      {
        proposalId: "h-crm-1",
        agentId: "h-crm",
        action: { type: "crm.update" },
        target: { accountId: "h-acme" },
        payload: {
          operation: "research_note",
          accountId: "h-acme",
          domain: "h-acme.io",
          facts: [{ kind: "news", text: "Opened a Berlin office.", sourceUrl: "https://h-acme.io/news" }],
        },
        reasoning: "Replied to the last email.",
        confidence: 0.95,
      },
      { subject: "agent:h-crm", roles: ["agent:h-crm"] },
    );
    expect(decision.status).toBe("dispatched");
    const e = fixture("eventbridge-decision-made.json");
    e.detail.decisionId = decision.decisionId;
    const out = await executeAllowed(() =>
      awsRuntimeFor(rt, { sandbox: rt.sandbox, stores: EXECUTOR_STORES }),
    )(e, ctx);
    expect(out).toEqual({ decisionId: decision.decisionId, status: "executed" });
    // Delivered twice (at least once): nothing is sent again.
    await executeAllowed(() => awsRuntimeFor(rt, { sandbox: rt.sandbox, stores: EXECUTOR_STORES }))(e, ctx);
    expect(rt.sandbox.entries.filter((x) => x.decisionId === decision.decisionId)).toHaveLength(1);
  });

  it("rejects an event without a decision id, naming the field", async () => {
    const e = fixture("eventbridge-decision-made.json");
    delete e.detail.decisionId;
    await expect(
      executeAllowed(() => awsRuntimeFor(rt, { stores: EXECUTOR_STORES }))(e, ctx),
    ).rejects.toThrow(/detail\.decisionId/);
  });
});

describe("EventBridge target: agent-watchers", () => {
  const watchersWith = (publisher: RecordingPublisher) =>
    agentWatchers(() =>
      createAgentWatchers(awsRuntimeFor(rt, { events: publisher, stores: WATCHER_STORES })),
    );

  it("kb.account.put for an in-ICP account publishes account.in_icp, once", async () => {
    await seedAcme(rt.deps, "h-icp");
    const e = fixture("eventbridge-kb-account-put.json");
    e.detail.accountId = "h-icp";
    const publisher = new RecordingPublisher();
    const out = await watchersWith(publisher)(e, ctx);
    expect(out).toEqual({ type: "kb.account.put", watchers: ["kb-watcher"] });
    const inIcp = publisher.events.filter((x) => x.type === "account.in_icp");
    expect(inIcp).toHaveLength(1);
    expect(inIcp[0]?.detail).toMatchObject({ accountId: "h-icp" });
    // Delivered again (at least once): announced once only.
    const again = new RecordingPublisher();
    await watchersWith(again)(e, ctx);
    expect(again.events.filter((x) => x.type === "account.in_icp")).toEqual([]);
  });

  it("an executed crm.update upsert_contact creates the person, and the KB write publishes kb.person.put", async () => {
    await seedAcme(rt.deps, "h-ingest");
    const { decision } = await rt.deps.gate.propose(
      {
        proposalId: "h-ingest-1",
        agentId: "h-persona",
        action: { type: "crm.update" },
        target: { accountId: "h-ingest" },
        payload: {
          operation: "upsert_contact",
          personId: "h-ingest-carla",
          contact: {
            accountId: "h-ingest",
            email: "carla@h-ingest.io",
            firstName: "Carla",
            lastName: "Diaz",
            title: "VP Sales",
          },
          companyDomain: "h-ingest.io",
          source: "apollo",
        },
        reasoning: "Found on the company's team page.",
        confidence: 0.9,
      },
      { subject: "agent:h-persona", roles: ["agent:h-persona"] },
    );
    expect(decision.status).toBe("dispatched");
    expect((await execute(rt.deps, decision.decisionId))?.status).toBe("executed");
    expect(await rt.deps.kb.getPerson("h-ingest-carla")).toBeUndefined();

    const e = fixture("eventbridge-decision-transitioned.json");
    Object.assign(e.detail, { decisionId: decision.decisionId, agentId: "h-persona", accountId: "h-ingest" });
    const publisher = new RecordingPublisher();
    const out = await watchersWith(publisher)(e, ctx);
    expect(out).toEqual({ type: "decision.transitioned", watchers: ["ingest", "learning"] });
    expect(await rt.deps.kb.getPerson("h-ingest-carla")).toMatchObject({
      accountId: "h-ingest",
      email: "carla@h-ingest.io",
    });
    // The watchers' own KB writes feed the change feed on EventBridge, as on the local bus.
    expect(publisher.events).toContainEqual({
      type: "kb.person.put",
      detail: { personId: "h-ingest-carla", accountId: "h-ingest", created: true },
    });
  });

  it("rejects an event without a detail-type, naming the field", async () => {
    const e = fixture("eventbridge-kb-account-put.json");
    delete e["detail-type"];
    await expect(watchersWith(new RecordingPublisher())(e, ctx)).rejects.toThrow(/detail-type/);
  });
});

describe("DynamoDB Streams: ledger -> archiver and workflow starter", () => {
  it("archives new images as gzip NDJSON under decisions/dt=YYYY-MM-DD/", async () => {
    const { body: d } = await propose("h-archive");
    const decision = (await rt.deps.decisions.getDecision(d.decisionId)) as Decision;
    const puts: { Key: string; Body: Buffer; ContentEncoding: string }[] = [];
    const s3 = { send: async (cmd: { input: any }) => puts.push(cmd.input) };
    const writer = new S3ArchiveWriter(s3 as never, "archive-bucket");
    const out = await archiver(() => writer)(streamEvent(decision), ctx);
    expect(out).toEqual({ objects: 1, rows: 1 });
    expect(puts[0]?.Key).toMatch(/^decisions\/dt=2026-03-10\/\d+\.ndjson\.gz$/);
    expect(puts[0]?.ContentEncoding).toBe("gzip");
    const rows = gunzipSync(puts[0]?.Body as Buffer)
      .toString("utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      decisionId: d.decisionId,
      agentId: "h-archive",
      status: "pending_approval",
    });
    expect(rows[0].pk).toBeUndefined();
    expect(rows[0].byStatusPk).toBeUndefined();
  });

  it("starts one workflow per waiting decision, and reports a failed start for retry", async () => {
    const { body: d } = await propose("h-start");
    const decision = (await rt.deps.decisions.getDecision(d.decisionId)) as Decision;
    const started: WorkflowInput[] = [];
    const deps = {
      clock: rt.clock,
      starter: {
        start: async (i: WorkflowInput) => {
          started.push(i);
          return { started: true };
        },
      },
      defaults: { overrideWindowSeconds: 1800, approvalTimeoutSeconds: 72 * 3600 },
      reader: new DynamoTransitionReader(awsRuntimeFor(rt).db),
      events: new RecordingPublisher(),
    };
    const res = await workflowStarter(() => deps)(streamEvent(decision), ctx);
    expect(res).toEqual({ batchItemFailures: [] });
    expect(started).toEqual([
      {
        decisionId: d.decisionId,
        status: "pending_approval",
        approvalTimeoutSeconds: Math.ceil((Date.parse(decision.expiresAt as string) - rt.clock.now()) / 1000),
      },
    ]);
    // A later version of the same decision starts nothing.
    await workflowStarter(() => deps)(streamEvent({ ...decision, version: 2 }), ctx);
    expect(started).toHaveLength(1);
    // The second record fails: it and what follows are retried, the first is not.
    const { body: d2 } = await propose("h-start2");
    const second = (await rt.deps.decisions.getDecision(d2.decisionId)) as Decision;
    const failing = {
      ...deps,
      starter: {
        start: async (i: WorkflowInput) =>
          i.decisionId === second.decisionId ? Promise.reject(new Error("throttled")) : { started: true },
      },
    };
    const batch = streamEvent(decision, "998");
    batch.Records.push(streamEvent(second, "999").Records[0]);
    const errors = vi.spyOn(Logger.prototype, "error");
    try {
      const failed = await workflowStarter(() => failing)(batch, ctx);
      expect(failed).toEqual({ batchItemFailures: [{ itemIdentifier: "999" }] });
      // Said why, naming the record and the error, never a person.
      expect(errors).toHaveBeenCalledWith("ledger stream record failed", {
        sequenceNumber: "999",
        step: "start",
        error: "Error: throttled",
      });
      // The batch's first record failing is thrown, so Lambda bisects the batch: a record that fails
      // every time ends in the dead-letter queue alone, not with every record after it.
      await expect(workflowStarter(() => failing)(streamEvent(second, "1000"), ctx)).rejects.toThrow(
        /first record \(1000\) failed: bisecting/,
      );
    } finally {
      errors.mockRestore();
    }
  });
});

describe("Step Functions task handlers", () => {
  it("Release: a missing decision is reported, bad input is refused naming the field", async () => {
    const handler = release(() => awsRuntimeFor(rt, { stores: RELEASE_STORES }));
    const input = fixture("sfn-task-release.json");
    expect(await handler(input, ctx)).toEqual({ decisionId: "d_REPLACE", status: "missing" });
    await expect(handler({}, ctx)).rejects.toThrow(/decisionId/);
  });

  it("AwaitApproval: stores the task token where the review routes find it", async () => {
    const { body: d } = await propose("h-wait");
    const tasks = new LocalTasks();
    const aws = awsRuntimeFor(rt);
    const tokens = new DynamoTaskTokenStore(aws.db);
    const input = { ...fixture("sfn-task-await-approval.json"), decisionId: d.decisionId };
    // What it asks of DynamoDB, against what its role allows (infra/service-stack.ts): PutItem and
    // DeleteItem of APPROVALWAIT# items, reads of the ledger; no data key (PKEY#, AKEY#: it has no
    // kms:Decrypt either). It opened the sealed decision before, which the role cannot.
    const asked: string[] = [];
    const send = aws.db.doc.send.bind(aws.db.doc);
    aws.db.doc.send = ((cmd: { constructor: { name: string }; input: Record<string, any> }) => {
      const { TableName, Key, Item, RequestItems } = cmd.input;
      const tables = TableName ? [TableName] : Object.keys(RequestItems ?? {});
      const pk = Key?.pk ?? Item?.pk ?? "";
      for (const t of tables)
        asked.push(
          `${cmd.constructor.name} ${t === aws.db.tables.state ? "state" : "ledger"} ${String(pk).split("#")[0]}`,
        );
      return send(cmd as never);
    }) as typeof aws.db.doc.send;
    const out = await awaitApproval(() => ({ runtime: aws, taskTokens: tokens, tasks }))(input, ctx);
    expect(out).toEqual({ decisionId: d.decisionId, waiting: true });
    expect(asked.filter((a) => a.includes(" state ")).sort()).toEqual(["PutCommand state APPROVALWAIT"]);
    expect(asked.every((a) => / state APPROVALWAIT$|^(GetCommand|QueryCommand) ledger/.test(a))).toBe(true);
    expect(await tokens.get(d.decisionId)).toBe(input.taskToken);
    expect(tasks.completed).toEqual([]);
  });

  it("an approval whose workflow release fails is still the approval: dispatched, taught, reported", async () => {
    const { body: d } = await propose("h-signal");
    const aws = awsRuntimeFor(rt);
    const tokens = new DynamoTaskTokenStore(aws.db);
    await tokens.put(d.decisionId, "token-h-signal", rt.clock.now() + 86_400_000);
    const throttled = {
      succeed: async () => {
        throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
      },
    };
    const reported: [string, string][] = [];
    const approvals = new StepFunctionsApprovalSignal({ taskTokens: tokens, tasks: throttled }, (id, err) =>
      reported.push([id, err.name]),
    );
    const before = await rt.deps.trust.get("h-signal", "email.send");
    const approved = await approve(
      { ...rt.deps, approvals },
      d.decisionId,
      { digest: d.payloadDigest },
      { subject: "ana@example.com", roles: ["approver"] },
    );
    // Before, the error reached the reviewer (a 500; their retry a 409) and the approval taught nothing.
    expect(approved.status).toBe("dispatched");
    expect(reported).toEqual([[d.decisionId, "ThrottlingException"]]);
    expect((await rt.deps.trust.get("h-signal", "email.send"))?.version).toBeGreaterThan(
      before?.version ?? 0,
    );
  });

  it("AwaitApproval: a review that landed before the token was stored releases the workflow at once", async () => {
    const { body: d } = await propose("h-wait-early");
    await reject(
      rt.deps,
      d.decisionId,
      { note: "not now" },
      { subject: "ana@example.com", roles: ["approver"] },
    );
    const tasks = new LocalTasks();
    const aws = awsRuntimeFor(rt);
    const tokens = new DynamoTaskTokenStore(aws.db);
    const input = { ...fixture("sfn-task-await-approval.json"), decisionId: d.decisionId };
    const out = await awaitApproval(() => ({ runtime: aws, taskTokens: tokens, tasks }))(input, ctx);
    expect(out).toEqual({ decisionId: d.decisionId, waiting: false });
    expect(tasks.completed).toHaveLength(1);
    expect(await tokens.get(d.decisionId)).toBeUndefined();
  });
});

describe("environment", () => {
  it("is parsed with zod; a missing or malformed variable is named", () => {
    expect(() => parseAwsEnv({ DYNAMODB_ENDPOINT: "not a url" })).toThrow(ConfigError);
    expect(() => parseAwsEnv({ DYNAMODB_ENDPOINT: "not a url" })).toThrow(/DYNAMODB_ENDPOINT/);
    expect(() => parseAwsEnv({ CONNECTOR_SECRET_ARNS: '{"hubspot":"x"}' })).toThrow(/CONNECTOR_SECRET_ARNS/);
    expect(parseAwsEnv({ APPROVAL_TIMEOUT_SECONDS: "60" }).APPROVAL_TIMEOUT_SECONDS).toBe(60);
  });
});
