/**
 * `harness demo`: a time-compressed run of the whole system, headless, as fast as it goes. Returns
 * what the report prints and what the CI test asserts.
 */
import type { SandboxOutboxEntry } from "../shared/adapters/connectors/sandbox.ts";
import type { DynamoLocalConnection } from "../shared/adapters/dynamo/db.ts";
import {
  formatProfile,
  profileRoundTrips,
  profilingRequested,
  type RoundTripProfile,
} from "../shared/adapters/dynamo/profile.ts";
import { DynamoEngine } from "../shared/adapters/dynamo-memory/engine.ts";
import { type DynamoLocal, startDynamoLocal } from "../shared/adapters/local/dynamodb-local.ts";
import type { Decision, LedgerEvent } from "../shared/domain/decision.ts";
import { streams } from "../shared/domain/decision.ts";
import { decayed, effectiveLevel, evidenceOf, trustStats } from "../shared/learning/trust.ts";
import type { DecisionStore } from "../shared/ports.ts";
import { allPages } from "../shared/usecases/pages.ts";
import { checkInvariants, type InvariantResult } from "./invariants.ts";
import { type LearningReport, lastRefitOf, learningReport, signalsLoopLines } from "./learning-report.ts";
import type { MarketStats } from "./market.ts";
import { SIM_START, startSimulation, type TrustPoint } from "./simulation.ts";

export { SIM_START as DEMO_START, type TrustPoint };

export interface DemoOptions {
  days: number;
  accounts: number;
  seed: number;
  /** false: the agents ignore learned state (sim/agents.ts). Default true. */
  learning?: boolean;
  /** Use a running DynamoDB Local instead of starting one (tests). */
  dynamo?: DynamoLocalConnection;
  /**
   * The database: the in-process engine (default: no JVM) or a DynamoDB Local started for the run
   * (`harness demo --store dynamodb-local`). `dynamo` implies DynamoDB Local.
   */
  store?: DemoStore;
  /** Count round trips by operation and call site (DemoResult.profile); HARNESS_DB_PROFILE=1 also prints them. */
  profile?: boolean;
  onProgress?: (p: { day: number; days: number; decisions: number; touches: number; wallMs: number }) => void;
}

export interface DemoResult {
  options: Omit<DemoOptions, "onProgress" | "dynamo">;
  decisions: Decision[];
  outbox: SandboxOutboxEntry[];
  runs: { agentId: string; runs: number; failed: number }[];
  trust: TrustPoint[];
  /** The ledger's `trust.level_changed` events, oldest first (reason and evidence in each). */
  levelChanges: LedgerEvent[];
  market: MarketStats;
  /** What the harness learned, against the market's hidden truth (sim/learning-report.ts). */
  learning: LearningReport;
  invariants: InvariantResult[];
  wallMs: number;
  /** Wall time of the simulated days alone (no DynamoDB start, no ledger read-back). */
  simulateMs: number;
  /** DynamoDB round trips the run made (the main cost of a local run). */
  roundTrips: number;
  /** Of which during the simulated days (no table set-up, no ledger read-back): per proposal in the bench. */
  simulateRoundTrips: number;
  /** With `profile`: the simulated days' round trips by operation, call site and key kind. */
  profile?: RoundTripProfile;
  /** Proposals the agents made (replays included): what round trips are counted per. */
  proposals: number;
}

export const DEMO_STORES = ["in-process", "dynamodb-local"] as const;
export type DemoStore = (typeof DEMO_STORES)[number];

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const inProcess = !options.dynamo && (options.store ?? "in-process") === "in-process";
  const dynamo: DynamoLocal | undefined = options.dynamo || inProcess ? undefined : await startDynamoLocal();
  const connection = options.dynamo ?? dynamo;
  try {
    const sim = await startSimulation({
      ...(connection
        ? { endpoint: connection.endpoint, credentials: connection.credentials }
        : { engine: new DynamoEngine() }),
      accounts: options.accounts,
      days: options.days,
      seed: options.seed,
      learning: options.learning ?? true,
    });
    // HARNESS_DB_PROFILE=1 (or `profile`): where the simulated days' round trips come from.
    const profiler = profilingRequested() || options.profile ? profileRoundTrips(sim.rt.db.raw) : undefined;
    let profile: RoundTripProfile | undefined;
    try {
      const simStarted = Date.now();
      const tripsBefore = sim.rt.db.roundTrips.count;
      const end = SIM_START + options.days * 86_400_000;
      while (sim.clock.now() < end) {
        const day = await sim.step();
        if (day !== undefined)
          options.onProgress?.({
            day,
            days: options.days,
            decisions: sim.sandbox.entries.length,
            touches: sim.market.touches.length,
            wallMs: Date.now() - simStarted,
          });
      }
      await sim.agents.stop();
      const simulateMs = Date.now() - simStarted;
      const simulateRoundTrips = sim.rt.db.roundTrips.count - tripsBefore;
      if (profiler) {
        profiler.stop();
        profile = profiler.snapshot();
        const proposals = [...sim.runs.values()].reduce((n, r) => n + r.proposals, 0);
        if (profilingRequested()) process.stderr.write(`${formatProfile(profile, proposals, 40)}\n`);
      }
      const deps = sim.rt.deps;
      const decisions = await allDecisions(deps.decisions, sim.agentIds);
      const spec = await sim.agents.view.spec();
      const byId = new Map(decisions.map((d) => [d.decisionId, d]));
      // Ledger events for every touch and a sample of the rest: enough to check traces without reading everything.
      const checked = sim.sandbox.entries.filter(
        (e, i) => byId.get(e.decisionId)?.actionKind === "touch" || i % 25 === 0,
      );
      const eventsOf = new Map<string, LedgerEvent[]>();
      for (const e of checked)
        eventsOf.set(e.decisionId, await deps.decisions.events(streams.decision(e.decisionId)));
      // Every level change with its reason and evidence: why an agent was made autonomous, day by day.
      const levelChanges: LedgerEvent[] = [];
      const trustRecords = await allPages((page) => deps.trust.list(page));
      for (const t of trustRecords)
        for (const e of await deps.decisions.events(streams.trust(t.agentId, t.actionType)))
          if (e.type === "trust.level_changed") levelChanges.push(e);
      const trustChanges = levelChanges.length;
      const now = sim.clock.now();
      const trust = trustRecords.flatMap((t) => {
        const action = spec.autonomy.actions[t.actionType];
        if (!action) return [];
        const current = decayed(t, now, spec.trust);
        const stats = trustStats(current, spec.trust);
        return [
          {
            agentId: t.agentId,
            actionType: t.actionType,
            score: Number(stats.score.toFixed(3)),
            lowerBound: Number(stats.lowerBound.toFixed(3)),
            sample: Number(stats.sample.toFixed(1)),
            level: effectiveLevel(t, action).level,
            evidence: evidenceOf(current, spec.trust),
          },
        ];
      });
      const evidence = evidenceTimes(decisions, SIM_START);
      const learning = learningReport({
        enabled: options.learning ?? true,
        truth: sim.truth,
        touches: sim.market.touches,
        start: SIM_START,
        days: options.days,
        trust,
        specWeights: Object.fromEntries(Object.entries(spec.quality.signals).map(([k, v]) => [k, v.weight])),
        ...(spec.learning?.signals?.shadow ? { shadowWeights: spec.learning.signals.shadow.weights } : {}),
        signalsLoop: signalsLoopLines(sim.signals),
        signalsTurns: sim.signals,
        lastRefit: lastRefitOf(sim.signals),
        trustPoints: sim.trust,
        evidenceTimes: evidence.all,
        recordEvidence: evidence.records,
      });
      return {
        options: {
          days: options.days,
          accounts: options.accounts,
          seed: options.seed,
          learning: options.learning ?? true,
          store: connection ? "dynamodb-local" : "in-process",
        },
        decisions,
        outbox: sim.sandbox.entries,
        runs: sim.agentIds.map((id) => ({
          agentId: id,
          runs: sim.runs.get(id)?.runs ?? 0,
          failed: sim.runs.get(id)?.failed ?? 0,
        })),
        trust: sim.trust,
        levelChanges: levelChanges.sort((a, b) => a.at.localeCompare(b.at)),
        market: sim.market.stats,
        learning,
        invariants: checkInvariants({ spec, decisions, outbox: checked, eventsOf, trustChanges }),
        wallMs: Date.now() - started,
        simulateMs,
        roundTrips: sim.rt.db.roundTrips.count,
        simulateRoundTrips,
        proposals: [...sim.runs.values()].reduce((n, r) => n + r.proposals, 0),
        ...(profile ? { profile } : {}),
      };
    } finally {
      await sim.close();
    }
  } finally {
    await dynamo?.stop();
  }
}

/**
 * The trust evidence per agent × action type, in one pass over the decisions (ms since the run's
 * start): `all`, when each review and outcome was recorded; `records`, when each review was recorded
 * and each record's window closed (its `record_kept` or `record_judged`), what the trust-order ceiling
 * counts (sim/learning-ceiling.ts).
 */
export function evidenceTimes(
  decisions: readonly Decision[],
  start: number,
): { all: Map<string, number[]>; records: Map<string, { reviews: number[]; judged: number[] }> } {
  const all = new Map<string, number[]>();
  const records = new Map<string, { reviews: number[]; judged: number[] }>();
  for (const d of decisions) {
    const key = `${d.agentId} ${d.actionType}`;
    const review = d.review ? [Date.parse(d.review.at) - start] : [];
    const times = [...review, ...d.outcomes.map((o) => Date.parse(o.at) - start)];
    if (times.length === 0) continue;
    const judged = d.outcomes
      .filter((o) => o.type === "record_kept" || o.type === "record_judged")
      .map((o) => Date.parse(o.at) - start);
    const list = all.get(key);
    if (list) list.push(...times);
    else all.set(key, times);
    if (review.length + judged.length === 0) continue;
    const entry = records.get(key);
    if (entry) {
      entry.reviews.push(...review);
      entry.judged.push(...judged);
    } else records.set(key, { reviews: review, judged });
  }
  return { all, records };
}

export async function allDecisions(store: DecisionStore, agentIds: string[]): Promise<Decision[]> {
  const out: Decision[] = [];
  for (const agentId of agentIds) {
    let cursor: string | undefined;
    do {
      const page = await store.queryDecisions({ agentId, limit: 100, ...(cursor ? { cursor } : {}) });
      out.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
  }
  return out;
}
