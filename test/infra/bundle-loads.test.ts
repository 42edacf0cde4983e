/**
 * The functions that serve memory and /mcp load as Lambda loads them: built as the CDK app builds them
 * (esbuild, ESM, minified, SDK bundled: infra/constructs/harness-function.ts BUNDLING) and imported in
 * a fresh Node process. A dynamic import of a module that reaches zod makes esbuild initialise zod
 * lazily, and a bundle that also holds the MCP SDK then throws at load ("... is not a constructor", its
 * module-level zod schemas); shared/runtime/aws-titan.ts says how the embeddings avoid it. No test that
 * calls the handlers in process can see this: only the bundle has the lazy initialisers. Beside
 * function-bundles-load.test.ts (SDK external): here the SDK is bundled, as deployed, so the SDK
 * clients the embeddings import dynamically (Bedrock runtime, Secrets Manager) are in the bundle too.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { asDeployed, awsStandIn, FUNCTION_ENV } from "../../bench/bundles.ts";
import { firstEvent } from "../../bench/first-events.ts";
import { REPO_ROOT } from "../../infra/constructs/harness-function.ts";

// Under node_modules, as bench/bundles.ts does: the banner's createRequire resolves from there.
mkdirSync(join(REPO_ROOT, "node_modules", ".cache"), { recursive: true }); // absent after a fresh npm ci
const dir = mkdtempSync(join(REPO_ROOT, "node_modules", ".cache", "bundle-loads-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Build the entry as deployed, import it in a fresh Node process and run `script` (`m` is the module). */
async function runBundle(entry: string, script = "process.stdout.write(typeof m.handler);"): Promise<string> {
  const outfile = join(dir, `${entry.replace(/\W+/g, "_")}.mjs`);
  await build({
    entryPoints: [join(REPO_ROOT, entry)],
    // The SDK bundled too, as the deployed functions are (BUNDLING.externalModules is empty).
    ...asDeployed([]),
    outfile,
  });
  const program = `const m = await import(${JSON.stringify(outfile)}); ${script}`;
  try {
    return execFileSync(process.execPath, ["--input-type=module", "-e", program], {
      env: { PATH: process.env.PATH, AWS_REGION: "us-east-1", POWERTOOLS_METRICS_DISABLED: "true" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? "");
    return stderr.split("\n").find((l) => /^\w*Error\b/.test(l)) ?? "failed to load";
  }
}

describe("Lambda bundles load", () => {
  it.each(["functions/api/mcp.ts", "functions/api/knowledge.ts"])(
    "%s",
    async (entry) => {
      expect(await runBundle(entry)).toBe("function");
    },
    120_000,
  );

  // yaml is aliased to its ESM build (harness-function.ts ALIASES) so bundles keep only what they call.
  it("YAML is parsed, depth-bounded, by the bundled ESM build of the library", async () => {
    const out = await runBundle(
      "shared/domain/yaml.ts",
      `process.stdout.write(JSON.stringify(m.parseUntrustedYaml("a: [1, {b: two}]")));
       try { m.parseUntrustedYaml("[".repeat(100)); } catch (e) { process.stdout.write(" " + e.name); }`,
    );
    expect(out).toBe('{"a":[1,{"b":"two"}]} Error');
  }, 120_000);

  // zod/mini says only "Invalid input" unless its English locale is configured
  // (shared/domain/zod-mini.ts); in a test process zod's classic API configures it anyway, so only a
  // bundle without the classic API shows whether the function's own messages still name the problem.
  it("a function built on zod/mini reports zod's English messages", async () => {
    const out = await runBundle(
      "functions/ledger/digest.ts",
      `try { await m.handler({ source: "x" }, { functionName: "f", awsRequestId: "r" }); }
       catch (e) { process.stdout.write(JSON.stringify(e.issues)); }`,
    );
    expect(JSON.parse(out)).toContainEqual({
      path: "event.detail-type",
      message: 'Invalid input: expected "Scheduled Event"',
    });
  }, 120_000);

  // The API's route schemas moved from classic zod to zod/mini (agent-routes.ts among them): bundled
  // without the classic API, a bad query still gets the messages the classic schemas gave, per field.
  it("an API route schema on zod/mini reports zod's English messages, per field", async () => {
    const out = await runBundle(
      "shared/http/agent-routes.ts",
      `const r = m.ContextQuery.safeParse({ accountId: "acc-1", budgetTokens: "10", query: "", extra: 1 });
       process.stdout.write(JSON.stringify(r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }))));`,
    );
    expect(JSON.parse(out)).toEqual([
      { path: "budgetTokens", message: "Too small: expected number to be >=50" },
      { path: "query", message: "Too small: expected string to have >=1 characters" },
      { path: "", message: 'Unrecognized key: "extra"' },
    ]);
  }, 120_000);

  // The SDK constructs ajv (`new Ajv(...)`): the shim says what happened, not "is not a constructor".
  it("the shim standing in for ajv and the Zod 3 path names itself, constructed or called", async () => {
    const shim = (await import(join(REPO_ROOT, "infra/constructs/mcp-sdk-unused-shim.mjs"))) as {
      default: new (options: unknown) => unknown;
      object: (shape: unknown) => unknown;
      zodToJsonSchema: (schema: unknown) => unknown;
    };
    expect(() => new shim.default({})).toThrow(/ajv or ajv-formats is not in this bundle/);
    expect(() => shim.object({})).toThrow(/zod\/v3 is not in this bundle/);
    expect(() => shim.zodToJsonSchema({})).toThrow(/zod-to-json-schema is not in this bundle/);
  });

  // The MCP SDK's ajv and Zod 3 path are aliased out of the bundles (infra/constructs/mcp-sdk-unused-
  // shim.mjs), the SDK given the harness's validator instead (shared/mcp/json-schema.ts): the bundled
  // /mcp still lists its tools (their JSON Schemas from Zod 4) and answers a tool call, with its real
  // Lambda event, against the bench's AWS stand-in. A path into the shim would answer an error.
  it("the bundled /mcp lists its tools and answers a call, with ajv and Zod 3 aliased out", async () => {
    const entry = "functions/api/mcp.ts";
    const outfile = join(dir, "mcp-requests.mjs");
    await build({ entryPoints: [join(REPO_ROOT, entry)], ...asDeployed([]), outfile });
    const call = firstEvent(entry) as { body: string; headers: Record<string, string> };
    const listBody = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    const list = {
      ...call,
      body: listBody,
      headers: { ...call.headers, "content-length": String(listBody.length) },
    };
    const aws = await awsStandIn();
    try {
      const program = `const m = await import(${JSON.stringify(outfile)});
        const context = { functionName: "mcp", awsRequestId: "r", getRemainingTimeInMillis: () => 30000 };
        const out = [];
        for (const e of ${JSON.stringify([list, call])}) {
          const r = await m.handler(e, context);
          out.push({ status: r.statusCode, body: JSON.parse(r.body) });
        }
        process.stdout.write("\\nOUT=" + JSON.stringify(out) + "\\n");`;
      // Not execFileSync: the stand-in answers from this process.
      const stdout = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          ["--input-type=module", "-e", program],
          { env: { PATH: process.env.PATH, ...FUNCTION_ENV, AWS_ENDPOINT_URL: aws.url }, encoding: "utf8" },
          (err, out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(out)),
        ),
      );
      const [listed, called] = JSON.parse(/OUT=(.+)/.exec(stdout)?.[1] ?? "[]") as {
        status: number;
        body: {
          result?: { tools?: { name: string; inputSchema: { properties?: object } }[]; isError?: boolean };
          error?: unknown;
        };
      }[];
      expect(listed?.status).toBe(200);
      const tools = listed?.body.result?.tools ?? [];
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(["propose_action", "get_context"]));
      expect(tools.find((t) => t.name === "get_context")?.inputSchema.properties).toHaveProperty("accountId");
      expect(called?.status).toBe(200);
      expect(called?.body.error).toBeUndefined();
      expect(JSON.stringify(called?.body)).not.toMatch(/not in this bundle/);
    } finally {
      aws.close();
    }
  }, 120_000);
});
