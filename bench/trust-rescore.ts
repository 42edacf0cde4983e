/**
 * Would another credibility constant order the agents by quality? Recomputes the trust score of every
 * agent × action type at the check's week from kept learning-check runs, for each N0 asked, and
 * applies the learning check's own trust-order rule (sim/learning-checks.ts `trustOrder`):
 *
 *   npx tsx bench/trust-rescore.ts --from DIR [--n0 2,10,20,40] [--week 4]
 *
 * DIR holds learning-check runs (`seed-S-on.json`, `seed-S-off.json`; bench/learning-check.ts --out)
 * made since the report kept each week's decayed streams (`learning.trustWeeks[].streams`). The streams
 * are what the run heard under the N0 it ran with: a different N0 would have moved levels, hence who
 * was reviewed and how much, so this is a first look, not a substitute for running the nine seeds.
 * The spec's weights and z are the shipped default's (the simulated market keeps them).
 */
import { parseArgs } from "node:util";
import { parseSpecText } from "../shared/domain/spec-text.ts";
import { N0, trustStats } from "../shared/learning/trust.ts";
import { defaultSpecText } from "../shared/runtime/local.ts";
import { CHECKS, trustOrder } from "../sim/learning-checks.ts";
import type { LearningTrustWeek } from "../sim/learning-report.ts";
import { keptRuns, positiveInt } from "./kept-runs.ts";

const { values } = parseArgs({
  options: {
    from: { type: "string" },
    n0: { type: "string", default: `2,10,${N0},40` },
    week: { type: "string", default: String(CHECKS.trustWeek) },
  },
});
const n0s = (values.n0 ?? "").split(",").map(Number);
if (n0s.length === 0 || n0s.some((x) => !Number.isFinite(x) || x <= 0))
  throw new Error(`--n0: comma-separated positive numbers, got ${values.n0}`);
const week = positiveInt("week", values.week);

const policy = parseSpecText(defaultSpecText()).trust;
const runs = keptRuns(values.from).map((r) => ({
  file: r.file,
  rows: r.trustWeeks.filter((row) => row.week === week),
}));
const usable = runs.filter((r) => r.rows.length > 0 && r.rows.every((row) => row.streams));
if (usable.length === 0)
  throw new Error(
    `--from: no run in ${values.from} keeps the streams of week ${week} (made before they were kept?)`,
  );
console.log(
  `trust rescore: ${usable.length} of ${runs.length} runs keep week ${week}'s streams; pairs of agents on the same action with ≥ ${CHECKS.trustMinOutcomes} outcomes`,
);

for (const n0 of n0s) {
  let pairs = 0;
  const out: string[] = [];
  for (const run of usable) {
    const rows = run.rows.map((row) => {
      const s = row.streams as NonNullable<LearningTrustWeek["streams"]>;
      const stats = trustStats(
        { successes: 0, failures: 0, reviews: s.reviews, market: s.market },
        policy,
        n0,
      );
      return { ...row, score: stats.score };
    });
    const order = trustOrder(rows, week, CHECKS.trustMinOutcomes);
    pairs += order.pairs.length;
    for (const { a, b } of order.discordant)
      out.push(
        `    ${run.file}: ${a.agentId} (q ${a.hiddenQuality}) ${a.score.toFixed(3)} vs ${b.agentId} (q ${b.hiddenQuality}) ${b.score.toFixed(3)} on ${a.actionType}`,
      );
  }
  console.log(`  N0 ${n0}${n0 === N0 ? " (shipped)" : ""}: ${pairs - out.length}/${pairs} pairs in order`);
  for (const line of out) console.log(line);
}
