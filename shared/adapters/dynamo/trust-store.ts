import {
  GetCommand,
  PutCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { LedgerEvent } from "../../domain/decision.ts";
import { ConflictError } from "../../domain/errors.ts";
import { type ChainHead, chainEvent, headOf } from "../../domain/ledger-chain.ts";
import type { TrustRecord } from "../../learning/trust.ts";
import type { PeerMarket } from "../../learning/trust-peers.ts";
import type { Page, PageRequest, TrustStore } from "../../ports.ts";
import { PageCursors } from "./cursor.ts";
import { type Db, failedConditions, onceMarker } from "./db.ts";
import { ledgerKeys, stateKeys, trustStream } from "./keys.ts";
import { HEAD_ATTR, headIn, prevHashAfter } from "./ledger-heads.ts";

const TRUST_LISTING = "trust";
const TRUST_SCAN_LIMIT = 200;
const TRUST_SCAN_CALLS = 10;

const strip = (item: Record<string, unknown> | undefined): TrustRecord | undefined => {
  if (!item) return undefined;
  const { pk: _p, sk: _s, ...rest } = item;
  return rest as unknown as TrustRecord;
};

/**
 * How long an evidence marker is kept: longer than any redelivery or retry of the outcome it marks
 * (EventBridge retries for 24 hours, SES and HubSpot within days, a failed settle on the next sweep).
 */
export const TRUST_EVIDENCE_RETENTION_MS = 14 * 86_400_000;

export class DynamoTrustStore implements TrustStore {
  constructor(
    private readonly db: Db,
    /** Signs page cursors; runtimes whose cursors reach clients pass a persistent key. */
    private readonly cursors: PageCursors = PageCursors.ephemeral(),
    /** Wall-clock time for the markers' TTL: redeliveries come in real time, whatever clock the harness runs. */
    private readonly now: () => number = Date.now,
  ) {}

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
   * One page of trust records. Trust items share no partition (pk is per agent) and giving them one
   * would mean another write in save()'s transaction, so this is a Scan filtered on the TRUST#
   * prefix, bounded per page: at most TRUST_SCAN_CALLS calls of TRUST_SCAN_LIMIT items evaluated
   * each. A page can then hold fewer than `limit` records and still carry a cursor; the cursor of a
   * full page is the key of its last record, so the next page starts right after it. Records come
   * in the table's order (sorted within a page only).
   */
  async list(page: PageRequest): Promise<Page<TrustRecord>> {
    const out: { item: Record<string, unknown>; record: TrustRecord }[] = [];
    let startKey: Record<string, unknown> | undefined = page.cursor
      ? await this.cursors.decode(TRUST_LISTING, page.cursor, ["pk", "sk"])
      : undefined;
    for (let call = 0; call < TRUST_SCAN_CALLS; call++) {
      const res = await this.db.doc.send(
        new ScanCommand({
          TableName: this.db.tables.state,
          FilterExpression: "begins_with(pk, :p)",
          ExpressionAttributeValues: { ":p": stateKeys.trustPrefix },
          Limit: TRUST_SCAN_LIMIT,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const i of res.Items ?? []) out.push({ item: i, record: strip(i) as TrustRecord });
      startKey = res.LastEvaluatedKey;
      if (out.length >= page.limit || !startKey) break;
    }
    const items = out.slice(0, page.limit);
    const last = items.at(-1)?.item;
    // Over-collected: resume right after the last record returned, not after the last one read.
    const next = out.length > page.limit && last ? { pk: last.pk, sk: last.sk } : startKey;
    const records = items
      .map((i) => i.record)
      .sort((a, b) => `${a.agentId}${a.actionType}`.localeCompare(`${b.agentId}${b.actionType}`));
    return next
      ? { items: records, cursor: await this.cursors.encode(TRUST_LISTING, next) }
      : { items: records };
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
    const put = {
      TableName: this.db.tables.state,
      Item: { ...stateKeys.trust(record.agentId, record.actionType), ...next, [HEAD_ATTR]: head },
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
      if (!chained && !evidenceId) {
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
