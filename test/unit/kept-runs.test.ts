import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { keptRuns, positiveInt } from "../../bench/kept-runs.ts";

/** The loader the tools reading kept learning-check runs share (bench/trust-rescore.ts, record-rungs-ceiling.ts). */
describe("kept learning-check runs", () => {
  let dir = "";
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const row = (week: number) => ({
    week,
    agentId: "lead-list-builder",
    actionType: "record.create",
    score: 0.6,
  });
  function folder() {
    dir = mkdtempSync(join(tmpdir(), "kept-runs-"));
    writeFileSync(
      join(dir, "seed-7-on.json"),
      JSON.stringify({ learning: { trustWeeks: [row(4), row(5)] } }),
    );
    writeFileSync(join(dir, "seed-7-off.json"), JSON.stringify({ learning: { trustWeeks: [row(4)] } }));
    writeFileSync(join(dir, "seed-12-on.json"), JSON.stringify({ learning: {} }));
    writeFileSync(join(dir, "notes.json"), "{}");
    return dir;
  }

  it("reads each run's seed, mode and trust rows, in file order, and nothing else of the folder", () => {
    const runs = keptRuns(folder());
    expect(runs.map((r) => [r.file, r.seed, r.mode, r.trustWeeks.length])).toEqual([
      ["seed-12-on.json", 12, "on", 0],
      ["seed-7-off.json", 7, "off", 1],
      ["seed-7-on.json", 7, "on", 2],
    ]);
  });

  it("keeps only the modes asked", () => {
    expect(keptRuns(folder(), ["on"]).map((r) => r.file)).toEqual(["seed-12-on.json", "seed-7-on.json"]);
  });

  it("names --from when the folder is missing or holds no run", () => {
    expect(() => keptRuns(undefined)).toThrow(/--from: a folder/);
    dir = mkdtempSync(join(tmpdir(), "kept-runs-"));
    writeFileSync(join(dir, "seed-7-off.json"), "{}");
    expect(() => keptRuns(dir, ["on"])).toThrow(/--from: no seed-S-on\.json/);
  });

  it("takes positive integers only, naming the flag", () => {
    expect(positiveInt("week", "4")).toBe(4);
    for (const bad of ["0", "-2", "2.5", "four", undefined])
      expect(() => positiveInt("week", bad)).toThrow(/--week: expected a positive integer/);
  });
});
