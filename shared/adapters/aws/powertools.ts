/**
 * The one wrapper every Lambda entry uses: middy with Powertools' logger (Lambda context in every
 * line). A function that emits metrics of its own wraps with `meteredHandler` (powertools-metrics.ts),
 * which adds Powertools' metrics (EMF, flushed per invocation); the others leave Metrics out of their
 * bundle (about 11 KB): the API functions' server errors are the HTTP API's own 5xx metric, which the
 * alarms watch (infra/constructs/alarms.ts). No X-Ray SDK: Lambda's active tracing (every function
 * has it, harness-function.ts) records each invocation's segment without one, and the SDK (with
 * semver and cls-hooked) was a third of a small function's bundle and of its cold start. The
 * Powertools objects are cheap to construct; the harness's own dependencies are built lazily.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy, { type MiddlewareObj } from "@middy/core";
import type { Context } from "aws-lambda";
import { mapErrorStack, sourceMappedStack } from "./source-maps.ts";

export const SERVICE = "agent-harness";

export interface Tools {
  logger: Logger;
}

export function powertools(): Tools {
  return { logger: new Logger({ serviceName: SERVICE }) };
}

/**
 * Wrap a handler body: `(event, tools, context) => result`. An error it throws leaves with its stack
 * in source terms (source-maps.ts), which is what the Lambda runtime logs of it.
 */
export function lambdaHandler<E, R>(body: (event: E, tools: Tools, context: Context) => Promise<R>) {
  return wrapped(powertools(), body);
}

/** The wrapper with the given tools and, after the logger's, the given middlewares (the metrics'). */
export function wrapped<T extends Tools, E, R>(
  tools: T,
  body: (event: E, tools: T, context: Context) => Promise<R>,
  ...more: MiddlewareObj<E, R>[]
) {
  // resetKeys: keys a run appends (a manual run's id) are its own; a warm container's next run starts
  // without them.
  const handler = middy(async (event: E, context: Context) => {
    try {
      return await body(event, tools, context);
    } catch (err) {
      mapErrorStack(err);
      throw err;
    }
  }).use(injectLambdaContext(tools.logger, { resetKeys: true }));
  for (const m of more) handler.use(m);
  return handler;
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
