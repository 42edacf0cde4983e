/**
 * How often could ANY scorer order the record agents by quality at week 4, for a spacing of their
 * hidden qualities? Issue 9's trust-order check asks every pair of record agents on the same action
 * type (both with ≥ 30 outcomes) to be in order; where two agents are close and thinly judged, no
 * score can, and the check is decided by luck. This measures that ceiling over many seeds, for
 * record rungs spanning [lo, 0.97] (sim/truth.ts `RECORD_RUNGS`):
 *
 *   npx tsx bench/record-rungs-ceiling.ts --from DIR [--seeds 11-210] [--lo 0.5,0.4,0.3,0.2]
 *
 * DIR holds learning-check runs (`seed-S-on.json`, bench/learning-check.ts --out). How much evidence
 * each record agent × action type has by week 4 (reviews, records judged) is taken from them: the
 * median over the runs, as a typical volume. Records judged depend on the agent's job; reviews also
 * on its quality (an agent demoted to level 1 is reviewed: crm-sync had about 2,000 reviews by week 4
 * at qualities near 0.55 and none above 0.85), so volumes read from runs of a narrower market
 * understate the reviews a wider one's worst agents get, and with them its ceiling.
 * For each seed of the range (fixed before measuring), the agents' qualities are the seed's own
 * (sim/truth.ts `drawTruth`) moved to the rungs of [lo, 0.97]: the same rung order and the same
 * jitter, only the spacing changes. The ceiling is sim/learning-ceiling.ts `trustOrderCeiling` (an
 * efficient estimator, knowing the evidence model). Printed per lo: the mean ceiling and the share
 * of seeds where it is ≥ 0.95, i.e. where the check is decided by evidence.
 */
import { parseArgs } from "node:util";
import { type RecordEvidence, trustOrderCeiling } from "../sim/learning-ceiling.ts";
import { rngFor } from "../sim/random.ts";
import {
  drawTruth,
  FLAG_NOTICED,
  RECORD_CAUGHT,
  RECORD_RUNGS,
  respacedRecordQualities,
} from "../sim/truth.ts";
import { keptRuns, positiveInt } from "./kept-runs.ts";
import { median } from "./stats.ts";

const { values } = parseArgs({
  options: {
    from: { type: "string" },
    seeds: { type: "string", default: "11-210" },
    lo: { type: "string", default: "0.5,0.4,0.3,0.2" },
    week: { type: "string", default: "4" },
    "min-outcomes": { type: "string", default: "30" },
  },
});
const range = /^(\d+)-(\d+)$/.exec(values.seeds ?? "");
const [first, last] = [Number(range?.[1]), Number(range?.[2])];
if (!range || last < first) throw new Error(`--seeds: expected a range like 11-210, got ${values.seeds}`);
const seeds = Array.from({ length: last - first + 1 }, (_, i) => first + i);
const los = (values.lo ?? "").split(",").map(Number);
// respacedRecordQualities refuses a lo whose rungs leave no room for the jitter.
if (los.some((x) => !Number.isFinite(x))) throw new Error(`--lo: comma-separated numbers, got ${values.lo}`);
const week = positiveInt("week", values.week);
const minOutcomes = positiveInt("min-outcomes", values["min-outcomes"]);

// Week-4 evidence of each record agent × action type, per kept run.
const volumes = new Map<
  string,
  { actionType: string; agentId: string; reviews: number[]; judged: number[] }
>();
const runs = keptRuns(values.from, ["on"]);
for (const run of runs) {
  for (const r of run.trustWeeks) {
    if (r.week !== week || r.outcomes < minOutcomes || r.reviews === undefined || r.judged === undefined)
      continue;
    const key = `${r.agentId} ${r.actionType}`;
    const v = volumes.get(key) ?? { actionType: r.actionType, agentId: r.agentId, reviews: [], judged: [] };
    v.reviews.push(r.reviews);
    v.judged.push(r.judged);
    volumes.set(key, v);
  }
}
if (volumes.size === 0)
  throw new Error(`--from: no record agent with ≥ ${minOutcomes} outcomes at week ${week} in ${values.from}`);
console.log(
  `record rungs: ${volumes.size} record agent × action type eligible at week ${week} in ${runs.length} runs; seeds ${first}-${last}`,
);

const model = { caught: RECORD_CAUGHT, noticed: FLAG_NOTICED };
// Each agent's typical volume, once: only the qualities change with the seed and the spacing.
const typical = [...volumes.values()].map((v) => ({
  agentId: v.agentId,
  actionType: v.actionType,
  reviews: median(v.reviews),
  judged: median(v.judged),
}));
for (const lo of los) {
  let sum = 0;
  let decided = 0;
  for (const seed of seeds) {
    const quality = respacedRecordQualities(drawTruth(seed).agents, lo);
    const rows: RecordEvidence[] = typical.flatMap(({ agentId, ...v }) => {
      const q = quality.get(agentId);
      return q === undefined ? [] : [{ ...v, quality: q }];
    });
    const c = trustOrderCeiling(rows, model, rngFor(seed, "rungs-ceiling"));
    if (c.pairs === 0) throw new Error(`seed ${seed}: no two record agents on one action type to order`);
    sum += c.allInOrder;
    if (c.allInOrder >= 0.95) decided++;
  }
  console.log(
    `  rungs ${lo.toFixed(2)}–${RECORD_RUNGS.hi}: mean ceiling ${(sum / seeds.length).toFixed(2)}, decided by evidence (≥ 0.95) on ${((100 * decided) / seeds.length).toFixed(0)}% of seeds`,
  );
}
