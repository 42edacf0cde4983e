/**
 * The least a function of the harness carries, measured by bench/bundles.ts beside every function:
 * Powertools' handler (logger, middy; metrics only where a function emits one), the zod-parsed environment and the DynamoDB document
 * client, built on the first invocation as every function builds its wiring, and one read through it.
 * Its cold start against the DynamoDB-only handlers is the floor of the ratio bound: a function that
 * does anything more (reads more, validates its input, calls a second AWS service) starts no faster.
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { lambdaHandler, lazy } from "../shared/adapters/aws/powertools.ts";
import { createAwsDb } from "../shared/runtime/aws-db.ts";
import { parseAwsEnv } from "../shared/runtime/aws-env.ts";

const db = lazy(() => createAwsDb(parseAwsEnv()));

export const handler = lambdaHandler(async () => {
  const { doc, tables } = db();
  const { Item } = await doc.send(
    new GetCommand({ TableName: tables.state, Key: { pk: "bench", sk: "bench" } }),
  );
  return { found: Item !== undefined };
});
