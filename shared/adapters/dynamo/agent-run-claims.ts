/**
 * One run per schedule firing, and per continuation of it. Lambda may deliver an asynchronous event
 * more than once: a second run of the same list drafted every account again (the gate replays its
 * proposals, but the model was asked twice), and went on in continuations of its own. The first
 * delivery claims (agent, schedule, when it fired, which continuation) for a short lease it renews
 * while it runs; a duplicate finds it claimed and stops. A run that fails gives the claim back
 * (marked failed, with its error), so Lambda's retry of it runs; a finished one keeps it (for two
 * days), so a duplicate delivered later stops too. A run that dies without a word (killed at its
 * timeout, out of memory) stops renewing: its claim lapses within the lease, before Lambda's first
 * retry a minute later. Each claim also records how its invocation ended, which is how a manual
 * run's status is read (agents/run-status.ts, `readRun`).
 */
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import {
  describeRun,
  type ManualRunStatus,
  type RunOutcome,
  type RunRecord,
} from "../../agents/run-status.ts";
import type { Db } from "./db.ts";
import { queryAll, ttlSeconds } from "./db.ts";
import { agentRunKey, agentRunPrefix } from "./keys.ts";

export interface RunClaim {
  agentId: string;
  /** The schedule (its cron): an agent's two schedules firing in the same minute are two runs. */
  schedule: string;
  /** When the schedule fired (ms). */
  triggeredAt: number;
  /** 0 for the first run. */
  continuation: number;
  /**
   * This delivery's own id: only the holder renews, finishes or gives back a claim (one whose lease
   * lapsed may have been taken by a retry meanwhile). Not part of the key.
   */
  holder: string;
  /**
   * The invocation this delivery is of (Lambda's request id, the same on its retries of one event):
   * attempts count per invocation, so a run sent again after its retries ran out starts at one.
   */
  invocation?: string;
}

export interface RunClaims {
  /** Whether this delivery may run: false while another holds the claim or after it finished. */
  claim(c: RunClaim, until: number, now: number): Promise<boolean>;
  /** Still running: the claim holds until `until` (only while it is running). */
  renew(c: RunClaim, until: number): Promise<void>;
  /** The run finished (it may have continued elsewhere): a later duplicate stops. */
  finish(c: RunClaim, now: number, outcome?: RunOutcome): Promise<void>;
  /** The run failed: Lambda's retry of it may claim again. */
  release(c: RunClaim, now: number, error: string): Promise<void>;
}

const KEPT_MS = 2 * 24 * 3_600_000;
const key = (c: RunClaim) => agentRunKey(c.agentId, c.schedule, c.triggeredAt, c.continuation);

export class DynamoRunClaims implements RunClaims {
  constructor(private readonly db: Db) {}

  async claim(c: RunClaim, until: number, now: number): Promise<boolean> {
    // Absent, given back by a failed run, or a running claim whose holder's deadline has passed
    // (killed at its timeout).
    const claimable =
      "(attribute_not_exists(pk) OR #state = :failed OR (#state = :running AND #until < :now))";
    const invocation = c.invocation;
    const names = {
      "#state": "state",
      "#until": "until",
      "#holder": "holder",
      "#ttl": "ttl",
      "#startedAt": "startedAt",
      "#attempts": "attempts",
      "#error": "error",
      "#finishedAt": "finishedAt",
      ...(invocation ? { "#invocation": "invocation" } : {}),
    };
    const values = {
      ":running": "running",
      ":failed": "failed",
      ":until": until,
      ":holder": c.holder,
      ":ttl": ttlSeconds(now + KEPT_MS),
      ":now": now,
      ":one": 1,
      ...(invocation ? { ":invocation": invocation } : {}),
    };
    const set = `SET #state = :running, #until = :until, #holder = :holder, #ttl = :ttl${invocation ? ", #invocation = :invocation" : ""}`;
    const claimed = (update: string, condition: string, more: Record<string, unknown> = {}) =>
      this.db.doc
        .send(
          new UpdateCommand({
            TableName: this.db.tables.state,
            Key: key(c),
            UpdateExpression: `${set}, ${update} REMOVE #error, #finishedAt`,
            ConditionExpression: `${claimable}${condition}`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ...values, ...more },
          }),
        )
        .then(
          () => true,
          (err: Error) => {
            if (err.name === "ConditionalCheckFailedException") return false;
            throw err;
          },
        );
    // The first delivery's start stays; each delivery of the invocation that runs it counts (Lambda's
    // retries).
    const counted = await claimed(
      "#startedAt = if_not_exists(#startedAt, :now), #attempts = if_not_exists(#attempts, :zero) + :one",
      invocation ? " AND (attribute_not_exists(#invocation) OR #invocation = :invocation)" : "",
      { ":zero": 0 },
    );
    if (counted || !invocation) return counted;
    // Another invocation of the same run (a keyed run sent again after Lambda's retries of it ran
    // out): its attempts start again. Before, they went on counting, and its first failure read
    // final while Lambda still had two retries of it to make.
    return claimed("#startedAt = :now, #attempts = :one", " AND #invocation <> :invocation");
  }

  async renew(c: RunClaim, until: number): Promise<void> {
    try {
      await this.db.doc.send(
        new UpdateCommand({
          TableName: this.db.tables.state,
          Key: key(c),
          UpdateExpression: "SET #until = :until",
          ConditionExpression: "#state = :running AND #holder = :holder",
          ExpressionAttributeNames: { "#state": "state", "#until": "until", "#holder": "holder" },
          ExpressionAttributeValues: { ":until": until, ":running": "running", ":holder": c.holder },
        }),
      );
    } catch (err) {
      // Finished or given back meanwhile: nothing to hold.
      if ((err as Error).name !== "ConditionalCheckFailedException") throw err;
    }
  }

  async finish(c: RunClaim, now: number, outcome?: RunOutcome): Promise<void> {
    await this.ifHolder(
      new UpdateCommand({
        TableName: this.db.tables.state,
        Key: key(c),
        UpdateExpression: `SET #state = :done, #ttl = :ttl, #finishedAt = :now${outcome ? ", #outcome = :outcome" : ""} REMOVE #until`,
        ConditionExpression: "#holder = :holder",
        ExpressionAttributeNames: {
          "#state": "state",
          "#ttl": "ttl",
          "#until": "until",
          "#holder": "holder",
          "#finishedAt": "finishedAt",
          ...(outcome ? { "#outcome": "outcome" } : {}),
        },
        ExpressionAttributeValues: {
          ":done": "done",
          ":ttl": ttlSeconds(now + KEPT_MS),
          ":holder": c.holder,
          ":now": now,
          ...(outcome ? { ":outcome": { ...outcome, error: clip(outcome.error) } } : {}),
        },
      }),
    );
  }

  async release(c: RunClaim, now: number, error: string): Promise<void> {
    await this.ifHolder(
      new UpdateCommand({
        TableName: this.db.tables.state,
        Key: key(c),
        UpdateExpression: "SET #state = :failed, #error = :error, #finishedAt = :now REMOVE #until",
        ConditionExpression: "#holder = :holder",
        ExpressionAttributeNames: {
          "#state": "state",
          "#until": "until",
          "#holder": "holder",
          "#error": "error",
          "#finishedAt": "finishedAt",
        },
        ExpressionAttributeValues: {
          ":failed": "failed",
          ":error": clip(error),
          ":now": now,
          ":holder": c.holder,
        },
      }),
    );
  }

  /** A claim another delivery took after this one's lease lapsed is theirs: left as it is. */
  private async ifHolder(command: UpdateCommand): Promise<void> {
    try {
      await this.db.doc.send(command);
    } catch (err) {
      if ((err as Error).name !== "ConditionalCheckFailedException") throw err;
    }
  }
}

/**
 * A manual run's claim: its run id, at no time of firing (the API answered before it ran; a
 * continuation keeps the id).
 */
export const manualRunClaim = (runId: string) => ({ schedule: `manual:${runId}`, triggeredAt: 0 });

/** An error as a run's record keeps it: enough to say what failed, never a whole stack or page. */
const clip = (error: string | undefined) => (error === undefined ? undefined : error.slice(0, 1_000));

/**
 * The records of one run: each continuation's claim of (agent, schedule, when it fired). A manual
 * run's schedule is `manual:<runId>`, fired at 0 (agent-handler.ts).
 */
export async function readRun(
  db: Db,
  agentId: string,
  schedule: string,
  triggeredAt: number,
): Promise<RunRecord[]> {
  const items = await queryAll(db, {
    TableName: db.tables.state,
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
    ExpressionAttributeValues: agentRunPrefix(agentId, schedule, triggeredAt),
  });
  return items.map((item) => ({
    continuation: Number(String(item.sk).slice(String(item.sk).lastIndexOf("#") + 1)),
    state: item.state as RunRecord["state"],
    ...(typeof item.until === "number" ? { until: item.until } : {}),
    ...(typeof item.startedAt === "number" ? { startedAt: item.startedAt } : {}),
    ...(typeof item.finishedAt === "number" ? { finishedAt: item.finishedAt } : {}),
    ...(typeof item.attempts === "number" ? { attempts: item.attempts } : {}),
    ...(typeof item.error === "string" ? { error: item.error } : {}),
    ...(item.outcome ? { outcome: item.outcome as RunOutcome } : {}),
  }));
}

/** What became of a manual run, from its claims (GET /v1/agents/{agentId}/runs/{runId}, both runtimes). */
export async function manualRunStatus(
  db: Db,
  agentId: string,
  runId: string,
  now: number,
  deliveries?: number,
): Promise<ManualRunStatus | undefined> {
  const { schedule, triggeredAt } = manualRunClaim(runId);
  return describeRun(agentId, runId, await readRun(db, agentId, schedule, triggeredAt), now, deliveries);
}
