/**
 * Wires the agents into the local runtime: the KB change feed, the watchers (KB events, record
 * ingest, learning), every registry agent on its triggers (bus events, cron on the runtime's clock,
 * manual runs through the API) and the durable retry queue for deferred proposals. Dispatched
 * decisions are executed by the local runtime's own event route, as in AWS. Events of one account
 * are handled in arrival order (accounts in parallel lanes), so a simulated run stays close to
 * reproducible.
 */
import { randomUUID } from "node:crypto";
import { DynamoAgentKnowledgeStore } from "../adapters/dynamo/agent-kb-store.ts";
import { DynamoRetryStore } from "../adapters/dynamo/agent-retry-store.ts";
import { DynamoRunClaims, manualRunClaim, manualRunStatus } from "../adapters/dynamo/agent-run-claims.ts";
import { decisionStatus } from "../adapters/dynamo/decision-status.ts";
import { DynamoLearnedStore } from "../adapters/dynamo/learned-store.ts";
import type { DynamoMemoryStore } from "../adapters/dynamo/memory-store.ts";
import { LocalDeterministicModel } from "../adapters/model/local-model.ts";
import { type Cron, nextFire, parseCron } from "../agents/cron.ts";
import type { AgentDefinition } from "../agents/definition.ts";
import type { EnrichmentSource, ModelClient, WebFetcher } from "../agents/ports.ts";
import { agentRegistry } from "../agents/registry.ts";
import { runOutcome } from "../agents/run-status.ts";
import { AgentRunner, type RunSummary } from "../agents/runner.ts";
import { ingestExecuted } from "../agents/watchers/ingest.ts";
import { KB_WATCHER_EVENTS, watchKnowledge } from "../agents/watchers/kb-watcher.ts";
import { learnFrom } from "../agents/watchers/learning.ts";
import { NotFoundError } from "../domain/errors.ts";
import { newId } from "../domain/ids.ts";
import { ObservedKnowledgeStore } from "../kb/observed-store.ts";
import { KnowledgeView } from "../kb/view.ts";
import type { DomainEvent } from "../ports.ts";
import type { Principal } from "../usecases/principal.ts";
import { claimedRun } from "./claimed-run.ts";
import { DecisionReadCache } from "./decision-read-cache.ts";
import type { LocalRuntime } from "./local.ts";

/** How long, and how many, named manual runs are kept to answer a retried request (deps.agents.run). */
const NAMED_RUNS_KEPT_MS = 24 * 3_600_000;
const MAX_NAMED_RUNS = 1_000;
/** A local manual run is delivered once: its failure is final (in AWS Lambda retries it). */
const LOCAL_DELIVERIES = 1;

/** Events of different accounts are handled concurrently, in arrival order within an account. */
const LANES = 6;

export interface LocalAgentsOptions {
  agents?: AgentDefinition[];
  model?: ModelClient;
  enrichment?: EnrichmentSource;
  web?: WebFetcher;
  log?: (msg: string, data: Record<string, unknown>) => void;
  /** Called after each agent run (the demo counts proposals per agent). */
  onRun?: (summary: RunSummary) => void;
}

type Observer = (event: DomainEvent) => Promise<void>;

export interface LocalAgents {
  runner: AgentRunner;
  view: KnowledgeView;
  stores: {
    agentKb: DynamoAgentKnowledgeStore;
    learned: DynamoLearnedStore;
    memory: DynamoMemoryStore;
    retries: DynamoRetryStore;
  };
  /** Due crons and retries, the gate's due-queue, then every event until the bus is quiet. */
  tick(): Promise<void>;
  /** Process queued events (and those they cause) until none is left. */
  drain(): Promise<void>;
  run(agentId: string, input: unknown, by: string): Promise<RunSummary>;
  /** Also deliver these events to `fn`, in order, inside the same queue (the simulated market). */
  observe(type: string, fn: Observer): void;
  /** Real-time mode: tick every `intervalMs`. */
  start(intervalMs: number): void;
  stop(): Promise<void>;
}

export async function attachAgents(rt: LocalRuntime, options: LocalAgentsOptions = {}): Promise<LocalAgents> {
  const log = options.log ?? (() => {});
  const agents = options.agents ?? agentRegistry;
  const deps = rt.deps;
  const agentKb = new DynamoAgentKnowledgeStore(rt.db);
  const learned = new DynamoLearnedStore(rt.db);
  const memory = rt.memory;
  const retries = new DynamoRetryStore(rt.db);
  // The change feed: the API and the use cases write through the same object, now observed.
  const kb = new ObservedKnowledgeStore(deps.kb, rt.bus);
  deps.kb = kb;
  const cache = new DecisionReadCache(deps.decisions);
  const decisions = cache.view();
  const view = new KnowledgeView({
    clock: deps.clock,
    kb,
    agentKb,
    learned,
    memory,
    specs: deps.specs,
    decisions,
    decisionStatus: (id) => decisionStatus(rt.db, id),
  });

  const nextRetry = new Map<string, number>();
  // Dispatched decisions are executed by the runtime's execute-allowed route on decision.made (the
  // same route EventBridge has in AWS), so the runner only proposes.
  const runner = new AgentRunner(agents, {
    clock: deps.clock,
    gate: deps.gate,
    kb: view,
    model: options.model ?? new LocalDeterministicModel(),
    retries: {
      add: async (r) => {
        await retries.add(r);
        nextRetry.set(r.agentId, Math.min(nextRetry.get(r.agentId) ?? Number.POSITIVE_INFINITY, r.at));
      },
      due: (agentId, now, limit) => retries.due(agentId, now, limit),
      remove: (r) => retries.remove(r),
    },
    ...(options.enrichment ? { enrichment: options.enrichment } : {}),
    ...(options.web ? { web: options.web } : {}),
    log,
  });
  for (const a of agents) {
    const at = await retries.next(a.id);
    if (at !== undefined) nextRetry.set(a.id, at);
  }

  const queue: DomainEvent[] = [];
  rt.bus.subscribe("*", async (e) => {
    const id = e.detail.decisionId;
    if (typeof id === "string") cache.invalidate(id);
    queue.push(e);
  });
  const observers = new Map<string, Observer[]>();
  const observe = (type: string, fn: Observer) => observers.set(type, [...(observers.get(type) ?? []), fn]);
  const watcherDeps = { clock: deps.clock, events: rt.bus, agentKb, view };
  for (const t of KB_WATCHER_EVENTS) observe(t, (e) => watchKnowledge(watcherDeps, e));
  const ingestDeps = {
    clock: deps.clock,
    events: rt.bus,
    decisions,
    kb,
    agentKb,
    memory,
    view,
  };
  observe("decision.transitioned", (e) => ingestExecuted(ingestDeps, e));
  const learningDeps = { decisions, learned };
  observe("decision.transitioned", (e) => learnFrom(learningDeps, e));
  observe("outcome.recorded", (e) => learnFrom(learningDeps, e));

  const byEvent = new Map<string, AgentDefinition[]>();
  const crons: { agent: AgentDefinition; expr: string; cron: Cron; next: number }[] = [];
  const spec = await deps.specs.current();
  const tz = spec?.spec.workspace.timezone ?? "UTC";
  for (const a of agents) {
    for (const t of a.triggers) {
      if (t.kind === "event") byEvent.set(t.eventType, [...(byEvent.get(t.eventType) ?? []), a]);
      if (t.kind === "schedule") {
        const cron = parseCron(t.cron);
        crons.push({ agent: a, expr: t.cron, cron, next: nextFire(cron, deps.clock.now(), tz) });
      }
    }
  }

  const report = (s: RunSummary) => {
    options.onRun?.(s);
    return s;
  };

  const handle = async (event: DomainEvent) => {
    for (const fn of observers.get(event.type) ?? []) {
      try {
        await fn(event);
      } catch (err) {
        log("event handler failed", { type: event.type, error: (err as Error).message });
      }
    }
    for (const a of byEvent.get(event.type) ?? []) report(await runner.run(a.id, { kind: "event", event }));
  };
  let draining: Promise<void> | undefined;
  const drainOnce = async () => {
    for (;;) {
      await rt.bus.drain();
      if (queue.length === 0) return;
      // Everything queued so far, split into per-account lanes; what it causes is the next round.
      const lanes = new Map<string, DomainEvent[]>();
      for (const e of queue.splice(0)) {
        const lane = typeof e.detail.accountId === "string" ? e.detail.accountId : "";
        lanes.set(lane, [...(lanes.get(lane) ?? []), e]);
      }
      const work = [...lanes.values()];
      await Promise.all(
        Array.from({ length: Math.min(LANES, work.length) }, async () => {
          for (let lane = work.shift(); lane; lane = work.shift()) for (const e of lane) await handle(e);
        }),
      );
    }
  };
  const drain = async () => {
    while (draining) await draining;
    draining = drainOnce().finally(() => {
      draining = undefined;
    });
    return draining;
  };

  let ticking: Promise<void> | undefined;
  const tickOnce = async () => {
    await drain();
    await rt.scheduler.tick();
    await drain();
    const now = deps.clock.now();
    const workspaceTz = (await view.spec()).workspace.timezone;
    for (const c of crons) {
      if (now < c.next) continue;
      const at = c.next;
      // A clock that jumped over several firings fires once: the agents work on the present.
      c.next = nextFire(c.cron, now, workspaceTz);
      report(await runner.run(c.agent.id, { kind: "schedule", at, cron: c.expr }));
      await drain();
    }
    for (const a of agents) {
      const at = nextRetry.get(a.id);
      if (at === undefined || at > now) continue;
      report(await runner.runDueRetries(a.id));
      const next = await retries.next(a.id);
      if (next === undefined) nextRetry.delete(a.id);
      else nextRetry.set(a.id, next);
      await drain();
    }
  };
  const tick = async () => {
    while (ticking) await ticking;
    ticking = tickOnce().finally(() => {
      ticking = undefined;
    });
    return ticking;
  };

  const run = async (agentId: string, input: unknown, by: string, runId?: string) => {
    const summary = await runner.run(
      agentId,
      { kind: "manual", input, by, ...(runId ? { runId } : {}) },
      { rethrow: true },
    );
    await drain();
    return report(summary);
  };
  // Runs a request named (its Idempotency-Key), for a day: the same request again (a client's retry
  // after a timeout) answers the first one's run instead of running the agent twice. A failed run is
  // forgotten, so its retry runs. In AWS the agent function's run claim does this (agent-handler.ts).
  const named = new Map<string, { at: number; result: Promise<unknown> }>();
  // Every manual run is recorded as in AWS, under its run id (its claim, with how it ended), so that
  // GET /v1/agents/{agentId}/runs/{runId} reads the same here; after a restart the claim is what
  // answers a request sent again. Locally the run happens within the request, so a failed one is
  // over: nothing retries it (LOCAL_DELIVERIES).
  const runClaims = new DynamoRunClaims(rt.db);
  const clockNow = () => deps.clock.now();
  const recordedRun = async (agentId: string, input: unknown, by: string, runId: string) => {
    const claim = { agentId, ...manualRunClaim(runId), continuation: 0, holder: randomUUID() };
    const claimed = await claimedRun(
      { claims: runClaims, now: clockNow, warn: log },
      claim,
      async (ended) => {
        const summary = await run(agentId, input, by, runId);
        ended(runOutcome(summary, undefined, false));
        return { ...summary, runId };
      },
    );
    if (claimed) return claimed.result;
    // Run before under this id (the request sent again after a restart): what became of that run,
    // not kept as this request's answer (a run still holding its claim may die; once its lease has
    // lapsed, the request sent again runs it).
    named.delete(runId);
    return status(agentId, runId);
  };
  const status = async (agentId: string, runId: string) => {
    if (!agents.some((a) => a.id === agentId)) throw new NotFoundError(`no agent ${agentId}`);
    return manualRunStatus(rt.db, agentId, runId, clockNow(), LOCAL_DELIVERIES);
  };
  // The manual-run route (POST /v1/agents/list-sync/run) reaches the agents through this hook.
  deps.agents = {
    run: async (agentId: string, input: unknown, principal: Principal, runId?: string) => {
      if (runId === undefined) return recordedRun(agentId, input, principal.subject, newId("run"));
      const now = Date.now();
      for (const [id, kept] of named) {
        if (now - kept.at < NAMED_RUNS_KEPT_MS && named.size < MAX_NAMED_RUNS) break;
        named.delete(id);
      }
      const seen = named.get(runId);
      if (seen) return seen.result;
      const result = recordedRun(agentId, input, principal.subject, runId);
      named.set(runId, { at: now, result });
      result.catch(() => named.delete(runId));
      return result;
    },
    status,
  };

  let timer: NodeJS.Timeout | undefined;
  return {
    runner,
    view,
    stores: { agentKb, learned, memory, retries },
    tick,
    drain,
    run,
    observe,
    start: (intervalMs) => {
      timer = setInterval(() => {
        void tick().catch((err) => log("agent tick failed", { error: (err as Error).message }));
      }, intervalMs);
      timer.unref();
    },
    stop: async () => {
      if (timer) clearInterval(timer);
      timer = undefined;
      while (ticking) await ticking;
      await drain();
    },
  };
}
