import {
  DeleteCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Decision, LedgerEvent } from "../../domain/decision.ts";
import type { Touch } from "../../domain/decision-types.ts";
import { ConflictError, ContentionError, DependencyError, ValidationError } from "../../domain/errors.ts";
import {
  ERASED,
  erasedDecision,
  type KeyOwner,
  openDecision,
  openEvent,
  ownerOf,
  parseOwnerRef,
  sealDecision,
  sealEvent,
  withheldDecision,
  withoutSecrets,
} from "../../domain/personal-data.ts";
import { DAY } from "../../domain/time.ts";
import { STATUSES } from "../../domain/vocabulary.ts";
import type {
  CommitConflict,
  ContactState,
  DecisionCommit,
  DecisionQuery,
  DecisionStore,
  DecisionsBetweenFilter,
  DueItem,
  GateReadRequest,
  GateReadResult,
  Transition,
} from "../../ports.ts";
import { PageCursors } from "./cursor.ts";
import type { DataKeys } from "./data-keys.ts";
import { batchGetAll, type Db, failedConditions, itemId, ttlSeconds } from "./db.ts";
import { DecisionVersions, type LoadedDecision } from "./decision-versions.ts";
import { decisionStream, type Key, ledgerKeys, stateKeys } from "./keys.ts";
import { appendChained, chainWithRecord, HEAD_ATTR, headIn, prevHashAfter } from "./ledger-heads.ts";

export type Item = Record<string, unknown>;
export type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]
>[number];

/** Keys, TTL, head and index keys: the store's bookkeeping on an item, not the domain's. */
const BOOKKEEPING = new RegExp(`^(pk|sk|ttl|${HEAD_ATTR}|by[A-Z][a-z]+(Pk|Sk))$`);

/**
 * An item without its bookkeeping, built by copying what stays rather than deleting what goes: a
 * `delete` turns the object into a slow dictionary, and every later spread of the decision paid for it.
 */
export const strip = <T>(item: Item | undefined): T | undefined => {
  if (!item) return undefined;
  const rest: Item = {};
  for (const k of Object.keys(item)) if (!BOOKKEEPING.test(k)) rest[k] = item[k];
  return rest as T;
};

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
export class DynamoDecisionCore implements DecisionStore {
  /** What this process wrote or read last of each decision (decision-versions.ts says what it serves). */
  private readonly versions = new DecisionVersions();

  constructor(
    protected readonly db: Db,
    protected readonly keys: DataKeys,
    /** Signs page cursors; runtimes whose cursors reach clients pass a persistent key. */
    protected readonly cursors: PageCursors = PageCursors.ephemeral(),
  ) {}

  /** The gate's one batched read: only the stores of the functions that check build it (gate-read.ts). */
  async readGateContext(_req: GateReadRequest): Promise<GateReadResult> {
    throw new Error(NO_CHECK);
  }

  /**
   * The review tally's write for a decision's first human review (draft-store.ts reviewTallyItem):
   * only the stores of the functions that review (the checking stores: the reviews API, /mcp, the
   * local runtime) carry it, and its rules code; the others refuse a review rather than miss its count.
   */
  protected reviewTally(
    _decision: Decision,
    _action: NonNullable<Decision["review"]>["action"],
  ): TransactItem | undefined {
    throw new Error(NO_REVIEW);
  }

  /** The gate's transaction: only the gate's store (gate-decision-store.ts) commits decisions. */
  async commitDecision(
    _commit: DecisionCommit,
  ): Promise<{ ok: true } | { ok: false; conflict: CommitConflict }> {
    throw new Error(NO_GATE);
  }

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
  private async loadDecision(decisionId: string): Promise<LoadedDecision | undefined> {
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

  /** The listings, ledger streams and due queue: only the full store (DynamoDecisionStore) reads them. */
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
    for (const d of t.clearDue ?? [])
      items.push({ Delete: { TableName: this.db.tables.state, Key: stateKeys.due(d) } });
    // A human's first review of the decision counts in its review cell, with the review itself: once.
    if (t.patch.review && !current.review) {
      const tally = this.reviewTally(current, t.patch.review.action);
      if (tally) items.push(tally);
    }
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
 * Decisions with their listings (by person, account, agent, status; a time window), their ledger
 * events and the due queue: every function that lists or reads a ledger stream. The Release step and
 * the executors build the core only, which moves decisions on (recheck-decision-store.ts).
 */
export class DynamoDecisionStore extends DynamoDecisionCore {
  override async queryDecisions(q: DecisionQuery): Promise<{ items: Decision[]; cursor?: string }> {
    const [index, value] = q.personId
      ? (["byPerson", ledgerKeys.indexPk.byPerson(q.personId)] as const)
      : q.accountId
        ? (["byAccount", ledgerKeys.indexPk.byAccount(q.accountId)] as const)
        : q.agentId
          ? (["byAgent", ledgerKeys.indexPk.byAgent(q.agentId)] as const)
          : q.status
            ? (["byStatus", ledgerKeys.indexPk.byStatus(q.status)] as const)
            : [undefined, undefined];
    if (!index)
      throw new ValidationError([
        { path: "", message: "give at least one of accountId, personId, agentId, status" },
      ]);
    const filters: string[] = [];
    const values: Record<string, unknown> = { ":v": value };
    const names: Record<string, string> = {};
    const add = (field: "accountId" | "personId" | "agentId" | "status", v: string | undefined) => {
      if (
        v === undefined ||
        (field === "personId" && index === "byPerson") ||
        (field === "accountId" && index === "byAccount") ||
        (field === "agentId" && index === "byAgent") ||
        (field === "status" && index === "byStatus")
      )
        return;
      filters.push(`#${field} = :${field}`);
      names[`#${field}`] = field;
      values[`:${field}`] = v;
    };
    add("accountId", q.accountId);
    add("personId", q.personId);
    add("agentId", q.agentId);
    add("status", q.status);
    // Verdict and spec version narrow whichever index was chosen; neither has an index of its own.
    if (q.verdict !== undefined) {
      filters.push("#verdict = :verdict");
      names["#verdict"] = "verdict";
      values[":verdict"] = q.verdict;
    }
    if (q.specVersion !== undefined) {
      filters.push("#specVersion = :specVersion");
      names["#specVersion"] = "specVersion";
      values[":specVersion"] = q.specVersion;
    }
    // A cursor is bound to its index and partition: one from another listing is refused, not run. (The
    // order is the reconciler's own, which no caller of the API sets, so its cursors are its own.)
    const listing = `decisions/${index}/${value}`;
    const startKey = q.cursor
      ? await this.cursors.decode(listing, q.cursor, ["pk", "sk", `${index}Pk`, `${index}Sk`])
      : undefined;
    const input: QueryCommandInput = {
      TableName: this.db.tables.ledger,
      IndexName: index,
      KeyConditionExpression: `${index}Pk = :v`,
      ExpressionAttributeValues: values,
      ScanIndexForward: !!q.oldestFirst,
      Limit: q.limit,
      ...(filters.length ? { FilterExpression: filters.join(" AND "), ExpressionAttributeNames: names } : {}),
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    };
    const res = await this.db.doc.send(new QueryCommand(input));
    const raw = (res.Items ?? []).map((i) => strip<Item>(i) as Item);
    const keys = await this.keys.getMany(
      raw.flatMap((i) => (typeof i.sealedFor === "string" ? [i.sealedFor] : [])),
    );
    const items = raw.map((i) =>
      openDecision(i, typeof i.sealedFor === "string" ? keys.get(i.sealedFor) : undefined),
    );
    return res.LastEvaluatedKey
      ? { items, cursor: await this.cursors.encode(listing, res.LastEvaluatedKey) }
      : { items };
  }

  override async decisionsBetween(
    since: string,
    until: string,
    limit: number,
    only?: DecisionsBetweenFilter,
  ): Promise<{ items: Decision[]; more: boolean }> {
    // Every decision is in exactly one status partition of byStatus, sorted by decidedAt: one range
    // Query per status reads the window and nothing else. Stops once more than `limit` are read.
    // `only` filters in the database (actionKind is stored in the clear): the other decisions are
    // never returned, unmarshalled or unsealed. The signals refit reads touches over 90 days this
    // way, a few percent of a window the data agents' record updates fill.
    const filter = only
      ? { FilterExpression: "actionKind = :kind", ExpressionAttributeValues: { ":kind": only.actionKind } }
      : undefined;
    const raw: Item[] = [];
    for (const status of only?.statuses ?? STATUSES) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const res = await this.db.doc.send(
          new QueryCommand({
            TableName: this.db.tables.ledger,
            IndexName: "byStatus",
            KeyConditionExpression: "byStatusPk = :pk AND byStatusSk BETWEEN :from AND :to",
            ...(filter ? { FilterExpression: filter.FilterExpression } : {}),
            ExpressionAttributeValues: {
              ":pk": ledgerKeys.indexPk.byStatus(status),
              ":from": ledgerKeys.statusSortFrom(since),
              ":to": ledgerKeys.statusSortTo(until),
              ...filter?.ExpressionAttributeValues,
            },
            Limit: Math.min(1000, limit + 1 - raw.length),
            ...(only?.newestFirst ? { ScanIndexForward: false } : {}),
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        for (const i of res.Items ?? []) raw.push(strip<Item>(i) as Item);
        startKey = res.LastEvaluatedKey;
      } while (startKey && raw.length <= limit);
      if (raw.length > limit) break;
    }
    // Without personal data no key is opened: no KMS call, no "key opened" record per person touched.
    const withheld = only?.personalData === false;
    const keys = withheld
      ? new Map<string, Buffer>()
      : await this.keys.getMany(raw.flatMap((i) => (typeof i.sealedFor === "string" ? [i.sealedFor] : [])));
    const seen = new Set<string>();
    const items: Decision[] = [];
    for (const i of raw.slice(0, limit)) {
      const d = withheld
        ? withheldDecision(i)
        : openDecision(i, typeof i.sealedFor === "string" ? keys.get(i.sealedFor) : undefined);
      // A transition moves an item between status partitions; an index read during one may see it twice.
      if (seen.has(d.decisionId)) continue;
      seen.add(d.decisionId);
      items.push(d);
    }
    return { items, more: raw.length > limit };
  }

  override async hasDecisionBy(agentId: string): Promise<boolean> {
    // One item's keys from the index, never its attributes: the sealed personal fields stay unread,
    // so no data key is fetched and (in AWS) no kms:Decrypt is needed, only the byAgent index read.
    const res = await this.db.doc.send(
      new QueryCommand({
        TableName: this.db.tables.ledger,
        IndexName: "byAgent",
        KeyConditionExpression: "byAgentPk = :v",
        ExpressionAttributeValues: { ":v": ledgerKeys.indexPk.byAgent(agentId) },
        ProjectionExpression: "pk, sk",
        Limit: 1,
      }),
    );
    return (res.Items?.length ?? 0) > 0;
  }

  override async events(stream: string): Promise<LedgerEvent[]> {
    const raw: Item[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const res = await this.db.doc.send(
        new QueryCommand({
          TableName: this.db.tables.ledger,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :e)",
          ExpressionAttributeValues: { ":pk": stream, ":e": ledgerKeys.eventPrefix },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const i of res.Items ?? []) raw.push(strip<Item>(i) as Item);
      startKey = res.LastEvaluatedKey;
    } while (startKey);
    const keys = await this.keys.getMany(
      raw.flatMap((i) => (typeof i.sealedFor === "string" ? [i.sealedFor] : [])),
    );
    return raw.map((i) => openEvent(i, typeof i.sealedFor === "string" ? keys.get(i.sealedFor) : undefined));
  }

  /** Streams without a state item of their own keep their chain head in a head item (ledger-heads.ts). */
  override async appendEvent(event: Omit<LedgerEvent, "seq">): Promise<void> {
    await appendChained(this.db, event.stream, (seq) => this.eventItem({ ...event, seq }));
  }

  override async dueItems(now: number, limit: number, after?: DueItem): Promise<DueItem[]> {
    const res = await this.db.doc.send(
      new QueryCommand({
        TableName: this.db.tables.state,
        KeyConditionExpression: "pk = :pk AND sk <= :upTo",
        ExpressionAttributeValues: { ":pk": "DUE", ":upTo": stateKeys.dueUpTo(now) },
        Limit: limit,
        ConsistentRead: true,
        ...(after ? { ExclusiveStartKey: stateKeys.due(after) } : {}),
      }),
    );
    return (res.Items ?? []).map((i) => stateKeys.parseDue(i.sk as string));
  }

  override async deleteDue(item: DueItem): Promise<void> {
    await this.db.doc.send(new DeleteCommand({ TableName: this.db.tables.state, Key: stateKeys.due(item) }));
  }
}

const stateKeyValues = (k: Key) => ({ ":pk": k.pk, ":sk": k.sk });
