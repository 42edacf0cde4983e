import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { Decision, LedgerEvent } from "../../domain/decision.ts";
import type { Touch } from "../../domain/decision-types.ts";
import { ConflictError, ContentionError, DependencyError } from "../../domain/errors.ts";
import {
  ERASED,
  erasedDecision,
  type KeyOwner,
  ownerOf,
  parseOwnerRef,
  sealDecision,
  sealEvent,
  withoutSecrets,
} from "../../domain/personal-data.ts";
import { DAY } from "../../domain/time.ts";
import type {
  CommitConflict,
  DecisionCommit,
  DecisionQuery,
  DecisionStore,
  DecisionsBetweenFilter,
  DueItem,
  GateReadRequest,
  GateReadResult,
  Transition,
} from "../../ports.ts";
import { counterBump } from "./counter-bump.ts";
import { failedConditions, ttlSeconds } from "./db.ts";
import {
  decisionsBetween,
  deleteDue,
  dueItems,
  hasDecisionBy,
  ledgerEvents,
  queryDecisions,
} from "./decision-listings.ts";
import { DynamoDecisionReads, type Item } from "./decision-reader.ts";
import type { LoadedDecision } from "./decision-versions.ts";
import { decisionStream, ledgerKeys, stateKeys } from "./keys.ts";
import { appendChained, chainWithRecord, prevHashAfter } from "./ledger-heads.ts";

export type { Item } from "./decision-reader.ts";

export type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]
>[number];

/**
 * An event on a decision whose person (or account) was erased: nothing seals it any more, so its free
 * text (a review's or an outcome's note, a connector's error, the checks' details) is not stored.
 * Before, it was stored in clear, and reached the archive and Athena, after the erasure.
 */
const withoutTextIfErased = (e: LedgerEvent, erased: boolean): LedgerEvent => {
  if (!erased) return e;
  const { data: _data, ...rest } = e;
  return { ...rest, detail: ERASED };
};

/** Contact-state items outlive their last touch by the longest window any sane spec uses. */
const CONTACT_RETENTION = 30 * DAY;
// A function built with the core store and asked for more: a fault of its entry, which these name
// by the store that has it (gate-read.ts, this file, gate-decision-store.ts). Short: every function
// that moves decisions carries them, the lean executors and the outcome worker near their size bound.
const NO_CHECK = "this decision store does not read the gate's context: DynamoCheckingDecisionStore does";
const noQueries = (): Promise<never> =>
  Promise.reject(new Error("this decision store does not list decisions: DynamoDecisionStore does"));
const NO_REVIEW = "this decision store does not record reviews: DynamoCheckingDecisionStore does";
const NO_GATE = "this decision store does not run the gate: DynamoGateDecisionStore does";

/**
 * Decisions and their ledger events. A decision about a person is stored with its personal fields
 * sealed under that person's data key (domain/personal-data.ts): the key is read in the gate's one
 * batched read and, for a person seen for the first time, created inside the gate's one transaction.
 * Reads open what they return; after an erasure they return the decision with its personal fields erased.
 */
export class DynamoDecisionCore extends DynamoDecisionReads implements DecisionStore {
  /** The gate's one batched read: only the stores of the functions that check build it (gate-read.ts). */
  async readGateContext(_req: GateReadRequest): Promise<GateReadResult> {
    throw new Error(NO_CHECK);
  }

  /**
   * What a decision's first human review writes beside it: its review tally (draft-store.ts
   * reviewTallyItem) and an approval's counters for the day it goes out (`addCounters`). Only the
   * stores of the functions that review (the checking stores: the reviews API, /mcp, the local
   * runtime) carry them, and the tally's rules code; the others refuse a review rather than miss them.
   */
  protected reviewItems(_decision: Decision, _t: Transition): TransactItem[] {
    throw new Error(NO_REVIEW);
  }

  /** The gate's transaction: only the gate's store (gate-decision-store.ts) commits decisions. */
  async commitDecision(
    _commit: DecisionCommit,
  ): Promise<{ ok: true } | { ok: false; conflict: CommitConflict }> {
    throw new Error(NO_GATE);
  }

  /**
   * The listings, ledger streams and due queue: the stores below (DynamoDecisionEventsStore,
   * DynamoDecisionStore) and the reader (decision-reader.ts) read them; the core refuses.
   */
  queryDecisions(_q: DecisionQuery): Promise<{ items: Decision[]; cursor?: string }> {
    return noQueries();
  }

  decisionsBetween(
    _since: string,
    _until: string,
    _limit: number,
    _only?: DecisionsBetweenFilter,
  ): Promise<{ items: Decision[]; more: boolean }> {
    return noQueries();
  }

  hasDecisionBy(_agentId: string): Promise<boolean> {
    return noQueries();
  }

  async transition(t: Transition): Promise<Decision> {
    // The version the caller expects, as this process last wrote or read it, needs no read (see
    // decision-versions.ts); the transaction then also checks the key it seals with is still stored.
    const remembered = this.versions.at(t.decisionId, t.expectVersion);
    if (remembered) {
      const next = await this.transitionFrom(t, remembered, true);
      if (next) return next;
      this.versions.forget(t.decisionId);
    }
    const loaded = await this.loadDecision(t.decisionId);
    if (!loaded) throw new ConflictError(`decision ${t.decisionId} does not exist`);
    return (await this.transitionFrom(t, loaded, false)) as Decision;
  }

  /** The transition from `loaded`; undefined when `checkKey` found the key item changed (read again). */
  private async transitionFrom(
    t: Transition,
    loaded: LoadedDecision,
    checkKey: boolean,
  ): Promise<Decision | undefined> {
    const { decision: current, key } = loaded;
    if (current.version !== t.expectVersion || !t.expectStatus.includes(current.status)) {
      throw new ConflictError(
        `decision ${t.decisionId} is ${current.status}, expected ${t.expectStatus.join(" or ")}`,
      );
    }
    const next: Decision = { ...current, ...t.patch, version: current.version + 1, updatedAt: t.event.at };
    // Chained from the head on the decision item just read (the version condition below makes it the
    // head this event follows), carrying the hash of the record written with it.
    const { record, event } = chainWithRecord(
      this.decisionItem(this.storedForm(next, key, loaded.sealed)),
      this.eventItem(
        withoutTextIfErased(
          { ...t.event, stream: decisionStream(t.decisionId), seq: next.version },
          !key && (loaded.sealed !== undefined || current.erased === true),
        ),
        ownerOf(current),
        key,
      ),
      prevHashAfter(loaded.head),
    );
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.db.tables.ledger,
          Item: record,
          ConditionExpression: "version = :v AND #s = :s",
          ExpressionAttributeNames: { "#s": "status" },
          ExpressionAttributeValues: { ":v": current.version, ":s": current.status },
        },
      },
      {
        Put: {
          TableName: this.db.tables.ledger,
          Item: event,
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
    ];
    if (t.contact)
      items.push(this.contactPut(t.contact.accountId, t.contact.touches, t.contact.expectVersion));
    for (const c of t.releaseCounters ?? []) {
      items.push({
        Update: {
          TableName: this.db.tables.state,
          Key: stateKeys.counter(c.counter, c.day),
          UpdateExpression: "ADD #c :minus",
          ConditionExpression: "#c > :zero",
          ExpressionAttributeNames: { "#c": "count" },
          ExpressionAttributeValues: { ":minus": -1, ":zero": 0 },
        },
      });
    }
    for (const c of t.restoreCounters ?? []) items.push(counterBump(this.db, c, false));
    for (const d of t.clearDue ?? [])
      items.push({ Delete: { TableName: this.db.tables.state, Key: stateKeys.due(d) } });
    // A human's first review of the decision counts in its review cell, with the review itself: once.
    if (t.patch.review && !current.review) items.push(...this.reviewItems(current, t));
    if (t.addDue)
      items.push({
        Put: { TableName: this.db.tables.state, Item: { ...stateKeys.due(t.addDue), ...t.addDue } },
      });
    const keyCheck = checkKey && key ? this.keyCheck(key, loaded.sealed?.sealedFor) : undefined;
    if (checkKey && key && !keyCheck) return undefined;
    if (keyCheck) items.push(keyCheck);
    try {
      await this.db.doc.send(new TransactWriteCommand({ TransactItems: items }));
      this.remember(record, key);
    } catch (err) {
      const failed = failedConditions(err);
      if (!failed) throw err;
      if (failed.includes(0) || failed.includes(1))
        throw new ConflictError(`decision ${t.decisionId} changed concurrently`, { cause: err });
      if (keyCheck && failed.includes(items.length - 1)) return undefined;
      if ((t.contact && failed.includes(2)) || failed[0] === -1) {
        throw new ContentionError(`contact state of ${t.contact?.accountId ?? "?"} changed concurrently`, {
          cause: err,
        });
      }
      throw new DependencyError(
        `decision ${t.decisionId} (${current.status} → ${next.status}): a counter to release is missing (${(t.releaseCounters ?? []).map((c) => `${c.counter}@${c.day}`).join(", ")}; failed item ${failed.join(",")})`,
        { cause: err },
      );
    }
    return next;
  }

  /** A condition that the owner's key item still holds `key` as this process read or created it. */
  private keyCheck(key: Buffer, sealedFor: unknown): TransactItem | undefined {
    const owner = typeof sealedFor === "string" ? parseOwnerRef(sealedFor) : undefined;
    const wrapped = this.keys.wrappedOf(key);
    if (!owner || !wrapped) return undefined;
    return {
      ConditionCheck: {
        TableName: this.db.tables.state,
        Key: stateKeys.dataKey(owner),
        ConditionExpression: "#w = :w",
        ExpressionAttributeNames: { "#w": "wrapped" },
        ExpressionAttributeValues: { ":w": wrapped },
      },
    };
  }

  events(_stream: string): Promise<LedgerEvent[]> {
    return noQueries();
  }

  appendEvent(_event: Omit<LedgerEvent, "seq">): Promise<void> {
    return noQueries();
  }

  dueItems(_now: number, _limit: number, _after?: DueItem): Promise<DueItem[]> {
    return noQueries();
  }

  deleteDue(_item: DueItem): Promise<void> {
    return noQueries();
  }

  /** The item of a decision in its stored form (see `storedForm` and domain/personal-data.ts). */
  protected decisionItem(stored: Record<string, unknown>): Item {
    const d = stored as unknown as Decision;
    // Object.assign rather than a spread into a literal: the same members in the same order, copied on
    // the builtin's fast path (this builds every decision record written).
    return Object.assign(ledgerKeys.decision(d.decisionId), ledgerKeys.decisionIndexes(d), stored);
  }

  /** How a transitioned decision is stored, given the key (if any) it was sealed under. */
  private storedForm(
    next: Decision,
    key: Buffer | undefined,
    sealed: Item | undefined,
  ): Record<string, unknown> {
    if (key) return sealDecision(next, key);
    // Its key was destroyed by an erasure: the old ciphertext stays as it was (and stays unreadable).
    if (sealed) return { ...withoutSecrets(next), ...sealed };
    // Decided after its person's erasure, or written before decisions were sealed.
    return next.erased ? erasedDecision(next) : { ...next };
  }

  /** An event as stored: its free text sealed under its decision's key when there is one. */
  protected eventItem(e: LedgerEvent, owner?: KeyOwner, key?: Buffer): Item {
    const stored = owner && key ? sealEvent(e, owner, key) : { ...e };
    return { ...ledgerKeys.event(e.stream, e.seq), ...stored };
  }

  protected contactPut(accountId: string, touches: Touch[], expectVersion: number): TransactItem {
    const last = Math.max(0, ...touches.map((t) => t.to));
    return {
      Put: {
        TableName: this.db.tables.state,
        Item: {
          ...stateKeys.contact(accountId),
          touches,
          version: expectVersion + 1,
          ttl: ttlSeconds(last + CONTACT_RETENTION),
        },
        ...(expectVersion === 0
          ? { ConditionExpression: "attribute_not_exists(pk)" }
          : { ConditionExpression: "version = :v", ExpressionAttributeValues: { ":v": expectVersion } }),
      },
    };
  }
}

/**
 * The decisions moved on, listed by person, account, agent or status, and their ledger streams read
 * and appended to: what the outcome workers (SES, HubSpot) do, without the time windows, the key-only
 * agent question and the due queue of DynamoDecisionStore, which they never ask for.
 */
export class DynamoDecisionEventsStore extends DynamoDecisionCore {
  override queryDecisions(q: DecisionQuery): Promise<{ items: Decision[]; cursor?: string }> {
    return queryDecisions(this.db, this.keys, this.cursors, q);
  }

  override events(stream: string): Promise<LedgerEvent[]> {
    return ledgerEvents(this.db, this.keys, stream);
  }

  /** Streams without a state item of their own keep their chain head in a head item (ledger-heads.ts). */
  override async appendEvent(event: Omit<LedgerEvent, "seq">): Promise<void> {
    await appendChained(this.db, event.stream, (seq) => this.eventItem({ ...event, seq }));
  }
}

/**
 * Decisions with all their listings (decision-listings.ts: by person, account, agent, status; a time
 * window), their ledger events and the due queue: every function that lists or reads a ledger stream.
 * The Release step and the executors build the core only, which moves decisions on
 * (recheck-decision-store.ts); the functions that only read, the reader (decision-reader.ts).
 */
export class DynamoDecisionStore extends DynamoDecisionEventsStore {
  override decisionsBetween(
    since: string,
    until: string,
    limit: number,
    only?: DecisionsBetweenFilter,
  ): Promise<{ items: Decision[]; more: boolean }> {
    return decisionsBetween(this.db, this.keys, since, until, limit, only);
  }

  override hasDecisionBy(agentId: string): Promise<boolean> {
    return hasDecisionBy(this.db, agentId);
  }

  override dueItems(now: number, limit: number, after?: DueItem): Promise<DueItem[]> {
    return dueItems(this.db, now, limit, after);
  }

  override deleteDue(item: DueItem): Promise<void> {
    return deleteDue(this.db, item);
  }
}
