/**
 * `harness aws redrive`: a failure queue's messages go back to the functions they failed in, through
 * SQS (JSON protocol) and Lambda's Invoke on local stand-ins, with the message shapes AWS documents:
 * Lambda's on-failure destination record, and an EventBridge rule's undelivered event with its
 * TARGET_ARN attribute.
 */
import { createHash, randomUUID } from "node:crypto";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { SQSClient } from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it } from "vitest";
import { formatRedrive, queueOf, sqsLambdaPorts } from "../../bin/commands/aws.ts";
import { redriveQueue } from "../../shared/usecases/dlq-redrive.ts";
import { fakeApi } from "../connectors/helpers/fake-api.ts";
import { TEST_CREDENTIALS } from "../handlers/stand-ins.ts";

const ACCOUNT = "123456789012";
const fn = (name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`;
const QUEUE = `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/prod-harness-async-dlq`;

/** Lambda's on-failure destination record (its documented shape), for a request that failed. */
const onFailure = (functionArn: string, requestPayload: unknown) =>
  JSON.stringify({
    version: "1.0",
    timestamp: "2026-03-10T15:16:05.568Z",
    requestContext: {
      requestId: randomUUID(),
      functionArn: `${functionArn}:$LATEST`,
      condition: "RetriesExhausted",
      approximateInvokeCount: 3,
    },
    requestPayload,
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
    responsePayload: { errorType: "ProvisionedThroughputExceededException", errorMessage: "Rate exceeded" },
  });

/** An SES complaint as EventBridge delivered it to the outcomes function. */
const sesEvent = {
  source: "aws.ses",
  "detail-type": "Email Complaint Received",
  detail: { eventType: "Complaint" },
};

let stands: { close: () => Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(stands.map((s) => s.close()));
  stands = [];
});

/** SQS (ReceiveMessage, DeleteMessage) holding `messages`, and Lambda's Invoke, answering 202 unless told. */
async function standIns(
  messages: { body: string; attributes?: Record<string, string> }[],
  refuse: Set<string> = new Set(),
) {
  const queue = messages.map((m, i) => ({ ...m, id: `m${i}`, receipt: `r${i}`, inFlight: false }));
  const deleted: string[] = [];
  const released: string[] = [];
  const sqs = await fakeApi((r) => {
    const target = r.headers["x-amz-target"];
    if (target === "AmazonSQS.ReceiveMessage") {
      const batch = queue.filter((m) => !m.inFlight).slice(0, r.body.MaxNumberOfMessages);
      for (const m of batch) m.inFlight = true;
      return {
        status: 200,
        body: {
          Messages: batch.map((m) => ({
            MessageId: m.id,
            ReceiptHandle: m.receipt,
            Body: m.body,
            MD5OfBody: createHash("md5").update(m.body, "utf8").digest("hex"),
            ...(m.attributes
              ? {
                  MessageAttributes: Object.fromEntries(
                    Object.entries(m.attributes).map(([k, v]) => [k, { DataType: "String", StringValue: v }]),
                  ),
                }
              : {}),
          })),
        },
      };
    }
    if (target === "AmazonSQS.DeleteMessage") {
      deleted.push(String(r.body.ReceiptHandle));
      return { status: 200, body: {} };
    }
    if (target === "AmazonSQS.ChangeMessageVisibility") {
      const m = queue.find((q) => q.receipt === r.body.ReceiptHandle);
      if (m && r.body.VisibilityTimeout === 0) m.inFlight = false;
      released.push(String(r.body.ReceiptHandle));
      return { status: 200, body: {} };
    }
    return undefined;
  });
  const invoked: { name: string; type: unknown; payload: unknown }[] = [];
  const lambda = await fakeApi((r) => {
    const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(r.path);
    if (r.method !== "POST" || !m) return undefined;
    const name = decodeURIComponent(m[1] as string);
    if ([...refuse].some((x) => name.includes(x)))
      return {
        status: 429,
        headers: { "x-amzn-errortype": "TooManyRequestsException" },
        body: { message: "Rate exceeded" },
      };
    invoked.push({ name, type: r.headers["x-amz-invocation-type"], payload: r.body });
    return { status: 202 };
  });
  stands.push(sqs, lambda);
  const ports = sqsLambdaPorts(
    new SQSClient({
      region: "us-east-1",
      endpoint: sqs.url,
      credentials: TEST_CREDENTIALS,
      useQueueUrlAsEndpoint: false,
    }),
    new LambdaClient({ region: "us-east-1", endpoint: lambda.url, credentials: TEST_CREDENTIALS }),
    QUEUE,
  );
  return { ports, invoked, deleted, released, sqs };
}

describe("harness aws redrive", () => {
  it("sends each failed request back to its function, asynchronously, and deletes only what was taken", async () => {
    const s = await standIns(
      [
        { body: onFailure(fn("prod-harness-ses-events"), sesEvent) },
        // An EventBridge rule's undelivered event: the event itself, the target in its attributes.
        {
          body: JSON.stringify({ "detail-type": "decision.made", detail: { decisionId: "d_1" } }),
          attributes: {
            RULE_ARN: `arn:aws:events:us-east-1:${ACCOUNT}:rule/prod-harness-bus/execute-allowed`,
            TARGET_ARN: fn("prod-harness-execute-allowed"),
            ERROR_CODE: "SDK_CLIENT_ERROR",
          },
        },
        // Lambda is throttling this one: it stays in the queue.
        { body: onFailure(fn("prod-harness-agent-outreach-writer"), { trigger: "schedule" }) },
      ],
      new Set(["outreach-writer"]),
    );
    const lines = await redriveQueue(s.ports, { stage: "prod", account: ACCOUNT, max: 100 });
    expect(s.invoked).toEqual([
      { name: `${fn("prod-harness-ses-events")}:$LATEST`, type: "Event", payload: sesEvent },
      {
        name: fn("prod-harness-execute-allowed"),
        type: "Event",
        payload: { "detail-type": "decision.made", detail: { decisionId: "d_1" } },
      },
    ]);
    expect(s.deleted).toEqual(["r0", "r1"]);
    // The one Lambda did not take is visible again at the run's end.
    expect(s.released).toEqual(["r2"]);
    expect(formatRedrive(lines)).toEqual([
      expect.stringMatching(
        /^redriven {2}m0 {2}-> .*prod-harness-ses-events:\$LATEST {2}\(RetriesExhausted: ProvisionedThroughputExceededException\)$/,
      ),
      expect.stringMatching(
        /^redriven {2}m1 {2}-> .*prod-harness-execute-allowed {2}\(SDK_CLIENT_ERROR from arn:aws:events:.*\)$/,
      ),
      expect.stringMatching(/^left {2}m2 {2}its function did not take it: /),
    ]);
    // Nothing of a payload is printed (it may hold a person's address).
    expect(formatRedrive(lines).join("\n")).not.toMatch(/Complaint|d_1/);
  });

  it("never invokes another stage's or account's function, nor reads a stream batch's positions as a request", async () => {
    const s = await standIns([
      { body: onFailure(fn("dev-harness-ses-events"), sesEvent) },
      { body: onFailure(`arn:aws:lambda:us-east-1:210987654321:function:prod-harness-ses-events`, sesEvent) },
      { body: onFailure(fn("payroll-export"), sesEvent) },
      {
        body: JSON.stringify({
          requestContext: { condition: "RetryAttemptsExhausted", approximateInvokeCount: 11 },
          DDBStreamBatchInfo: {
            shardId: "shardId-1",
            startSequenceNumber: "1",
            endSequenceNumber: "9",
            batchSize: 3,
          },
        }),
      },
      { body: "not json" },
      {
        body: "{}",
        attributes: { TARGET_ARN: `arn:aws:sqs:us-east-1:${ACCOUNT}:prod-harness-workflow-failures` },
      },
    ]);
    const lines = await redriveQueue(s.ports, { stage: "prod", account: ACCOUNT, max: 100 });
    expect(s.invoked).toEqual([]);
    expect(s.deleted).toEqual([]);
    expect(lines.map((l) => ("left" in l ? l.left : "sent"))).toEqual([
      "its function dev-harness-ses-events is not one of stage prod's (prod-harness-…)",
      "its function is in account 210987654321, not the queue's",
      "its function payroll-export is not one of stage prod's (prod-harness-…)",
      expect.stringMatching(/^a stream batch's positions only/),
      "neither a Lambda on-failure record nor an undelivered event with its TARGET_ARN",
      expect.stringMatching(/is not a Lambda function$/),
    ]);
  });

  it("a dry run says where each would go and sends and deletes nothing; --max bounds a run", async () => {
    const messages = Array.from({ length: 12 }, () => ({
      body: onFailure(fn("prod-harness-agent-watchers"), { x: 1 }),
    }));
    const dry = await standIns(messages);
    const lines = await redriveQueue(dry.ports, { stage: "prod", account: ACCOUNT, max: 100, dryRun: true });
    expect(lines).toHaveLength(12);
    expect(lines.every((l) => "wouldRedrive" in l)).toBe(true);
    expect([dry.invoked, dry.deleted]).toEqual([[], []]);
    // Visible again at once: a real run right after a dry run finds them (before, 5 minutes later).
    expect(dry.released).toHaveLength(12);
    expect(await redriveQueue(dry.ports, { stage: "prod", account: ACCOUNT, max: 100 })).toHaveLength(12);
    expect(dry.invoked).toHaveLength(12);
    const some = await standIns(messages);
    expect(await redriveQueue(some.ports, { stage: "prod", account: ACCOUNT, max: 5 })).toHaveLength(5);
    expect(some.invoked).toHaveLength(5);
  });

  it("reads the region, account and stage's queue from its URL, and refuses anything else", () => {
    expect(queueOf(QUEUE)).toEqual({ region: "us-east-1", account: ACCOUNT, name: "prod-harness-async-dlq" });
    expect(() => queueOf("http://127.0.0.1:4566/000000000000/q")).toThrow(/expected an SQS queue URL/);
  });
});
