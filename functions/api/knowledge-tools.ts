import { KNOWLEDGE_TABLE } from "../../shared/http/groups/knowledge.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import { runtimeWith } from "../../shared/runtime/aws-lazy.ts";
import { awsMemory } from "../../shared/runtime/aws-memory.ts";
import { KNOWLEDGE_STORES } from "../../shared/runtime/aws-stores.ts";
import { awsToolCatalog } from "../../shared/runtime/deployed-mcp.ts";

/**
 * The "knowledge" routes (knowledge.ts) in a deployment whose connectors config names downstream MCP
 * servers (the CDK app picks this entry then): GET /v1/tools lists their tools the spec maps to
 * action types, through the MCP client (its SDK, which knowledge.ts does without).
 */
export const handler = apiHandler(
  KNOWLEDGE_TABLE,
  runtimeWith(KNOWLEDGE_STORES, (env) => ({ memory: awsMemory, ...awsToolCatalog(env) })),
);
