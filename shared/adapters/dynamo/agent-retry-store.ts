import { DeleteCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { QueuedRetry } from "../../agents/runner.ts";
import type { Proposal } from "../../domain/proposal.ts";
import type { Db } from "./db.ts";
import { agentKeys } from "./keys.ts";

/** The deferred proposal as first made, when it is due, and its attempts (runner.ts QueuedRetry). */
export type PendingRetry = QueuedRetry;

/**
 * The agent runtime's durable retry queue: a deferred proposal waits here until its retryAfter.
 * Durable so that a restart (or a Lambda's next invocation) still re-proposes it.
 */
export class DynamoRetryStore {
  constructor(private readonly db: Db) {}

  async add(r: PendingRetry): Promise<void> {
    await this.db.doc.send(
      new PutCommand({
        TableName: this.db.tables.state,
        Item: { ...agentKeys.agentRetry(r.agentId, r.at, r.proposal.proposalId), ...r },
      }),
    );
  }

  async due(agentId: string, now: number, limit = 100): Promise<PendingRetry[]> {
    const res = await this.db.doc.send(
      new QueryCommand({
        TableName: this.db.tables.state,
        KeyConditionExpression: "pk = :pk AND sk <= :upTo",
        ExpressionAttributeValues: {
          ":pk": agentKeys.agentRetryPartition(agentId),
          ":upTo": agentKeys.agentRetryUpTo(now),
        },
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (res.Items ?? []).map((i) => ({
      agentId: i.agentId as string,
      at: i.at as number,
      proposal: i.proposal as Proposal,
      ...(typeof i.attempt === "number" ? { attempt: i.attempt } : {}),
      ...(typeof i.failures === "number" ? { failures: i.failures } : {}),
    }));
  }

  /** The earliest pending retry of an agent, to know when to look again. */
  async next(agentId: string): Promise<number | undefined> {
    const res = await this.db.doc.send(
      new QueryCommand({
        TableName: this.db.tables.state,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": agentKeys.agentRetryPartition(agentId) },
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return res.Items?.[0]?.at as number | undefined;
  }

  async remove(r: PendingRetry): Promise<void> {
    await this.db.doc.send(
      new DeleteCommand({
        TableName: this.db.tables.state,
        Key: agentKeys.agentRetry(r.agentId, r.at, r.proposal.proposalId),
      }),
    );
  }
}
