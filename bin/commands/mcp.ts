/**
 * `harness mcp`: the harness's MCP server over stdio, for an agent framework to start as a tool
 * server (e.g. `"command": "npm", "args": ["run", "-s", "harness", "--", "mcp"]` with HARNESS_TOKEN in
 * its env). It acts as the agent whose token it holds, against a running harness over HTTP.
 */
import type { Command } from "commander";
import { serveStdio } from "../../shared/mcp/stdio.ts";
import { dataDirOption, typedClient } from "./client.ts";

export function registerMcp(program: Command): void {
  program
    .command("mcp")
    .description(
      "serve the harness's MCP tools over stdio as the agent of HARNESS_TOKEN (against HARNESS_URL or the local harness)",
    )
    .addOption(dataDirOption())
    .option("--url <url>", "harness API base URL (default: HARNESS_URL, else the running local harness)")
    .action(async (opts: { dataDir: string; url?: string }) => {
      // Never the data directory's admin token: an MCP client gets exactly the credential it is given.
      const token = process.env.HARNESS_TOKEN?.trim();
      if (!token)
        throw new Error(
          "harness mcp needs HARNESS_TOKEN: an agent's token (harness token create --role agent:<id>)",
        );
      const url = opts.url ?? process.env.HARNESS_URL;
      await serveStdio(typedClient({ dataDir: opts.dataDir, token, ...(url ? { url } : {}) }));
    });
}
