import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

/**
 * Tests are grouped by what they need: `unit` needs nothing; `integration` and `e2e` share one
 * DynamoDB Local (in memory, started once per run); `infra` synthesizes the CDK app.
 */
export default defineConfig({
  test: {
    setupFiles: ["test/setup/polyfills.ts"],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Vitest's default in run mode is one worker fewer than the cores: a single worker on CI's 2 cores.
    // Most of this suite's time is spent waiting on DynamoDB Local and child processes, not computing,
    // so a second worker there takes the whole run from about 19 to about 14 minutes (both measured
    // on 2 cores, all tests passing); larger machines keep the default.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      {
        extends: true,
        test: {
          name: "dynamodb",
          include: ["test/integration/**/*.test.ts", "test/e2e/**/*.test.ts"],
          globalSetup: ["test/setup/dynamodb-local.ts"],
        },
      },
      // Agents, the simulated market and the CI demo run on their own DynamoDB Local.
      {
        extends: true,
        test: {
          name: "agents",
          include: ["test/agents/**/*.test.ts", "test/sim/**/*.test.ts"],
          globalSetup: ["test/setup/dynamodb-local.ts"],
          testTimeout: 300_000,
        },
      },
      // The web console in Debian's chromium against a local server (test/browser).
      {
        extends: true,
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          globalSetup: ["test/setup/dynamodb-local.ts"],
        },
      },
      // Real connectors against local HTTP servers: no database needed.
      { extends: true, test: { name: "connectors", include: ["test/connectors/**/*.test.ts"] } },
      // Property-based fuzz of every route through a local server (FUZZ_RUNS, FUZZ_SEED: see the file).
      {
        extends: true,
        test: {
          name: "fuzz",
          include: ["test/fuzz/**/*.test.ts"],
          globalSetup: ["test/setup/dynamodb-local.ts"],
          testTimeout: 300_000,
        },
      },
      // The fault suite starts its own `harness serve` (and so DynamoDB Local) as child processes, since
      // it kills them; no globalSetup.
      {
        extends: true,
        test: {
          name: "faults",
          include: ["test/faults/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      // Synthesis only: the CDK app, template assertions and cdk-nag (no DynamoDB).
      {
        extends: true,
        test: {
          name: "infra",
          include: ["test/infra/**/*.test.ts"],
          exclude: ["test/infra/**/*.dynamodb.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
      // Lambda handlers with real AWS event payloads, and the synthesized state machine executed,
      // against their own DynamoDB Local.
      {
        extends: true,
        test: {
          name: "aws",
          include: ["test/handlers/**/*.test.ts", "test/infra/**/*.dynamodb.test.ts"],
          globalSetup: ["test/setup/dynamodb-local.ts"],
          hookTimeout: 300_000,
          env: {
            POWERTOOLS_LOG_LEVEL: "SILENT",
            POWERTOOLS_METRICS_DISABLED: "true",
            POWERTOOLS_TRACE_ENABLED: "false",
          },
        },
      },
    ],
  },
});
