import { KNOWLEDGE_TABLE } from "../../shared/http/groups/knowledge.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import { lazyRuntime } from "../../shared/runtime/aws-lazy.ts";
import { awsMemory } from "../../shared/runtime/aws-memory.ts";
import { awsToolCatalog } from "../../shared/runtime/deployed-mcp.ts";

/**
 * API Gateway HTTP API (payload v2) for the "knowledge" routes (shared/http/groups/knowledge.ts):
 * context packets and memory, by meaning when the environment names an embeddings model.
 */
export const handler = apiHandler(
  KNOWLEDGE_TABLE,
  lazyRuntime((env) => ({ memory: awsMemory, ...awsToolCatalog(env) })),
);
