/**
 * decision.made and decision.transitioned, derived from the ledger's change stream instead of
 * published by the request that made the change (AWS: the gate's function commits and answers;
 * the ledger stream worker publishes). Each event carries an id (`<decisionId>#<version>`), the same
 * on every redelivery of its record, so consumers can count it once; the ones that count already key
 * on the decision (execution claims, learning's countOnce).
 */
import * as z from "../domain/zod-mini.ts";
import type { DomainEvent, EventPublisher } from "../ports.ts";

/** The events the ledger stream publishes in AWS; a function's own publisher leaves them out. */
export const STREAM_PUBLISHED_EVENTS: ReadonlySet<string> = new Set([
  "decision.made",
  "decision.transitioned",
]);

/** The plaintext fields of a decision item's image that the events carry (personal data is sealed). */
const DecisionImage = z.looseObject({
  sk: z.literal("DECISION"),
  decisionId: z.string().check(z.minLength(1)),
  version: z.number().check(z.int(), z.gte(1)),
  status: z.string().check(z.minLength(1)),
  verdict: z.string().check(z.minLength(1)),
  agentId: z.string().check(z.minLength(1)),
  actionType: z.string().check(z.minLength(1)),
  accountId: z.string().check(z.minLength(1)),
});

/** The ledger event written with a version: `from`/`to` when it moved the status (absent otherwise). */
export interface TransitionReader {
  transitionAt(decisionId: string, version: number): Promise<{ from?: string; to?: string } | undefined>;
}

/**
 * The domain event of one decision image: decision.made for version 1; decision.transitioned for a
 * later version whose ledger event moved the status (an attempt record, a re-time or an erasure moves
 * nothing and publishes nothing, as locally). Undefined for any other item.
 */
export async function decisionEventOf(
  reader: TransitionReader,
  item: unknown,
): Promise<DomainEvent | undefined> {
  const parsed = DecisionImage.safeParse(item);
  if (!parsed.success) return undefined;
  const d = parsed.data;
  const common = {
    decisionId: d.decisionId,
    agentId: d.agentId,
    actionType: d.actionType,
    accountId: d.accountId,
  };
  const eventId = `${d.decisionId}#${d.version}`;
  if (d.version === 1)
    return { type: "decision.made", detail: { ...common, eventId, verdict: d.verdict, status: d.status } };
  const moved = await reader.transitionAt(d.decisionId, d.version);
  if (!moved?.to) return undefined;
  return {
    type: "decision.transitioned",
    detail: { ...common, eventId, ...(moved.from ? { from: moved.from } : {}), to: moved.to },
  };
}

/** PutEvents takes at most 10 entries a call. */
const PER_CALL = 10;
/** Transition reads (one GetItem each) at once. */
const READS_AT_ONCE = 8;

/**
 * Publish the events of a batch of ledger images, in stream order: their transitions read eight at
 * once, their events put ten to a call. Stops at the first record that fails (its read, or the call
 * its event went in) and returns its position: it and everything after it are retried (their events
 * then go out again with the same ids). Before, one read and one call after the other, record by
 * record: a few dozen records a second, so a burst (a CRM import, an agent's run) put the stream
 * behind, and transitions older than the event source's 30 minutes were dropped (executed record
 * actions never reached the knowledge base, learning never counted the sends).
 */
export async function publishDecisionEvents(
  deps: { reader: TransitionReader; events: EventPublisher },
  images: { position: string; item: unknown }[],
): Promise<{ published: number; failed?: string; error?: unknown }> {
  const events: { event: DomainEvent; position: string }[] = [];
  let unread: { position: string; error: unknown } | undefined;
  for (let i = 0; i < images.length && !unread; i += READS_AT_ONCE) {
    const part = images.slice(i, i + READS_AT_ONCE);
    const read = await Promise.allSettled(part.map((image) => decisionEventOf(deps.reader, image.item)));
    for (const [j, r] of read.entries()) {
      const position = (part[j] as (typeof part)[number]).position;
      if (r.status === "rejected") {
        unread = { position, error: r.reason };
        break;
      }
      if (r.value) events.push({ event: r.value, position });
    }
  }
  let published = 0;
  for (let i = 0; i < events.length; i += PER_CALL) {
    const call = events.slice(i, i + PER_CALL);
    try {
      await deps.events.publish(call.map((e) => e.event));
    } catch (error) {
      return { published, failed: (call[0] as (typeof call)[number]).position, error };
    }
    published += call.length;
  }
  return unread ? { published, failed: unread.position, error: unread.error } : { published };
}
