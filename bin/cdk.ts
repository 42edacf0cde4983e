/**
 * CDK app entry. Under the CDK CLI (`npx cdk deploy`, see docs/deployment.md) the CLI passes the
 * context; run directly (`npm run synth`) it reads cdk.json's context and `-c key=value` arguments
 * itself and writes the cloud assembly to cdk.out, offline, with no CLI involved. Configuration is
 * validated in infra/config.ts.
 */
import { readFileSync } from "node:fs";
import { App } from "aws-cdk-lib";
import { buildApp } from "../infra/app.ts";
import { agentRegistry } from "../shared/agents/registry.ts";

function standaloneContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL("../cdk.json", import.meta.url), "utf8")) as {
    context?: Record<string, unknown>;
  };
  const context = { ...cdkJson.context };
  const args = process.argv.slice(2);
  args.forEach((arg, i) => {
    if (arg !== "-c" && arg !== "--context") return;
    const [key, ...rest] = (args[i + 1] ?? "").split("=");
    if (key) context[key] = rest.join("=");
  });
  return context;
}

const underCli = process.env.CDK_CONTEXT_JSON !== undefined || process.env.CDK_OUTDIR !== undefined;
const app = underCli ? new App() : new App({ outdir: "cdk.out", context: standaloneContext() });
buildApp({ app, agents: agentRegistry });
app.synth();
