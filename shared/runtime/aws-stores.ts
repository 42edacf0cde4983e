/**
 * The DynamoDB stores a function may be built with (aws.ts StoreSet), one factory each, and sets of
 * them by what a function does. An entry names the set it reads, so its bundle carries only those
 * adapters; ALL_STORES (with the gate's, MCP_STORES) is for /mcp, whose tools serve routes of every group.
 */
import { DynamoConsoleReader } from "../adapters/dynamo/console-reader.ts";
import { DynamoDecisionReader, DynamoDecisionReads } from "../adapters/dynamo/decision-reader.ts";
import { DynamoDecisionEventsStore, DynamoDecisionStore } from "../adapters/dynamo/decision-store.ts";
import { DynamoDraftStore } from "../adapters/dynamo/draft-store.ts";
import { DynamoErasureStore, findErasure } from "../adapters/dynamo/erasure-store.ts";
import { DynamoFlipStore } from "../adapters/dynamo/flip-store.ts";
import {
  DynamoGateDecisionStore,
  DynamoProposalDecisionStore,
} from "../adapters/dynamo/gate-decision-store.ts";
import { DynamoCheckingDecisionStore } from "../adapters/dynamo/gate-read.ts";
import { DynamoKnowledgeReader } from "../adapters/dynamo/kb-reader.ts";
import { DynamoKnowledgeStore } from "../adapters/dynamo/kb-store.ts";
import { DynamoSuppressingReader } from "../adapters/dynamo/kb-suppressions.ts";
import { DynamoPauseStore } from "../adapters/dynamo/pause-store.ts";
import { DynamoRecheckDecisionStore } from "../adapters/dynamo/recheck-decision-store.ts";
import { DynamoOutcomeRowReader } from "../adapters/dynamo/report-reader.ts";
import { DynamoSpecStore } from "../adapters/dynamo/spec-store.ts";
import { BOUNDED_DIRECTORY_FILL, DynamoTrustStore } from "../adapters/dynamo/trust-store.ts";
import { ObservedKnowledgeStore } from "../kb/observed-store.ts";
import type { DecisionStore, ErasureStore, KnowledgeStore } from "../ports.ts";
import type { StoreParts, StoreSet } from "./aws.ts";
import { ConfigError } from "./aws-env.ts";

const decisions = (p: StoreParts) => new DynamoDecisionStore(p.db, p.keys, p.cursors);
/** The decisions of a function that re-checks one before dispatch (the reviews, the Release step). */
const checkingDecisions = (p: StoreParts) => new DynamoCheckingDecisionStore(p.db, p.keys, p.cursors);
/**
 * The decisions of a function that re-checks one and moves it on but lists nothing (the Release step,
 * the executors): the core with the gate's read (recheck-decision-store.ts).
 */
const recheckDecisions = (p: StoreParts) => new DynamoRecheckDecisionStore(p.db, p.keys, p.cursors);
const specs = (p: StoreParts) => new DynamoSpecStore(p.db);
const trust = (p: StoreParts) => new DynamoTrustStore(p.db, p.cursors, Date.now, BOUNDED_DIRECTORY_FILL);
const pauses = (p: StoreParts) => new DynamoPauseStore(p.db);
// The change feed, as in the local runtime: every KB write publishes a kb.* event, which the
// agent-watchers function turns into the events agents subscribe to.
const kb = (p: StoreParts) => new ObservedKnowledgeStore(new DynamoKnowledgeStore(p.db), p.events);
const drafts = (p: StoreParts) => new DynamoDraftStore(p.db, p.cursors);

const erasure = (p: StoreParts) => new DynamoErasureStore(p.db, p.keys);
const flips = (p: StoreParts) => new DynamoFlipStore(p.db, p.cursors);

/**
 * A store a function may only read from: its role may not write the table, so it is built with the
 * reads alone, and any other method fails naming the store and the method instead of the adapter's
 * writes riding in its bundle for an AccessDenied. The port's optional methods it does not hold are
 * absent, as on a store without them (`store.decisionsBetween?.(…)`, `lastKnown?.()`: callers ask
 * whether a store has one by reading it); `in` answers as the reads do.
 */
function readsOnly<T extends object>(store: string, reads: object, optional: readonly string[] = []): T {
  return new Proxy(reads, {
    get(target, method) {
      // Not methods of a store: awaiting it, logging it, its symbols.
      if (method in target || typeof method === "symbol" || method === "then" || method === "toJSON")
        return Reflect.get(target, method);
      if (optional.includes(method)) return undefined;
      // Rejected as the store's own methods fail (they are async): a caller's catch sees it.
      return () =>
        Promise.reject(
          new ConfigError(
            `this function reads the ${store} store only (${String(method)} is not among its reads: shared/runtime/aws-stores.ts)`,
          ),
        );
    },
  }) as T;
}
/** The optional methods of the ports read through readsOnly (shared/ports.ts). */
const KB_OPTIONAL = ["getPersonAndAccount", "upsertAccount", "upsertPerson"] as const;
const DECISIONS_OPTIONAL = ["lastKnown", "decisionsBetween"] as const;
/** The knowledge base read, not written: records, addresses, suppressions (kb-reader.ts). */
const kbReads = (p: StoreParts) =>
  readsOnly<KnowledgeStore>("kb", new DynamoKnowledgeReader(p.db), KB_OPTIONAL);
/**
 * Decisions read, never moved on or written (decision-reader.ts): the functions whose role may not
 * write the ledger, or that never do (the signals refit, the replay, the decisions and knowledge APIs).
 */
const decisionReads = (p: StoreParts) =>
  readsOnly<DecisionStore>(
    "decisions",
    new DynamoDecisionReader(p.db, p.keys, p.cursors),
    DECISIONS_OPTIONAL,
  );
/** A decision by its id and an account's contact state, without the listings: the watchers' reads. */
const decisionByIds = (p: StoreParts) =>
  readsOnly<DecisionStore>("decisions", new DynamoDecisionReads(p.db, p.keys, p.cursors), DECISIONS_OPTIONAL);
/** Whether a person was erased, and when: the erasure store's one read. */
const erasureReads = (p: StoreParts) =>
  readsOnly<ErasureStore>("erasure", {
    find: (q: { personId?: string; email?: string }) => findErasure(p.db, q),
  });
const reports = (p: StoreParts) => new DynamoOutcomeRowReader(p.db);
const consoleReads = (p: StoreParts) => new DynamoConsoleReader(p.db);

// Object literals of the factories, never spreads or calls at the top level unless marked pure:
// esbuild keeps them (a spread may run a getter), and with them every set and every store's adapter,
// in every function that imports this module.
export const ALL_STORES: StoreSet = {
  decisions: checkingDecisions,
  specs,
  trust,
  pauses,
  kb,
  erasure,
  flips,
  drafts,
  reports,
  consoleReads,
};

/** The decisions of a function that runs the gate: the only stores that commit a decision. */
const gateDecisions = (p: StoreParts) => new DynamoGateDecisionStore(p.db, p.keys, p.cursors);
/** The proposals function's: the gate's read and commit, without listings or reviews. */
const proposalDecisions = (p: StoreParts) => new DynamoProposalDecisionStore(p.db, p.keys, p.cursors);

/** The gate: decisions (its state and ledger, one transaction) and spec versions. */
export const GATE_STORES: StoreSet = { decisions: proposalDecisions, specs };

const withGate = (stores: StoreSet): StoreSet => ({ ...stores, decisions: gateDecisions });

/**
 * /mcp: its tools call the agents' API routes in process, propose_action the proposals routes, so it
 * runs the gate too, with every store. Marked pure: a bundle that does not use MCP_STORES drops the
 * call, and the gate's store with it.
 */
export const MCP_STORES: StoreSet = /* @__PURE__ */ withGate(ALL_STORES);

/**
 * A decision's lifecycle after the gate (shared/usecases/transitions.ts LifecycleDeps): the Step
 * Functions steps and the executors (the reconciler's set adds the gate's read). Trust learns from their results. No drafts: only
 * a review's refusal drafts a rule, and the reviews are the API's (3 KB less in each of them). No
 * gate's read: none of them re-checks a decision (the Release step does, RELEASE_STORES, the
 * executors at the send, EXECUTOR_STORES, and the reconciler before a hand-back, RECONCILE_STORES).
 */
export const LIFECYCLE_STORES: StoreSet = { decisions, specs, trust };

/**
 * The executors (the workflow's Execute task, `decision.made` -> execute): the lifecycle's stores, its
 * decisions with the gate's read, which re-checks a decision at its send for a pause or a suppression
 * since its dispatch (usecases/execution.ts, redrive-checks.ts), and without the listings they never
 * read (recheck-decision-store.ts).
 */
export const EXECUTOR_STORES: StoreSet = { decisions: recheckDecisions, specs, trust };

/**
 * The reconciler (functions/workflow/reconcile.ts): the lifecycle's stores, its decisions with the
 * gate's read, which it re-checks a decision with before handing it back to the executor
 * (usecases/redrive-checks.ts: a pause, the suppression list).
 */
export const RECONCILE_STORES: StoreSet = { decisions: checkingDecisions, specs, trust };

/**
 * The Release step (usecases/workflow-release.ts): it re-validates against the decision and the spec
 * and moves the decision on, recording no trust (nothing was reviewed or executed) and no draft.
 */
export const RELEASE_STORES: StoreSet = { decisions: recheckDecisions, specs };

/**
 * Outcomes from the world (usecases/outcomes.ts): the decision (found by its idempotency tag, its
 * ledger stream read and appended to), trust, suppression and pauses.
 */
const outcomeDecisions = (p: StoreParts) => new DynamoDecisionEventsStore(p.db, p.keys, p.cursors);
/**
 * The knowledge base read, and suppressed in (kb-suppressions.ts): an outcome writes no account or
 * person, so no change feed either.
 */
const kbSuppressions = (p: StoreParts) =>
  readsOnly<KnowledgeStore>("kb (reads and suppressions)", new DynamoSuppressingReader(p.db), KB_OPTIONAL);
export const OUTCOME_STORES: StoreSet = {
  decisions: outcomeDecisions,
  specs,
  trust,
  pauses,
  kb: kbSuppressions,
};

/** The agent watchers: the KB change feed, executed records into the KB, learning from decisions. */
export const WATCHER_STORES: StoreSet = { decisions: decisionByIds, specs, kb };

/** The signals loop (usecases/signals-refit.ts): touches and their outcomes, spec versions, drafts. */
export const SIGNALS_STORES: StoreSet = { decisions: decisionReads, specs, drafts };

/**
 * The decisions API (groups/decisions.ts): decisions and their ledgers, why a person was contacted
 * (the KB, erasures), the outcome and daily reports with the spec they are counted under. Listing and
 * reading only: no gate's read, no review tally (the reviews API's), no trust, pauses or drafts; the
 * KB and the erasures by their reads alone (its role may only read the state table).
 */
export const DECISION_READ_STORES: StoreSet = {
  decisions: decisionReads,
  specs,
  kb: kbReads,
  erasure: erasureReads,
  reports,
  consoleReads,
};

/** A spec's replay (usecases/replay.ts): recorded decisions and spec versions, read only. */
export const REPLAY_STORES: StoreSet = { decisions: decisionReads, specs };

/** A spec's text validated and published (groups/specs.ts): spec versions only. */
export const SPEC_STORES: StoreSet = { specs };

/**
 * A person's erasure (usecases/erase.ts): the decisions that name them (their account's, the list
 * syncs still to go out) and their ledger events, the knowledge base, the erasure's own records.
 */
export const ERASURE_STORES: StoreSet = { decisions, kb, erasure };

/**
 * The knowledge API (groups/knowledge.ts) and its variant with the MCP client: the knowledge base,
 * and the decisions and spec a context packet and the KB reads are built from (aws-memory.ts). No
 * erasure store: erasure is its own function, the one that may scan and delete anywhere.
 */
export const KNOWLEDGE_STORES: StoreSet = { decisions: decisionReads, specs, kb };

/**
 * The reviews API (groups/reviews.ts): approvals listed, approved, rejected and vetoed with the gate's
 * re-check and the review tally (the checking store), trust learning from each review, pauses and the
 * knowledge base for outcomes recorded by hand, drafts for a review turned into a rule. No erasure,
 * flips, reports or console reads.
 */
export const REVIEW_STORES: StoreSet = {
  decisions: checkingDecisions,
  specs,
  trust,
  pauses,
  kb,
  drafts,
};

/**
 * The admin API (groups/admin.ts): trust and its history, spec versions, drafts and their flips, pauses,
 * manual runs, the ledger's integrity. The checking decision store, as the reviews': a draft's
 * confirmation and a pin read decisions. No knowledge base, erasure, reports or console reads.
 */
export const ADMIN_STORES: StoreSet = {
  decisions: checkingDecisions,
  specs,
  trust,
  pauses,
  drafts,
  flips,
};
