import { GetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { ChainHead, StreamHead } from "../../domain/ledger-chain.ts";
import type { LedgerPage, LedgerReader, StoredEvent } from "../../usecases/ledger-verify.ts";
import { batchGetAll, type Db, itemId, queryAll } from "./db.ts";
import { type Key, ledgerHeadLocation, ledgerKeys } from "./keys.ts";
import { headIn } from "./ledger-heads.ts";

type Item = Record<string, unknown>;

/** The sort key of a decision record (any decision's: it is the same for all). */
const DECISION_SK = ledgerKeys.decision("").sk;

/**
 * The verifier's view of the ledger: a paginated, strongly consistent Scan of the ledger table (events,
 * decision records, and the heads on decision and head items), and batched reads of the heads kept in
 * the state table.
 */
export class DynamoLedgerReader implements LedgerReader {
  constructor(
    private readonly db: Db,
    /**
     * Segments of a parallel Scan: the daily digest reads the whole ledger within one function's 15
     * minutes, and one segment reads at one page at a time. The verifier takes pages in any order.
     */
    private readonly segments = 4,
  ) {}

  /** Every segment's pages, each yielded as it arrives. */
  async *scan(): AsyncIterable<LedgerPage> {
    const all = Array.from({ length: this.segments }, (_, i) => this.segment(i)[Symbol.asyncIterator]());
    const next = (i: number) => {
      const read = (all[i] as AsyncIterator<LedgerPage>).next().then((r) => ({ i, r }));
      // A segment that fails after the scan has stopped (another failed first, or the reader stopped
      // reading) is not an unhandled rejection: the failure the scan threw is the one that counts.
      read.catch(() => {});
      return read;
    };
    const pending = new Map(all.map((_, i) => [i, next(i)]));
    try {
      while (pending.size > 0) {
        const { i, r } = await Promise.race(pending.values());
        if (r.done) {
          pending.delete(i);
          continue;
        }
        pending.set(i, next(i));
        yield r.value;
      }
    } finally {
      // Stopped early: the segments still reading read no further page.
      for (const i of pending.keys()) (all[i] as AsyncIterator<LedgerPage>).return?.()?.catch(() => {});
    }
  }

  private async *segment(segment: number): AsyncIterable<LedgerPage> {
    let startKey: Item | undefined;
    do {
      const res = await this.db.doc.send(
        new ScanCommand({
          TableName: this.db.tables.ledger,
          ConsistentRead: true,
          Segment: segment,
          TotalSegments: this.segments,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      const page: LedgerPage = { events: [], heads: [], records: [] };
      for (const raw of res.Items ?? []) {
        const { pk, sk, ...item } = raw as Item & Key;
        const seq = ledgerKeys.seqOfEventKey(sk);
        if (seq !== undefined) {
          page.events.push({ stream: pk, keySeq: seq, item } satisfies StoredEvent);
          continue;
        }
        if (sk === DECISION_SK) page.records.push({ stream: pk, item });
        const head = headIn(item);
        if (head && ledgerHeadLocation(pk).key.sk === sk) page.heads.push({ stream: pk, ...head });
      }
      yield page;
      startKey = res.LastEvaluatedKey;
    } while (startKey);
  }

  async reread(stream: string, afterSeq: number) {
    const events: StoredEvent[] = [];
    const items = await queryAll(this.db, {
      TableName: this.db.tables.ledger,
      ConsistentRead: true,
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: {
        ":pk": stream,
        ":from": ledgerKeys.event(stream, afterSeq + 1).sk,
        // After every event key: "EVENT#" then digits, and "~" sorts after the digits.
        ":to": "EVENT#~",
      },
    });
    for (const raw of items) {
      const { pk, sk, ...item } = raw as Item & Key;
      const seq = ledgerKeys.seqOfEventKey(sk);
      if (seq !== undefined) events.push({ stream: pk, keySeq: seq, item });
    }
    // The head after the events: a write between the two reads makes the head ahead again, and the
    // verifier reads once more.
    const at = ledgerHeadLocation(stream);
    const got = await this.db.doc.send(
      new GetCommand({
        TableName: at.table === "ledger" ? this.db.tables.ledger : this.db.tables.state,
        Key: at.key,
        ConsistentRead: true,
      }),
    );
    const { pk: _pk, sk, ...item } = (got.Item ?? {}) as Item & Partial<Key>;
    const head: ChainHead | undefined = headIn(got.Item);
    return {
      events,
      ...(head ? { head } : {}),
      ...(at.table === "ledger" && sk === DECISION_SK ? { record: item } : {}),
    };
  }

  async stateHeads(streams: string[]): Promise<StreamHead[]> {
    const wanted = new Map<string, { stream: string; key: Key }>();
    for (const stream of streams) {
      const at = ledgerHeadLocation(stream);
      if (at.table === "state") wanted.set(itemId(at.key), { stream, key: at.key });
    }
    const found = await batchGetAll(
      this.db,
      [...wanted.values()].map((w) => ({ table: this.db.tables.state, key: w.key })),
    );
    const out: StreamHead[] = [];
    for (const [id, w] of wanted) {
      const head = headIn(found.get(id));
      if (head) out.push({ stream: w.stream, ...head });
    }
    return out;
  }
}
