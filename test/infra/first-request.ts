/**
 * A function's first request, in process from its sources: what test/infra/first-events.test.ts
 * (the bench's environment) and deployed-first-calls.test.ts (the template's) both do. The entry is
 * imported afresh, so functions that share an entry (the agents) build their own wiring from their
 * own environment, and `env` is the whole environment it sees, as a Lambda's variables are.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";
import { vi } from "vitest";
import { REPO_ROOT } from "../../infra/constructs/harness-function.ts";

const context = {
  functionName: "first-request",
  awsRequestId: "first-request",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:first-request",
  // A deployed function's time at its start (the agents have 5 minutes, the workflow steps 1-2): a
  // function that budgets its run (the CRM import reads no page with under 45 s left) takes its real path.
  getRemainingTimeInMillis: () => 120_000,
} as unknown as Context;

/**
 * How a first request ends when it never reached the function's real path: refused input, a variable
 * the environment lacks, a stand-in answer the SDK cannot read, or a bug.
 */
export const NOT_A_REAL_PATH =
  /ConfigError|invalid environment|is required|not supported|Not Acceptable|Deserializ|TypeError|ReferenceError|Invalid input/;

export async function firstRequest(
  entry: string,
  env: Record<string, string>,
  event: unknown,
): Promise<{ outcome: unknown; text: string; status: number | undefined }> {
  const saved = process.env;
  // Quiet: the outcome and the calls are what the tests read, not the logs or the metrics (Lambda's
  // AWS_LAMBDA_LOG_LEVEL would win over Powertools' own level).
  const { AWS_LAMBDA_LOG_LEVEL: _, ...variables } = env;
  process.env = {
    PATH: saved.PATH,
    ...variables,
    POWERTOOLS_LOG_LEVEL: "CRITICAL",
    POWERTOOLS_METRICS_DISABLED: "true",
  };
  const quiet = vi.spyOn(console, "log").mockImplementation(() => {});
  let outcome: unknown;
  try {
    vi.resetModules();
    const { handler } = await import(/* @vite-ignore */ pathToFileURL(join(REPO_ROOT, entry)).href);
    outcome = await handler(event, context);
  } catch (err) {
    outcome = err;
  } finally {
    process.env = saved;
    quiet.mockRestore();
  }
  return {
    outcome,
    text: outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : JSON.stringify(outcome),
    status: (outcome as { statusCode?: number } | undefined)?.statusCode,
  };
}
