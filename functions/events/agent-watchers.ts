import type { EventBridgeEvent } from "aws-lambda";
import { lambdaHandler, lazy } from "../../shared/adapters/aws/powertools.ts";
import { parseWith } from "../../shared/domain/validation.ts";
import * as z from "../../shared/domain/zod-mini.ts";
import { type AgentWatchers, createAgentWatchers } from "../../shared/runtime/agent-watchers-aws.ts";
import { runtimeWith } from "../../shared/runtime/aws-lazy.ts";
import { WATCHER_STORES } from "../../shared/runtime/aws-stores.ts";

const Event = z.looseObject({
  "detail-type": z.string().check(z.minLength(1)),
  detail: z.record(z.string(), z.unknown()),
});

/**
 * EventBridge target of the agent-watchers routes (kb.*, decision.transitioned, outcome.recorded):
 * the KB watcher, the record ingest and the learning loops, as the local runtime runs them.
 */
export const makeHandler = (watchers: () => AgentWatchers) =>
  lambdaHandler(async (event: EventBridgeEvent<string, unknown>) => {
    const e = parseWith(Event, event, "event");
    return watchers().handle({ type: e["detail-type"], detail: e.detail });
  });

const runtime = runtimeWith(WATCHER_STORES);
export const handler = makeHandler(lazy(() => createAgentWatchers(runtime())));
