import type { AgentMeta } from "./definition.ts";

/**
 * Every agent the harness runs. The local runtime subscribes each to its triggers; the CDK app
 * deploys one Lambda per entry with its schedule or event rule. Adding an agent is one line here.
 */
export const agentRegistry: AgentMeta[] = [];
