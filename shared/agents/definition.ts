/**
 * The contract between agents, the local runtime and the CDK app: one registry of agent definitions
 * feeds both. (Filled by the agents work; the AWS deployment deploys one Lambda per entry.)
 */
export type AgentTrigger =
  /** EventBridge Scheduler / local scheduler: a cron expression in the workspace time zone. */
  | { kind: "schedule"; cron: string; description?: string }
  /** A domain event on the shared bus (e.g. "decision.transitioned", "account.high_intent"). */
  | { kind: "event"; eventType: string }
  /** Run on demand through the API. */
  | { kind: "manual" };

export interface AgentMeta {
  id: string;
  description: string;
  triggers: AgentTrigger[];
}
