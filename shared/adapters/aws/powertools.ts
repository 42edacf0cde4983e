/**
 * The one wrapper every Lambda entry uses: middy with Powertools logger (Lambda context in every
 * line) and metrics (EMF, flushed per invocation). No X-Ray SDK: Lambda's active tracing (every
 * function has it, harness-function.ts) records each invocation's segment without one, and the SDK
 * (with semver and cls-hooked) was a third of a small function's bundle and of its cold start. The
 * Powertools objects are cheap to construct; the harness's own dependencies are built lazily.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { mapErrorStack, sourceMappedStack } from "./source-maps.ts";

export const SERVICE = "agent-harness";

export interface Tools {
  logger: Logger;
  metrics: Metrics;
}

export function powertools(): Tools {
  return {
    logger: new Logger({ serviceName: SERVICE }),
    metrics: new Metrics({ namespace: "AgentHarness", serviceName: SERVICE }),
  };
}

/**
 * Wrap a handler body: `(event, tools, context) => result`. An error it throws leaves with its stack
 * in source terms (source-maps.ts), which is what the Lambda runtime logs of it.
 */
export function lambdaHandler<E, R>(body: (event: E, tools: Tools, context: Context) => Promise<R>) {
  const tools = powertools();
  // resetKeys: keys a run appends (a manual run's id) are its own; a warm container's next run starts
  // without them.
  return middy(async (event: E, context: Context) => {
    try {
      return await body(event, tools, context);
    } catch (err) {
      mapErrorStack(err);
      throw err;
    }
  })
    .use(injectLambdaContext(tools.logger, { resetKeys: true }))
    .use(logMetrics(tools.metrics, { throwOnEmptyMetrics: false }));
}

/** An error log for the API core (respond.ts logs what it cannot map), its `stack` in source terms. */
export const errorLog =
  (tools: Tools) =>
  (msg: string, data?: Record<string, unknown>): void => {
    const stack = data?.stack;
    tools.logger.error(
      msg,
      typeof stack === "string" ? { ...data, stack: sourceMappedStack(stack) } : (data ?? {}),
    );
  };

/** A value built on first use and kept for the container's life (the cold-start wiring). */
export function lazy<T>(build: () => T): () => T {
  let value: T | undefined;
  let built = false;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value as T;
  };
}
