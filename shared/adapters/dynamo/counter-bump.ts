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

/**
 * `capped` false: one more whatever the cap, for a send that happened after all (a restore,
 * ports.ts Transition.restoreCounters).
 */
export const counterBump = (db: Db, c: CounterBump, capped = true): TransactItem => ({
  Update: {
    TableName: db.tables.state,
    Key: stateKeys.counter(c.counter, c.day),
    UpdateExpression: "ADD #c :one SET #ttl = :ttl",
    ...(capped ? { ConditionExpression: "attribute_not_exists(#c) OR #c < :cap" } : {}),
    ExpressionAttributeNames: { "#c": "count", "#ttl": "ttl" },
    ExpressionAttributeValues: {
      ":one": 1,
      ...(capped ? { ":cap": c.cap } : {}),
      ":ttl": ttlSeconds(Date.parse(`${c.day}T00:00:00Z`) + COUNTER_RETENTION),
    },
  },
});
