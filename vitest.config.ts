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
    ],
  },
});
