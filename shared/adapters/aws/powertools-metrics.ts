/**
 * The Lambda wrapper of a function that emits metrics of its own (powertools.ts's, plus Powertools'
 * metrics: EMF, flushed per invocation, none written when the invocation added none).
 */
import { Metrics } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import type { Context } from "aws-lambda";
import { powertools, SERVICE, type Tools, wrapped } from "./powertools.ts";

export interface MeteredTools extends Tools {
  metrics: Metrics;
}

export function meteredHandler<E, R>(body: (event: E, tools: MeteredTools, context: Context) => Promise<R>) {
  const tools: MeteredTools = {
    ...powertools(),
    metrics: new Metrics({ namespace: "AgentHarness", serviceName: SERVICE }),
  };
  return wrapped(tools, body, logMetrics(tools.metrics, { throwOnEmptyMetrics: false }));
}
