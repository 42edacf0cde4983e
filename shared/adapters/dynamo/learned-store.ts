import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { ONCE_MARKER_MS } from "../../domain/time.ts";
import type { LearnedStore } from "../../kb/ports.ts";
import type { EmergedRule, LearnedCount, LearningLoop, TemplateStat } from "../../kb/types.ts";
import { type Db, failedConditions, onceMarker, queryAll, ttlSeconds } from "./db.ts";
import { agentKeys } from "./keys.ts";

/**
 * How long a counted event's marker is kept: past any redelivery (domain/time.ts). EventBridge retries
 * for up to 24 hours, and a dead-letter redrive may come weeks later. It was a week: a send redriven in
 * its second week counted twice.
 */
export const LEARNED_EVENT_RETENTION_MS = ONCE_MARKER_MS;
/**
 * How long a week's template counts are kept after their last count (a week's cell stops counting a
 * few days after the week, once its sends' answers are in). The variants loop then weighs about half a
 * year of sends, and the partition stays bounded: personas × industries × variants × 26 weeks, not a
 * cell per week forever. Cells counted before weeks were kept have no expiry.
 */
export const TEMPLATE_WEEK_RETENTION_MS = 26 * 7 * 86_400_000;
/** Attempts of one count under contention (concurrent lanes adding to the same counter items). */
const MAX_ATTEMPTS = 25;

const strip = <T>(item: Record<string, unknown>): T => {
  const { pk: _p, sk: _s, ...rest } = item;
  return rest as T;
};

/**
 * The learned ring. Every counter is an atomic ADD in one transaction with a marker of the event it
 * counts (`countOnce`), so concurrent lanes never lose a count and a redelivered event never counts
 * twice. Marker TTLs are wall-clock time (`now`), as redeliveries are, whatever clock the harness runs.
 */
export class DynamoLearnedStore implements LearnedStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  private get table() {
    return this.db.tables.state;
  }

  async templateStats(): Promise<TemplateStat[]> {
    // Every cell (persona × industry × variant): the bandit weighs all of its evidence or none.
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": agentKeys.templatePartition },
      ConsistentRead: true,
    });
    // DynamoDB deletes an expired item within days of its expiry, not at it.
    const now = ttlSeconds(this.now());
    const live = items.filter((i) => !(typeof i.ttl === "number" && i.ttl < now));
    return live.map((i) => {
      const s = strip<TemplateStat>(i);
      return {
        variant: s.variant,
        persona: s.persona,
        industry: s.industry,
        ...(s.week ? { week: s.week } : {}),
        sent: s.sent ?? 0,
        opened: s.opened ?? 0,
        replied: s.replied ?? 0,
        meetings: s.meetings ?? 0,
        negative: s.negative ?? 0,
      };
    });
  }

  async countOnce(
    loop: LearningLoop,
    eventId: string,
    counts: LearnedCount[],
    unless?: string,
  ): Promise<boolean> {
    const guards = unless ? [{ marker: unless, exists: false }] : [];
    return (await this.guarded(loop, eventId, counts, guards)) === "counted";
  }

  async takeBackOnce(
    loop: LearningLoop,
    eventId: string,
    counts: LearnedCount[],
    countedBy: string,
    unless?: string,
  ): Promise<boolean> {
    // `unless` handled first: nothing to take, and no mark to leave ("barred").
    const barred = unless ? [{ marker: unless, exists: false, bars: true }] : [];
    // Each step holds only while the other event's marker is as it read: a count made in between
    // fails the tombstone, which then takes the count back on the next turn.
    for (let turn = 0; turn < 4; turn++) {
      const taken = await this.guarded(loop, eventId, counts, [
        { marker: countedBy, exists: true },
        ...barred,
      ]);
      if (taken === "barred") return false;
      if (taken !== "unmet") return taken === "counted";
      // Not counted (yet): this event's marker alone, made only while that is so, keeps the count
      // from being made later (countOnce's `unless`). Before, the count landing just after a
      // take-back that found nothing stayed for good.
      const tombstone = await this.guarded(
        loop,
        eventId,
        [],
        [{ marker: countedBy, exists: false }, ...barred],
      );
      if (tombstone !== "unmet") return false;
    }
    return false;
  }

  /**
   * The event's marker (put only if absent) with the counts' atomic adds, in one transaction, only
   * while each guard holds (another event's marker exists, or does not). "duplicate": this event was
   * handled before; "unmet": a guard did not hold, nothing was written ("barred" when one that `bars`).
   */
  private async guarded(
    loop: LearningLoop,
    eventId: string,
    counts: LearnedCount[],
    guards: { marker: string; exists: boolean; bars?: boolean }[] = [],
  ): Promise<"counted" | "duplicate" | "unmet" | "barred"> {
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]> = [
      onceMarker(this.table, agentKeys.learnedEvent(loop, eventId), this.now() + LEARNED_EVENT_RETENTION_MS),
      ...counts.map((c) => ({ Update: { TableName: this.table, ...update(c, this.now()) } })),
      ...guards.map((guard) => ({
        ConditionCheck: {
          TableName: this.table,
          Key: agentKeys.learnedEvent(loop, guard.marker),
          ConditionExpression: guard.exists ? "attribute_exists(pk)" : "attribute_not_exists(pk)",
        },
      })),
    ];
    const firstGuard = items.length - guards.length;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.doc.send(new TransactWriteCommand({ TransactItems: items }));
        return "counted";
      } catch (err) {
        const failed = failedConditions(err);
        if (failed === undefined) throw err;
        // The marker's condition failed: this event was handled before.
        if (failed.includes(0)) return "duplicate";
        const unmet = guards.filter((_, i) => failed.includes(firstGuard + i));
        if (unmet.some((g) => g.bars)) return "barred";
        if (unmet.length) return "unmet";
        // Another lane's transaction touched the same items: try again after a jittered pause.
        if (attempt >= MAX_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** attempt)));
      }
    }
  }

  async rules(): Promise<EmergedRule[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": agentKeys.rulesPartition },
      ConsistentRead: true,
    });
    return items.map((i) => strip<EmergedRule>(i));
  }
}

/**
 * A template stat's atomic add (the cell's key fields are set so a new item reads complete); a week's
 * cell is kept TEMPLATE_WEEK_RETENTION_MS past its last count.
 */
function update(c: LearnedCount, now: number) {
  return {
    Key: agentKeys.templateStat(c.key.variant, c.key.persona, c.key.industry, c.key.week),
    UpdateExpression: `SET variant = :v, persona = :p, industry = :i${c.key.week ? ", week = :w, #ttl = :ttl" : ""} ADD #f :one`,
    ExpressionAttributeNames: { "#f": c.field, ...(c.key.week ? { "#ttl": "ttl" } : {}) },
    ExpressionAttributeValues: {
      ":v": c.key.variant,
      ":p": c.key.persona,
      ":i": c.key.industry.toLowerCase(),
      ...(c.key.week ? { ":w": c.key.week, ":ttl": ttlSeconds(now + TEMPLATE_WEEK_RETENTION_MS) } : {}),
      ":one": c.by ?? 1,
    },
  };
}
