import {
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { LedgerEvent } from "../../domain/decision.ts";
import { ConflictError, DependencyError } from "../../domain/errors.ts";
import { type ChainHead, chainEvent, headOf } from "../../domain/ledger-chain.ts";
import { ONCE_MARKER_MS } from "../../domain/time.ts";
import type { TrustRecord } from "../../learning/trust.ts";
import type { PeerMarket } from "../../learning/trust-peers.ts";
import type { Page, PageRequest, TrustStore } from "../../ports.ts";
import { PageCursors } from "./cursor.ts";
import { batchGetAll, type Db, failedConditions, itemId, onceMarker } from "./db.ts";
import { ledgerKeys, stateKeys, trustStream } from "./keys.ts";
import { HEAD_ATTR, headIn, prevHashAfter } from "./ledger-heads.ts";

/** The cursors' tag: a cursor of the Scan this listing once was names no directory key, and is refused. */
const TRUST_LISTING = "trust-directory";
/**
 * Set on a trust record once its directory item (stateKeys.trustListing) is written: later saves
 * skip that write.
 */
const LISTED_ATTR = "listed";

/**
 * The one-time fill of the directory from records saved before it existed (`fillDirectory`): Scan
 * calls per listing, items evaluated per call. Locally (the CLI, the demo's daily trust points) a
 * listing waits for the whole fill: nothing there retries a 503.
 */
export interface DirectoryFill {
  callsPerListing: number;
  itemsPerCall: number;
}
const DIRECTORY_FILL: DirectoryFill = { callsPerListing: Number.POSITIVE_INFINITY, itemsPerCall: 1000 };
/**
 * Behind API Gateway's 29 s: 20 × 1,000 covers a state table of 20,000 items in the first listing
 * (a second or two); a bigger one takes several, each answering "retry" (503) until it is done.
 */
export const BOUNDED_DIRECTORY_FILL: DirectoryFill = { callsPerListing: 20, itemsPerCall: 1000 };

const directoryItem = (agentId: string, actionType: string) => ({
  ...stateKeys.trustListing(agentId, actionType),
  agentId,
  actionType,
});

const strip = (item: Record<string, unknown> | undefined): TrustRecord | undefined => {
  if (!item) return undefined;
  const { pk: _p, sk: _s, ...rest } = item;
  return rest as unknown as TrustRecord;
};

/**
 * How long an evidence marker is kept: longer than any redelivery or retry of the outcome it marks
 * (EventBridge retries for 24 hours, SES and HubSpot within days, a dead-letter redrive weeks later,
 * a failed settle on the next sweep): domain/time.ts.
 */
export const TRUST_EVIDENCE_RETENTION_MS = ONCE_MARKER_MS;

export class DynamoTrustStore implements TrustStore {
  constructor(
    private readonly db: Db,
    /** Signs page cursors; runtimes whose cursors reach clients pass a persistent key. */
    private readonly cursors: PageCursors = PageCursors.ephemeral(),
    /** Wall-clock time for the markers' TTL: redeliveries come in real time, whatever clock the harness runs. */
    private readonly now: () => number = Date.now,
    private readonly fill: DirectoryFill = DIRECTORY_FILL,
  ) {}

  /** Whether this process has seen the directory's fill done (it is never undone). */
  private filled = false;

  async get(agentId: string, actionType: string): Promise<TrustRecord | undefined> {
    const res = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.tables.state,
        Key: stateKeys.trust(agentId, actionType),
        ConsistentRead: true,
      }),
    );
    return strip(res.Item);
  }

  /**
   * One page of trust records, in agent then action order: a (consistent) Query of the directory partition for
   * the page's keys, then one consistent BatchGet of the records. The directory is written with each
   * record (save), so a listing costs the records it returns, whatever else the state table holds;
   * it used to be a Scan of the whole table filtered on the trust prefix, which in a knowledge base of
   * 100,000 accounts read (and billed) every item to list a dozen, and cost the simulated demo an
   * eighth of its run for its daily trust points.
   */
  async list(page: PageRequest): Promise<Page<TrustRecord>> {
    await this.fillDirectory();
    const startKey = page.cursor
      ? await this.cursors.decode(TRUST_LISTING, page.cursor, ["pk", "sk"])
      : undefined;
    const res = await this.db.doc.send(
      new QueryCommand({
        TableName: this.db.tables.state,
        KeyConditionExpression: "pk = :p",
        ExpressionAttributeValues: { ":p": stateKeys.trustListing("", "").pk },
        // A record pinned a moment ago is listed now (its directory item was written with it).
        ConsistentRead: true,
        Limit: page.limit,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    const keys = (res.Items ?? []).map((i) => stateKeys.trust(String(i.agentId), String(i.actionType)));
    const found = await batchGetAll(
      this.db,
      keys.map((key) => ({ table: this.db.tables.state, key })),
    );
    const items = keys.flatMap((k) => {
      const record = strip(found.get(itemId(k)));
      return record ? [record] : [];
    });
    const next = res.LastEvaluatedKey;
    return next ? { items, cursor: await this.cursors.encode(TRUST_LISTING, next) } : { items };
  }

  /**
   * Records saved before the directory existed have no directory item until their next save, and
   * an agent that never acts again would never be listed: the first listings of a deployment find
   * them with a Scan of the state table for the trust prefix, resumable (its position is kept in
   * stateKeys.trustDirectoryFill, a bounded number of calls per listing) and done once. Concurrent
   * fills write the same items twice at most; a finished fill is never moved back.
   */
  private async fillDirectory(): Promise<void> {
    if (this.filled) return;
    const table = this.db.tables.state;
    const key = stateKeys.trustDirectoryFill();
    const state = (
      await this.db.doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))
    ).Item;
    if (state?.done === true) {
      this.filled = true;
      return;
    }
    let startKey = state?.next as Record<string, unknown> | undefined;
    for (let call = 0; call < this.fill.callsPerListing; call++) {
      const res = await this.db.doc.send(
        new ScanCommand({
          TableName: table,
          FilterExpression: "begins_with(pk, :p) AND begins_with(sk, :s)",
          ExpressionAttributeValues: { ":p": stateKeys.trustPrefix, ":s": stateKeys.trustSortPrefix },
          ProjectionExpression: "agentId, actionType",
          Limit: this.fill.itemsPerCall,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      await Promise.all(
        (res.Items ?? []).map((i) =>
          this.db.doc.send(
            new PutCommand({
              TableName: table,
              Item: directoryItem(String(i.agentId), String(i.actionType)),
            }),
          ),
        ),
      );
      startKey = res.LastEvaluatedKey;
      if (!startKey) break;
    }
    try {
      await this.db.doc.send(
        new PutCommand({
          TableName: table,
          Item: { ...key, ...(startKey ? { done: false, next: startKey } : { done: true }) },
          ConditionExpression: "attribute_not_exists(#done) OR #done = :no",
          ExpressionAttributeNames: { "#done": "done" },
          ExpressionAttributeValues: { ":no": false },
        }),
      );
    } catch (err) {
      if ((err as Error).name !== "ConditionalCheckFailedException") throw err;
    }
    if (startKey)
      throw new DependencyError("the trust listing is being filled from existing records: retry shortly");
    this.filled = true;
  }

  async save(
    record: TrustRecord,
    expectVersion: number,
    event?: Omit<LedgerEvent, "stream" | "seq">,
    evidenceId?: string,
  ): Promise<boolean> {
    const readHead = headIn(record as unknown as Record<string, unknown>);
    const stream = trustStream(record.agentId, record.actionType);
    const next = { ...record, version: expectVersion + 1 };
    const chained = event
      ? chainEvent(
          { ...ledgerKeys.event(stream, next.version), ...event, stream, seq: next.version },
          prevHashAfter(readHead),
        )
      : undefined;
    const head: ChainHead | undefined = chained ? headOf(chained) : readHead;
    // The record's directory item, once (list()); idempotent, so a lost race writes it twice at most.
    const listing =
      (record as unknown as Record<string, unknown>)[LISTED_ATTR] === true
        ? []
        : [
            {
              Put: {
                TableName: this.db.tables.state,
                Item: directoryItem(record.agentId, record.actionType),
              },
            },
          ];
    const put = {
      TableName: this.db.tables.state,
      Item: {
        ...stateKeys.trust(record.agentId, record.actionType),
        ...next,
        [HEAD_ATTR]: head,
        [LISTED_ATTR]: true,
      },
      ...(expectVersion === 0
        ? { ConditionExpression: "attribute_not_exists(pk)" }
        : {
            ConditionExpression: readHead
              ? "version = :v AND #h.#hash = :h"
              : "version = :v AND attribute_not_exists(#h)",
            ExpressionAttributeNames: { "#h": HEAD_ATTR, ...(readHead ? { "#hash": "hash" } : {}) },
            ExpressionAttributeValues: { ":v": expectVersion, ...(readHead ? { ":h": readHead.hash } : {}) },
          }),
    };
    // The evidence marker goes first: a failed condition at index 0 means "taught before".
    const marker = evidenceId
      ? [
          onceMarker(
            this.db.tables.state,
            stateKeys.trustEvidence(record.agentId, record.actionType, evidenceId),
            this.now() + TRUST_EVIDENCE_RETENTION_MS,
          ),
        ]
      : [];
    try {
      if (!chained && !evidenceId && listing.length === 0) {
        await this.db.doc.send(new PutCommand(put));
        return true;
      }
      await this.db.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            ...marker,
            { Put: put },
            ...(chained
              ? [
                  {
                    Put: {
                      TableName: this.db.tables.ledger,
                      Item: chained,
                      ConditionExpression: "attribute_not_exists(pk)",
                    },
                  },
                ]
              : []),
            ...listing,
          ],
        }),
      );
      return true;
    } catch (err) {
      if (evidenceId && failedConditions(err)?.includes(0)) return false;
      if (failedConditions(err) || (err as Error).name === "ConditionalCheckFailedException") {
        throw new ConflictError(`trust of ${record.agentId} × ${record.actionType} changed concurrently`, {
          cause: err,
        });
      }
      throw err;
    }
  }

  /** One item per action type, one attribute per agent (`stateKeys.trustPeerAttr`): one read for all. */
  async peers(actionType: string): Promise<PeerMarket[]> {
    const res = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.tables.state,
        Key: stateKeys.trustPeers(actionType),
        ConsistentRead: true,
      }),
    );
    const prefix = stateKeys.trustPeerAttr("");
    return Object.entries(res.Item ?? {})
      .filter(([k]) => k.startsWith(prefix))
      .map(([, v]) => v as PeerMarket);
  }

  /**
   * A snapshot is a copy, not a count, so a redelivered or concurrent write is harmless; the condition
   * keeps a late write of an older snapshot from replacing a newer one.
   */
  async sharePeer(actionType: string, snapshot: PeerMarket): Promise<void> {
    try {
      await this.db.doc.send(
        new UpdateCommand({
          TableName: this.db.tables.state,
          Key: stateKeys.trustPeers(actionType),
          UpdateExpression: "SET #a = :s",
          ConditionExpression: "attribute_not_exists(#a) OR #a.#u <= :u",
          ExpressionAttributeNames: { "#a": stateKeys.trustPeerAttr(snapshot.agentId), "#u": "updatedAt" },
          ExpressionAttributeValues: { ":s": snapshot, ":u": snapshot.updatedAt },
        }),
      );
    } catch (err) {
      if ((err as Error).name !== "ConditionalCheckFailedException") throw err;
    }
  }
}
