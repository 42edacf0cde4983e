import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DownstreamTools } from "../adapters/connectors/mcp-downstream-tools.ts";
import { DynamoAgentKnowledgeStore } from "../adapters/dynamo/agent-kb-store.ts";
import { DynamoConsoleReader } from "../adapters/dynamo/console-reader.ts";
import { PageCursors } from "../adapters/dynamo/cursor.ts";
import { DataKeys } from "../adapters/dynamo/data-keys.ts";
import { createDb, type Db, type DynamoCredentials } from "../adapters/dynamo/db.ts";
import { DynamoDraftStore } from "../adapters/dynamo/draft-store.ts";
import { DynamoErasureStore } from "../adapters/dynamo/erasure-store.ts";
import { DynamoFlipStore } from "../adapters/dynamo/flip-store.ts";
import { DynamoGateDecisionStore } from "../adapters/dynamo/gate-decision-store.ts";
import { DynamoKnowledgeStore } from "../adapters/dynamo/kb-store.ts";
import { DynamoLearnedStore } from "../adapters/dynamo/learned-store.ts";
import { DynamoLedgerReader } from "../adapters/dynamo/ledger-reader.ts";
import { DynamoMemoryStore } from "../adapters/dynamo/memory-store.ts";
import { DynamoPauseStore } from "../adapters/dynamo/pause-store.ts";
import { DynamoOutcomeRowReader } from "../adapters/dynamo/report-reader.ts";
import { DynamoSpecStore } from "../adapters/dynamo/spec-store.ts";
import { ensureTables, tableNames } from "../adapters/dynamo/tables.ts";
import { DynamoTrustStore } from "../adapters/dynamo/trust-store.ts";
import type { DynamoEngine } from "../adapters/dynamo-memory/engine.ts";
import { LocalBus } from "../adapters/local/bus.ts";
import { loadOrCreateCursorKey } from "../adapters/local/cursor-key.ts";
import { FileArchive, MemoryArchive } from "../adapters/local/file-archive.ts";
import { LocalKeyWrapper, loadMasterKey, throwawayMasterKey } from "../adapters/local/key-wrapper.ts";
import { SandboxConnector } from "../adapters/local/sandbox-connector.ts";
import { LocalScheduler } from "../adapters/local/scheduler.ts";
import { FileTokenStore } from "../adapters/local/token-store.ts";
import type { AppDeps, ClockControl } from "../http/routes.ts";
import type { Embeddings } from "../kb/ports.ts";
import { KnowledgeView } from "../kb/view.ts";
import { type Clock, type Connector, noApprovalSignal, type TokenStore } from "../ports.ts";
import { publishSpec } from "../usecases/admin.ts";
import { Gate } from "../usecases/gate.ts";
import { dailyDigest } from "../usecases/ledger-digest.ts";
import { execute, expire, recoverDispatched, release } from "../usecases/lifecycle.ts";
import { heldBack } from "../usecases/redrive-checks.ts";
import { dailySignalsTick } from "../usecases/signals-refit.ts";
import { settleDecision } from "../usecases/trust-evidence.ts";
import { EVENT_ROUTES, subscribeRoutes } from "./event-routes.ts";
import { Executions } from "./executions.ts";

export const DEFAULT_SPEC_PATH = fileURLToPath(new URL("../specs/default.yaml", import.meta.url));
export const defaultSpecText = () => readFileSync(DEFAULT_SPEC_PATH, "utf8");

export interface LocalRuntimeOptions {
  /** The DynamoDB Local to use and the key it was started with (see `startDynamoLocal`). */
  endpoint?: string;
  credentials?: DynamoCredentials;
  /**
   * The in-process engine instead of a DynamoDB Local (then no endpoint): simulated-clock runs only,
   * as it keeps nothing on disk (adapters/dynamo-memory/engine.ts).
   */
  engine?: DynamoEngine;
  tablePrefix: string;
  clock: Clock & Partial<ClockControl>;
  simulated?: boolean;
  /** Where the sandbox connector writes its outbox; in memory only when omitted. */
  outboxPath?: string;
  tokenPath?: string;
  tokens?: TokenStore;
  /** The pagination key file (`harness serve`: in the data dir); a per-process key when omitted. */
  cursorKeyPath?: string;
  connector?: Connector;
  log?: (msg: string, data: Record<string, unknown>) => void;
  /**
   * Subscribe the workers of the event route table (the executor of allowed actions). Default true;
   * false for a process that only decides, e.g. a test that drives execution step by step.
   */
  runWorkers?: boolean;
  /**
   * How long a send attempt may go without a recorded result before reconciliation, if no execution
   * in this process is running it, marks it in_doubt. Default DISPATCH_GRACE_MS.
   */
  dispatchGraceMs?: number;
  /**
   * The file holding the master key that wraps persons' data keys (`harness serve`: in the data dir).
   * Without it, a key derived from the endpoint: only for throwaway databases (tests).
   */
  masterKeyPath?: string;
  /**
   * The archive folder (`<dataDir>/archive/`): ledger digests are written there, once a day on the
   * scheduler's clock and by `harness ledger digest`. In memory, and no daily digest, when omitted.
   */
  archiveDir?: string;
  /**
   * The DynamoDB Local runs in memory (`-inMemory`): transactions then need no durability barrier
   * (db.ts), as there is no disk they could be missing from after a crash. Default false.
   */
  inMemoryDatabase?: boolean;
  /**
   * Downstream MCP servers (connectors file `mcp`): decisions of the action types the spec maps to
   * their tools call those tools, and GET /v1/tools lists them for agents. Started by the caller.
   */
  downstream?: DownstreamTools;
  /**
   * Memory searchable by meaning (adapters/embeddings/select.ts: `harness serve --embeddings ...`);
   * keyword search alone when omitted.
   */
  embeddings?: Embeddings;
}

const localMasterKey = (o: LocalRuntimeOptions) =>
  o.masterKeyPath ? loadMasterKey(o.masterKeyPath) : throwawayMasterKey(o.endpoint ?? "in-process");

/**
 * The connectors' own budget for one send (per-call timeouts times retries, about 45 s) with margin:
 * an attempt older than this with nothing running it in this process was lost with its process.
 */
export const DISPATCH_GRACE_MS = 2 * 60_000;

export interface LocalRuntime {
  deps: AppDeps;
  db: Db;
  bus: LocalBus;
  scheduler: LocalScheduler;
  connector: Connector;
  /** Memory, as the API adds to it and searches it; the agents read and write the same store. */
  memory: DynamoMemoryStore;
  /**
   * Reconcile dispatched decisions nobody here is executing (see recoverDispatched): at startup, and
   * after every scheduler poll while the loop runs (unless the runtime was built without workers).
   */
  reconcile(): Promise<{ executed: number; inDoubt: number; heldBack: number; unchecked: number }>;
  close(): Promise<void>;
}

/**
 * The embedded default's wiring: the same DynamoDB adapters as in AWS (against DynamoDB Local), the
 * in-process bus, the polled due-queue scheduler and the sandbox connector.
 */
export async function createLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const log = options.log ?? ((msg, data) => console.error(JSON.stringify({ level: "error", msg, ...data })));
  if (!options.engine && !options.endpoint)
    throw new Error("the local runtime needs a DynamoDB Local endpoint or the in-process engine");
  const db = createDb({
    tables: tableNames(options.tablePrefix),
    ...(options.engine
      ? { engine: options.engine }
      : { endpoint: options.endpoint, credentials: options.credentials }),
    ...(options.inMemoryDatabase ? { durabilityBarrier: false } : {}),
  });
  // TTL sweeping only where expiry times come from the real clock. A clock that can be set is a
  // simulated one (the demo, harness start, tests), whatever `simulated` says: DynamoDB Local sweeps
  // by the wall clock within seconds, so counters, contact states and learning markers stamped in a
  // simulated past vanished mid-run (a release then found its counter missing).
  const settableClock = Boolean(options.clock.set || options.clock.advance);
  await ensureTables(db.raw, db.tables, { ttl: !options.simulated && !settableClock });
  const bus = new LocalBus((err, event) =>
    log("subscriber failed", { type: event.type, error: (err as Error).message }),
  );
  const clock = options.clock;
  const connector = options.connector ?? new SandboxConnector(options.outboxPath, () => clock.now());
  // What this process is executing: reconciliation never marks those in_doubt.
  const executions = new Executions();
  const keys = new DataKeys(db, new LocalKeyWrapper(localMasterKey(options)));
  // Cursors reach clients: signed with the data directory's key, so they survive a restart.
  const cursors = options.cursorKeyPath
    ? new PageCursors(loadOrCreateCursorKey(options.cursorKeyPath))
    : PageCursors.ephemeral();
  const decisions = new DynamoGateDecisionStore(db, keys, cursors);
  // This process is the only writer of its tables, and every publish in it is seen at once by the
  // store (spec-store.ts): its read of the current spec needs no age limit.
  const specs = new DynamoSpecStore(db, { currentMaxAgeMs: Number.POSITIVE_INFINITY });
  const base = {
    clock,
    decisions,
    specs,
    trust: new DynamoTrustStore(db, cursors),
    pauses: new DynamoPauseStore(db),
    kb: new DynamoKnowledgeStore(db),
    tokens: options.tokens ?? new FileTokenStore(options.tokenPath ?? join(".harness", "tokens.json")),
    events: bus,
    connector: executions.watch(options.downstream?.connector(connector, specs) ?? connector),
    approvals: noApprovalSignal,
    erasure: new DynamoErasureStore(db, keys),
    flips: new DynamoFlipStore(db, cursors),
    drafts: new DynamoDraftStore(db, cursors),
    log: (msg: string, data: Record<string, unknown>) => log(msg, data),
  };
  const memory = new DynamoMemoryStore(db, {
    ...(options.embeddings ? { embeddings: options.embeddings } : {}),
    log: (msg, data) => log(msg, data ?? {}),
  });
  const ledgerIntegrity = {
    ledger: new DynamoLedgerReader(db),
    digests: options.archiveDir ? new FileArchive(options.archiveDir) : new MemoryArchive(),
  };
  const deps: AppDeps = {
    ...base,
    gate: new Gate(base),
    ledgerIntegrity,
    reports: new DynamoOutcomeRowReader(db),
    consoleReads: new DynamoConsoleReader(db),
    // What agents of any framework read over the API and MCP: the built-in agents' view of the KB.
    knowledge: new KnowledgeView({
      ...base,
      agentKb: new DynamoAgentKnowledgeStore(db),
      learned: new DynamoLearnedStore(db),
      memory,
    }),
    memory,
    ...(options.downstream ? { tools: options.downstream.catalog(specs) } : {}),
    // The local server serves the web console at its root (shared/console/).
    consoleUrl: "/",
    ...(options.simulated && options.clock.set && options.clock.advance
      ? { clockControl: options.clock as ClockControl }
      : {}),
    // Work after the response runs on the bus's tracked queue, so `bus.drain()` waits for it too.
    afterResponse: (work) =>
      bus.track(work, (err) => log("background work failed", { error: (err as Error).message })),
  };
  if (!(await deps.specs.current())) await publishSpec(deps, defaultSpecText(), "harness");
  // The same event route table the CDK app turns into EventBridge rules.
  if (options.runWorkers !== false)
    subscribeRoutes(bus, EVENT_ROUTES, (target) =>
      "worker" in target && target.worker === "execute-allowed"
        ? async (event) => {
            const id = String(event.detail.decisionId);
            await executions.run(id, () => execute(deps, id));
          }
        : undefined,
    );
  const scheduler = new LocalScheduler(
    decisions,
    {
      release: (id) =>
        executions.run(id, async () => {
          const d = await release(deps, id);
          if (d?.status === "dispatched") await execute(deps, id);
        }),
      expire: (id) => expire(deps, id),
      settle: (id) => settleDecision(deps, id),
    },
    () => clock.now(),
    (err, item) =>
      log("scheduled work failed", {
        decisionId: item.decisionId,
        kind: item.kind,
        error: (err as Error).message,
      }),
    { log },
  );
  const graceMs = options.dispatchGraceMs ?? DISPATCH_GRACE_MS;
  const reconcile = () =>
    recoverDispatched(deps, graceMs, {
      inFlight: (id) => executions.has(id),
      // Handed to the tracked background work (bus.drain waits for it), so the scheduler loop never
      // waits on a send: a hung connector would stop every poll behind it.
      startExecution: (id) =>
        bus.track(
          () => executions.run(id, () => execute(deps, id)),
          (err) => log("reconciled execution failed", { decisionId: id, error: (err as Error).message }),
        ),
      recheck: (d) => heldBack(deps.decisions, d, clock.now()),
    });
  // A process without workers leaves execution to its driver (a test stepping through it).
  if (options.runWorkers !== false)
    scheduler.addTask({
      name: "reconcile dispatched",
      run: async () => {
        const r = await reconcile();
        if (r.executed > 0 || r.inDoubt > 0 || r.heldBack > 0 || r.unchecked > 0)
          log("reconciled dispatched decisions", r);
      },
    });
  // Once a day on the scheduler's clock: the signals loop (a refit as a weights draft, or its adoption).
  if (options.runWorkers !== false)
    scheduler.addTask({
      name: "signals refit",
      run: dailySignalsTick(
        deps,
        (o) => {
          if ("error" in o) log("signals refit failed", { error: (o.error as Error).message });
          else if (o.action === "adopted" || (o.action === "refit" && o.created))
            log(`signals loop: ${o.action}`, { draftId: o.draft.draftId });
        },
        deps.knowledge,
      ),
    });
  // Once a day on the scheduler's clock: the ledger digest, into the archive folder.
  if (options.archiveDir)
    scheduler.addTask({
      name: "ledger digest",
      run: dailyDigest({ ...ledgerIntegrity, clock }, (outcome) => {
        if ("error" in outcome) log("ledger digest failed", { error: (outcome.error as Error).message });
        else if (!outcome.written)
          log("the ledger does not verify since the last digest: no digest written (harness ledger verify)", {
            problems: outcome.verified.problems.length + outcome.verified.moreProblems,
          });
      }),
    });
  return {
    deps,
    db,
    bus,
    scheduler,
    connector,
    memory,
    reconcile,
    close: async () => {
      scheduler.stop();
      await bus.drain();
      db.raw.destroy();
    },
  };
}
