import { GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { ConflictError } from "../../domain/errors.ts";
import { chainEvent, headOf } from "../../domain/ledger-chain.ts";
import type { Spec, SpecVersion } from "../../domain/spec-schema.ts";
import type { SpecStore } from "../../ports.ts";
import { type Db, failedConditions } from "./db.ts";
import { ledgerKeys, SPEC_STREAM, stateKeys } from "./keys.ts";
import { HEAD_ATTR, headIn, prevHashAfter } from "./ledger-heads.ts";

const strip = (item: Record<string, unknown> | undefined): SpecVersion | undefined => {
  if (!item) return undefined;
  const { pk: _p, sk: _s, [HEAD_ATTR]: _h, ...rest } = item;
  return rest as unknown as SpecVersion;
};

/**
 * Publishes this process made (or tried: a lost race means someone else did), per state table, so
 * every store instance on that table knows its copy of CURRENT may be old. See DynamoSpecStore.current.
 */
const publishes = new Map<string, number>();
const publishesOn = (db: Db) => publishes.get(db.tables.state) ?? 0;
const notePublish = (db: Db) => publishes.set(db.tables.state, publishesOn(db) + 1);

/** How long a read of CURRENT is reused when nothing was published through this process meanwhile. */
export const SPEC_CURRENT_MAX_AGE_MS = 1000;

export class DynamoSpecStore implements SpecStore {
  private cached: { spec: SpecVersion | undefined; at: number; publishes: number } | undefined;

  constructor(
    private readonly db: Db,
    /** `wallClock`: what the reuse is measured on (tests move it); never the simulated clock. */
    private readonly options: { currentMaxAgeMs?: number; wallClock?: () => number } = {},
  ) {}

  /**
   * CURRENT, reused for up to a second (wall clock): the lifecycle, the agents and the API read it on
   * every step, about once per proposal. A publish through any store of this process is seen at once
   * (the reuse ends with it); one by another process (another Lambda container) within the second.
   * The gate never reads through here (it reads CURRENT in its own batch), nor does a publish, which
   * is conditioned on the version it replaces.
   */
  async current(): Promise<SpecVersion | undefined> {
    const maxAge = this.options.currentMaxAgeMs ?? SPEC_CURRENT_MAX_AGE_MS;
    const now = this.options.wallClock ?? Date.now;
    const seen = publishesOn(this.db);
    const c = this.cached;
    if (c && c.publishes === seen && now() - c.at < maxAge) return c.spec;
    const at = now();
    const res = await this.db.doc.send(
      new GetCommand({ TableName: this.db.tables.state, Key: stateKeys.specCurrent(), ConsistentRead: true }),
    );
    const spec = strip(res.Item);
    // A publish that landed while this read was in flight may or may not be in it: not kept.
    this.cached = publishesOn(this.db) === seen ? { spec, at, publishes: seen } : undefined;
    return spec;
  }

  /**
   * Consistent: a version is read just after its publish (a draft's close announcing it, an executor
   * running the first decision made under it), which an eventually consistent read may not see yet.
   */
  async get(version: number): Promise<SpecVersion | undefined> {
    const res = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.tables.state,
        Key: stateKeys.specVersion(version),
        ConsistentRead: true,
      }),
    );
    return strip(res.Item);
  }

  /**
   * The immutable version item, the CURRENT copy the gate reads in its batch, and the ledger event, in
   * one transaction conditioned on the version the publisher saw (see `publishWith`).
   */
  async publish(
    spec: Spec,
    hash: string,
    by: string,
    at: string,
    expectCurrent: number,
  ): Promise<SpecVersion> {
    return publishWith(this.db, { spec, hash, by, at, expectCurrent });
  }
}

type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]
>[number];

/** A publish, and what the spec stream's event says about it beyond "published". */
export interface PublishInput {
  spec: Spec;
  hash: string;
  by: string;
  at: string;
  expectCurrent: number;
  /** The draft this version belongs to (created, confirmed or discarded by it), stamped on the version. */
  draftId?: string;
  /** Why, appended to the event's detail (who is the event's actor). */
  why?: string;
  data?: Record<string, unknown>;
}

/**
 * Publish a version, with `also` written in the same transaction (a draft and its bookkeeping). The
 * spec stream's chain head sits on the version and CURRENT items; it is read from CURRENT first, and
 * the version condition makes that read the one the event chains from. A failed condition anywhere is
 * a ConflictError (the caller re-reads and decides again).
 */
export async function publishWith(db: Db, p: PublishInput, also: TransactItem[] = []): Promise<SpecVersion> {
  const { expectCurrent } = p;
  // A draft's version says so (`draftId`); SpecVersion itself does not know about drafts.
  const version: SpecVersion & { draftId?: string } = {
    version: expectCurrent + 1,
    hash: p.hash,
    publishedAt: p.at,
    publishedBy: p.by,
    spec: p.spec,
    ...(p.draftId ? { draftId: p.draftId } : {}),
  };
  const stale = (cause?: unknown) =>
    new ConflictError(`spec v${expectCurrent} is no longer current; reload and retry`, { cause });
  const current = await db.doc.send(
    new GetCommand({ TableName: db.tables.state, Key: stateKeys.specCurrent(), ConsistentRead: true }),
  );
  if (((current.Item?.version as number | undefined) ?? 0) !== expectCurrent) {
    // The caller read an old CURRENT (another process published): its next read goes to the table.
    notePublish(db);
    throw stale();
  }
  const event = chainEvent(
    {
      ...ledgerKeys.event(SPEC_STREAM, version.version),
      stream: SPEC_STREAM,
      seq: version.version,
      type: "spec.published",
      at: p.at,
      actor: p.by,
      to: String(version.version),
      detail: `spec v${version.version} (${p.hash}) published${p.why ? `: ${p.why}` : ""}`,
      ...(p.data ? { data: p.data } : {}),
    },
    prevHashAfter(headIn(current.Item)),
  );
  const head = { [HEAD_ATTR]: headOf(event) };
  // Before the write as well as after it: a read of CURRENT in flight meanwhile is not reused.
  notePublish(db);
  try {
    await db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: db.tables.state,
              Item: { ...stateKeys.specVersion(version.version), ...version, ...head },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Put: {
              TableName: db.tables.state,
              Item: { ...stateKeys.specCurrent(), ...version, ...head },
              ConditionExpression: expectCurrent === 0 ? "attribute_not_exists(pk)" : "version = :v",
              ...(expectCurrent === 0 ? {} : { ExpressionAttributeValues: { ":v": expectCurrent } }),
            },
          },
          {
            Put: {
              TableName: db.tables.ledger,
              Item: event,
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          ...also,
        ],
      }),
    );
  } catch (err) {
    if (failedConditions(err)) throw stale(err);
    throw err;
  } finally {
    notePublish(db);
  }
  return version;
}
