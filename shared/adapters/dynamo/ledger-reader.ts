import { BatchGetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { StreamHead } from "../../domain/ledger-chain.ts";
import type { LedgerPage, LedgerReader, StoredEvent } from "../../usecases/ledger-verify.ts";
import type { Db } from "./db.ts";
import { type Key, ledgerHeadLocation, ledgerKeys } from "./keys.ts";
import { headIn } from "./ledger-heads.ts";

type Item = Record<string, unknown>;

const BATCH = 100;

/** The sort key of a decision record (any decision's: it is the same for all). */
const DECISION_SK = ledgerKeys.decision("").sk;

/**
 * The verifier's view of the ledger: a paginated, strongly consistent Scan of the ledger table (events,
 * decision records, and the heads on decision and head items), and batched reads of the heads kept in
 * the state table.
 */
export class DynamoLedgerReader implements LedgerReader {
  constructor(private readonly db: Db) {}

  async *scan(): AsyncIterable<LedgerPage> {
    let startKey: Item | undefined;
    do {
      const res = await this.db.doc.send(
        new ScanCommand({
          TableName: this.db.tables.ledger,
          ConsistentRead: true,
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

  async stateHeads(streams: string[]): Promise<StreamHead[]> {
    const wanted = new Map<string, string>();
    for (const stream of streams) {
      const at = ledgerHeadLocation(stream);
      if (at.table === "state") wanted.set(`${at.key.pk}\u0000${at.key.sk}`, stream);
    }
    const keys = [...wanted.keys()].map((k) => {
      const [pk, sk] = k.split("\u0000");
      return { pk, sk } as Key;
    });
    const out: StreamHead[] = [];
    for (let i = 0; i < keys.length; i += BATCH) {
      let request: Key[] = keys.slice(i, i + BATCH);
      for (let attempt = 0; request.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(200, 10 * 2 ** attempt)));
        const res = await this.db.doc.send(
          new BatchGetCommand({
            RequestItems: { [this.db.tables.state]: { Keys: request, ConsistentRead: true } },
          }),
        );
        for (const item of res.Responses?.[this.db.tables.state] ?? []) {
          const stream = wanted.get(`${item.pk}\u0000${item.sk}`);
          const head = headIn(item);
          if (stream && head) out.push({ stream, ...head });
        }
        request = (res.UnprocessedKeys?.[this.db.tables.state]?.Keys ?? []) as Key[];
      }
    }
    return out;
  }
}
