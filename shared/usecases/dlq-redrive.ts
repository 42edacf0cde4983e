/**
 * Sending what a deployment's failure queues hold back to the function it failed in, once its cause is
 * fixed (`harness aws redrive <queue-url>`). Every asynchronous path ends in one of two queues whose
 * depth alarms: the async DLQ gets Lambda's on-failure records of the executor, the agents, the
 * watchers and the SES outcomes (the request it failed on, and the function), the events DLQ gets
 * what EventBridge rules and Scheduler schedules could not deliver (the event or the schedule's input,
 * the target in its TARGET_ARN attribute). Before, the alarm named a queue and nothing took a message
 * back: a complaint SES reported while the table was throttled stayed in the queue until it expired.
 *
 * Each function is idempotent on a redelivery (an outcome's id, an executor's recorded attempt, an
 * agent run's claim), so a message sent back twice counts once. A message is deleted only once its
 * function has taken it (Lambda answered 202). Only this stage's own functions (`<stage>-harness-…`)
 * in the queue's account are invoked: the queue's messages say where they go, and a message someone
 * else put there must not make an operator's credentials invoke another function. What is not a
 * function's failed request (a stream batch's positions: its records are in the ledger table, not in
 * the message) is left in the queue and said why.
 */
import * as z from "../domain/zod-mini.ts";

export interface QueueMessage {
  id: string;
  receipt: string;
  body: string;
  /** The message's string attributes (EventBridge's and Scheduler's RULE_ARN, TARGET_ARN, ERROR_*). */
  attributes: Record<string, string>;
}

export interface RedrivePorts {
  /** Up to 10 messages not yet seen in this run (hidden from other readers while it works). */
  receive(): Promise<QueueMessage[]>;
  /** Invokes the function asynchronously; resolves once Lambda has taken the payload. */
  invoke(functionArn: string, payload: string): Promise<void>;
  remove(message: QueueMessage): Promise<void>;
  /** Makes a message it did not remove visible again at once (not after its in-flight time). */
  release(message: QueueMessage): Promise<void>;
}

export type RedriveLine =
  | { id: string; redriven: string; why: string }
  | { id: string; wouldRedrive: string; why: string }
  | { id: string; left: string };

/** Lambda's on-failure destination record of an asynchronous invocation. */
const OnFailureRecord = z.looseObject({
  requestContext: z.looseObject({
    functionArn: z.string(),
    condition: z.optional(z.string()),
    approximateInvokeCount: z.optional(z.number()),
  }),
  requestPayload: z.unknown(),
  responsePayload: z.optional(z.unknown()),
});

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]+)(?::[^:]+)?$/;

/** Where a message goes back to, or why it cannot. */
export function planRedrive(
  m: QueueMessage,
  scope: { stage: string; account: string },
): { functionArn: string; payload: string; why: string } | { left: string } {
  let body: unknown;
  try {
    body = JSON.parse(m.body);
  } catch {
    body = undefined;
  }
  let target: string | undefined;
  let payload: string;
  let why: string;
  const record = OnFailureRecord.safeParse(body);
  if (record.success && record.data.requestPayload !== undefined) {
    target = record.data.requestContext.functionArn;
    payload = JSON.stringify(record.data.requestPayload);
    const error = (record.data.responsePayload as { errorType?: unknown } | undefined)?.errorType;
    why = [record.data.requestContext.condition, typeof error === "string" ? error : undefined]
      .filter(Boolean)
      .join(": ");
  } else if (m.attributes.TARGET_ARN) {
    target = m.attributes.TARGET_ARN;
    payload = m.body;
    why = [m.attributes.ERROR_CODE, m.attributes.RULE_ARN ?? m.attributes.SCHEDULE_ARN]
      .filter(Boolean)
      .join(" from ");
  } else if (body && typeof body === "object" && "DDBStreamBatchInfo" in body) {
    return {
      left: "a stream batch's positions only (its records are in the ledger table, not in the message): not redriven",
    };
  } else return { left: "neither a Lambda on-failure record nor an undelivered event with its TARGET_ARN" };
  const arn = LAMBDA_ARN.exec(target);
  if (!arn) return { left: `its target ${target} is not a Lambda function` };
  if (arn[2] !== scope.account) return { left: `its function is in account ${arn[2]}, not the queue's` };
  if (!arn[3]?.startsWith(`${scope.stage}-harness-`))
    return { left: `its function ${arn[3]} is not one of stage ${scope.stage}'s (${scope.stage}-harness-…)` };
  return { functionArn: target, payload, why: why || "failed" };
}

/**
 * Sends the queue's messages back, up to `max`; `dryRun` only says what it would do. A message whose
 * function does not take it stays in the queue (it comes back after its visibility timeout).
 */
export async function redriveQueue(
  ports: RedrivePorts,
  o: { stage: string; account: string; max: number; dryRun?: boolean },
): Promise<RedriveLine[]> {
  const lines: RedriveLine[] = [];
  // What this run received and did not remove is visible again at its end, so the queue's depth, its
  // alarm and a next run (after a dry run, say) see it at once rather than after its in-flight time.
  const received: QueueMessage[] = [];
  const removed = new Set<QueueMessage>();
  try {
    while (lines.length < o.max) {
      const batch = await ports.receive();
      if (!batch.length) break;
      received.push(...batch);
      for (const m of batch.slice(0, o.max - lines.length)) {
        const plan = planRedrive(m, o);
        if ("left" in plan) lines.push({ id: m.id, left: plan.left });
        else if (o.dryRun) lines.push({ id: m.id, wouldRedrive: plan.functionArn, why: plan.why });
        else {
          try {
            await ports.invoke(plan.functionArn, plan.payload);
          } catch (err) {
            lines.push({ id: m.id, left: `its function did not take it: ${(err as Error).message}` });
            continue;
          }
          await ports.remove(m);
          removed.add(m);
          lines.push({ id: m.id, redriven: plan.functionArn, why: plan.why });
        }
      }
    }
  } finally {
    await Promise.allSettled(received.filter((m) => !removed.has(m)).map((m) => ports.release(m)));
  }
  return lines;
}
