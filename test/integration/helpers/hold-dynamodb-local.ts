/**
 * A stand-in for the harness process: starts DynamoDB Local as `harness serve` does, prints the java
 * pid as one JSON line, then idles until it is killed (test/integration/local-db-lifetime.test.ts).
 */
import { startDynamoLocal } from "../../../shared/adapters/local/dynamodb-local.ts";

const dynamo = await startDynamoLocal(process.argv[2] ? { dataDir: process.argv[2] } : {});
process.stdout.write(`${JSON.stringify({ pid: dynamo.pid, endpoint: dynamo.endpoint })}\n`);
setInterval(() => {}, 60_000);
