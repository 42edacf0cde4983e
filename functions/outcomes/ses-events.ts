/**
 * EventBridge target of SES event publishing (source aws.ses; bounce, complaint, delivery, open,
 * click, reject): finds the decision by the send's tags and records the outcome (world-outcomes.ts).
 * A failure throws: Lambda's asynchronous retries (2), then the function's on-failure queue, keep the
 * event (EventBridge's own retries are for a function it could not invoke).
 */

import { meteredHandler } from "../../shared/adapters/aws/powertools-metrics.ts";
import { SesEventDetail } from "../../shared/adapters/aws/ses-events.ts";
import { parseWith } from "../../shared/domain/validation.ts";
import * as z from "../../shared/domain/zod-mini.ts";
import type { AwsRuntime } from "../../shared/runtime/aws.ts";
import { runtimeWith } from "../../shared/runtime/aws-lazy.ts";
import { OUTCOME_STORES } from "../../shared/runtime/aws-stores.ts";
import { recordSesEvent, type WorldOutcomeResult } from "../../shared/usecases/world-outcomes.ts";

const Envelope = z.object({ source: z.literal("aws.ses"), "detail-type": z.string(), detail: z.unknown() });

export const makeHandler = (runtime: () => AwsRuntime) =>
  meteredHandler(async (event: unknown, tools): Promise<WorldOutcomeResult> => {
    const envelope = parseWith(Envelope, event, "event");
    const detail = parseWith(SesEventDetail, envelope.detail, "detail");
    const result = await recordSesEvent(runtime().deps, detail);
    // Ids and kinds only: no address reaches the logs.
    tools.logger.info("ses event", { eventType: detail.eventType, ...result });
    // A delivery written on its decision is no outcome: counted, every email sent would be one.
    if (result.recorded && !result.duplicate && result.type !== "delivered")
      tools.metrics.addMetric("WorldOutcomes", "Count", 1);
    return result;
  });

export const handler = makeHandler(runtimeWith(OUTCOME_STORES));
