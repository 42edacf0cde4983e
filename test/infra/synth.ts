import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { CloudAssembly } from "aws-cdk-lib/cx-api";
import { buildApp, type HarnessApp } from "../../infra/app.ts";
import type { AgentMeta } from "../../shared/agents/definition.ts";
import { agentRegistry } from "../../shared/agents/registry.ts";

export const TEST_ENV = { account: "123456789012", region: "us-east-1" };

/**
 * The context cdk.json gives the CDK CLI: the harness's settings and the feature flags
 * (`@aws-cdk/core:enablePartitionLiterals`, ...). synthHarness leaves it out unless given, as the
 * tests were written against CDK's defaults; a test of what `cdk deploy` synthesizes passes it.
 */
export const CDK_JSON_CONTEXT = (
  JSON.parse(readFileSync(new URL("../../cdk.json", import.meta.url), "utf8")) as {
    context: Record<string, unknown>;
  }
).context;

const secretArn = (name: string) =>
  `arn:aws:secretsmanager:us-east-1:123456789012:secret:dev-harness-${name}-AbCdEf`;
/** The connector secrets of a deployment that sends (world-io.test.ts, deployed-first-calls.test.ts). */
export const LIVE_SECRETS = {
  hubspot: secretArn("hubspot"),
  linkedin: secretArn("linkedin"),
  "hubspot-webhook": secretArn("webhook"),
  "hubspot-signing": secretArn("signing"),
};

/** Synthesis context of a deployment that sends: SES, HubSpot (at `hubspotBasePath`), LinkedIn. */
export const liveConnectorsContext = (hubspotBasePath?: string) => ({
  "harness:connectorSecretArns": JSON.stringify(LIVE_SECRETS),
  "harness:connectors": JSON.stringify({
    dryRun: false,
    ses: { from: "sdr@mail.example.com" },
    hubspot: hubspotBasePath ? { basePath: hubspotBasePath } : {},
    linkedin: { adAccountUrn: "urn:li:sponsoredAccount:123" },
  }),
});

export interface Synthesized extends HarnessApp {
  assembly: CloudAssembly;
  outdir: string;
  stateful: HarnessApp["stateful"];
  statefulTemplate: Template;
  serviceTemplate: Template;
}

/** Unacknowledged cdk-nag findings, read from the validation report synthesis wrote. */
export class NagFindingsError extends Error {
  override readonly name = "NagFindingsError";
}

/**
 * Let vitest's pending worker-to-runner messages be answered before a long synchronous stretch. A
 * bundled synthesis blocks the event loop for a minute or more on two busy cores (esbuild runs
 * synchronously per function); a runner message sent just before it is answered during the block,
 * but the answer is read only after the 60 s RPC timer has fired, and vitest then fails the whole run
 * with "Timeout calling onTaskUpdate" although every test passed.
 */
export async function settleBeforeBlocking(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1_000));
}

/**
 * Synthesize the whole app once, with cdk-nag's AwsSolutions and Serverless packs registered as
 * synthesis validations: synthesis fails on any unacknowledged finding. `bundle: false` skips
 * esbuild (for tests that only need the state machine definition).
 */
export function synthHarness(options: {
  bundle: boolean;
  context?: Record<string, unknown>;
  /** Default TEST_ENV; `"agnostic"`: no account or region, as `npm run synth` without credentials. */
  env?: "agnostic";
  /** The agents deployed. @default the registry's (shared/agents/registry.ts) */
  agents?: AgentMeta[];
}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), "harness-cdk-"));
  const app = new App({
    outdir,
    context: { ...(options.bundle ? {} : { "aws:cdk:bundling-stacks": [] }), ...options.context },
  });
  const built = buildApp({
    app,
    agents: options.agents ?? agentRegistry,
    ...(options.env ? {} : { env: TEST_ENV }),
  });
  let assembly: CloudAssembly;
  try {
    assembly = app.synth();
  } catch (err) {
    const report = join(outdir, "validation-report.json");
    if (existsSync(report)) {
      const parsed = JSON.parse(readFileSync(report, "utf8")) as {
        pluginReports?: {
          // The report of aws-cdk-lib's validations names constructs by path, not logical ids.
          violations?: { ruleName: string; violatingConstructs?: { constructPath: string }[] }[];
        }[];
      };
      const lines = (parsed.pluginReports ?? []).flatMap((p) =>
        (p.violations ?? []).map(
          (v) =>
            `${v.ruleName}: ${JSON.stringify((v.violatingConstructs ?? []).map((c) => c.constructPath))}`,
        ),
      );
      throw new NagFindingsError(`cdk-nag findings:\n${lines.join("\n")}`, { cause: err });
    }
    throw err;
  }
  const template = (name: string) => Template.fromJSON(assembly.getStackByName(name).template);
  return {
    ...built,
    assembly,
    outdir,
    statefulTemplate: template(built.stateful.stackName),
    serviceTemplate: template(built.service.stackName),
  };
}
