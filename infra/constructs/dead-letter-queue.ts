import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { ack } from "../nag-suppressions.ts";

/** A dead-letter queue: encrypted, TLS only, kept 14 days (the maximum) for a human to look at. */
export function deadLetterQueue(
  scope: Construct,
  id: string,
  name: string,
  o: { fifo?: boolean } = {},
): Queue {
  const queue = new Queue(scope, id, {
    queueName: name,
    // A FIFO queue's dead-letter queue must be FIFO too.
    ...(o.fifo ? { fifo: true } : {}),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const why =
    "This queue is itself the dead-letter destination of a Lambda, stream mapping, schedule or rule; a DLQ of a DLQ has nowhere better to go, and its depth alarm calls a human.";
  ack(queue, "AwsSolutions-SQS3", why);
  ack(queue, "Serverless-SQSRedrivePolicy", why);
  return queue;
}
