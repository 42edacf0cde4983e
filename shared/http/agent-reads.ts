/**
 * What an agent credential may read of the knowledge base over the API (kb-read-routes.ts): each
 * built-in agent the reads its handler makes through the knowledge view, and nothing more (least
 * privilege). A built-in agent run out of process (remote-agent.ts) reads through these routes with
 * its own token, so the table is the whole of what that token can see. An agent not listed here (one
 * built with another framework) reads only the context packet and memory search (agent-routes.ts).
 * People with a reader role read everything here. test/unit/agent-reads.test.ts holds every registry
 * agent to an entry.
 */
import { ForbiddenError } from "../domain/errors.ts";
import { agentIdsOf, type Principal } from "../usecases/principal.ts";

export const READS = [
  "accounts",
  "people",
  "lead-lists",
  "learned",
  "ledger",
  "touches",
  "do-not-target",
] as const;
/**
 * accounts: account records (one, several, the directory); people: people and their classifications;
 * lead-lists: the day's lead lists and the audience snapshots kept from them; learned: the variants
 * loop's template statistics; ledger: any one decision by id (CRM Sync records executed touches);
 * touches: the touches the coordination rules count per account (lists hold workable accounts only);
 * do-not-target: which of an account's people the suppression list names, ids only (the people page
 * says it too, to those who read people).
 */
export type Read = (typeof READS)[number];

export const AGENT_READS: Readonly<Record<string, readonly Read[]>> = {
  // Which of a list's contacts the suppression list names: they leave the synced lists.
  "list-sync": ["lead-lists", "do-not-target"],
  "manual-list-sync": ["lead-lists", "do-not-target"],
  "buying-committee-builder": ["accounts", "people"],
  "persona-finder": ["accounts", "people"],
  "persona-classifier": ["accounts", "people"],
  "web-research": ["accounts"],
  "lead-list-builder": ["accounts", "people", "touches"],
  // Whether a newly qualified contact asked us to stop (its own route: the person is not read by account).
  "linkedin-audience-manager": ["accounts", "people", "do-not-target"],
  "crm-sync": ["accounts", "people", "ledger"],
  // Reads only the spec; the import itself needs the CRM's secret, which only the harness holds.
  "crm-import": [],
  "outreach-writer": ["accounts", "people", "lead-lists", "learned"],
};

/** Throws 403 unless the caller is a person (authorize() checked the role) or an agent that may read `what`. */
export function assertMayRead(principal: Principal, what: Read): void {
  const agents = agentIdsOf(principal);
  if (agents.length === 0) return;
  // Own keys only: an agent named "constructor" or "__proto__" is a valid id and reads nothing.
  if (agents.some((a) => Object.hasOwn(AGENT_READS, a) && AGENT_READS[a]?.includes(what))) return;
  throw new ForbiddenError(
    `agent ${agents.join(", ")} may not read ${what}: an agent credential reads what its own handler reads`,
  );
}
