/**
 * The demo's throughput for `npm run bench`: a time-compressed run at 2,000 accounts, reported as
 * simulated proposals per wall-clock second (the whole system: agents, gate, ledger, market and
 * connectors, on each database). One simulated day (the heaviest: half the market arrives at
 * once and is enriched, classified and listed) keeps the bench to a few minutes; the rate is per
 * second of simulation, excluding DynamoDB's start and the ledger read-back.
 */
import { profilingRequested } from "../shared/adapters/dynamo/profile.ts";
import { type DemoStore, runDemo } from "../sim/demo.ts";

/**
 * Both databases side by side on the same seed and size: the in-process engine the demo uses by
 * default, and DynamoDB Local (`harness demo --store dynamodb-local`). Node's own CPU time is shown
 * too: on a shared machine wall time varies with the load, and DynamoDB Local's CPU is its JVM's.
 */
export async function benchDemo(
  options: { accounts?: number; days?: number; seed?: number; stores?: DemoStore[] } = {},
): Promise<string> {
  const accounts = options.accounts ?? 2000;
  const days = options.days ?? 1;
  const seed = options.seed ?? 1;
  const lines = [
    `Demo throughput (harness demo --accounts ${accounts} --days ${days} --seed ${seed} --store ...)`,
  ];
  const rates: number[] = [];
  for (const store of options.stores ?? (["in-process", "dynamodb-local"] as const)) {
    const cpu = process.cpuUsage();
    // CPU seconds at each simulated day's end: the first day (most of the market arrives at once)
    // costs several later days; the 8-week figure is the run plus later days at their mean rate.
    const dayEnds: number[] = [];
    const cpuSeconds = () => {
      const u = process.cpuUsage(cpu);
      return (u.user + u.system) / 1e6;
    };
    const r = await runDemo({
      accounts,
      days,
      seed,
      store,
      // Profiling takes a stack per request and sends every request through the SDK's middleware
      // (the in-process direct path stands aside for it): the call sites only when asked.
      profile: profilingRequested(),
      onProgress: (p) => {
        dayEnds[p.day - 1] = cpuSeconds();
        process.stderr.write(`… demo (${store}) day ${p.day}/${p.days}\n`);
      },
    });
    const used = process.cpuUsage(cpu);
    const perDay = (n: number, unit: number) => (n / unit / days).toFixed(1);
    const total = (used.user + used.system) / 1e6;
    const first = dayEnds[0] ?? total;
    const last = dayEnds[days - 1];
    const later = days > 1 && last !== undefined ? (last - first) / (days - 1) : undefined;
    const perSecond = r.decisions.length / (r.simulateMs / 1000);
    rates.push(perSecond);
    // Where the round trips come from (shared/adapters/dynamo/profile.ts): the largest call sites.
    const perProposal = (n: number) => (n / Math.max(1, r.proposals)).toFixed(2).padStart(6);
    const sites = [...(r.profile?.bySite ?? new Map<string, number>())]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(
        ([site, n]) =>
          `    ${perProposal(n)}  ${site.replace(/shared\/(adapters\/dynamo|usecases|kb|agents)\//g, "")}`,
      );
    // Trust needs days of outcomes to move; a short bench run is not expected to show it.
    const failed = r.invariants.filter((i) => !i.ok && !i.name.startsWith("trust moved"));
    lines.push(
      `  --store ${store}`,
      `  simulated proposals per wall-clock second   ${perSecond.toFixed(1)}`,
      `  proposals                                   ${r.decisions.length} in ${(r.simulateMs / 1000).toFixed(1)} s`,
      `  Node CPU (user + system, whole run)         ${((used.user + used.system) / 1e6).toFixed(1)} s`,
      `  per simulated day: CPU, wall                ${perDay(used.user + used.system, 1e6)} s, ${perDay(r.simulateMs, 1e3)} s`,
      `  CPU of day 1, mean of later days            ${first.toFixed(1)} s, ${later === undefined ? "-" : `${later.toFixed(1)} s`}`,
      // The demo is one Node process: on an idle machine its wall time is about its CPU time. An upper
      // bound: a short run's later days take the arrivals an 8-week run spreads over 39 days.
      ...(later === undefined
        ? []
        : [
            `  8 simulated weeks, projected (CPU, at most) ${((total + (56 - days) * later) / 60).toFixed(1)} min`,
          ]),
      `  DynamoDB round trips per proposal           ${(r.roundTrips / Math.max(1, r.decisions.length)).toFixed(1)}`,
      `  per agent proposal, simulated days alone    ${perProposal(r.simulateRoundTrips).trim()} (${r.proposals} proposals)`,
      ...(r.profile
        ? [
            `  per agent proposal, profiled                ${perProposal(r.profile.total).trim()}, largest call sites:`,
            ...sites,
          ]
        : ["  (HARNESS_DB_PROFILE=1: the largest call sites, at a cost in CPU)"]),
      `  ledger invariants                           ${failed.length === 0 ? "all hold" : `FAILED: ${failed.map((f) => f.name).join("; ")}`}`,
    );
  }
  if (rates.length === 2)
    lines.push(
      `  in-process / DynamoDB Local throughput      ${((rates[0] ?? 0) / (rates[1] || 1)).toFixed(2)}x`,
    );
  return lines.join("\n");
}

/**
 * `npx tsx bench/demo.ts [accounts] [days] [store]`: this section alone, e.g.
 * `npx tsx bench/demo.ts 2000 3 in-process` for the demo's own store only (CPU-s and wall per
 * simulated day, round trips per proposal and the 8-week projection, issue 9 item 9).
 */
if (process.argv[1]?.endsWith("bench/demo.ts")) {
  const [accounts, days] = process.argv.slice(2, 4).map(Number);
  const store = process.argv[4] as DemoStore | undefined;
  if (store && store !== "in-process" && store !== "dynamodb-local")
    throw new Error(`store: in-process or dynamodb-local, not ${store}`);
  console.log(
    await benchDemo({
      ...(accounts ? { accounts } : {}),
      ...(days ? { days } : {}),
      ...(store ? { stores: [store] } : {}),
    }),
  );
}
