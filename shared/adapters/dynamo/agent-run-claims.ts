/**
 * One run per schedule firing, and per continuation of it. Lambda may deliver an asynchronous event
 * more than once: a second run of the same list drafted every account again (the gate replays its
 * proposals, but the model was asked twice), and went on in continuations of its own. The first
 * delivery claims (agent, schedule, when it fired, which continuation) for a short lease it renews
 * while it runs; a duplicate finds it claimed and stops. A run that fails gives the claim back, so
 * Lambda's retry of it runs; a finished one keeps it (for two days), so a duplicate delivered later
 * stops too. A run that dies without a word (killed at its timeout, out of memory) stops renewing:
 * its claim lapses within the lease, before Lambda's first retry a minute later.
 */
import { DeleteCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Db } from "./db.ts";
import { ttlSeconds } from "./db.ts";
import { agentRunKey } from "./keys.ts";

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
}

export interface RunClaims {
  /** Whether this delivery may run: false while another holds the claim or after it finished. */
  claim(c: RunClaim, until: number, now: number): Promise<boolean>;
  /** Still running: the claim holds until `until` (only while it is running). */
  renew(c: RunClaim, until: number): Promise<void>;
  /** The run finished (it may have continued elsewhere): a later duplicate stops. */
  finish(c: RunClaim, now: number): Promise<void>;
  /** The run failed: Lambda's retry of it may claim again. */
  release(c: RunClaim): Promise<void>;
}

const KEPT_MS = 2 * 24 * 3_600_000;
const key = (c: RunClaim) => agentRunKey(c.agentId, c.schedule, c.triggeredAt, c.continuation);

export class DynamoRunClaims implements RunClaims {
  constructor(private readonly db: Db) {}

  async claim(c: RunClaim, until: number, now: number): Promise<boolean> {
    try {
      await this.db.doc.send(
        new PutCommand({
          TableName: this.db.tables.state,
          Item: { ...key(c), state: "running", until, holder: c.holder, ttl: ttlSeconds(now + KEPT_MS) },
          // Absent, or a running claim whose holder's deadline has passed (killed at its timeout).
          ConditionExpression: "attribute_not_exists(pk) OR (#state = :running AND #until < :now)",
          ExpressionAttributeNames: { "#state": "state", "#until": "until" },
          ExpressionAttributeValues: { ":running": "running", ":now": now },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === "ConditionalCheckFailedException") return false;
      throw err;
    }
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

  async finish(c: RunClaim, now: number): Promise<void> {
    await this.ifHolder(
      new UpdateCommand({
        TableName: this.db.tables.state,
        Key: key(c),
        UpdateExpression: "SET #state = :done, #ttl = :ttl REMOVE #until",
        ConditionExpression: "#holder = :holder",
        ExpressionAttributeNames: {
          "#state": "state",
          "#ttl": "ttl",
          "#until": "until",
          "#holder": "holder",
        },
        ExpressionAttributeValues: {
          ":done": "done",
          ":ttl": ttlSeconds(now + KEPT_MS),
          ":holder": c.holder,
        },
      }),
    );
  }

  async release(c: RunClaim): Promise<void> {
    await this.ifHolder(
      new DeleteCommand({
        TableName: this.db.tables.state,
        Key: key(c),
        ConditionExpression: "#holder = :holder",
        ExpressionAttributeNames: { "#holder": "holder" },
        ExpressionAttributeValues: { ":holder": c.holder },
      }),
    );
  }

  /** A claim another delivery took after this one's lease lapsed is theirs: left as it is. */
  private async ifHolder(command: UpdateCommand | DeleteCommand): Promise<void> {
    try {
      await this.db.doc.send(command as UpdateCommand);
    } catch (err) {
      if ((err as Error).name !== "ConditionalCheckFailedException") throw err;
    }
  }
}
