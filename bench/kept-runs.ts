/**
 * What the tools that read kept learning-check runs share (bench/trust-rescore.ts,
 * bench/record-rungs-ceiling.ts): the runs' week-by-week trust rows from a folder that
 * bench/learning-check.ts --out filled (`seed-S-on.json`, `seed-S-off.json`), and the check of a
 * positive-integer argument. A folder without such a run is an error naming the flag, not an empty table.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { LearningTrustWeek } from "../sim/learning-report.ts";

export type RunMode = "on" | "off";

export interface KeptRun {
  /** The file's name, e.g. `seed-105-on.json`. */
  file: string;
  seed: number;
  mode: RunMode;
  trustWeeks: LearningTrustWeek[];
}

const RUN_FILE = /^seed-(\d+)-(on|off)\.json$/;

/** The kept runs of `dir` whose learning was `modes`, in file-name order. */
export function keptRuns(dir: string | undefined, modes: readonly RunMode[] = ["on", "off"]): KeptRun[] {
  if (!dir) throw new Error("--from: a folder of learning-check runs (seed-S-on.json) is required");
  const runs = readdirSync(dir)
    .sort()
    .flatMap((file) => {
      const m = RUN_FILE.exec(file);
      const mode = m?.[2] as RunMode | undefined;
      if (!m || !mode || !modes.includes(mode)) return [];
      const json = JSON.parse(readFileSync(join(dir, file), "utf8")) as {
        learning?: { trustWeeks?: LearningTrustWeek[] };
      };
      return [{ file, seed: Number(m[1]), mode, trustWeeks: json.learning?.trustWeeks ?? [] }];
    });
  if (runs.length === 0) throw new Error(`--from: no seed-S-${modes.join("/")}.json in ${dir}`);
  return runs;
}

/** A command-line argument that must be a positive integer, its flag named when it is not. */
export function positiveInt(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer, got ${value}`);
  return n;
}
