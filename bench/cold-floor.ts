/**
 * The least a function of the harness carries, measured by bench/bundles.ts beside every function:
 * Powertools' handler (logger, metrics, middy), the zod-parsed environment and the DynamoDB document
 * client, built on the first invocation as every function builds its wiring. Its cold start against
 * the DynamoDB-only handler is the floor of the ratio bound: a function that does anything more (reads
 * a store, validates its input, calls a second AWS service) starts no faster than this.
 */
import { lambdaHandler, lazy } from "../shared/adapters/aws/powertools.ts";
import { createAwsDb } from "../shared/runtime/aws-db.ts";
import { parseAwsEnv } from "../shared/runtime/aws-env.ts";

const db = lazy(() => createAwsDb(parseAwsEnv()));

export const handler = lambdaHandler(async () => ({ ok: db() !== undefined }));
