/**
 * Daily, on an EventBridge schedule: the signals loop's turn in the deployment, the same use case the
 * local runtime's scheduler runs (usecases/signals-refit.ts). When the last refit is old enough and
 * the touches hold enough answers, the intent weights are refitted and proposed as a weights draft in
 * shadow, scaled on the knowledge base's account directory so that adopting them keeps the number of
 * accounts over `quality.minIntent`; while a draft is in shadow, it is adopted where the spec allows
 * and the shadow evidence says so. Learning off: nothing happens. Idempotent: a second run the same
 * day (EventBridge delivers at least once) finds the day's draft and makes none.
 */

import { lazy } from "../../shared/adapters/aws/powertools.ts";
import { meteredHandler } from "../../shared/adapters/aws/powertools-metrics.ts";
import { accountsByIds, directoryAccountIds } from "../../shared/adapters/dynamo/agent-kb-store.ts";
import type { Db } from "../../shared/adapters/dynamo/db.ts";
import { parseWith } from "../../shared/domain/validation.ts";
import * as z from "../../shared/domain/zod-mini.ts";
import { type AwsRuntime, createAwsRuntime } from "../../shared/runtime/aws.ts";
import { parseAwsEnv } from "../../shared/runtime/aws-env.ts";
import { SIGNALS_STORES } from "../../shared/runtime/aws-stores.ts";
import { type AccountDirectory, signalsTick } from "../../shared/usecases/signals-refit.ts";

/** The EventBridge schedule's event: only its shape is checked, the loop's time is the clock's. */
const ScheduledEvent = z.object({
  "detail-type": z.literal("Scheduled Event"),
  source: z.literal("aws.events"),
});

export interface SignalsRefitWiring {
  runtime: AwsRuntime;
  directory: AccountDirectory;
}

export const makeHandler = (wiring: () => SignalsRefitWiring) =>
  meteredHandler(async (event: unknown, tools) => {
    parseWith(ScheduledEvent, event, "event");
    const { runtime, directory } = wiring();
    const tick = await signalsTick(runtime.deps, directory);
    // Ids and counts only: a draft's weights are numbers, its reasoning names no one.
    const summary =
      tick.action === "refit" || tick.action === "adopted"
        ? { action: tick.action, draftId: tick.draft.draftId }
        : tick.action === "shadow"
          ? { action: tick.action, draftId: tick.draftId, why: tick.evidence.why }
          : { action: tick.action, why: tick.why };
    tools.metrics.addMetric("SignalsRefitDrafted", "Count", tick.action === "refit" && tick.created ? 1 : 0);
    tools.metrics.addMetric("SignalsWeightsAdopted", "Count", tick.action === "adopted" ? 1 : 0);
    tools.logger.info("signals loop", summary);
    return summary;
  });

/** The account directory as the deployed loop reads it: its two reads, not the agents' store (agent-kb-store.ts). */
export const directoryOf = (db: Db): AccountDirectory => ({
  accountIds: () => directoryAccountIds(db),
  accounts: (ids: string[]) => accountsByIds(db, ids),
});

export const handler = makeHandler(
  lazy(() => {
    const runtime = createAwsRuntime(parseAwsEnv(), {}, SIGNALS_STORES);
    return { runtime, directory: directoryOf(runtime.db) };
  }),
);
