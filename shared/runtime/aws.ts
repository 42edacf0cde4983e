/**
 * The AWS wiring: the same DynamoDB adapters as the embedded default, EventBridge for events, and
 * whatever extra adapters a function needs (connector, approval signal), passed in by the entry so a
 * bundle only contains the SDK clients its function uses. Mirrors shared/runtime/local.ts.
 *
 * The stores too are the entry's choice (a StoreSet, aws-stores.ts): a function built with the stores
 * it reads carries no other store's adapter (issue 11, item 8). A store it was not given fails loudly
 * when read, naming the store, as a function without a connector or a gate does.
 */

import { EventBridgePublisher } from "../adapters/aws/event-bridge-publisher.ts";
import { noTokenStore } from "../adapters/aws/no-token-store.ts";
import { PageCursors } from "../adapters/dynamo/cursor.ts";
import { DataKeys } from "../adapters/dynamo/data-keys.ts";
import type { Db } from "../adapters/dynamo/db.ts";
import { systemClock } from "../adapters/local/clock.ts";
import type { AppDeps } from "../http/routes.ts";
import {
  type ApprovalSignal,
  type Clock,
  type Connector,
  type EventPublisher,
  noApprovalSignal,
} from "../ports.ts";
import { STREAM_PUBLISHED_EVENTS } from "../usecases/decision-events.ts";
import type { GateDeps } from "../usecases/gate.ts";
import type { LedgerVerifyDeps } from "../usecases/ledger-verify.ts";
import { createAwsDb } from "./aws-db.ts";
import { type AwsEnv, ConfigError, required } from "./aws-env.ts";
import { awsKeyWrapper } from "./aws-keys.ts";
import type { KnowledgeBase } from "./aws-memory.ts";

export interface AwsExtras {
  clock?: Clock;
  /** Only the executors get one; everyone else fails loudly if they ever try to act. */
  connector?: (db: Db, clock: Clock) => Connector;
  /** Only the review routes release waiting workflows. */
  approvals?: (db: Db) => ApprovalSignal;
  events?: EventPublisher;
  /**
   * Only the API functions that paginate, and the erasure, which keeps its search's cursor between
   * requests, get the deployment's cursor key (aws-cursors.ts); for everyone else cursors never leave
   * the container, and a per-container key will do.
   */
  cursors?: PageCursors;
  /** Only the admin API function verifies the ledger and writes digests (aws-ledger.ts). */
  ledgerIntegrity?: (db: Db) => LedgerVerifyDeps;
  /**
   * Only the proposals API runs the gate (`(deps) => new Gate(deps)`): the spec's evaluation, with
   * RE2 for persona patterns, is in no other function's bundle.
   */
  gate?: (deps: GateDeps) => AppDeps["gate"];
  /**
   * Only the functions that serve memory and context packets (the knowledge API function and /mcp)
   * build the knowledge view (aws-memory.ts), from the stores this runtime already holds.
   */
  memory?: (db: Db, base: KnowledgeBase) => Pick<AppDeps, "memory" | "knowledge">;
  /** Only the functions serving GET /v1/tools and /mcp list downstream MCP tools (deployed-mcp.ts). */
  tools?: (db: Db) => NonNullable<AppDeps["tools"]>;
}

const noConnector: Connector = {
  execute: async () => {
    throw new ConfigError("this function has no connector: only the executor functions call connectors");
  },
};

const noGate: AppDeps["gate"] = {
  propose: async () => {
    throw new ConfigError("this function has no gate: only the proposals API function proposes");
  },
};

export { createAwsDb };

/** What a store is built from: the runtime's table client, data keys, cursors, event feed and clock. */
export interface StoreParts {
  db: Db;
  keys: DataKeys;
  cursors: PageCursors;
  events: EventPublisher;
  clock: Clock;
}

export const STORE_KEYS = [
  "decisions",
  "specs",
  "trust",
  "pauses",
  "kb",
  "erasure",
  "flips",
  "drafts",
  "reports",
  "consoleReads",
] as const;
export type StoreKey = (typeof STORE_KEYS)[number];

/** The stores a function reads, each built from the runtime's parts (aws-stores.ts has them all). */
export type StoreSet = { [K in StoreKey]?: (parts: StoreParts) => NonNullable<AppDeps[K]> };

/** Getters that fail, naming the store, for each store a function was not built with. */
function withoutStores<T extends object>(deps: T, stores: StoreSet): T {
  for (const key of STORE_KEYS)
    if (!(key in stores))
      Object.defineProperty(deps, key, {
        enumerable: false,
        get() {
          throw new ConfigError(
            `this function was built without the ${key} store: its entry lists the stores it reads (shared/runtime/aws-stores.ts)`,
          );
        },
      });
  return deps;
}

export interface AwsRuntime {
  env: AwsEnv;
  db: Db;
  deps: AppDeps;
  /** Whether cursors are signed with the deployment's key (good in every container). */
  sharedCursors?: boolean;
}

export function createAwsRuntime(env: AwsEnv, extras: AwsExtras, stores: StoreSet): AwsRuntime {
  const db = createAwsDb(env);
  const clock = extras.clock ?? systemClock;
  let publisher: EventPublisher | undefined = extras.events;
  // Built on first publish: functions that never publish (archiver) need no bus name. Decision
  // events are left out: the ledger stream publishes them (functions/ledger/workflow-starter.ts), so
  // no request waits for a PutEvents after its commit.
  const events: EventPublisher = {
    publish: async (batch) => {
      const own = batch.filter((e) => !STREAM_PUBLISHED_EVENTS.has(e.type));
      if (own.length === 0) return;
      publisher ??= EventBridgePublisher.create(required(env, "EVENT_BUS_NAME"), env.AWS_REGION);
      return publisher.publish(own);
    },
  };
  const parts: StoreParts = {
    db,
    keys: new DataKeys(db, awsKeyWrapper(env)),
    cursors: extras.cursors ?? PageCursors.ephemeral(),
    events,
    clock,
  };
  const built: Record<string, unknown> = {};
  for (const [key, make] of Object.entries(stores)) built[key] = (make as (p: StoreParts) => unknown)(parts);
  const base = withoutStores(
    {
      ...(built as Pick<AppDeps, StoreKey>),
      clock,
      tokens: noTokenStore,
      events,
      connector: extras.connector ? extras.connector(db, clock) : noConnector,
      approvals: extras.approvals ? extras.approvals(db) : noApprovalSignal,
      // One JSON line to the function's log, as Powertools writes its own.
      log: (msg: string, data: Record<string, unknown>) =>
        console.error(JSON.stringify({ level: "ERROR", message: msg, ...data })),
    },
    stores,
  );
  // No afterResponse: in AWS, execution after a response is EventBridge's and Step Functions' job.
  const deps: AppDeps = Object.assign(base, {
    gate: extras.gate ? extras.gate(base) : noGate,
    ...(extras.ledgerIntegrity ? { ledgerIntegrity: extras.ledgerIntegrity(db) } : {}),
    ...(extras.memory ? extras.memory(db, base) : {}),
    ...(extras.tools ? { tools: extras.tools(db) } : {}),
  });
  return { env, db, deps, sharedCursors: extras.cursors !== undefined };
}
