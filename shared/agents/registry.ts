import type { AgentDefinition } from "./definition.ts";
import { buyingCommitteeBuilder } from "./workflows/buying-committee-builder.ts";
import { crmImport } from "./workflows/crm-import.ts";
import { crmSync } from "./workflows/crm-sync.ts";
import { leadListBuilder } from "./workflows/lead-list-builder.ts";
import { linkedinAudienceManager } from "./workflows/linkedin-audience-manager.ts";
import { listSync } from "./workflows/list-sync.ts";
import { manualListSync } from "./workflows/manual-list-sync.ts";
import { outreachWriter } from "./workflows/outreach-writer.ts";
import { personaClassifier } from "./workflows/persona-classifier.ts";
import { personaFinder } from "./workflows/persona-finder.ts";
import { webResearch } from "./workflows/web-research.ts";

/**
 * Every agent the harness runs. The local runtime subscribes each to its triggers; the CDK app
 * deploys one Lambda per entry (env AGENT_ID; entry functions/agents/<id>.ts, OWN_AGENT_ENTRIES in
 * infra/constructs/agent-functions.ts, else functions/agents/handler.ts) with its schedule or event rule. Adding an agent is one line here and its id in agents/builtin.ts (the id list that code
 * which never runs an agent reads; test/unit/builtin-agents.test.ts fails when the two disagree).
 * Importing this module pulls in no AWS SDK.
 */
export const agentRegistry: AgentDefinition[] = [
  listSync,
  manualListSync,
  buyingCommitteeBuilder,
  personaFinder,
  personaClassifier,
  webResearch,
  leadListBuilder,
  linkedinAudienceManager,
  crmSync,
  crmImport,
  outreachWriter,
];

export function findAgent(agentId: string): AgentDefinition | undefined {
  return agentRegistry.find((a) => a.id === agentId);
}
