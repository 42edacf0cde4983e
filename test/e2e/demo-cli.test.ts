/**
 * `harness demo --json FILE`, the binary spawned: a folder that does not exist is refused before the
 * run (not after its eight weeks), and the report is written 0600 like every file the harness writes.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const HARNESS = fileURLToPath(new URL("../../bin/harness.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "demo-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const demo = (...args: string[]) =>
  new Promise<{ code: number; stderr: string; ms: number }>((resolve) => {
    const started = Date.now();
    execFile(process.execPath, [HARNESS, "demo", ...args], { timeout: 120_000 }, (err, _out, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr, ms: Date.now() - started }),
    );
  });

describe("harness demo --json", () => {
  it("refuses a folder that does not exist before running anything", async () => {
    const file = join(dir, "missing", "run.json");
    const r = await demo("--days", "1", "--accounts", "40", "--json", file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--json: the folder");
    expect(r.stderr).toContain("does not exist");
    // The run never started: no progress bar was drawn.
    expect(r.stderr).not.toContain("day 1/1");
    expect(existsSync(file)).toBe(false);
  });

  it("writes the report 0600", async () => {
    const file = join(dir, "run.json");
    const r = await demo("--days", "1", "--accounts", "40", "--json", file);
    // Exit 2 is a ledger invariant the one-day run is too short for (trust moved for some agent); the
    // report is written either way.
    expect([0, 2]).toContain(r.code);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8")).learning.enabled).toBe(true);
  });
});
