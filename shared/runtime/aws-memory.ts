/**
 * Memory and context packets in AWS, for the functions that serve GET /v1/context, POST /v1/memory and
 * GET /v1/memory/search (the knowledge API function and /mcp): the same DynamoDB stores and the same
 * KnowledgeView as the local server, so an agent of any framework reads the packet its built-in
 * counterparts read, each item with its provenance. By meaning when the function's environment names
 * an embeddings model (aws-embeddings.ts, loaded on first use), else by keyword.
 */
import { DynamoAgentKnowledgeStore } from "../adapters/dynamo/agent-kb-store.ts";
import type { Db } from "../adapters/dynamo/db.ts";
import { DynamoLearnedStore } from "../adapters/dynamo/learned-store.ts";
import { DynamoMemoryStore } from "../adapters/dynamo/memory-store.ts";
import type { AppDeps } from "../http/routes.ts";
import type { Embeddings } from "../kb/ports.ts";
import { type KnowledgeDeps, KnowledgeView } from "../kb/view.ts";
import { awsEmbeddings } from "./aws-embeddings.ts";

/** What the runtime already holds that the knowledge view reads. */
export type KnowledgeBase = Pick<KnowledgeDeps, "clock" | "kb" | "specs" | "decisions">;

/** The memory hook with an explicit embeddings model (tests); undefined means keyword search. */
export const memoryWith =
  (embeddings: Embeddings | undefined, log?: (msg: string, data?: Record<string, unknown>) => void) =>
  (db: Db, base: KnowledgeBase): Pick<AppDeps, "memory" | "knowledge"> => {
    const memory = new DynamoMemoryStore(db, {
      ...(embeddings ? { embeddings } : {}),
      // Never the texts nor a key: the store reports the model and the error only.
      ...(log ? { log } : {}),
    });
    const knowledge = new KnowledgeView({
      ...base,
      agentKb: new DynamoAgentKnowledgeStore(db),
      learned: new DynamoLearnedStore(db),
      memory,
    });
    return { memory, knowledge };
  };

/** The deployed hook: the embeddings model from the function's environment, read once per container. */
export const awsMemory = (db: Db, base: KnowledgeBase): Pick<AppDeps, "memory" | "knowledge"> =>
  memoryWith(awsEmbeddings(), (msg, data) => console.warn(JSON.stringify({ level: "WARN", msg, ...data })))(
    db,
    base,
  );
