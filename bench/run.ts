/**
 * `npm run bench`: starts an in-memory DynamoDB Local, runs the gate against it through the local
 * runtime and then through HTTP under load (next to DynamoDB Local's own ceiling), then measures the
 * pure evaluation with the database stopped, and prints the results.
 */
import "./env.ts";
import { randomBytes } from "node:crypto";
import { SimulatedClock } from "../shared/adapters/local/clock.ts";
import { type DynamoLocal, startDynamoLocal } from "../shared/adapters/local/dynamodb-local.ts";
import { createLocalRuntime, defaultSpecText, type LocalRuntime } from "../shared/runtime/local.ts";
import { benchBundles } from "./bundles.ts";
import { recordCommands } from "./command-recorder.ts";
import { benchDemo } from "./demo.ts";
import { measureEvaluateModes, realisticContext } from "./evaluate-throughput.ts";
import { measureGateLatency } from "./gate-latency.ts";
import { loadSection, measureLoad } from "./load.ts";
import { measureReplayThroughput, replayThroughputSection } from "./replay-throughput.ts";
import { latencySection, machineSection, roundTripSection, table, throughputSection } from "./report.ts";
import { measureRoundTrips } from "./round-trips.ts";
import {
  AGENT_IDS,
  accountIdOf,
  DAY,
  MemoryTokenStore,
  pinAgentsAtLevel3,
  seedAccounts,
  T0,
} from "./world.ts";

const ROUND_TRIP_WARM_UP = 1;
const ROUND_TRIP_DECISIONS = 200;
const LATENCY_WARM_UP = 20;
const LATENCY_DECISIONS = 300;
const EVALUATE_WARM_UP_MS = 500;
/** Section 3: each context mode runs this long per round, rounds interleaved. */
const EVALUATE_BLOCK_MS = 1000;
const EVALUATE_ROUNDS = 3;
/** Section 3, next to evaluation: the what-if replay re-deciding this many recorded decisions. */
const REPLAY_DECISIONS = 20_000;
/** Section 6: gate/ceiling block pairs per concurrency (ABBA), and proposals per block. */
const LOAD_CONCURRENCIES = [1, 10, 50];
const LOAD_ROUNDS = 2;
const LOAD_PER_BLOCK: Record<number, number> = { 1: 60, 10: 200, 50: 300 };

const startedAt = performance.now();
const elapsed = () => `${((performance.now() - startedAt) / 1000).toFixed(1)} s`;
const progress = (msg: string) => process.stderr.write(`… [${elapsed()}] ${msg}\n`);

let dynamo: DynamoLocal | undefined;
let runtime: LocalRuntime | undefined;

/** Idempotent: close the runtime's client, then stop the DynamoDB Local process. */
async function tearDown(): Promise<void> {
  const r = runtime;
  const d = dynamo;
  runtime = undefined;
  dynamo = undefined;
  await r?.close().catch((err) => progress(`closing the runtime failed: ${(err as Error).message}`));
  await d?.stop();
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    progress(`${signal}: stopping DynamoDB Local`);
    void tearDown().finally(() => process.exit(130));
  });
}

/** Sections 1 and 2: everything that needs DynamoDB Local. */
async function databaseSections(): Promise<string[]> {
  progress("starting DynamoDB Local (in memory)");
  dynamo = await startDynamoLocal();
  progress(`DynamoDB Local is up at ${dynamo.endpoint}`);
  const clock = new SimulatedClock(T0);
  const runtimeErrors: string[] = [];
  runtime = await createLocalRuntime({
    endpoint: dynamo.endpoint,
    credentials: dynamo.credentials,
    tablePrefix: `bench${randomBytes(4).toString("hex")}`,
    clock,
    tokens: new MemoryTokenStore(),
    log: (msg, data) => runtimeErrors.push(`${msg} ${JSON.stringify(data)}`),
    // The gate alone: executing allowed decisions (the execute-allowed worker) is not part of a decision.
    runWorkers: false,
  });
  const recorder = recordCommands(runtime.db.raw);

  // Every decision gets its own account: a second touch on an account would be deferred by the spec's
  // one-touch-per-day cap and cooldowns, which is not the happy path.
  const ids = Array.from(
    { length: ROUND_TRIP_WARM_UP + ROUND_TRIP_DECISIONS + LATENCY_WARM_UP + LATENCY_DECISIONS },
    (_, i) => accountIdOf(i),
  );
  const roundTripIds = ids.slice(0, ROUND_TRIP_WARM_UP + ROUND_TRIP_DECISIONS);
  const latencyIds = ids.slice(roundTripIds.length);
  progress(
    `seeding ${ids.length} accounts (account, VP, 20 signals each) and ${AGENT_IDS.length} level-3 agents`,
  );
  await seedAccounts(runtime.db, clock.now(), ids);
  await pinAgentsAtLevel3(runtime.deps, AGENT_IDS);

  progress(`section 1: ${ROUND_TRIP_DECISIONS} decisions, counting round trips`);
  const roundTrips = await measureRoundTrips(
    runtime,
    recorder,
    AGENT_IDS,
    roundTripIds[0]!,
    roundTripIds.slice(ROUND_TRIP_WARM_UP),
  );

  // A new workspace day: fresh daily counters, so the 500 emails per day of the default spec hold.
  clock.advance(DAY);
  progress(`section 2: ${LATENCY_WARM_UP} + ${LATENCY_DECISIONS} decisions interleaved with bare writes`);
  const latency = await measureGateLatency(runtime, recorder, AGENT_IDS, latencyIds, LATENCY_WARM_UP);

  await runtime.bus.drain();
  if (runtimeErrors.length > 0) throw new Error(`the runtime reported errors:\n${runtimeErrors.join("\n")}`);

  // On the same, warm DynamoDB Local, with its own tables and its own server.
  progress(
    `section 6: load through HTTP at concurrency ${LOAD_CONCURRENCIES.join(", ")}, next to the ceiling`,
  );
  const loads = [];
  for (const executor of [false, true])
    loads.push(
      await measureLoad(dynamo, {
        concurrencies: LOAD_CONCURRENCIES,
        rounds: LOAD_ROUNDS,
        perBlock: (c) => LOAD_PER_BLOCK[c] ?? 200,
        executor,
        progress: (msg) => progress(`${msg}${executor ? " (executor on)" : " (executor off)"}`),
      }),
    );
  loadText = loadSection(loads, table);
  return [roundTripSection(roundTrips, ROUND_TRIP_WARM_UP), latencySection(latency, LATENCY_WARM_UP)];
}

/** Measured with the database sections, printed last (its number comes after the others'). */
let loadText: string | undefined;

/** Section 3: pure, run after DynamoDB Local is stopped so that the JVM does not compete for the CPU. */
function evaluateSection(): string {
  progress(
    `section 3: evaluate(ctx), ${EVALUATE_ROUNDS} rounds of ${EVALUATE_BLOCK_MS / 1000} s per way of building contexts`,
  );
  const modes = measureEvaluateModes(
    realisticContext(defaultSpecText()),
    EVALUATE_WARM_UP_MS,
    EVALUATE_BLOCK_MS,
    EVALUATE_ROUNDS,
  );
  progress(
    `section 3: replaying ${REPLAY_DECISIONS.toLocaleString("en-US")} recorded decisions (part D's replay)`,
  );
  const replay = replayThroughputSection(measureReplayThroughput(defaultSpecText(), REPLAY_DECISIONS));
  return [
    throughputSection(modes, EVALUATE_WARM_UP_MS, EVALUATE_BLOCK_MS, EVALUATE_ROUNDS),
    ...replay.map((line) => `   ${line}`),
  ].join("\n");
}

async function main(): Promise<void> {
  console.log(`${machineSection()}\n`);
  // `npm run bench -- evaluate`: the pure sections only, no database (seconds instead of minutes).
  if (process.argv.includes("evaluate")) {
    console.log(`${evaluateSection()}\n`);
    console.log(`Done in ${elapsed()}.`);
    return;
  }
  try {
    for (const section of await databaseSections()) console.log(`${section}\n`);
  } finally {
    await tearDown();
  }
  console.log(`${evaluateSection()}\n`);
  progress("section 4: Lambda bundles (esbuild) and their cold init in fresh Node processes");
  console.log(`4. Lambda bundles\n${await benchBundles()}\n`);
  progress("section 5: the demo at 2,000 accounts (in-process engine, then its own DynamoDB Local)");
  console.log(`5. ${await benchDemo()}\n`);
  if (loadText) console.log(`${loadText}\n`);
  console.log(`Done in ${elapsed()}.`);
}

try {
  await main();
} catch (err) {
  console.error(`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  await tearDown();
  process.exitCode = 1;
}
