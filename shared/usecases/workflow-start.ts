/**
 * What starts a decision's approval workflow (AWS: the ledger stream worker), apart from the steps in
 * workflow.ts: a function that only starts workflows does not bundle the lifecycle use cases.
 */

import type { Decision } from "../domain/decision.ts";
import { DecisionStatus } from "../domain/vocabulary.ts";
import * as z from "../domain/zod-mini.ts";
import type { Clock } from "../ports.ts";

/** What starts one execution: the decision as it was decided (version 1). */
export const WorkflowInput = z.object({
  decisionId: z.string().check(z.minLength(1)),
  status: z.enum(["scheduled", "pending_approval"]),
  /** Level 2: when the override window closes (the Wait state's TimestampPath). */
  executeAt: z.optional(z.iso.datetime({ offset: true })),
  /** Level 1: how long the approval task waits before it times out and the decision expires. */
  approvalTimeoutSeconds: z.optional(z.number().check(z.int(), z.gte(1))),
});
export type WorkflowInput = z.infer<typeof WorkflowInput>;

export interface WorkflowDefaults {
  /** Used when a scheduled decision carries no executeAt (it always should). */
  overrideWindowSeconds: number;
  /** Used when a pending decision carries no expiresAt (it always should). */
  approvalTimeoutSeconds: number;
}

/**
 * The execution input for a just-decided decision, or undefined when it needs no workflow
 * (allowed, deferred and blocked decisions never wait).
 */
export function workflowInputFor(
  decision: Pick<Decision, "decisionId" | "status" | "executeAt" | "expiresAt" | "decidedAt">,
  now: number,
  defaults: WorkflowDefaults,
): WorkflowInput | undefined {
  if (decision.status === "scheduled") {
    const at = decision.executeAt
      ? Date.parse(decision.executeAt)
      : Date.parse(decision.decidedAt) + defaults.overrideWindowSeconds * 1000;
    // Up to the next whole second: the Wait state drops a timestamp's milliseconds, and would end
    // before the time the Release step checks (lifecycle.ts RELEASE_EARLY_MS).
    const executeAt = new Date(Math.ceil(at / 1000) * 1000).toISOString();
    return { decisionId: decision.decisionId, status: "scheduled", executeAt };
  }
  if (decision.status === "pending_approval") {
    // The wait ends when the decision expires, and at no other time: a second ceiling would end the
    // workflow while the decision stays pending (spec validation keeps expiries within what Step
    // Functions can wait).
    const until = decision.expiresAt
      ? Date.parse(decision.expiresAt)
      : now + defaults.approvalTimeoutSeconds * 1000;
    const seconds = Math.ceil((until - now) / 1000);
    return {
      decisionId: decision.decisionId,
      status: "pending_approval",
      approvalTimeoutSeconds: Math.max(1, seconds),
    };
  }
  return undefined;
}

/** Starts a decision's workflow; starting one that already exists is a no-op. */
export interface WorkflowStarter {
  start(input: WorkflowInput): Promise<{ started: boolean }>;
}

/** The decision fields the workflow starter reads from a ledger stream image. */
export const DecidedImage = z.looseObject({
  decisionId: z.string().check(z.minLength(1)),
  status: DecisionStatus,
  version: z.number().check(z.int()),
  decidedAt: z.string(),
  executeAt: z.optional(z.string()),
  expiresAt: z.optional(z.string()),
});

/**
 * Start the workflow of each just-decided decision (version 1) that waits: scheduled ones for their
 * override window, pending ones for a review. Returns the positions that failed, for a partial retry.
 */
export async function startWorkflows(
  deps: { clock: Clock; starter: WorkflowStarter; defaults: WorkflowDefaults },
  images: { position: string; item: unknown }[],
): Promise<{ started: string[]; failed: string[]; error?: unknown }> {
  const started: string[] = [];
  const failed: string[] = [];
  for (const { position, item } of images) {
    const parsed = DecidedImage.safeParse(item);
    if (!parsed.success || parsed.data.version !== 1) continue;
    const input = workflowInputFor(parsed.data, deps.clock.now(), deps.defaults);
    if (!input) continue;
    try {
      if ((await deps.starter.start(input)).started) started.push(input.decisionId);
    } catch (error) {
      // Everything from the first failure on is retried; the stream keeps order per shard.
      failed.push(position);
      return { started, failed, error };
    }
  }
  return { started, failed };
}
