/**
 * An SQS FIFO queue between a caller that must answer fast and the work it hands on (the HubSpot
 * webhook and its events' worker): messages of one group are queued and delivered in the order they
 * were sent, and a failed one is retried before any later message of its group.
 */
import { createHash } from "node:crypto";
import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSRecord } from "aws-lambda";

/** SendMessageBatch takes at most 10 entries. */
const BATCH = 10;

/** A group or deduplication id: SQS allows 128 of letters, digits and punctuation. */
const SAFE_ID = /^[A-Za-z0-9!-/:-@[-`{-~]{1,128}$/;
export const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");
export const queueId = (s: string) => (SAFE_ID.test(s) ? s : sha256(s));

export interface FifoMessage {
  /** Messages of one group are delivered in order. */
  group: string;
  /** The same id sent again within 5 minutes is not queued twice (SQS's deduplication window). */
  dedupe: string;
  body: string;
}

/**
 * Send every message in order, up to 10 to a request, one request after another, and at most one
 * message of a group to a request: SQS orders a group by when it receives each message, and answers
 * each entry of a request on its own, so a group's later message sent at once with (or in the same
 * request as) one that is not taken would be queued ahead of it. Rejects at the first request not
 * taken whole (naming how many were not and SQS's first code, not their content), sending nothing
 * after it: the caller's sender sends the batch again, and what was queued is dropped as a duplicate
 * within SQS's 5 minutes.
 */
export async function sendFifo(
  sqs: SQSClient,
  queueUrl: string,
  messages: FifoMessage[],
  /** Ends every request still open when it aborts: the caller's deadline for all of them. */
  signal?: AbortSignal,
): Promise<void> {
  const requests: FifoMessage[][] = [];
  let current: FifoMessage[] = [];
  for (const m of messages) {
    if (current.length === BATCH || current.some((c) => c.group === m.group)) {
      requests.push(current);
      current = [];
    }
    current.push(m);
  }
  if (current.length) requests.push(current);
  let queued = 0;
  for (const request of requests) {
    const answer = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: request.map((m, n) => ({
          Id: String(n),
          MessageBody: m.body,
          MessageGroupId: queueId(m.group),
          MessageDeduplicationId: queueId(m.dedupe),
        })),
      }),
      signal ? { abortSignal: signal } : {},
    );
    const failed = answer.Failed ?? [];
    queued += request.length - failed.length;
    if (failed.length)
      throw new Error(
        `${failed.length} of ${request.length} messages of a request not queued (${queued} of ${messages.length} queued): ${failed[0]?.Code ?? "unknown"}${failed[0]?.SenderFault ? " (sender fault)" : ""}`,
      );
  }
}

/**
 * A FIFO batch, handled in order: a message that fails is reported, and so is every later message
 * of its group in the batch (handling one would record it before the one it follows); other groups go
 * on. SQS delivers the reported ones again. Powertools' SqsFifoPartialProcessor does the same
 * (`skipGroupOnError`); its package pins an older Powertools core than the logger and metrics here,
 * which would put a second copy of that core in the function.
 */
export async function handleFifoBatch(
  records: SQSRecord[],
  handle: (r: SQSRecord) => Promise<void>,
  onError: (r: SQSRecord, err: Error) => void,
): Promise<SQSBatchResponse> {
  const failedGroups = new Set<string>();
  const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
  for (const r of records) {
    const group = r.attributes.MessageGroupId ?? "";
    if (failedGroups.has(group)) {
      batchItemFailures.push({ itemIdentifier: r.messageId });
      continue;
    }
    try {
      await handle(r);
    } catch (err) {
      onError(r, err as Error);
      failedGroups.add(group);
      batchItemFailures.push({ itemIdentifier: r.messageId });
    }
  }
  return { batchItemFailures };
}
