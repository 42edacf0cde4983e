import { BatchGetCommand, PutCommand, QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { LearnedStore } from "../../kb/ports.ts";
import type {
  EmergedRule,
  LearnedCount,
  LearnedWeights,
  LearningLoop,
  TemplateStat,
} from "../../kb/types.ts";
import { type Db, failedConditions, ttlSeconds } from "./db.ts";
import { agentKeys } from "./keys.ts";

/**
 * How long a counted event's marker is kept. EventBridge retries a delivery for up to 24 hours and a
 * dead-letter redrive is an operator's act within days; a week covers both with room.
 */
export const LEARNED_EVENT_RETENTION_MS = 7 * 86_400_000;
/** Attempts of one count under contention (concurrent lanes adding to the same counter items). */
const MAX_ATTEMPTS = 25;
const TALLY_TOUCH_PREFIX = "tw#";
const TALLY_MEETING_PREFIX = "mw#";

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

  async intentWeights(): Promise<LearnedWeights | undefined> {
    const res = await this.db.doc.send(
      new BatchGetCommand({
        RequestItems: {
          [this.table]: {
            Keys: [agentKeys.intentWeights(), agentKeys.signalTallies()],
            ConsistentRead: true,
          },
        },
      }),
    );
    const items = res.Responses?.[this.table] ?? [];
    const fit = items.find((i) => i.sk === agentKeys.intentWeights().sk);
    const counts = items.find((i) => i.sk === agentKeys.signalTallies().sk);
    if (!fit && !counts) return undefined;
    const tallies: LearnedWeights["tallies"] = { touches: 0, meetings: 0, touchesWith: {}, meetingsWith: {} };
    for (const [name, value] of Object.entries(counts ?? {})) {
      if (typeof value !== "number") continue;
      if (name === "touches" || name === "meetings") tallies[name] = value;
      else if (name.startsWith(TALLY_TOUCH_PREFIX)) tallies.touchesWith[name.slice(3)] = value;
      else if (name.startsWith(TALLY_MEETING_PREFIX)) tallies.meetingsWith[name.slice(3)] = value;
    }
    return {
      multipliers: (fit?.multipliers as Record<string, number> | undefined) ?? {},
      fittedAt: (fit?.fittedAt as string | undefined) ?? "",
      tallies,
    };
  }

  async putIntentWeights(w: Omit<LearnedWeights, "tallies">): Promise<void> {
    // A refit is derived from the tallies: two concurrent refits write near-equal values and the last
    // one stands; no count lives here, so none can be lost.
    await this.db.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...agentKeys.intentWeights(), multipliers: w.multipliers, fittedAt: w.fittedAt },
      }),
    );
  }

  async templateStats(): Promise<TemplateStat[]> {
    const res = await this.db.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": agentKeys.templatePartition },
        ConsistentRead: true,
      }),
    );
    return (res.Items ?? []).map((i) => {
      const s = strip<TemplateStat>(i);
      return {
        variant: s.variant,
        persona: s.persona,
        industry: s.industry,
        sent: s.sent ?? 0,
        opened: s.opened ?? 0,
        replied: s.replied ?? 0,
        meetings: s.meetings ?? 0,
        negative: s.negative ?? 0,
      };
    });
  }

  async countOnce(loop: LearningLoop, eventId: string, counts: LearnedCount[]): Promise<boolean> {
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]> = [
      {
        Put: {
          TableName: this.table,
          Item: {
            ...agentKeys.learnedEvent(loop, eventId),
            ttl: ttlSeconds(this.now() + LEARNED_EVENT_RETENTION_MS),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      ...counts.map((c) => ({ Update: { TableName: this.table, ...this.update(c) } })),
    ];
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.doc.send(new TransactWriteCommand({ TransactItems: items }));
        return true;
      } catch (err) {
        const failed = failedConditions(err);
        if (failed === undefined) throw err;
        // The marker's condition failed: this event was counted before.
        if (failed.includes(0)) return false;
        // Another lane's transaction touched the same items: try again after a jittered pause.
        if (attempt >= MAX_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** attempt)));
      }
    }
  }

  private update(c: LearnedCount) {
    if (c.kind === "template")
      return {
        Key: agentKeys.templateStat(c.key.variant, c.key.persona, c.key.industry),
        UpdateExpression: "SET variant = :v, persona = :p, industry = :i ADD #f :one",
        ExpressionAttributeNames: { "#f": c.field },
        ExpressionAttributeValues: {
          ":v": c.key.variant,
          ":p": c.key.persona,
          ":i": c.key.industry.toLowerCase(),
          ":one": 1,
        },
      };
    // Top-level counters (`touches`, `tw#<type>`, ...): ADD creates a missing number, while a nested
    // map path would need the map to exist first.
    const prefix = c.what === "touch" ? TALLY_TOUCH_PREFIX : TALLY_MEETING_PREFIX;
    const names: Record<string, string> = { "#n": c.what === "touch" ? "touches" : "meetings" };
    const adds = ["#n :one"];
    [...new Set(c.present)].forEach((type, i) => {
      names[`#s${i}`] = `${prefix}${type}`;
      adds.push(`#s${i} :one`);
    });
    return {
      Key: agentKeys.signalTallies(),
      UpdateExpression: `ADD ${adds.join(", ")}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ":one": 1 },
    };
  }

  async rules(): Promise<EmergedRule[]> {
    const res = await this.db.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": agentKeys.rulesPartition },
        ConsistentRead: true,
      }),
    );
    return (res.Items ?? []).map((i) => strip<EmergedRule>(i));
  }
}
