/**
 * Lambda bundle figures: each function's esbuild bundle (the CDK app's bundling options, minified
 * as deployed and unminified), and its cold init in a fresh Node process (importing the bundle:
 * module evaluation, no invocation) next to an empty handler's, as a ratio.
 *
 * Call: `import { benchBundles } from "./bundles.ts"; console.log(await benchBundles());`
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { AGENT_ENTRY } from "../infra/constructs/agent-functions.ts";
import { BUNDLING, REPO_ROOT } from "../infra/constructs/harness-function.ts";
import { ROUTES } from "../shared/http/routes.ts";

/** Every function entry the CDK app deploys (agents share one entry). */
export const FUNCTION_ENTRIES = [
  ...[...new Set(ROUTES.map((r) => r.group))].map((g) => `functions/api/${g}.ts`),
  "functions/workflow/release.ts",
  "functions/workflow/expire.ts",
  "functions/workflow/execute.ts",
  "functions/workflow/await-approval.ts",
  "functions/events/execute-allowed.ts",
  "functions/ledger/archiver.ts",
  "functions/ledger/workflow-starter.ts",
  AGENT_ENTRY,
];

const RUNS = 5;

async function bundle(entry: string, outfile: string, minify: boolean): Promise<number> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    mainFields: BUNDLING.mainFields,
    minify,
    banner: { js: BUNDLING.banner },
    logLevel: "silent",
  });
  return statSync(outfile).size;
}

/** Median time to import the bundle in a fresh process (what a cold start adds before the handler runs). */
function coldInitMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, AWS_REGION: "us-east-1", POWERTOOLS_TRACE_ENABLED: "false" },
      encoding: "utf8",
    });
    times.push(Number(out));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

export async function benchBundles(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "harness-bundles-"));
  try {
    const emptyEntry = join(dir, "empty.ts");
    writeFileSync(emptyEntry, "export const handler = async () => ({ ok: true });\n");
    await bundle(emptyEntry, join(dir, "empty.mjs"), true);
    const emptyMs = coldInitMs(join(dir, "empty.mjs"));
    const lines = [
      `Lambda bundles (esbuild, ESM, SDK clients bundled; cold init = median of ${RUNS} fresh-process imports)`,
      `${"function".padEnd(40)} ${"minified".padStart(9)} ${"unminified".padStart(11)} ${"init ms".padStart(8)} ${"x empty".padStart(8)}`,
    ];
    for (const entry of FUNCTION_ENTRIES) {
      const name = entry.replace(/^functions\//, "").replace(/\.ts$/, "");
      const min = join(dir, `${name.replace(/\//g, "_")}.min.mjs`);
      const full = join(dir, `${name.replace(/\//g, "_")}.mjs`);
      const minSize = await bundle(join(REPO_ROOT, entry), min, true);
      const fullSize = await bundle(join(REPO_ROOT, entry), full, false);
      const ms = coldInitMs(min);
      lines.push(
        `${name.padEnd(40)} ${kb(minSize).padStart(9)} ${kb(fullSize).padStart(11)} ${ms.toFixed(1).padStart(8)} ${(ms / emptyMs).toFixed(1).padStart(8)}`,
      );
    }
    lines.push(
      `${"(empty handler)".padEnd(40)} ${"".padStart(9)} ${"".padStart(11)} ${emptyMs.toFixed(1).padStart(8)} ${"1.0".padStart(8)}`,
    );
    return lines.join("\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
