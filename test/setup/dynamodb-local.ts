import type { TestProject } from "vitest/node";
import type { DynamoCredentials } from "../../shared/adapters/dynamo/db.ts";
import { type DynamoLocal, startDynamoLocal } from "../../shared/adapters/local/dynamodb-local.ts";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    /** The key this run's DynamoDB Local was started with: other credentials see an empty database. */
    dynamoCredentials: DynamoCredentials;
  }
}

let local: DynamoLocal | undefined;

/** One in-memory DynamoDB Local for the whole run; each test file uses its own table prefix. */
export async function setup(project: TestProject) {
  local = await startDynamoLocal();
  project.provide("dynamoEndpoint", local.endpoint);
  project.provide("dynamoCredentials", local.credentials);
}

export async function teardown() {
  await local?.stop();
}
