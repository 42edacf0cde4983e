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

/**
 * Publish the events of a batch of ledger images, in stream order. Stops at the first record that
 * fails and returns its position: it and everything after it are retried (their events then go out
 * again with the same ids).
 */
export async function publishDecisionEvents(
  deps: { reader: TransitionReader; events: EventPublisher },
  images: { position: string; item: unknown }[],
): Promise<{ published: number; failed?: string; error?: unknown }> {
  let published = 0;
  for (const { position, item } of images) {
    try {
      const event = await decisionEventOf(deps.reader, item);
      if (!event) continue;
      await deps.events.publish([event]);
      published++;
    } catch (error) {
      return { published, failed: position, error };
    }
  }
  return { published };
}
