/**
 * One more on a day's volume counter, under its cap, in a transaction: the gate's reservation
 * (gate-decision-store.ts) and an approval that goes out on a later day than its decision (gate-read.ts).
 */
import type { CounterBump } from "../../domain/decision-types.ts";
import { DAY } from "../../domain/time.ts";
import { type Db, ttlSeconds } from "./db.ts";
import type { TransactItem } from "./decision-store.ts";
import { stateKeys } from "./keys.ts";

/** How long a day's counter is kept after the day: every zone's day has ended, and a retry is done. */
const COUNTER_RETENTION = 3 * DAY;

/** A day's counter's expiry (epoch seconds). */
export const counterTtl = (day: string) => ttlSeconds(Date.parse(`${day}T00:00:00Z`) + COUNTER_RETENTION);

export const counterBump = (db: Db, c: CounterBump): TransactItem => ({
  Update: {
    TableName: db.tables.state,
    Key: stateKeys.counter(c.counter, c.day),
    UpdateExpression: "ADD #c :one SET #ttl = :ttl",
    ConditionExpression: "attribute_not_exists(#c) OR #c < :cap",
    ExpressionAttributeNames: { "#c": "count", "#ttl": "ttl" },
    ExpressionAttributeValues: {
      ":one": 1,
      ":cap": c.cap,
      ":ttl": counterTtl(c.day),
    },
  },
});
