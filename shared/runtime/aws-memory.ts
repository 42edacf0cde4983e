/**
 * Memory in AWS, for the knowledge API function: POST /v1/memory and GET /v1/memory/search on the
 * same DynamoDB store as locally, by keyword. No embeddings model here yet: the function's bundle
 * carries the SDK, and the Bedrock runtime client would add to every cold start of the knowledge
 * routes (issue 11's bundle bounds); memory by meaning in AWS is the next step (README). Context
 * packets stay with the agents' runtime: GET /v1/context answers 404 here, as before.
 */
import { DynamoMemoryStore } from "../adapters/dynamo/memory-store.ts";
import { NotFoundError } from "../domain/errors.ts";
import type { ContextReader } from "../http/agent-routes.ts";
import type { AwsExtras } from "./aws.ts";

export const awsMemory: NonNullable<AwsExtras["memory"]> = (db) => {
  const memory = new DynamoMemoryStore(db);
  const knowledge: ContextReader = {
    searchMemory: (accountId, query, limit) => memory.search(accountId, query, limit),
    context: async () => {
      throw new NotFoundError("context packets are not served by this deployment's API");
    },
  };
  return { memory, knowledge };
};
