/**
 * The demo's throughput for `npm run bench`: a time-compressed run at 2,000 accounts, reported as
 * simulated proposals per wall-clock second (the whole system: agents, gate, ledger, market and
 * connectors against DynamoDB Local). One simulated day (the heaviest: half the market arrives at
 * once and is enriched, classified and listed) keeps the bench to a few minutes; the rate is per
 * second of simulation, excluding DynamoDB's start and the ledger read-back.
 */
import { runDemo } from "../sim/demo.ts";

export async function benchDemo(
  options: { accounts?: number; days?: number; seed?: number } = {},
): Promise<string> {
  const accounts = options.accounts ?? 2000;
  const days = options.days ?? 1;
  const r = await runDemo({
    accounts,
    days,
    seed: options.seed ?? 1,
    profile: true,
    onProgress: (p) => process.stderr.write(`… demo day ${p.day}/${p.days}\n`),
  });
  const perSecond = r.decisions.length / (r.simulateMs / 1000);
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
  return [
    `Demo throughput (harness demo --accounts ${accounts} --days ${days} --seed ${options.seed ?? 1})`,
    `  simulated proposals per wall-clock second   ${perSecond.toFixed(1)}`,
    `  proposals                                   ${r.decisions.length} in ${(r.simulateMs / 1000).toFixed(1)} s`,
    `  DynamoDB round trips per proposal           ${(r.roundTrips / Math.max(1, r.decisions.length)).toFixed(1)}`,
    `  per agent proposal, profiled                ${perProposal(r.profile?.total ?? 0).trim()} (${r.proposals} proposals), largest call sites:`,
    ...sites,
    `  ledger invariants                           ${failed.length === 0 ? "all hold" : `FAILED: ${failed.map((f) => f.name).join("; ")}`}`,
  ].join("\n");
}
