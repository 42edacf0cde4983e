/**
 * The MCP, CRM-import, knowledge API and executor functions bundled as the CDK app bundles them (esbuild with the house's
 * BUNDLING and ALIASES, the SDK external as the Lambda runtime ships it), then loaded in a fresh Node
 * process as Lambda loads them. A bundle can break at load where the sources run fine: a dynamic
 * import inside the bundle once reordered zod's initialisation and the MCP function died on import
 * ("t is not a constructor").
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { asDeployed } from "../../bench/bundles.ts";
import { REPO_ROOT } from "../../infra/constructs/harness-function.ts";

// Under node_modules so the external SDK resolves from the repository's, as from the runtime's.
const dir = mkdtempSync(join(REPO_ROOT, "node_modules", ".cache-bundle-load-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function loads(entry: string): Promise<string> {
  const outfile = join(dir, `${entry.replace(/\W+/g, "_")}.mjs`);
  await build({
    entryPoints: [join(REPO_ROOT, entry)],
    outfile,
    ...asDeployed(),
  });
  return execFileSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `const m = await import(${JSON.stringify(outfile)}); process.stdout.write(typeof m.handler);`,
    ],
    {
      env: { PATH: process.env.PATH ?? "", AWS_REGION: "us-east-1" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
}

describe("function bundles load", () => {
  // The knowledge API and the executors carry the MCP SDK's client (downstream MCP servers).
  it.each([
    "functions/api/mcp.ts",
    "functions/agents/crm-import.ts",
    // An agent's own entry, with the model (agent-function.ts).
    "functions/agents/outreach-writer.ts",
    "functions/api/knowledge.ts",
    "functions/events/execute-allowed.ts",
    "functions/workflow/execute.ts",
  ])("%s", async (entry) => {
    expect(await loads(entry)).toBe("function");
  });
});
