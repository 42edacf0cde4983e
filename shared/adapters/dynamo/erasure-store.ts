import { DeleteCommand, PutCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { KeyOwner } from "../../domain/personal-data.ts";
import { emailHash, mentions, needleMatcher, redactor } from "../../domain/redact.ts";
import type {
  ErasureProgress,
  ErasureRecord,
  ErasureStore,
  ErasureTarget,
  ScrubProgress,
  ScrubResult,
} from "../../ports.ts";
import type { DataKeys } from "./data-keys.ts";
import { type Db, queryAll, stateItem, withoutKeys } from "./db.ts";
import { agentKeys, type Key, stateKeys } from "./keys.ts";

type Item = Record<string, unknown>;

/**
 * Erasure in the state table. The ledger needs nothing here: its personal fields are sealed under the
 * person's key, which `scrub` deletes. The knowledge base is not sealed (agents and the gate read it
 * on every call), so it is scrubbed: what belongs to the person is deleted, and their name and email
 * are redacted wherever any agent copied them. That is one Scan of the state table: erasure requests
 * are rare, and a scan is the only way to reach copies no index knows about.
 */
export class DynamoErasureStore implements ErasureStore {
  constructor(
    private readonly db: Db,
    private readonly keys: DataKeys,
    /**
     * Segments of the scrub's Scan. Many, so that a request that runs out of time leaves most of its
     * work recorded as segments done; where a segment stood is never kept (a Scan's start key is an
     * item's key, and `EMAIL#<address>` is one).
     */
    private readonly segments = 256,
    /** Items per Scan page (DynamoDB's Limit); default a page of 1 MB. */
    private readonly pageItems?: number,
    /**
     * Segments read at once. One reads a page (1 MB) at a time: a state table of a few GB (memory
     * chunks with their vectors) took longer than the API function's 29 s read in sequence.
     */
    private readonly concurrency = 8,
  ) {}

  async scrub(
    target: ErasureTarget,
    run: { from?: ScrubProgress; stopAt?: number } = {},
  ): Promise<ScrubResult> {
    await this.keys.destroy({ kind: "person", id: target.personId });
    const whole = [target.email ?? "", target.names.join(" ")];
    const full = needleMatcher(whole);
    // First and last names alone are redacted only where the item is about this person.
    const aboutThem = redactor({ whole, words: target.names });
    const elsewhere = redactor({ whole });
    // An item refers to the person when a string in it is the id, or a key ending in `#<id>`.
    const refersTo = (item: Item) => {
      const text = JSON.stringify(item);
      return text.includes(`"${target.personId}"`) || text.includes(`#${target.personId}"`);
    };
    // The profile is not the scrub's: the erasure deletes it last of all (deleteProfile), so a run that
    // dies part-way leaves it, and the next one still knows the names and the email to redact.
    const profile = stateKeys.person(target.personId);
    let deleted = 0;
    let redacted = 0;
    // Segments done, in this run or earlier ones (a count of segments other than this store's: none).
    const done = new Set(run.from?.total === this.segments ? run.from.done : []);
    const queue = Array.from({ length: this.segments }, (_, i) => i).filter((i) => !done.has(i));
    const segment = async (segment: number) => {
      let startKey: Item | undefined;
      do {
        const res = await this.db.doc.send(
          new ScanCommand({
            TableName: this.db.tables.state,
            ConsistentRead: true,
            Segment: segment,
            TotalSegments: this.segments,
            ...(this.pageItems ? { Limit: this.pageItems } : {}),
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        for (const item of res.Items ?? []) {
          const key: Key = { pk: String(item.pk), sk: String(item.sk) };
          // Erasure records are never rewritten: they hold no personal data, only hashes and ids.
          if (key.pk.startsWith("ERASED#")) continue;
          if (key.pk === profile.pk && key.sk === profile.sk) continue;
          const aboutPerson = refersTo(item);
          // An item whose very key holds their email or full name cannot be redacted in place: it goes.
          const keyMentions = full !== undefined && mentions(key, full);
          if (keyMentions || this.belongsToPerson(key, item, target, aboutPerson)) {
            await this.db.doc.send(new DeleteCommand({ TableName: this.db.tables.state, Key: key }));
            deleted++;
            continue;
          }
          const redact = aboutPerson ? aboutThem : elsewhere;
          const { pk: _pk, sk: _sk, ...rest } = item;
          const after = redact?.(rest);
          if (after === undefined || JSON.stringify(after) === JSON.stringify(rest)) continue;
          // A memory chunk's vector was computed from the text before redaction: it goes with the name
          // (the chunk stays findable by keyword).
          if (key.pk.startsWith("MEMORY#")) for (const f of ["vec", "vecModel"]) delete (after as Item)[f];
          await this.db.doc
            .send(
              new PutCommand({
                TableName: this.db.tables.state,
                Item: { ...(after as Item), ...key },
                // Never resurrect an item deleted meanwhile.
                ConditionExpression: "attribute_exists(pk)",
              }),
            )
            .catch((err: Error) => {
              if (err.name !== "ConditionalCheckFailedException") throw err;
            });
          redacted++;
        }
        startKey = res.LastEvaluatedKey;
      } while (startKey);
      done.add(segment);
    };
    // Workers take segments in turn. Out of time (the API function's), a worker starts no other
    // segment once it has read one in this run (so every run gets on); a segment it started it reads
    // to its end. Every worker to its end, even when one fails; the run then fails, and the next one
    // reads again what this one did (deleting and redacting again change nothing).
    const worker = async () => {
      let started = 0;
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        if (started > 0 && run.stopAt !== undefined && Date.now() >= run.stopAt) return;
        started++;
        await segment(next);
      }
    };
    const failed = (
      await Promise.allSettled(Array.from({ length: Math.min(this.concurrency, this.segments) }, worker))
    ).find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    if (done.size < this.segments)
      return { deleted, redacted, progress: { total: this.segments, done: [...done].sort((a, b) => a - b) } };
    // Every segment done (in this run or earlier ones). The profile stays: the erasure deletes it last
    // of all (deleteProfile), after the searches and the outbox that still match on its names.
    return { deleted, redacted };
  }

  async deleteProfile(personId: string): Promise<boolean> {
    // The audiences a sync added them to (ids), kept for the erasure's searches, which are done now.
    const memberships = await queryAll(this.db, {
      TableName: this.db.tables.state,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": agentKeys.audienceMemberPartition(personId) },
      ConsistentRead: true,
    });
    for (const m of memberships)
      await this.db.doc.send(
        new DeleteCommand({ TableName: this.db.tables.state, Key: { pk: String(m.pk), sk: String(m.sk) } }),
      );
    const gone = await this.db.doc.send(
      new DeleteCommand({
        TableName: this.db.tables.state,
        Key: stateKeys.person(personId),
        ReturnValues: "ALL_OLD",
      }),
    );
    return gone.Attributes !== undefined;
  }

  /** Items that exist only because of the person: their profile partition, indexes, key, queued work. */
  private belongsToPerson(key: Key, item: Item, t: ErasureTarget, aboutPerson: boolean): boolean {
    const email = t.email?.toLowerCase();
    if (key.pk === stateKeys.person(t.personId).pk) return true;
    if (key.pk === stateKeys.personKey(t.personId).pk) return true;
    if (key.pk === stateKeys.erasedPerson(t.personId).pk) return false;
    if (key.sk === `PERSON#${t.personId}`) return true;
    if (email && key.pk === stateKeys.email(email).pk) return true;
    // Suppressions keyed by the address in clear (written before addresses were hashed).
    if (email && key.pk === `SUPPRESS#email#${email}`) return true;
    if (item.personId === t.personId && key.pk.startsWith("MEMORY#")) return true;
    if (aboutPerson && key.pk.startsWith("AGENTRETRY#")) return true;
    return false;
  }

  async destroyKey(owner: KeyOwner): Promise<void> {
    await this.keys.destroy(owner);
  }

  async audiencesNaming(personId: string): Promise<string[]> {
    // Every audience a sync added them to (ingest's index), and the ones whose last snapshot lists
    // them (members synced before the index was kept).
    const [added, snapshots] = await Promise.all([
      queryAll(this.db, {
        TableName: this.db.tables.state,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": agentKeys.audienceMemberPartition(personId) },
        ConsistentRead: true,
      }),
      queryAll(this.db, {
        TableName: this.db.tables.state,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :sk)",
        ExpressionAttributeValues: { ":pk": agentKeys.audiencePartition, ":sk": "SYNCED#" },
        ConsistentRead: true,
      }),
    ]);
    return [
      ...new Set([
        ...added.map((i) => String(i.audienceId)),
        ...snapshots
          .filter((s) =>
            // What the list holds, too, where syncs since went to an outbox (ingest.ts).
            [s.members, s.live].some(
              (list) => Array.isArray(list) && list.some((m: Item) => m?.personId === personId),
            ),
          )
          .map((s) => String(s.audienceId)),
      ]),
    ];
  }

  async claimRun(personId: string, until: number, now: number): Promise<boolean> {
    try {
      await this.db.doc.send(
        new UpdateCommand({
          TableName: this.db.tables.state,
          Key: stateKeys.erasedPerson(personId),
          UpdateExpression: "SET runningUntil = :until",
          ConditionExpression:
            "attribute_exists(pk) AND (attribute_not_exists(runningUntil) OR runningUntil < :now)",
          ExpressionAttributeValues: { ":until": until, ":now": now },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === "ConditionalCheckFailedException") return false;
      throw err;
    }
  }

  async releaseRun(personId: string): Promise<void> {
    await this.db.doc.send(
      new UpdateCommand({
        TableName: this.db.tables.state,
        Key: stateKeys.erasedPerson(personId),
        UpdateExpression: "REMOVE runningUntil",
        ConditionExpression: "attribute_exists(pk)",
      }),
    );
  }

  async saveProgress(personId: string, progress: ErasureProgress | undefined): Promise<void> {
    await this.db.doc.send(
      new UpdateCommand({
        TableName: this.db.tables.state,
        Key: stateKeys.erasedPerson(personId),
        ...(progress
          ? { UpdateExpression: "SET progress = :p", ExpressionAttributeValues: { ":p": progress } }
          : { UpdateExpression: "REMOVE progress" }),
        ConditionExpression: "attribute_exists(pk)",
      }),
    );
  }

  /** Put only if absent: the first written stays. */
  private putOnce(item: Record<string, unknown>): Promise<void> {
    return this.db.doc
      .send(
        new PutCommand({
          TableName: this.db.tables.state,
          Item: item,
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      )
      .then(
        () => undefined,
        (err: Error) => {
          if (err.name !== "ConditionalCheckFailedException") throw err;
        },
      );
  }

  async mark(record: ErasureRecord): Promise<void> {
    // Once: a second request's mark would write over the first's run lease (claimRun).
    await this.putOnce({ ...stateKeys.erasedPerson(record.personId), ...record });
    if (record.linkedinHash)
      await this.putOnce({ ...stateKeys.erasedLinkedIn(record.linkedinHash), personId: record.personId });
    // The first erased with the address keeps it: a co-holder erased with them (erase.ts) marked
    // after them, and an erasure asked again by the address, its index gone, went on with the
    // co-holder alone and answered complete with the first's own erasure not done.
    if (record.emailHash) await this.putOnce({ ...stateKeys.erasedEmail(record.emailHash), ...record });
  }

  find(q: { personId?: string; email?: string }): Promise<ErasureRecord | undefined> {
    return findErasure(this.db, q);
  }
}

/**
 * A person's erasure record, by id or by address (kept as its hash): ErasureStore.find, apart from
 * the store, for a function that only reads (the decisions API: shared/runtime/aws-stores.ts).
 */
export async function findErasure(
  db: Db,
  q: { personId?: string; email?: string },
): Promise<ErasureRecord | undefined> {
  const key = q.personId
    ? stateKeys.erasedPerson(q.personId)
    : q.email
      ? stateKeys.erasedEmail(emailHash(q.email))
      : undefined;
  return key ? withoutKeys<ErasureRecord>(await stateItem(db, key)) : undefined;
}
