import type { TestProject } from "vitest/node";
import { type DynamoLocal, startDynamoLocal } from "../../shared/adapters/local/dynamodb-local.ts";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

let local: DynamoLocal | undefined;

/** One in-memory DynamoDB Local for the whole run; each test file uses its own table prefix. */
export async function setup(project: TestProject) {
  local = await startDynamoLocal();
  project.provide("dynamoEndpoint", local.endpoint);
}

export async function teardown() {
  await local?.stop();
}
