/**
 * The domain events agents react to, beyond the gate's own (decision.made, decision.transitioned,
 * outcome.recorded, ...). Emitted by the KB watcher and the record ingest, never by core use cases.
 * Details are validated with zod where an agent reads them: events are an edge.
 */

import { Id } from "../domain/vocabulary.ts";
import * as z from "../domain/zod-mini.ts";

export const AGENT_EVENTS = {
  /** A knowledge-base write (published by the observed KB store; raw material for the watcher). */
  accountPut: "kb.account.put",
  personPut: "kb.person.put",
  signalsAdded: "kb.signals.added",
  /** A new account matches the ICP (tier 1-3). */
  accountInIcp: "account.in_icp",
  /** An account's intent crossed the spec's outreach threshold. */
  accountHighIntent: "account.high_intent",
  /** A new person entered the knowledge base. */
  personCreated: "person.created",
  /** An account was put on an SDR lead list for the first time. */
  accountTargeted: "account.targeted",
  /** A person was classified into a role the spec lets agents target. */
  contactQualified: "contact.qualified",
  /** Web Research's facts were recorded. */
  researchCompleted: "research.completed",
} as const;

export const AccountEvent = z.looseObject({ accountId: Id });
export const PersonEvent = z.looseObject({ personId: Id, accountId: Id });
export const ExecutedEvent = z.looseObject({
  decisionId: Id,
  from: z.optional(z.string()),
  to: z.string(),
  actionType: z.string(),
  agentId: z.string(),
  accountId: z.string(),
});
