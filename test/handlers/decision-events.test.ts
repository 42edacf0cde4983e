/**
 * Decision events off the request path (issue 11, deliverable 6): the proposals and reviews
 * functions publish no decision.* event; the ledger stream worker (functions/ledger/workflow-starter.ts)
 * publishes decision.made and decision.transitioned from the decision items the stream delivers, as
 * stored (sealed) in DynamoDB Local, each with an id that a redelivery repeats.
 */

import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHandler as ledgerWorker } from "../../functions/ledger/workflow-starter.ts";
import { DynamoTransitionReader } from "../../shared/adapters/aws/ledger-transitions.ts";
import { ledgerKeys } from "../../shared/adapters/dynamo/keys.ts";
import { PROPOSALS_TABLE } from "../../shared/http/groups/proposals.ts";
import { REVIEWS_TABLE } from "../../shared/http/groups/reviews.ts";
import type { DomainEvent } from "../../shared/ports.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import { GATE_STORES } from "../../shared/runtime/aws-stores.ts";
import { execute } from "../../shared/usecases/lifecycle.ts";
import type { WorkflowInput } from "../../shared/usecases/workflow.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { emailProposal, seedAcme } from "../helpers/world.ts";
import { awsRuntimeFor, fixture, lambdaContext, RecordingPublisher } from "./lambda.ts";

let rt: TestRuntime;
beforeAll(async () => {
  rt = await startRuntime({ runWorkers: false });
  await seedAcme(rt.deps, "de-acme");
});
afterAll(() => rt?.close());

const ctx = lambdaContext("workflow-starter");

/** The decision item as stored now (personal fields sealed), as a stream record's NewImage. */
async function record(decisionId: string, eventName: "INSERT" | "MODIFY", seq: string, patch = {}) {
  const { Item } = await rt.db.doc.send(
    new GetCommand({ TableName: rt.db.tables.ledger, Key: ledgerKeys.decision(decisionId) }),
  );
  const r = fixture("dynamodb-stream-ledger-insert.json").Records[0];
  r.eventName = eventName;
  r.dynamodb.Keys = marshall(ledgerKeys.decision(decisionId));
  r.dynamodb.NewImage = marshall({ ...Item, ...patch }, { removeUndefinedValues: true });
  r.dynamodb.SequenceNumber = seq;
  return r;
}

function worker(events: { publish(e: DomainEvent[]): Promise<void> } = new RecordingPublisher()) {
  const started: WorkflowInput[] = [];
  const handler = ledgerWorker(() => ({
    clock: rt.clock,
    starter: {
      start: async (i: WorkflowInput) => {
        started.push(i);
        return { started: true };
      },
    },
    defaults: { overrideWindowSeconds: 1800, approvalTimeoutSeconds: 72 * 3600 },
    reader: new DynamoTransitionReader(awsRuntimeFor(rt).db),
    events,
  }));
  return { handler, started };
}

describe("decision events from the ledger stream", () => {
  it("made and transitioned come from the stream, not from the requests; a redelivery repeats the id", async () => {
    const requestPath = new RecordingPublisher();
    const proposals = apiHandler(PROPOSALS_TABLE, () =>
      awsRuntimeFor(rt, { events: requestPath, stores: GATE_STORES, gate: true }),
    );
    const e = fixture("api-v2-iam-proposal.json");
    e.requestContext.authorizer.iam.userArn =
      "arn:aws:sts::123456789012:assumed-role/dev-harness-agent-de-writer/dev-harness-agent-de-writer";
    e.body = JSON.stringify(emailProposal("de-writer", "de-acme"));
    const d = JSON.parse((await proposals(e, ctx)).body);
    expect(d.status).toBe("pending_approval");

    const reviews = apiHandler(REVIEWS_TABLE, () => awsRuntimeFor(rt, { events: requestPath }));
    const approve = fixture("api-v2-jwt-approve.json");
    approve.rawPath = approve.requestContext.http.path = `/v1/decisions/${d.decisionId}/approve`;
    approve.pathParameters.id = d.decisionId;
    approve.body = JSON.stringify({ digest: d.payloadDigest });
    expect((await reviews(approve, ctx)).statusCode).toBe(200);
    // Neither request waited on a PutEvents for its decision.
    expect(requestPath.events.filter((x) => x.type.startsWith("decision."))).toEqual([]);

    const published = new RecordingPublisher();
    const { handler, started } = worker(published);
    const who = {
      decisionId: d.decisionId,
      agentId: "de-writer",
      actionType: "email.send",
      accountId: "de-acme",
    };
    // The INSERT (version 1, as decided) and the approval's MODIFY (version 2), in one batch.
    const inserted = await record(d.decisionId, "INSERT", "100", { version: 1, status: "pending_approval" });
    const approved = await record(d.decisionId, "MODIFY", "101");
    expect(await handler({ Records: [inserted, approved] }, ctx)).toEqual({ batchItemFailures: [] });
    expect(started.map((s) => s.decisionId)).toEqual([d.decisionId]);
    expect(published.events).toEqual([
      {
        type: "decision.made",
        detail: {
          ...who,
          eventId: `${d.decisionId}#1`,
          verdict: "require_approval",
          status: "pending_approval",
        },
      },
      {
        type: "decision.transitioned",
        detail: { ...who, eventId: `${d.decisionId}#2`, from: "pending_approval", to: "dispatched" },
      },
    ]);

    // Executed: version 3 records the attempt (no status change: no event), version 4 the result.
    expect((await execute(rt.deps, d.decisionId))?.status).toBe("executed");
    const attempt = await record(d.decisionId, "MODIFY", "102", { version: 3, status: "dispatched" });
    const done = await record(d.decisionId, "MODIFY", "103");
    const after = new RecordingPublisher();
    await worker(after).handler({ Records: [attempt, done, done] }, ctx);
    expect(after.events.map((x) => x.detail)).toEqual([
      { ...who, eventId: `${d.decisionId}#4`, from: "dispatched", to: "executed" },
      { ...who, eventId: `${d.decisionId}#4`, from: "dispatched", to: "executed" },
    ]);
  });

  it("a failed publish reports its record: it and the rest are retried, the ones before are not", async () => {
    const { body } = await (async () => {
      const e = fixture("api-v2-iam-proposal.json");
      e.requestContext.authorizer.iam.userArn =
        "arn:aws:sts::123456789012:assumed-role/dev-harness-agent-de-writer2/dev-harness-agent-de-writer2";
      e.body = JSON.stringify(emailProposal("de-writer2", "de-acme"));
      return apiHandler(PROPOSALS_TABLE, () => awsRuntimeFor(rt, { stores: GATE_STORES, gate: true }))(
        e,
        ctx,
      );
    })().then((r) => ({ body: JSON.parse(r.body) }));
    const first = await record(body.decisionId, "INSERT", "200", { version: 1 });
    const at = (seq: number) => ({ ...first, dynamodb: { ...first.dynamodb, SequenceNumber: String(seq) } });
    // Ten events to a PutEvents call (its most), in stream order: 25 records are three calls. Before,
    // one call per record.
    const calls: DomainEvent[][] = [];
    const recording = { publish: async (e: DomainEvent[]) => void calls.push(e) };
    const all = Array.from({ length: 25 }, (_, i) => at(300 + i));
    expect(await worker(recording).handler({ Records: all }, ctx)).toEqual({ batchItemFailures: [] });
    expect(calls.map((c) => c.length)).toEqual([10, 10, 5]);
    expect(calls.flat().every((e) => e.type === "decision.made")).toBe(true);
    // A call that fails is retried from its first record: the ones in calls before are not.
    let n = 0;
    const flaky = {
      publish: async () => {
        if (++n === 2) throw new Error("PutEvents throttled");
      },
    };
    const res = await worker(flaky).handler(
      { Records: Array.from({ length: 12 }, (_, i) => at(200 + i)) },
      ctx,
    );
    expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: "210" }] });
    // The batch's first record failing is thrown, for Lambda to bisect: reported instead, it and every
    // record after it came back together until the retries ran out, and all went to the DLQ with it.
    const down = { publish: async () => Promise.reject(new Error("PutEvents throttled")) };
    await expect(
      worker(down).handler(
        { Records: [first, { ...first, dynamodb: { ...first.dynamodb, SequenceNumber: "201" } }] },
        ctx,
      ),
    ).rejects.toThrow(/first record \(200\) failed: bisecting/);
  });
});
