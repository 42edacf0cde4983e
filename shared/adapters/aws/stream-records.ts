import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import type { LedgerChange } from "../../usecases/archive.ts";

/** The new images of a DynamoDB Streams batch as plain JSON, in stream order. */
export function ledgerChanges(records: DynamoDBRecord[]): LedgerChange[] {
  return records.flatMap((r) => {
    const image = r.dynamodb?.NewImage;
    if (!image) return [];
    return [
      {
        item: unmarshall(image as Record<string, AttributeValue>),
        position: r.dynamodb?.SequenceNumber ?? r.eventID ?? "0",
      },
    ];
  });
}
