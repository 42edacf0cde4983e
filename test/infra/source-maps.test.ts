/**
 * Deployed functions load without `--enable-source-maps` (a fifth of a cold start) and still report
 * their errors in source terms: a function built as the CDK app builds it (esbuild, ESM, minified,
 * its map beside it: bench/bundles.ts asDeployed) and imported by a fresh Node process, as Lambda
 * imports it, throws an error whose stack names the source file and line, and the API core's error
 * log maps the stack it logs (shared/adapters/aws/source-maps.ts). Without a map the stack stays as
 * the bundle printed it. A fresh process, not an import here: vitest maps the stacks of whatever it
 * loads by itself, which would pass these tests with no mapping of ours.
 */

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asDeployed } from "../../bench/bundles.ts";
import { REPO_ROOT } from "../../infra/constructs/harness-function.ts";

// Under node_modules, as bench/bundles.ts does: the banner's createRequire resolves from there.
mkdirSync(join(REPO_ROOT, "node_modules", ".cache"), { recursive: true });
const dir = mkdtempSync(join(REPO_ROOT, "node_modules", ".cache", "source-maps-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const powertools = join(REPO_ROOT, "shared", "adapters", "aws", "powertools.ts");
/** A function whose handler fails on line 7 of its source, and whose API log is called on line 11. */
const ENTRY = `import { errorLog, lambdaHandler } from ${JSON.stringify(powertools)};

export const handler = lambdaHandler(async (event: { fail: boolean }) => {
  if (!event.fail) return "ok";
  const reason = "a bug";
  // the next line throws
  throw new TypeError(\`failed: \${reason}\`);
});

export function logged(lines: unknown[]) {
  errorLog({ logger: { error: (_: string, data: unknown) => lines.push(data) } } as never)("unexpected error", { stack: new Error("x").stack });
}
`;

/** The entry built as deployed into `name`.mjs (and its map), run in a fresh Node process. */
async function deployed(name: string, keepMap = true) {
  const entry = join(dir, `${name}.ts`);
  writeFileSync(entry, ENTRY);
  const outfile = join(dir, `${name}.mjs`);
  await build({ entryPoints: [entry], ...asDeployed([]), outfile });
  if (!keepMap) rmSync(`${outfile}.map`);
  const program = `
    const m = await import(${JSON.stringify(outfile)});
    const context = { functionName: "f", awsRequestId: "r", invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:f", getRemainingTimeInMillis: () => 1000 };
    const thrown = await m.handler({ fail: true }, context).then(() => undefined, (e) => e);
    const lines = [];
    m.logged(lines);
    process.stdout.write(JSON.stringify({ name: thrown?.name, message: thrown?.message, stack: thrown?.stack, logged: lines[0]?.stack }));`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", program], {
    env: { PATH: process.env.PATH, AWS_REGION: "us-east-1", POWERTOOLS_METRICS_DISABLED: "true" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return {
    outfile,
    ...(JSON.parse(out) as { name: string; message: string; stack: string; logged: string }),
  };
}

let run: Awaited<ReturnType<typeof deployed>>;
beforeAll(async () => {
  run = await deployed("with-map");
});

describe("stack traces of a deployed function", () => {
  it("the bundle is minified onto few lines and links its map, as deployed", () => {
    const code = readFileSync(run.outfile, "utf8");
    expect(code.split("\n").length).toBeLessThan(40);
    expect(code).toContain("//# sourceMappingURL=with-map.mjs.map");
  });

  it("an error thrown by the handler names its source file, line and column", () => {
    expect(run.name).toBe("TypeError");
    expect(run.message).toBe("failed: a bug");
    const first = run.stack.split("\n")[1] ?? "";
    expect(first).toMatch(/[ (]with-map\.ts:7:\d+\)?$/);
    // The wrapper's own frame, from the repository's sources.
    expect(run.stack).toMatch(/shared\/adapters\/aws\/powertools\.ts:\d+:\d+/);
    expect(run.stack).not.toContain("with-map.mjs:");
  });

  it("the API core's error log maps the stack it logs", () => {
    expect(run.logged.split("\n")[1]).toMatch(/with-map\.ts:11:\d+/);
  });

  it("without a map beside the bundle, the stack is left as the bundle printed it", async () => {
    const bare = await deployed("without-map", false);
    expect(bare.name).toBe("TypeError");
    expect(bare.stack).toContain("without-map.mjs:");
    expect(bare.stack).not.toMatch(/without-map\.ts:\d/);
  });
});
