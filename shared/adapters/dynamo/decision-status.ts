import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Decision } from "../../domain/decision.ts";
import type { Db } from "./db.ts";
import { decisionStream } from "./keys.ts";

/**
 * A decision's status alone, read strongly: nothing sealed is read or opened, so a caller that needs
 * only the status (the approval wait, whose role has no data key or kms:Decrypt) needs no key.
 * Undefined when there is no such decision. Apart from DynamoDecisionStore so that no other function
 * carries it.
 */
export async function decisionStatus(db: Db, decisionId: string): Promise<Decision["status"] | undefined> {
  const res = await db.doc.send(
    new QueryCommand({
      TableName: db.tables.ledger,
      KeyConditionExpression: "pk = :pk AND sk = :sk",
      ExpressionAttributeValues: { ":pk": decisionStream(decisionId), ":sk": "DECISION" },
      ProjectionExpression: "#s",
      ExpressionAttributeNames: { "#s": "status" },
      ConsistentRead: true,
    }),
  );
  return res.Items?.[0]?.status as Decision["status"] | undefined;
}
