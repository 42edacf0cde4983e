/**
 * A function's runtime holds the stores its entry lists (shared/runtime/aws-stores.ts) and no other:
 * reading one it was not built with fails naming the store, instead of a TypeError on undefined or a
 * silent read of a store whose adapter the bundle does not carry (issue 11, item 8).
 */
import { describe, expect, it } from "vitest";
import { mcpExtras } from "../../functions/api/mcp.ts";
import { DynamoDecisionReader, DynamoDecisionReads } from "../../shared/adapters/dynamo/decision-reader.ts";
import {
  DynamoDecisionEventsStore,
  DynamoDecisionStore,
} from "../../shared/adapters/dynamo/decision-store.ts";
import {
  DynamoGateDecisionStore,
  DynamoProposalDecisionStore,
} from "../../shared/adapters/dynamo/gate-decision-store.ts";
import { DynamoCheckingDecisionStore } from "../../shared/adapters/dynamo/gate-read.ts";
import { DynamoKnowledgeReader } from "../../shared/adapters/dynamo/kb-reader.ts";
import { DynamoSuppressingReader } from "../../shared/adapters/dynamo/kb-suppressions.ts";
import { stateKeys } from "../../shared/adapters/dynamo/keys.ts";
import { DynamoRecheckDecisionStore } from "../../shared/adapters/dynamo/recheck-decision-store.ts";
import { createAwsRuntime, STORE_KEYS } from "../../shared/runtime/aws.ts";
import { ConfigError, parseAwsEnv } from "../../shared/runtime/aws-env.ts";
import {
  ADMIN_STORES,
  ALL_STORES,
  DECISION_READ_STORES,
  ERASURE_STORES,
  EXECUTOR_STORES,
  GATE_STORES,
  KNOWLEDGE_STORES,
  LIFECYCLE_STORES,
  MCP_STORES,
  OUTCOME_STORES,
  RECONCILE_STORES,
  RELEASE_STORES,
  REPLAY_STORES,
  REVIEW_STORES,
  SIGNALS_STORES,
  SPEC_STORES,
  WATCHER_STORES,
} from "../../shared/runtime/aws-stores.ts";

// Only parsed and used to build clients: nothing here sends a request.
const env = parseAwsEnv({ AWS_REGION: "us-east-1", STATE_TABLE: "t-state", LEDGER_TABLE: "t-ledger" });

describe("AWS runtime: the stores a function is built with", () => {
  it.each([
    ["ALL_STORES", ALL_STORES],
    ["MCP_STORES", MCP_STORES],
  ] as const)("%s builds every store", (_, stores) => {
    const { deps } = createAwsRuntime(env, {}, stores);
    for (const key of STORE_KEYS) expect(deps[key], key).toBeDefined();
  });

  it.each([
    ["gate", GATE_STORES, ["decisions", "specs"]],
    ["lifecycle", LIFECYCLE_STORES, ["decisions", "specs", "trust"]],
    ["release", RELEASE_STORES, ["decisions", "specs"]],
    ["reconcile", RECONCILE_STORES, ["decisions", "specs", "trust"]],
    ["executors", EXECUTOR_STORES, ["decisions", "specs", "trust"]],
    ["outcomes", OUTCOME_STORES, ["decisions", "specs", "trust", "pauses", "kb"]],
    ["watchers", WATCHER_STORES, ["decisions", "specs", "kb"]],
    [
      "decision reads",
      DECISION_READ_STORES,
      ["decisions", "specs", "kb", "erasure", "reports", "consoleReads"],
    ],
    ["replay", REPLAY_STORES, ["decisions", "specs"]],
    ["specs", SPEC_STORES, ["specs"]],
    ["knowledge", KNOWLEDGE_STORES, ["decisions", "specs", "kb"]],
    ["reviews", REVIEW_STORES, ["decisions", "specs", "trust", "pauses", "kb", "drafts"]],
    ["admin", ADMIN_STORES, ["decisions", "specs", "trust", "pauses", "drafts", "flips"]],
    ["erasure", ERASURE_STORES, ["decisions", "kb", "erasure"]],
  ] as const)("the %s set builds its stores; reading another names it", (_, stores, present) => {
    const { deps } = createAwsRuntime(env, {}, stores);
    for (const key of STORE_KEYS) {
      if ((present as readonly string[]).includes(key)) expect(deps[key], key).toBeDefined();
      else {
        expect(() => deps[key], key).toThrow(ConfigError);
        expect(() => deps[key], key).toThrow(`without the ${key} store`);
      }
    }
    // What every function has whatever its stores.
    expect(deps.clock.now()).toBeGreaterThan(0);
    expect(deps.events.publish).toBeTypeOf("function");
  });

  // Its role may only read the state table: the KB's and the erasures' writes are not in its bundle.
  it("the decisions API reads the KB and the erasures, and a write names the store and the method", async () => {
    const { kb, erasure } = createAwsRuntime(env, {}, DECISION_READ_STORES).deps;
    // The reader's own methods, and `in` says so of them alone.
    for (const read of ["getAccount", "getPerson", "personIdByEmail", "suppressedAmong"] as const) {
      expect(kb[read], read).toBe(DynamoKnowledgeReader.prototype[read]);
      expect(read in kb, read).toBe(true);
    }
    for (const write of ["putAccount", "upsertAccount", "addSignals", "addSuppression"])
      expect(write in kb, write).toBe(false);
    expect(erasure && "find" in erasure).toBe(true);
    expect(erasure && "scrub" in erasure).toBe(false);
    await expect(
      kb.addSuppression({ kind: "person", value: "p", reason: "test" }, "2026-01-01T00:00:00.000Z"),
    ).rejects.toThrow("this function reads the kb store only (addSuppression is not among its reads");
    await expect(erasure?.scrub({} as never)).rejects.toThrow("reads the erasure store only (scrub");
    // Awaiting the store is not calling a method on it.
    expect((kb as unknown as { then?: unknown }).then).toBeUndefined();
  });

  // Their roles may not write the ledger, or they never do: the transitions, the sealing and the
  // ledger chain's writes are not in their bundles (decision-reader.ts).
  it.each([
    ["signals", SIGNALS_STORES],
    ["decision reads", DECISION_READ_STORES],
    ["replay", REPLAY_STORES],
    ["knowledge", KNOWLEDGE_STORES],
  ] as const)(
    "the %s set reads decisions only: the reader's methods, and a write names the store",
    async (_, stores) => {
      const { decisions } = createAwsRuntime(env, {}, stores).deps;
      for (const read of [
        "getDecision",
        "lastKnown",
        "getContactState",
        "queryDecisions",
        "decisionsBetween",
        "hasDecisionBy",
        "events",
      ] as const) {
        expect(decisions[read], read).toBe(DynamoDecisionReader.prototype[read]);
        expect(read in decisions, read).toBe(true);
      }
      for (const write of [
        "transition",
        "appendEvent",
        "commitDecision",
        "readGateContext",
        "deleteDue",
        "reviewTally",
      ]) {
        expect(write in decisions, write).toBe(false);
        await expect(
          (decisions as unknown as Record<string, (x?: unknown) => Promise<unknown>>)[write]?.({}),
        ).rejects.toThrow(`this function reads the decisions store only (${write} is not among its reads`);
      }
    },
  );

  it("a gate built from a lean set is given the stores it reads", () => {
    let given: Record<string, unknown> | undefined;
    createAwsRuntime(
      env,
      {
        gate: (deps) => {
          given = { decisions: deps.decisions, specs: deps.specs };
          return { propose: async () => ({}) as never };
        },
      },
      GATE_STORES,
    );
    expect(given?.decisions).toBeDefined();
    expect(given?.specs).toBeDefined();
  });

  it("only the gate's sets commit decisions; the others' decision stores refuse to", async () => {
    expect(createAwsRuntime(env, {}, MCP_STORES).deps.decisions).toBeInstanceOf(DynamoGateDecisionStore);
    // The proposals function's: the gate's read and commit over the core, no listings, no reviews.
    const proposals = createAwsRuntime(env, {}, GATE_STORES).deps.decisions;
    expect(proposals).toBeInstanceOf(DynamoProposalDecisionStore);
    expect(proposals).toBeInstanceOf(DynamoRecheckDecisionStore);
    expect(proposals).not.toBeInstanceOf(DynamoDecisionStore);
    await expect(proposals.queryDecisions({ status: "dispatched", limit: 1 })).rejects.toThrow(
      "DynamoDecisionStore",
    );
    for (const stores of [LIFECYCLE_STORES, RECONCILE_STORES, EXECUTOR_STORES, OUTCOME_STORES, ALL_STORES]) {
      const { decisions } = createAwsRuntime(env, {}, stores).deps;
      expect(decisions).not.toBeInstanceOf(DynamoGateDecisionStore);
      // Refused before any request: nothing here has a table to reach.
      await expect(decisions.commitDecision({} as never)).rejects.toThrow("DynamoGateDecisionStore");
    }
  });

  it("only the sets of functions that check or re-check read the gate's context; the others' stores refuse to", async () => {
    for (const stores of [MCP_STORES, RECONCILE_STORES, ALL_STORES])
      expect(createAwsRuntime(env, {}, stores).deps.decisions).toBeInstanceOf(DynamoCheckingDecisionStore);
    // The Release step and the executors re-check and list nothing: the core with the gate's read.
    for (const stores of [RELEASE_STORES, EXECUTOR_STORES]) {
      const { decisions } = createAwsRuntime(env, {}, stores).deps;
      expect(decisions).toBeInstanceOf(DynamoRecheckDecisionStore);
      expect(decisions).not.toBeInstanceOf(DynamoDecisionStore);
      // Refused before any request, naming the store that lists.
      await expect(decisions.queryDecisions({ status: "dispatched", limit: 1 })).rejects.toThrow(
        "DynamoDecisionStore",
      );
      await expect(decisions.dueItems(0, 1)).rejects.toThrow("DynamoDecisionStore");
      await expect(decisions.commitDecision({} as never)).rejects.toThrow("DynamoGateDecisionStore");
    }
    for (const stores of [LIFECYCLE_STORES, OUTCOME_STORES]) {
      const { decisions } = createAwsRuntime(env, {}, stores).deps;
      expect(decisions).not.toBeInstanceOf(DynamoCheckingDecisionStore);
      await expect(decisions.readGateContext({} as never)).rejects.toThrow("DynamoCheckingDecisionStore");
    }
  });

  it("the watchers read a decision by its id and an account's contact state, and list none", async () => {
    const { decisions } = createAwsRuntime(env, {}, WATCHER_STORES).deps;
    for (const read of ["getDecision", "lastKnown", "getContactState"] as const)
      expect(decisions[read], read).toBe(DynamoDecisionReads.prototype[read]);
    // An optional method it lacks is absent, as on a store without it: callers ask by reading it.
    expect(decisions.decisionsBetween).toBeUndefined();
    expect("decisionsBetween" in decisions).toBe(false);
    for (const other of ["queryDecisions", "events", "transition"] as const) {
      expect(other in decisions, other).toBe(false);
      await expect(decisions[other]({} as never)).rejects.toThrow(
        `this function reads the decisions store only (${other} is not among its reads`,
      );
    }
  });

  it("the outcome workers list decisions and read and append to their streams, and nothing more", async () => {
    const { decisions } = createAwsRuntime(env, {}, OUTCOME_STORES).deps;
    expect(decisions).toBeInstanceOf(DynamoDecisionEventsStore);
    expect(decisions).not.toBeInstanceOf(DynamoDecisionStore);
    await expect(decisions.decisionsBetween?.("a", "b", 1)).rejects.toThrow("DynamoDecisionStore");
    await expect(decisions.dueItems(0, 1)).rejects.toThrow("DynamoDecisionStore");
    // The full store is the events store with the rest of the listings.
    expect(createAwsRuntime(env, {}, LIFECYCLE_STORES).deps.decisions).toBeInstanceOf(
      DynamoDecisionEventsStore,
    );
  });

  it("the outcome workers read the KB and suppress in it, and write no record (no change feed in their bundles)", async () => {
    const { kb } = createAwsRuntime(env, {}, OUTCOME_STORES).deps;
    for (const method of ["getAccount", "getPerson", "personIdByEmail", "addSuppression"] as const)
      expect(method in kb, method).toBe(true);
    expect(kb.addSuppression).toBe(DynamoSuppressingReader.prototype.addSuppression);
    for (const write of ["putAccount", "upsertAccount", "putPerson", "addSignals"])
      expect(write in kb, write).toBe(false);
    await expect(kb.putAccount("acme", {} as never, "2026-01-01T00:00:00.000Z")).rejects.toThrow(
      "this function reads the kb (reads and suppressions) store only (putAccount is not among its reads",
    );
  });

  it("only the sets of functions that review count a review in its cell and an approval's later day; the others refuse a review", () => {
    const decision = { actionType: "email.send", context: {}, accountId: "a" } as never;
    const later = { counter: "channel#email", day: "2026-03-11", cap: 2 };
    const itemsOf = (stores: typeof ALL_STORES) => () =>
      (
        createAwsRuntime(env, {}, stores).deps.decisions as unknown as {
          reviewItems(d: unknown, t: unknown): { Update?: { Key: unknown } }[];
        }
      ).reviewItems(decision, { patch: { review: { action: "approved" } }, addCounters: [later] });
    // The reviews API and /mcp (and the local runtime) carry the tally and its rules code, and the
    // approval's counters for the day it goes out.
    for (const stores of [ALL_STORES, MCP_STORES, RECONCILE_STORES]) {
      expect(itemsOf(stores)).not.toThrow();
      expect(itemsOf(stores)().at(-1)?.Update?.Key).toEqual(stateKeys.counter(later.counter, later.day));
    }
    // The rest carry neither (1.3 KB less in each): a review there is refused, never left uncounted.
    for (const stores of [LIFECYCLE_STORES, OUTCOME_STORES, RELEASE_STORES, EXECUTOR_STORES, GATE_STORES])
      expect(itemsOf(stores)).toThrow("DynamoCheckingDecisionStore");
  });

  it("/mcp runs the gate: propose_action posts to /v1/proposals in process", () => {
    // Without it the deployed function answered propose_action with "this function has no gate".
    let gated = false;
    const extras = mcpExtras(env);
    createAwsRuntime(
      env,
      {
        ...extras,
        gate: (deps) => {
          gated = deps.decisions instanceof DynamoGateDecisionStore;
          return extras.gate?.(deps) as never;
        },
      },
      MCP_STORES,
    );
    expect(extras.gate).toBeTypeOf("function");
    expect(gated).toBe(true);
  });
});
