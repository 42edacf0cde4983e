/**
 * The stores' side of the ledger chain (domain/ledger-chain.ts): where a stream's head is read from
 * and how an event is appended to a stream that has no state item of its own. Kept apart from the
 * stores' other concerns so that what is stored (sealed or not) and how it is chained stay separate.
 */
import { GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { ContentionError } from "../../domain/errors.ts";
import {
  type ChainHead,
  chainEvent,
  decisionRecordHash,
  GENESIS,
  HEAD_ATTR,
  headOf,
} from "../../domain/ledger-chain.ts";
import { type Db, failedConditions } from "./db.ts";
import { ledgerKeys } from "./keys.ts";

type Item = Record<string, unknown>;

/** Defined with the chain (domain/ledger-chain.ts): a decision record's hash leaves its head out. */
export { HEAD_ATTR };

/** The head an item records, if it records a well-formed one. */
export function headIn(item: Item | undefined): ChainHead | undefined {
  const h = item?.[HEAD_ATTR] as Partial<ChainHead> | undefined;
  return typeof h?.seq === "number" && typeof h.hash === "string" ? { seq: h.seq, hash: h.hash } : undefined;
}

/** The `prevHash` of the next event after `head` (GENESIS for a stream's first event). */
export const prevHashAfter = (head: ChainHead | undefined) => head?.hash ?? GENESIS;

/** An item without its head attribute: the head is the store's bookkeeping, not the domain's. */
export function withoutHead<T extends Item>(item: T): T {
  const { [HEAD_ATTR]: _h, ...rest } = item;
  return rest as T;
}

/**
 * A decision record and the event written with it in one transaction, chained together: the event
 * carries the hash of the record exactly as it will be stored (`decisionHash`, over everything but keys,
 * GSI attributes and the head) and is then chained; the record gets that event as its head. Both items
 * come back ready for the Put. Whatever the record holds (sealed or not) is hashed as given.
 */
export function chainWithRecord(
  record: Item,
  event: Item,
  prevHash: string,
): { record: Item; event: Item & { prevHash: string; hash: string } } {
  const chained = chainEvent({ ...event, decisionHash: decisionRecordHash(record) }, prevHash);
  return { record: { ...record, [HEAD_ATTR]: headOf(chained) }, event: chained };
}

/** Enough for 50 concurrent appenders on one stream: each round, at least one of them wins. */
const ATTEMPTS = 100;

/**
 * Append to a stream with no state item of its own: the event and the stream's head item, in one
 * transaction conditioned on the head read just before, so two concurrent appends cannot both chain
 * from the same predecessor (one fails its condition and retries on the new head). `build` makes the
 * stored item for a given seq (next after the head); it is chained last, as stored.
 */
export async function appendChained(db: Db, stream: string, build: (seq: number) => Item): Promise<number> {
  const headKey = ledgerKeys.head(stream);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (attempt > 0) {
      // Full jitter: contending appenders spread out instead of colliding again in lockstep.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(250, 5 * 2 ** attempt)));
    }
    const res = await db.doc.send(
      new GetCommand({ TableName: db.tables.ledger, Key: headKey, ConsistentRead: true }),
    );
    const head = headIn(res.Item);
    const seq = (head?.seq ?? 0) + 1;
    const event = chainEvent({ ...ledgerKeys.event(stream, seq), ...build(seq) }, prevHashAfter(head));
    try {
      await db.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: db.tables.ledger,
                Item: event,
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
            {
              Put: {
                TableName: db.tables.ledger,
                Item: { ...headKey, stream, [HEAD_ATTR]: headOf(event) },
                ...(head
                  ? {
                      ConditionExpression: "#h.#seq = :seq AND #h.#hash = :hash",
                      ExpressionAttributeNames: { "#h": HEAD_ATTR, "#seq": "seq", "#hash": "hash" },
                      ExpressionAttributeValues: { ":seq": head.seq, ":hash": head.hash },
                    }
                  : { ConditionExpression: "attribute_not_exists(pk)" }),
              },
            },
          ],
        }),
      );
      return seq;
    } catch (err) {
      if (!failedConditions(err)) throw err;
    }
  }
  throw new ContentionError(`ledger stream ${stream}: too many concurrent appends, event not written`);
}
