/**
 * Lambda bundle figures (issue 11, deliverable 8): every function entry under functions/ bundled as
 * the CDK app bundles it (esbuild, ESM, minified, its source map beside it), with the AWS SDK v3
 * external (as the Lambda runtime ships it) and bundled; and its cold start measured end to end in a
 * fresh Node process with the functions' environment: module evaluation plus the first invocation,
 * with a payload of the function's own trigger (bench/first-events.ts) against a local AWS stand-in.
 * Each is a ratio to two DynamoDB-only handlers run interleaved with it: one that imports the client
 * and makes no call (the bound as the issue words it), one that makes one GetItem (a first invocation
 * that does what the functions' do: call AWS). Bounds: 150 KB minified with the SDK external, and
 * 1.3 x the DynamoDB-only handler.
 *
 * `npm run bench` prints it as section 4; alone: `npx tsx bench/bundles.ts`.
 */

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { marshall } from "@aws-sdk/util-dynamodb";
import { type BuildOptions, build } from "esbuild";
import { ALIASES, BUNDLING, FUNCTION_ENVIRONMENT, REPO_ROOT } from "../infra/constructs/harness-function.ts";
import { stateKeys } from "../shared/adapters/dynamo/keys.ts";
import { specHash } from "../shared/domain/spec-loader.ts";
import { parseSpecText } from "../shared/domain/spec-text.ts";
import { BENCH_SECRET, entryEnv, FIXTURE_STAGE, firstEvent, shippedSpecText } from "./first-events.ts";

/** Every Lambda entry: each file under functions/ is one (an agent without its own runs on functions/agents/handler.ts). */
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
    // As deployed: the map beside the bundle, linked from it (shared/adapters/aws/source-maps.ts).
    sourcemap: BUNDLING.sourceMap ? "linked" : false,
    sourcesContent: BUNDLING.sourcesContent,
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

/**
 * Variables every function may read. No network in the bench: every AWS call goes to the stand-in of
 * `awsStandIn` (AWS_ENDPOINT_URL), since a scheduled function's {} is a valid event and its first
 * invocation does call AWS; without it the figure was a DNS lookup and the SDK's and the store's
 * retries, not the function's work.
 */
export const FUNCTION_ENV = {
  ...FUNCTION_ENVIRONMENT,
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "bench",
  AWS_SECRET_ACCESS_KEY: "bench",
  HARNESS_STAGE: FIXTURE_STAGE,
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
  // As Lambda runs them: logs at INFO (harness-function.ts applicationLogLevelV2, which Lambda passes
  // as AWS_LAMBDA_LOG_LEVEL) and metrics flushed per invocation, each to the process's stdout.
  AWS_LAMBDA_LOG_LEVEL: "INFO",
  // The Lambda runtime is Node 24 (harness-function.ts); on an older Node the SDK warns once on stderr.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

/** The running stand-in: its URL (AWS_ENDPOINT_URL), how many requests it has answered, and a stop. */
export interface StandIn {
  url: string;
  calls: () => number;
  close: () => void;
}

/** One request the stand-in answered: the AWS JSON protocols name the operation in `target`. */
export interface StandInCall {
  method: string;
  url: string;
  target: string;
  body: string;
}

/**
 * A stand-in for every AWS endpoint (and HubSpot's, for the webhook and the poll), answering at once
 * as a deployment would whose admin has published the shipped spec and nothing else: the spec to a
 * read of CURRENT (alone or in a BatchGetItem), KMS a data key, and otherwise JSON protocols an empty object (a Query
 * with no items, a PutEvents with no failures), a BatchGetItem no items, Secrets Manager the bench's
 * secret, S3 an empty listing or an empty 200, HubSpot's search no results and a contact by id
 * someone the knowledge base does not know. So a first invocation runs its real path against empty
 * tables, as a scheduled function finding nothing to do would, and pays for building and signing its
 * requests but not for a network. It counts the requests (`log` sees each).
 */
export async function awsStandIn(log?: (call: StandInCall) => void): Promise<StandIn> {
  let calls = 0;
  const answer = (target: string, method: string, url: string, body: string) => {
    if (target.endsWith(".BatchGetItem")) {
      const asked = (JSON.parse(body) as { RequestItems: Record<string, { Keys: unknown[] }> }).RequestItems;
      return json({
        Responses: Object.fromEntries(
          Object.entries(asked).map(([t, { Keys }]) => [t, Keys.some(isSpecKey) ? [SPEC_ITEM] : []]),
        ),
        UnprocessedKeys: {},
      });
    }
    if (target.endsWith(".GetItem") && isSpecKey((JSON.parse(body) as { Key: unknown }).Key))
      return json({ Item: SPEC_ITEM });
    // A data key sealed and opened (the gate seals a new person's data): any 32 bytes will do.
    if (target === "TrentService.Encrypt")
      return json({ CiphertextBlob: Buffer.alloc(48, 1).toString("base64") });
    if (target === "TrentService.Decrypt") return json({ Plaintext: Buffer.alloc(32, 2).toString("base64") });
    if (target === "secretsmanager.GetSecretValue")
      return json({ Name: "bench", SecretString: JSON.stringify(BENCH_SECRET) });
    // Every message queued (the SDK checks each body's MD5).
    if (target === "AmazonSQS.SendMessageBatch")
      return json({
        Successful: (JSON.parse(body) as { Entries: { Id: string; MessageBody: string }[] }).Entries.map(
          (e) => ({
            Id: e.Id,
            MessageId: `bench-${e.Id}`,
            MD5OfMessageBody: createHash("md5").update(e.MessageBody, "utf8").digest("hex"),
            SequenceNumber: "1",
          }),
        ),
        Failed: [],
      });
    if (target) return json({});
    if (method === "GET" && url.includes("list-type=2"))
      return {
        type: "application/xml",
        body: '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>false</IsTruncated><KeyCount>0</KeyCount></ListBucketResult>',
      };
    if (url.includes("/search")) return { type: "application/json", body: '{"total":0,"results":[]}' };
    const contact = /^\/crm\/v3\/objects\/contacts\/(\d+)/.exec(url)?.[1];
    if (contact)
      return {
        type: "application/json",
        body: JSON.stringify({ id: contact, properties: { email: "jane@acme.example" }, archived: false }),
      };
    return { type: "application/json", body: "{}" };
  };
  const server = createServer((req, res) => {
    calls++;
    let body = "";
    req.setEncoding("latin1");
    req.on("data", (c: string) => {
      body += c;
    });
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      log?.({ method: req.method ?? "GET", url: req.url ?? "/", target, body });
      const a = answer(target, req.method ?? "GET", req.url ?? "/", body);
      res.writeHead(200, { "content-type": a.type });
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, calls: () => calls, close: () => server.close() };
}

const json = (value: unknown) => ({ type: "application/x-amz-json-1.0", body: JSON.stringify(value) });

/**
 * The shipped spec, published as version 1: the item CURRENT holds (spec-store.ts), as the deployment
 * reads it once an admin has published. A first invocation then goes the path it goes in a running
 * deployment (the gate decides, an agent runs) instead of ending at "no spec has been published yet".
 */
const SPEC_KEY = marshall(stateKeys.specCurrent());
const SPEC_ITEM = (() => {
  const spec = parseSpecText(shippedSpecText());
  const at = "2026-03-01T09:00:00.000Z";
  const item = {
    ...stateKeys.specCurrent(),
    version: 1,
    hash: specHash(spec),
    publishedAt: at,
    publishedBy: "bench",
    spec,
  };
  return marshall(item, { removeUndefinedValues: true });
})();
const isSpecKey = (key: unknown) => JSON.stringify(key) === JSON.stringify(SPEC_KEY);

const run = promisify(execFile);

/** What one first invocation did: its cold start, the AWS calls it made, and how it ended. */
interface ColdStart {
  ms: number;
  calls: number;
  outcome: string;
}

/** One fresh-process cold start: import the bundle, then invoke its handler once. */
async function coldStartOnce(
  file: string,
  event: unknown,
  aws: StandIn,
  env: Record<string, string> = {},
): Promise<ColdStart> {
  const script = `
    const t = performance.now();
    const { handler } = await import(${JSON.stringify(file)});
    const context = { functionName: "bench", awsRequestId: "bench", invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:bench", getRemainingTimeInMillis: () => 120000 };
    let outcome;
    try {
      const r = await handler(${JSON.stringify(event)}, context);
      outcome = r && typeof r === "object" && "statusCode" in r ? "HTTP " + r.statusCode : "returned";
    } catch (e) { outcome = "threw: " + String(e?.message ?? e).slice(0, 80); }
    const ms = performance.now() - t;
    process.stdout.write("\\nCOLD_START=" + JSON.stringify({ ms, outcome }) + "\\n");`;
  const before = aws.calls();
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
    env: { PATH: process.env.PATH, ...FUNCTION_ENV, ...env, AWS_ENDPOINT_URL: aws.url },
    encoding: "utf8",
  });
  const m = /COLD_START=(.+)/.exec(stdout);
  if (!m?.[1]) throw new Error(`no cold start figure from ${file}`);
  const { ms, outcome } = JSON.parse(m[1]) as { ms: number; outcome: string };
  return { ms, outcome, calls: aws.calls() - before };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** The two DynamoDB-only handlers a function is measured against, bundled as it is. */
interface Baselines {
  /** Imports the client and makes one GetItem on its first invocation, as every function calls AWS on its first. */
  oneCall: string;
  /** Imports the client and makes no call: the bound as the issue words it (withinBounds). */
  importOnly: string;
}

/**
 * Median cold starts of a bundle and of the baseline handlers, their runs interleaved (baselines,
 * function, baselines, ...): on a shared machine the load drifts over minutes, and a baseline measured
 * once at the start made ratios of 0.3 for functions that carry the baseline's client and more.
 */
async function pairedColdStart(file: string, entry: string, baselines: Baselines, aws: StandIn) {
  const fn: ColdStart[] = [];
  const base: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    base.push((await coldStartOnce(baselines.oneCall, {}, aws)).ms);
    bare.push((await coldStartOnce(baselines.importOnly, {}, aws)).ms);
    fn.push(await coldStartOnce(file, firstEvent(entry), aws, entryEnv(entry, aws.url)));
  }
  const last = fn[fn.length - 1] as ColdStart;
  return {
    ms: median(fn.map((f) => f.ms)),
    baseMs: median(base),
    importOnlyMs: median(bare),
    calls: last.calls,
    outcome: last.outcome,
  };
}

const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

export interface BundleFigure {
  entry: string;
  externalBytes: number;
  bundledBytes: number;
  externalMs: number;
  bundledMs: number;
  /** The one-call baseline's cold start in the runs interleaved with this function's, per SDK mode. */
  baseExternalMs: number;
  baseBundledMs: number;
  /** The import-only handler's, likewise. */
  importOnlyExternalMs: number;
  importOnlyBundledMs: number;
  /** AWS calls the first invocation made (bundled run), and how it ended. */
  calls: number;
  outcome: string;
}

/** The DynamoDB-only handlers: the client and one GetItem, and the client alone. */
const BASELINES = {
  oneCall: `import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
const client = new DynamoDBClient({});
export const handler = async () => {
  const { Item } = await client.send(
    new GetItemCommand({ TableName: process.env.STATE_TABLE, Key: { pk: { S: "bench" }, sk: { S: "bench" } } }),
  );
  return { found: Item !== undefined };
};
`,
  importOnly: `import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
const client = new DynamoDBClient({});
export const handler = async () => ({ ok: client !== undefined });
`,
};

export async function measureBundles(entries = FUNCTION_ENTRIES) {
  // Under node_modules: an external SDK import resolves from the repository's node_modules, as it
  // resolves from the runtime's in Lambda.
  const dir = join(REPO_ROOT, "node_modules", ".cache", `harness-bundles-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const aws = await awsStandIn();
  try {
    const baselines = { external: {} as Baselines, bundled: {} as Baselines };
    for (const [name, source] of Object.entries(BASELINES) as [keyof Baselines, string][]) {
      const entry = join(dir, `dynamodb-${name}.ts`);
      writeFileSync(entry, source);
      baselines.external[name] = join(dir, `dynamodb-${name}.external.mjs`);
      baselines.bundled[name] = join(dir, `dynamodb-${name}.bundled.mjs`);
      await bundle(entry, baselines.external[name], SDK);
      await bundle(entry, baselines.bundled[name], []);
    }
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
      const external = await pairedColdStart(ext, entry, baselines.external, aws);
      const bundled = await pairedColdStart(bun, entry, baselines.bundled, aws);
      figures.push({
        entry,
        externalBytes,
        bundledBytes,
        externalMs: external.ms,
        bundledMs: bundled.ms,
        baseExternalMs: external.baseMs,
        baseBundledMs: bundled.baseMs,
        importOnlyExternalMs: external.importOnlyMs,
        importOnlyBundledMs: bundled.importOnlyMs,
        calls: bundled.calls,
        outcome: bundled.outcome,
      });
    }
    return figures;
  } finally {
    aws.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether a figure meets the bounds: its size, and its cold start against each baseline. */
export function withinBounds(f: BundleFigure) {
  const best = (external: number, bundled: number) =>
    Math.min(f.externalMs / external, f.bundledMs / bundled) <= MAX_RATIO;
  return {
    size: f.externalBytes <= MAX_KB * 1024,
    /** Against the import-only handler: the bound as the issue words it. */
    importOnly: best(f.importOnlyExternalMs, f.importOnlyBundledMs),
    oneCall: best(f.baseExternalMs, f.baseBundledMs),
  };
}

/** The table for every function, or for the entries given (`npx tsx bench/bundles.ts functions/api/specs.ts`). */
export async function benchBundles(entries = FUNCTION_ENTRIES): Promise<string> {
  const figures = await measureBundles(entries);
  const x = (ms: number, base: number) => (ms / base).toFixed(2).padStart(5);
  const yes = (b: boolean) => (b ? "yes" : "NO").padEnd(4);
  const lines = [
    `Lambda bundles (esbuild, ESM, minified, source map beside; cold start = import + first invocation, median of ${RUNS} fresh processes)`,
    "first invocation: the function's real trigger payload (bench/first-events.ts) against an AWS stand-in (the shipped spec published, tables empty); calls = AWS calls it made",
    "x0 = ratio to a handler that imports only the DynamoDB client (no call); x = ratio to one whose first invocation makes one GetItem;",
    "both interleaved with the function's runs, same SDK mode",
    `bounds: <= ${MAX_KB} KB with the SDK external; cold start <= ${MAX_RATIO} x0 (and x) in the faster SDK mode`,
    "floor: what every function carries at least (bench/cold-floor.ts: Powertools' handler, the zod-parsed environment, the DynamoDB document client, one GetItem)",
    `${"function".padEnd(30)} ${"SDK ext".padStart(8)} ${"ms".padStart(6)} ${"x0".padStart(5)} ${"x".padStart(5)} ${"SDK bund".padStart(9)} ${"ms".padStart(6)} ${"x0".padStart(5)} ${"x".padStart(5)} ${"calls".padStart(5)}  size x0   x`,
  ];
  for (const f of figures) {
    const floor = f.entry === FLOOR_ENTRY;
    const ok = withinBounds(f);
    const name = floor
      ? "(floor: Powertools, env, DDB)"
      : f.entry.replace(/^functions\//, "").replace(/\.ts$/, "");
    const ms = (n: number) => n.toFixed(0).padStart(6);
    lines.push(
      `${name.padEnd(30)} ${kb(f.externalBytes).padStart(8)} ${ms(f.externalMs)} ${x(f.externalMs, f.importOnlyExternalMs)} ${x(f.externalMs, f.baseExternalMs)} ${kb(f.bundledBytes).padStart(9)} ${ms(f.bundledMs)} ${x(f.bundledMs, f.importOnlyBundledMs)} ${x(f.bundledMs, f.baseBundledMs)} ${String(f.calls).padStart(5)}  ${floor ? "-" : `${yes(ok.size)} ${yes(ok.importOnly)} ${yes(ok.oneCall)}`}`,
    );
  }
  lines.push("", "how each first invocation ended (bundled run):");
  for (const f of figures) lines.push(`  ${f.entry.padEnd(44)} ${f.outcome}`);
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const only = process.argv.slice(2);
  console.log(await benchBundles(only.length ? only : FUNCTION_ENTRIES));
}
