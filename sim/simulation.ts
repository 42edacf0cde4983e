/**
 * One simulated workspace: DynamoDB Local state, the gate, every registry agent, the simulated
 * market with its websites, enrichment and approver, on a simulated clock. `harness demo` drives it
 * headless as fast as it can; `harness start` drives it at a chosen speed behind the API.
 */
import { randomBytes } from "node:crypto";
import { SandboxConnectors } from "../shared/adapters/connectors/sandbox.ts";
import type { DynamoCredentials } from "../shared/adapters/dynamo/db.ts";
import type { DynamoEngine } from "../shared/adapters/dynamo-memory/engine.ts";
import { SimulatedClock } from "../shared/adapters/local/clock.ts";
import { LocalDeterministicModel } from "../shared/adapters/model/local-model.ts";
import type { ModelClient } from "../shared/agents/ports.ts";
import type { RunSummary } from "../shared/agents/runner.ts";
import { DAY } from "../shared/domain/time.ts";
import type { Embeddings } from "../shared/kb/ports.ts";
import { decayed, effectiveLevel, type StreamCounts, trustStats } from "../shared/learning/trust.ts";
import type { TokenStore } from "../shared/ports.ts";
import { attachAgents, type LocalAgents } from "../shared/runtime/agents-local.ts";
import { createLocalRuntime, type LocalRuntime } from "../shared/runtime/local.ts";
import { publishSpec } from "../shared/usecases/admin.ts";
import { allPages } from "../shared/usecases/pages.ts";
import { type SignalsTick, signalsTick } from "../shared/usecases/signals-refit.ts";
import { simAgents } from "./agents.ts";
import { simEnrichment } from "./enrichment.ts";
import { SimMarket } from "./market.ts";
import { MemoryTokenStore } from "./memory-tokens.ts";
import { simSpec } from "./spec.ts";
import { drawTruth, type MarketTruth } from "./truth.ts";
import { startWebsites } from "./website.ts";
import { generateWorld, type SimWorld } from "./world.ts";

/** Monday 2 March 2026, 00:00 in New York (the default workspace time zone). */
export const SIM_START = Date.parse("2026-03-02T05:00:00Z");
/** The override window is 30 minutes: a coarser step would hold scheduled actions back. */
export const STEP_MS = 30 * 60_000;

export interface TrustPoint {
  day: number;
  agentId: string;
  actionType: string;
  level: number;
  /** The trust score and its lower bound that day (learning/trust.ts), for the learning check's week-4 order. */
  score: number;
  lowerBound: number;
  /** The decayed streams behind the score (learning/trust.ts), so a score can be recomputed offline. */
  streams?: { reviews: StreamCounts; market: StreamCounts };
}

export interface Simulation {
  world: SimWorld;
  /** The market's hidden truths (only the sim and the demo's report read them). */
  truth: MarketTruth;
  /** Ids of every agent the workspace runs (the registry's and the sim's second writer). */
  agentIds: string[];
  rt: LocalRuntime;
  agents: LocalAgents;
  market: SimMarket;
  clock: SimulatedClock;
  sandbox: SandboxConnectors;
  runs: Map<string, { runs: number; failed: number; proposals: number }>;
  trust: TrustPoint[];
  /** The signals loop's daily turns (usecases/signals-refit.ts). */
  signals: { day: number; tick: SignalsTick }[];
  /** Advance one step: the market acts, then the agents and the gate's due-queue. Returns the new sim day on a day boundary. */
  step(): Promise<number | undefined>;
  close(): Promise<void>;
}

export async function startSimulation(options: {
  /** A DynamoDB Local (`harness start`, `harness demo --store dynamodb-local`)... */
  endpoint?: string;
  credentials?: DynamoCredentials;
  /** ... or the in-process engine (the demo's default: no JVM, a few times faster). */
  engine?: DynamoEngine;
  accounts: number;
  days: number;
  seed: number;
  /** false: agents ignore learned state (see sim/agents.ts). Default true. */
  learning?: boolean;
  outboxPath?: string;
  tokens?: TokenStore;
  onRun?: (s: RunSummary) => void;
  /** The agents' model (`harness start --model`); the deterministic local model by default. */
  model?: ModelClient;
  /** Memory searchable by meaning (`harness start --embeddings`); keyword search by default. */
  embeddings?: Embeddings;
}): Promise<Simulation> {
  const world = generateWorld({
    seed: options.seed,
    accounts: options.accounts,
    start: SIM_START,
    days: options.days,
  });
  const truth = drawTruth(options.seed);
  const agentDefs = simAgents(truth);
  const sites = await startWebsites(world);
  const clock = new SimulatedClock(SIM_START);
  const sandbox = new SandboxConnectors(options.outboxPath, () => clock.now());
  const rt = await createLocalRuntime({
    ...(options.engine
      ? { engine: options.engine }
      : { endpoint: options.endpoint, credentials: options.credentials }),
    tablePrefix: `sim${randomBytes(4).toString("hex")}`,
    clock,
    tokens: options.tokens ?? new MemoryTokenStore(),
    connector: sandbox,
    log: () => {},
    // The demo, `harness start` and the tests all run the simulated workspace on an in-memory database.
    inMemoryDatabase: true,
    ...(options.embeddings ? { embeddings: options.embeddings } : {}),
  });
  await publishSpec(rt.deps, simSpec(options.accounts, { learning: options.learning ?? true }), "sim-admin");
  const runs = new Map<string, { runs: number; failed: number; proposals: number }>();
  const agents = await attachAgents(rt, {
    agents: agentDefs,
    model: options.model ?? new LocalDeterministicModel(),
    enrichment: simEnrichment(world),
    web: sites.fetcher,
    onRun: (s) => {
      const r = runs.get(s.agentId) ?? { runs: 0, failed: 0, proposals: 0 };
      if (s.proposals.length > 0 || s.error) r.runs++;
      if (s.error) r.failed++;
      r.proposals += s.proposals.length;
      runs.set(s.agentId, r);
      options.onRun?.(s);
    },
  });
  const market = new SimMarket(world, truth, rt.deps, agents);
  const trust: TrustPoint[] = [];
  let day = 0;
  /** The signals loop's daily turns (usecases/signals-refit.ts), for the demo's learning report. */
  const signals: { day: number; tick: SignalsTick }[] = [];
  return {
    world,
    truth,
    agentIds: agentDefs.map((a) => a.id),
    rt,
    agents,
    market,
    clock,
    sandbox,
    runs,
    trust,
    signals,
    step: async () => {
      clock.advance(STEP_MS);
      await market.step(clock.now());
      await agents.tick();
      const d = Math.floor((clock.now() - SIM_START) / DAY);
      if (d <= day) return undefined;
      day = d;
      // The signals loop's daily turn (the scheduler's periodic tasks do not run in the simulation).
      signals.push({ day, tick: await signalsTick(rt.deps, agents.view) });
      const spec = await agents.view.spec();
      for (const t of await allPages((page) => rt.deps.trust.list(page))) {
        const action = spec.autonomy.actions[t.actionType];
        if (!action) continue;
        const now = decayed(t, clock.now(), spec.trust);
        const stats = trustStats(now, spec.trust);
        const r2 = (c: StreamCounts) => ({
          success: Number(c.success.toFixed(2)),
          failure: Number(c.failure.toFixed(2)),
        });
        trust.push({
          day,
          agentId: t.agentId,
          actionType: t.actionType,
          level: effectiveLevel(t, action).level,
          score: Number(stats.score.toFixed(3)),
          lowerBound: Number(stats.lowerBound.toFixed(3)),
          streams: { reviews: r2(now.reviews), market: r2(now.market) },
        });
      }
      return day;
    },
    close: async () => {
      await agents.stop();
      await sites.close();
      await rt.close();
    },
  };
}
