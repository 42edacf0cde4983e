/**
 * Reading decisions: one by its id (opened with its person's data key, or erased) and the contact
 * state of an account, which every decision store reads (the stores that move decisions on extend
 * them, decision-store.ts, and the watchers read nothing more); and, for the functions that only read
 * decisions (the decisions and knowledge APIs, the signals refit, the replay, the agents), the reader,
 * which adds the listings (decision-listings.ts) without the transitions, the sealing and the ledger
 * chain's writes, which such a function could not run: its role may not write the ledger (issue 11,
 * item 8).
 */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Decision, LedgerEvent } from "../../domain/decision.ts";
import type { Touch } from "../../domain/decision-types.ts";
import { openDecision, parseOwnerRef } from "../../domain/personal-data.ts";
import type { ContactState, DecisionQuery, DecisionReads, DecisionsBetweenFilter } from "../../ports.ts";
import { PageCursors } from "./cursor.ts";
import type { DataKeys } from "./data-keys.ts";
import { batchGetAll, type Db, itemId } from "./db.ts";
import { decisionsBetween, hasDecisionBy, ledgerEvents, queryDecisions } from "./decision-listings.ts";
import { DecisionVersions, type LoadedDecision } from "./decision-versions.ts";
import { decisionStream, type Key, ledgerKeys, stateKeys } from "./keys.ts";

export type { Item } from "./decision-item.ts";

import { type Item, strip } from "./decision-item.ts";
import { headIn } from "./ledger-heads.ts";

/** A decision by its id and an account's contact state: what every decision store reads. */
export class DynamoDecisionReads {
  /** What this process wrote or read last of each decision (decision-versions.ts says what it serves). */
  protected readonly versions = new DecisionVersions();

  constructor(
    protected readonly db: Db,
    protected readonly keys: DataKeys,
    /** Signs page cursors; runtimes whose cursors reach clients pass a persistent key. */
    protected readonly cursors: PageCursors = PageCursors.ephemeral(),
  ) {}

  async getDecision(decisionId: string): Promise<Decision | undefined> {
    return (await this.loadDecision(decisionId))?.decision;
  }

  lastKnown(decisionId: string): Decision | undefined {
    return this.versions.newest(decisionId)?.decision;
  }

  /**
   * The decision, opened, with the key it was sealed under (absent when not sealed or erased). One
   * request when this process knows whom the decision is sealed for (it decided or read it before):
   * the decision item and that key together; else the item, then its key.
   */
  protected async loadDecision(decisionId: string): Promise<LoadedDecision | undefined> {
    const knownRef = this.versions.ownerRef(decisionId);
    const knownOwner = knownRef ? parseOwnerRef(knownRef) : undefined;
    let raw: Item | undefined;
    let keyItem: Item | undefined;
    if (knownOwner) {
      const decisionKey = ledgerKeys.decision(decisionId);
      const found = await batchGetAll(this.db, [
        { table: this.db.tables.ledger, key: decisionKey },
        { table: this.db.tables.state, key: stateKeys.dataKey(knownOwner) },
      ]);
      raw = found.get(itemId(decisionKey));
      keyItem = found.get(itemId(stateKeys.dataKey(knownOwner)));
    } else {
      const res = await this.db.doc.send(
        new QueryCommand({
          TableName: this.db.tables.ledger,
          KeyConditionExpression: "pk = :pk AND sk = :sk",
          ExpressionAttributeValues: { ":pk": decisionStream(decisionId), ":sk": "DECISION" },
          ConsistentRead: true,
        }),
      );
      raw = res.Items?.[0];
    }
    if (!raw) return undefined;
    const sealedFor = typeof raw.sealedFor === "string" ? raw.sealedFor : undefined;
    const owner = sealedFor ? parseOwnerRef(sealedFor) : undefined;
    const key = !owner
      ? undefined
      : sealedFor === knownRef
        ? await this.keys.open(keyItem, owner)
        : await this.keys.get(owner);
    return this.remember(raw, key);
  }

  /**
   * A decision item as stored (just read, or just written) opened with the key it was sealed with, and
   * remembered (decision-versions.ts) with whom it is sealed for.
   */
  protected remember(raw: Item, key: Buffer | undefined): LoadedDecision {
    const item = strip<Item>(raw) as Item;
    const sealedFor = typeof item.sealedFor === "string" ? item.sealedFor : undefined;
    const sealed = sealedFor && parseOwnerRef(sealedFor) ? { sealed: item.sealed, sealedFor } : undefined;
    const decision = openDecision(item, sealed ? key : undefined);
    // A key that no longer opens it (destroyed, then re-created) is no key.
    const opens = sealed && key && !decision.erased;
    const loaded = { decision, key: opens ? key : undefined, sealed, head: headIn(raw) };
    this.versions.remember(loaded, sealed ? sealedFor : undefined);
    return loaded;
  }

  async getContactState(accountId: string): Promise<ContactState> {
    const res = await this.db.doc.send(
      new QueryCommand({
        TableName: this.db.tables.state,
        KeyConditionExpression: "pk = :pk AND sk = :sk",
        ExpressionAttributeValues: stateKeyValues(stateKeys.contact(accountId)),
        ConsistentRead: true,
      }),
    );
    const item = res.Items?.[0];
    return {
      touches: (item?.touches as Touch[] | undefined) ?? [],
      version: (item?.version as number | undefined) ?? 0,
    };
  }
}

const stateKeyValues = (k: Key) => ({ ":pk": k.pk, ":sk": k.sk });

/**
 * The decisions read, never written: a decision, an account's contact state, the listings and a
 * ledger stream. Built for a function whose role may only read the ledger (shared/runtime/aws-stores.ts
 * wraps it so that a write fails naming the store).
 */
export class DynamoDecisionReader extends DynamoDecisionReads implements DecisionReads {
  queryDecisions(q: DecisionQuery): Promise<{ items: Decision[]; cursor?: string }> {
    return queryDecisions(this.db, this.keys, this.cursors, q);
  }

  decisionsBetween(
    since: string,
    until: string,
    limit: number,
    only?: DecisionsBetweenFilter,
  ): Promise<{ items: Decision[]; more: boolean }> {
    return decisionsBetween(this.db, this.keys, since, until, limit, only);
  }

  hasDecisionBy(agentId: string): Promise<boolean> {
    return hasDecisionBy(this.db, agentId);
  }

  events(stream: string): Promise<LedgerEvent[]> {
    return ledgerEvents(this.db, this.keys, stream);
  }
}
