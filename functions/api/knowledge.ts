import { KNOWLEDGE_TABLE } from "../../shared/http/groups/knowledge.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import { runtimeWith } from "../../shared/runtime/aws-lazy.ts";
import { awsMemory } from "../../shared/runtime/aws-memory.ts";
import { KNOWLEDGE_STORES } from "../../shared/runtime/aws-stores.ts";

/**
 * API Gateway HTTP API (payload v2) for the "knowledge" routes (shared/http/groups/knowledge.ts):
 * context packets and memory, by meaning when the environment names an embeddings model. GET /v1/tools
 * lists no downstream tool here: a deployment whose connectors config names MCP servers deploys
 * knowledge-tools.ts instead, which carries the MCP client that lists them.
 */
export const handler = apiHandler(
  KNOWLEDGE_TABLE,
  runtimeWith(KNOWLEDGE_STORES, () => ({ memory: awsMemory })),
);
