/**
 * The ids of the agents the harness ships (agents/registry.ts holds their definitions, in this order).
 * Whoever only needs to know whether an id is built in (trust: is this agent known?) imports this and
 * not the registry, whose workflow modules bring the agents' whole code, persona checks and RE2
 * included, into functions that never run an agent. test/unit/builtin-agents.test.ts holds the
 * registry to this list.
 */
export const BUILTIN_AGENT_IDS = [
  "list-sync",
  "manual-list-sync",
  "buying-committee-builder",
  "persona-finder",
  "persona-classifier",
  "web-research",
  "lead-list-builder",
  "linkedin-audience-manager",
  "crm-sync",
  "crm-import",
  "outreach-writer",
] as const;

export type BuiltinAgentId = (typeof BUILTIN_AGENT_IDS)[number];

const ids: ReadonlySet<string> = new Set(BUILTIN_AGENT_IDS);

export const isBuiltinAgent = (agentId: string): agentId is BuiltinAgentId => ids.has(agentId);

/**
 * The built-in agents that call their model (drafts, unclear titles): those whose definition says
 * `usesModel` (test/unit/builtin-agents.test.ts holds the registry to it). Only their roles are granted
 * it in AWS (Bedrock, or an OpenAI-compatible server's key: infra/constructs/agent-model.ts); the
 * runner gives an agent that does not declare it a model that refuses (runner.ts), so an agent that
 * starts calling one fails locally instead of with AccessDenied once deployed.
 */
export const MODEL_AGENT_IDS: readonly string[] = ["outreach-writer", "persona-classifier"];

/**
 * What of the ledger each built-in agent reads, traced through its workflow and the runner: only CRM
 * Sync (the executed decision it copies to the CRM, by its key) and the Outreach Writer (its context
 * packets' recent touches, byAccount; whether it proposed a key before, by the decision's key) read
 * decisions, and so open sealed personal data (kms:Decrypt). Only their roles are granted the ledger
 * and the person key in AWS (infra/constructs/agent-functions.ts); the others' functions are not told
 * their names, so a read added to one fails naming them instead of reading what its role should not.
 * Before, every agent's role could read every decision and index and decrypt any person's data.
 */
export const AGENT_LEDGER_READS: Partial<Record<BuiltinAgentId, { indexes: string[] }>> = {
  "crm-sync": { indexes: [] },
  "outreach-writer": { indexes: ["byAccount"] },
};

/**
 * The built-in agents a manual run gives nothing to do, and what they run on instead: their handlers
 * return at once for a manual invocation (test/unit/builtin-agents.test.ts runs each to hold this list
 * to them). POST /v1/agents/{agentId}/run refuses them naming their trigger; before, it answered 202
 * "started" and the run did nothing.
 */
export const NOT_RUN_BY_HAND: Readonly<Partial<Record<BuiltinAgentId, string>>> = {
  "list-sync": "its hourly schedule (POST /v1/agents/list-sync/run syncs one audience in full)",
  "buying-committee-builder": "account.high_intent events",
  "persona-finder": "account.in_icp events",
  "persona-classifier": "person.created events",
  "web-research": "account.targeted events",
  "linkedin-audience-manager": "contact.qualified events",
  "crm-sync": "decision.transitioned events (an executed touch)",
};

/** What a built-in agent runs on when a manual run would do nothing; undefined when one does something. */
export const notRunByHand = (agentId: string): string | undefined =>
  isBuiltinAgent(agentId) ? NOT_RUN_BY_HAND[agentId] : undefined;
