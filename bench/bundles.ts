/**
 * Lambda bundle figures (issue 11, deliverable 8): every function entry under functions/ bundled as
 * the CDK app bundles it (esbuild, ESM, minified), with the AWS SDK v3 external (as the Lambda
 * runtime ships it) and bundled; and its cold start measured end to end in a fresh Node process:
 * module evaluation plus the first invocation (which builds the function's wiring), next to a
 * handler that imports only the DynamoDB client, as a ratio. Bounds: 150 KB minified with the SDK
 * external, and 1.3 x the DynamoDB-only handler.
 *
 * `npm run bench` prints it as section 4; alone: `npx tsx bench/bundles.ts`.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type BuildOptions, build } from "esbuild";
import { ALIASES, BUNDLING, REPO_ROOT } from "../infra/constructs/harness-function.ts";

/** Every Lambda entry: each file under functions/ is one (agents share functions/agents/handler.ts). */
export const FUNCTION_ENTRIES = readdirSync(join(REPO_ROOT, "functions"), { recursive: true })
  .map(String)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => `functions/${f}`)
  .sort();

/** What every function carries at least (bench/cold-floor.ts): measured first, as the table's floor row. */
export const FLOOR_ENTRY = "bench/cold-floor.ts";

export const MAX_KB = 150;
export const MAX_RATIO = 1.3;
/** Fresh processes per figure; `BUNDLE_RUNS=9` for a steadier figure on a loaded machine. */
const RUNS = Number(process.env.BUNDLE_RUNS ?? 3);

/** The Lambda runtime's SDK: what "external" leaves out of the bundle. */
const SDK = ["@aws-sdk/*"];

/**
 * esbuild's options as the CDK app bundles a function (BUNDLING, ALIASES), the SDK external or not;
 * without an entry point, so tests can bundle a module or stdin the same way.
 */
export const asDeployed = (external: string[] = SDK) =>
  ({
    bundle: true,
    platform: "node",
    format: "esm",
    target: BUNDLING.target,
    mainFields: BUNDLING.mainFields,
    minify: true,
    external,
    banner: { js: BUNDLING.banner },
    alias: Object.fromEntries(Object.entries(ALIASES).map(([from, to]) => [from, join(REPO_ROOT, to)])),
    logLevel: "silent",
  }) satisfies BuildOptions;

const options = (entry: string, external: string[]) => ({ entryPoints: [entry], ...asDeployed(external) });

async function bundle(entry: string, outfile: string, external: string[]): Promise<number> {
  await build({ ...options(entry, external), outfile });
  return statSync(outfile).size;
}

/** Whether a bundle's kept files (`bundleContents(...).inputs`) include one whose path has `part`. */
export const has = (inputs: string[], part: string) => inputs.some((i) => i.includes(part));

/**
 * What a function's bundle holds (SDK external): its size and the files esbuild kept, relative to the
 * repository (`node_modules/...` for packages). test/infra/bundles.test.ts holds functions to them.
 */
export async function bundleContents(entry: string): Promise<{ bytes: number; inputs: string[] }> {
  const result = await build({
    ...options(join(REPO_ROOT, entry), SDK),
    outfile: join(REPO_ROOT, "node_modules", ".cache", "bundle-contents.mjs"),
    write: false,
    metafile: true,
    absWorkingDir: REPO_ROOT,
  });
  const out = Object.values(result.metafile.outputs).find((o) => o.entryPoint);
  return {
    bytes: result.outputFiles.find((f) => f.path.endsWith(".mjs"))?.contents.length ?? 0,
    inputs: Object.entries(out?.inputs ?? {})
      .filter(([, v]) => v.bytesInOutput > 0)
      .map(([k]) => k),
  };
}

/** What each kind of entry is first invoked with: a request no handler can serve without its wiring. */
function firstEvent(entry: string): unknown {
  if (entry.startsWith("functions/api/") || entry.startsWith("functions/webhooks/"))
    return {
      version: "2.0",
      rawPath: "/v1/__cold-start",
      requestContext: { http: { method: "GET", path: "/v1/__cold-start" }, requestId: "bench" },
      headers: {},
    };
  if (entry.startsWith("functions/ledger/") && !entry.endsWith("digest.ts")) return { Records: [] };
  return {};
}

/**
 * Variables every function may read. No network in the bench: every AWS call goes to the stand-in of
 * `awsStandIn` (AWS_ENDPOINT_URL), since a scheduled function's {} is a valid event and its first
 * invocation does call AWS; without it the figure was a DNS lookup and the SDK's and the store's
 * retries, not the function's work.
 */
const FUNCTION_ENV = {
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "bench",
  AWS_SECRET_ACCESS_KEY: "bench",
  HARNESS_STAGE: "bench",
  STATE_TABLE: "bench-state",
  LEDGER_TABLE: "bench-ledger",
  EVENT_BUS_NAME: "bench-bus",
  ARCHIVE_BUCKET: "bench-archive",
  OUTBOX_BUCKET: "bench-archive",
  STATE_MACHINE_ARN: "arn:aws:states:us-east-1:123456789012:stateMachine:bench",
  CURSOR_KEY_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:bench",
  PERSON_KEY_ARN: "arn:aws:kms:us-east-1:123456789012:key/bench",
  AGENT_ID: "list-sync",
  HARNESS_API_URL: "https://bench.invalid",
  STALE_AFTER_SECONDS: "90",
  EXECUTOR_FUNCTION: "bench-executor",
  POWERTOOLS_METRICS_DISABLED: "true",
  POWERTOOLS_LOG_LEVEL: "CRITICAL",
};

/**
 * A stand-in for every AWS endpoint: each request answered at once with 200 and an empty JSON object,
 * which the SDK reads as an empty answer (a Query with no items, a PutEvents with no failures). So a
 * first invocation runs its real path against empty tables, as a scheduled function finding nothing
 * to do would, and pays for building and signing its requests but not for a network.
 */
async function awsStandIn(): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

const run = promisify(execFile);

/** One fresh-process cold start: import the bundle, then invoke its handler once. */
async function coldStartOnce(file: string, event: unknown, endpoint: string): Promise<number> {
  const script = `
    const t = performance.now();
    const { handler } = await import(${JSON.stringify(file)});
    const context = { functionName: "bench", awsRequestId: "bench", invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:bench", getRemainingTimeInMillis: () => 10000 };
    try { await handler(${JSON.stringify(event)}, context); } catch {}
    process.stdout.write("\\nCOLD_START_MS=" + (performance.now() - t) + "\\n");`;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
    env: { PATH: process.env.PATH, ...FUNCTION_ENV, AWS_ENDPOINT_URL: endpoint },
    encoding: "utf8",
  });
  const m = /COLD_START_MS=([\d.]+)/.exec(stdout);
  if (!m) throw new Error(`no cold start figure from ${file}`);
  return Number(m[1]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/**
 * Median cold starts of a bundle and of the baseline handler, their runs interleaved (baseline,
 * function, baseline, ...): on a shared machine the load drifts over minutes, and a baseline measured
 * once at the start made ratios of 0.3 for functions that carry the baseline's client and more.
 */
async function pairedColdStart(file: string, event: unknown, baseline: string, endpoint: string) {
  const fn: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    base.push(await coldStartOnce(baseline, {}, endpoint));
    fn.push(await coldStartOnce(file, event, endpoint));
  }
  return { ms: median(fn), baseMs: median(base) };
}

const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

export interface BundleFigure {
  entry: string;
  externalBytes: number;
  bundledBytes: number;
  externalMs: number;
  bundledMs: number;
  /** The baseline handler's cold start in the runs interleaved with this function's, per SDK mode. */
  baseExternalMs: number;
  baseBundledMs: number;
}

export async function measureBundles(entries = FUNCTION_ENTRIES) {
  // Under node_modules: an external SDK import resolves from the repository's node_modules, as it
  // resolves from the runtime's in Lambda.
  const dir = join(REPO_ROOT, "node_modules", ".cache", `harness-bundles-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const aws = await awsStandIn();
  try {
    const baseEntry = join(dir, "dynamodb-only.ts");
    writeFileSync(
      baseEntry,
      `import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
       const client = new DynamoDBClient({});
       export const handler = async () => ({ ok: client !== undefined });\n`,
    );
    await bundle(baseEntry, join(dir, "base-external.mjs"), SDK);
    await bundle(baseEntry, join(dir, "base-bundled.mjs"), []);
    const baseline = { external: join(dir, "base-external.mjs"), bundled: join(dir, "base-bundled.mjs") };
    const figures: BundleFigure[] = [];
    for (const entry of [FLOOR_ENTRY, ...entries]) {
      const name = entry
        .replace(/^(functions|bench)\//, "")
        .replace(/\.ts$/, "")
        .replace(/\//g, "_");
      const ext = join(dir, `${name}.external.mjs`);
      const bun = join(dir, `${name}.bundled.mjs`);
      const externalBytes = await bundle(join(REPO_ROOT, entry), ext, SDK);
      const bundledBytes = await bundle(join(REPO_ROOT, entry), bun, []);
      const external = await pairedColdStart(ext, firstEvent(entry), baseline.external, aws.url);
      const bundled = await pairedColdStart(bun, firstEvent(entry), baseline.bundled, aws.url);
      figures.push({
        entry,
        externalBytes,
        bundledBytes,
        externalMs: external.ms,
        bundledMs: bundled.ms,
        baseExternalMs: external.baseMs,
        baseBundledMs: bundled.baseMs,
      });
    }
    return figures;
  } finally {
    aws.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchBundles(): Promise<string> {
  const figures = await measureBundles();
  const lines = [
    `Lambda bundles (esbuild, ESM, minified; cold start = import + first invocation, median of ${RUNS} fresh processes,`,
    "each run after a run of a handler that imports only the DynamoDB client; x = the ratio of the two medians)",
    `bounds: <= ${MAX_KB} KB with the SDK external; cold start <= ${MAX_RATIO} x that handler (same SDK mode)`,
    "floor: what every function carries at least (bench/cold-floor.ts: Powertools' handler, the zod-parsed environment, the DynamoDB document client)",
    `${"function".padEnd(30)} ${"SDK ext".padStart(8)} ${"ms".padStart(6)} ${"base".padStart(6)} ${"x".padStart(5)} ${"SDK bund".padStart(9)} ${"ms".padStart(6)} ${"base".padStart(6)} ${"x".padStart(5)}  within bounds`,
  ];
  for (const f of figures) {
    const xe = f.externalMs / f.baseExternalMs;
    const xb = f.bundledMs / f.baseBundledMs;
    const floor = f.entry === FLOOR_ENTRY;
    const ok = f.externalBytes <= MAX_KB * 1024 && Math.min(xe, xb) <= MAX_RATIO;
    const name = floor
      ? "(floor: Powertools, env, DDB)"
      : f.entry.replace(/^functions\//, "").replace(/\.ts$/, "");
    const ms = (n: number) => n.toFixed(0).padStart(6);
    lines.push(
      `${name.padEnd(30)} ${kb(f.externalBytes).padStart(8)} ${ms(f.externalMs)} ${ms(f.baseExternalMs)} ${xe.toFixed(2).padStart(5)} ${kb(f.bundledBytes).padStart(9)} ${ms(f.bundledMs)} ${ms(f.baseBundledMs)} ${xb.toFixed(2).padStart(5)}  ${floor ? "-" : ok ? "yes" : "NO"}`,
    );
  }
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const only = process.argv.slice(2);
  console.log(only.length ? JSON.stringify(await measureBundles(only), null, 2) : await benchBundles());
}
