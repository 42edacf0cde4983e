/**
 * `harness aws redrive <queue-url>`: a deployment's failure queue (the async DLQ, the events DLQ) sent
 * back to the functions its messages failed in (shared/usecases/dlq-redrive.ts). Runs with the
 * operator's AWS credentials (the SDK's default chain: AWS_PROFILE, SSO, environment).
 */
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { type Command, InvalidArgumentError } from "commander";
import {
  type QueueMessage,
  type RedriveLine,
  type RedrivePorts,
  redriveQueue,
} from "../../shared/usecases/dlq-redrive.ts";
import { positiveInt } from "./client.ts";

/** The region, account and name an SQS queue URL names (https://sqs.<region>.amazonaws.com/<account>/<name>). */
export function queueOf(url: string): { region: string; account: string; name: string } {
  const m =
    /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/(\d{12})\/([A-Za-z0-9_-]+(?:\.fifo)?)$/.exec(url);
  if (!m)
    throw new InvalidArgumentError(
      "expected an SQS queue URL: https://sqs.<region>.amazonaws.com/<account>/<name>",
    );
  return { region: m[1] as string, account: m[2] as string, name: m[3] as string };
}

/** A message is hidden this long from other readers while the run works on it. */
const IN_FLIGHT_SECONDS = 300;

export function sqsLambdaPorts(sqs: SQSClient, lambda: LambdaClient, queueUrl: string): RedrivePorts {
  return {
    async receive() {
      const res = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          // Long polling asks every SQS server: a short poll may answer none while some wait.
          WaitTimeSeconds: 2,
          VisibilityTimeout: IN_FLIGHT_SECONDS,
          MessageAttributeNames: ["All"],
        }),
      );
      return (res.Messages ?? []).map(
        (m): QueueMessage => ({
          id: m.MessageId ?? "",
          receipt: m.ReceiptHandle ?? "",
          body: m.Body ?? "",
          attributes: Object.fromEntries(
            Object.entries(m.MessageAttributes ?? {}).flatMap(([k, v]) =>
              v.StringValue !== undefined ? [[k, v.StringValue]] : [],
            ),
          ),
        }),
      );
    },
    async invoke(functionArn, payload) {
      const res = await lambda.send(
        new InvokeCommand({
          FunctionName: functionArn,
          InvocationType: "Event",
          Payload: Buffer.from(payload),
        }),
      );
      if (res.StatusCode !== 202) throw new Error(`Lambda answered ${res.StatusCode}`);
    },
    async remove(m) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.receipt }));
    },
    async release(m) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: m.receipt,
          VisibilityTimeout: 0,
        }),
      );
    },
  };
}

export const formatRedrive = (lines: RedriveLine[]) =>
  lines.map((l) =>
    "redriven" in l
      ? `redriven  ${l.id}  -> ${l.redriven}  (${l.why})`
      : "wouldRedrive" in l
        ? `would redrive  ${l.id}  -> ${l.wouldRedrive}  (${l.why})`
        : `left  ${l.id}  ${l.left}`,
  );

export function registerAws(program: Command): void {
  const aws = program.command("aws").description("operating a deployment in AWS (your AWS credentials)");
  aws
    .command("redrive <queueUrl>")
    .description(
      "send a failure queue's messages (the async or events DLQ) back to the functions they failed in, once the cause is fixed",
    )
    .option(
      "--stage <stage>",
      "the deployment's stage (default: read from the queue's name, <stage>-harness-…)",
    )
    .option("--max <n>", "at most this many messages", positiveInt, 100)
    .option("--dry-run", "say what would be sent where, and send nothing")
    .action(async (queueUrl: string, o: { stage?: string; max: number; dryRun?: boolean }) => {
      const q = queueOf(queueUrl);
      const stage = o.stage ?? q.name.split("-harness-")[0];
      if (!stage || stage === q.name)
        throw new InvalidArgumentError("the queue's name has no stage: give --stage");
      const ports = sqsLambdaPorts(
        new SQSClient({ region: q.region }),
        new LambdaClient({ region: q.region }),
        queueUrl,
      );
      const lines = await redriveQueue(ports, {
        stage,
        account: q.account,
        max: o.max,
        ...(o.dryRun ? { dryRun: true } : {}),
      });
      for (const l of formatRedrive(lines)) console.log(l);
      const sent = lines.filter((l) => "redriven" in l).length;
      console.log(
        `${sent} redriven, ${lines.length - sent} ${o.dryRun ? "not sent (dry run)" : "left in the queue"}`,
      );
    });
}
