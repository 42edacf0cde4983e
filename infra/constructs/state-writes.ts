/**
 * The state table's partitions each kind of function puts and updates (infra/service-stack.ts grants
 * them as `dynamodb:LeadingKeys`; shared/adapters/dynamo/keys.ts builds the keys; `*` a wildcard). A
 * transaction's every put and update is authorised on its own key; its condition checks are reads.
 * Found by following each function's bundle and routes to the keys it writes: a partition missing
 * here is an AccessDenied in AWS (test/infra/deployed-flow.dynamodb.test.ts runs each step of a
 * decision's life as its deployed role).
 */

import { RECONCILE_RESUME_POINT } from "../../shared/adapters/dynamo/checkpoint-store.ts";
import { stateKeys } from "../../shared/adapters/dynamo/keys.ts";
import type { OutcomeWorker } from "./world-io.ts";

/** A decision's reservation given back (a veto, an expiry, a send that did not go): the contact state and the day's counters. */
export const RELEASE_WRITES = ["CONTACT#*", "COUNTER#*"];
/** An execution: that, the decision's settle item, and what a send nobody reviewed teaches (draft_passed). */
export const EXECUTOR_WRITES = [...RELEASE_WRITES, "DUE", "TRUST#*", "TRUSTDIR"];
/**
 * A decision moving on, whatever moves it (a review, the reconciler's sweeps): an execution's, and
 * the trust evidence an outcome records (its evidence mark, the market's peer figures).
 */
export const LIFECYCLE_WRITES = [...EXECUTOR_WRITES, "TRUSTED#*", "PEERS#*"];
/**
 * The gate's commit: a person's or account's new data key, the reservation, the counters, the
 * decision's settle items, and which rules flipped (the steer loop's counts).
 */
export const GATE_WRITES = ["PKEY#*", "AKEY#*", "CONTACT#*", "COUNTER#*", "DUE", "FLIP#V#*", "FLIPCOUNT#V#*"];
/** The reconciler: a decision's moves, and where its scan of dispatched decisions goes on at the next run. */
export const RECONCILE_WRITES = [...LIFECYCLE_WRITES, stateKeys.checkpoint(RECONCILE_RESUME_POINT).pk];
/** /mcp: the gate's commit (propose_action) and an agent's memory (add_memory), its only writes. */
export const MCP_WRITES = [...GATE_WRITES, "MEMORY#*"];
/**
 * An outcome from SES or HubSpot, whoever hears it: a suppression (a complaint, a hard bounce, an
 * unsubscribe), the trust it teaches (the record, the directory's listing, its evidence mark, the
 * market's peer figures), the account's stop-on-reply pause.
 */
export const OUTCOME_WRITES = [
  "SUPPRESS#*",
  "TRUST#*",
  "TRUSTDIR",
  "TRUSTED#*",
  "PEERS#*",
  "PAUSE",
  "PAUSEID#*",
];
/**
 * And each worker's own: SES's settles its decision (the reservation given back or taken again, the
 * settle item); HubSpot's poll keeps its checkpoint (usecases/hubspot-outcomes.ts POLL, and the name
 * before it); HubSpot's webhook worker links a merged contact.
 */
export const OUTCOME_WORKER_WRITES: Record<OutcomeWorker, readonly string[]> = {
  ses: ["CONTACT#*", "COUNTER#*", "DUE"],
  "hubspot-poll": ["CHECKPOINT#hubspot-outcomes*"],
  "hubspot-events": ["CRMLINK#hubspot#contacts#*"],
};
/**
 * The agents' watchers: the records agents write (people and their addresses, a suppression a person
 * inherits, an account's people, facts, committee and flags, the directory, lead lists, audiences),
 * memory, and what the learning loops count (each event once).
 */
export const WATCHER_WRITES = [
  "PERSON#*",
  "EMAIL#*",
  "SUPPRESS#*",
  "ACCOUNT#*",
  "DIRECTORY#ACCOUNTS",
  "LEADLIST#*",
  "AUDIENCE",
  "AUDMEMBER#*",
  "MEMORY#*",
  "LEARNED#EVENT#*",
  "LEARNED#TEMPLATES",
];
/** A spec version and its CURRENT pointer. */
export const SPEC_WRITES = ["SPEC"];
/** A draft of the spec (from corrections, a pattern, a refit) and what it was drafted from. */
export const DRAFT_WRITES = [...SPEC_WRITES, "DRAFTS", "DRAFTSRC#*", "REVIEWCELLS"];
/**
 * People's reviews: a decision approved, rejected, vetoed or settled out of doubt (what its move
 * writes: the reservation given back or the trust window's due item, trust taught; and the review's
 * cell of the correction counts), a correction's draft, an outcome by hand (a suppression, a pause).
 */
export const REVIEW_WRITES = [...LIFECYCLE_WRITES, ...DRAFT_WRITES, "SUPPRESS#*", "PAUSE", "PAUSEID#*"];
/** An admin's: a trust pin (and the directory's one-time fill), a draft confirmed or discarded, a pause. */
export const ADMIN_WRITES = [
  "TRUST#*",
  "TRUSTDIR",
  "TRUSTDIR#FILL",
  "SPEC",
  "DRAFTS",
  "REVIEWCELLS",
  "PAUSE",
  "PAUSEID#*",
];
/**
 * The knowledge base's own records: accounts (their signals) and the domains that find them, people
 * and the addresses that find them, suppressions, memory.
 */
export const KB_WRITES = ["ACCOUNT#*", "DOMAIN#*", "PERSON#*", "EMAIL#*", "SUPPRESS#*", "MEMORY#*"];
