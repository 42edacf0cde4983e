/**
 * The approval workflow's steps (AWS: one Step Functions Task each; locally the polled due-queue
 * calls the lifecycle functions directly). Every step takes and returns zod-checked JSON, so the
 * state machine's I/O is validated at both ends, and each calls exactly one lifecycle use case.
 */
import * as z from "zod";
import type { Decision } from "../domain/decision.ts";
import { parseWith } from "../domain/validation.ts";
import { DecisionStatus } from "../domain/vocabulary.ts";
import type { Clock, DecisionStore } from "../ports.ts";
import { execute, expire, release } from "./lifecycle.ts";

type LifecycleDeps = Parameters<typeof release>[0];

/** What starts one execution: the decision as it was decided (version 1). */
export const WorkflowInput = z.object({
  decisionId: z.string().min(1),
  status: z.enum(["scheduled", "pending_approval"]),
  /** Level 2: when the override window closes (the Wait state's TimestampPath). */
  executeAt: z.iso.datetime({ offset: true }).optional(),
  /** Level 1: how long the approval task waits before it times out and the decision expires. */
  approvalTimeoutSeconds: z.number().int().min(1).optional(),
});
export type WorkflowInput = z.infer<typeof WorkflowInput>;

export const StepInput = z.object({ decisionId: z.string().min(1) }).loose();
export type StepInput = z.infer<typeof StepInput>;

export const StepOutput = z.object({
  decisionId: z.string(),
  status: DecisionStatus.or(z.literal("missing")),
});
export type StepOutput = z.infer<typeof StepOutput>;

export const AwaitApprovalInput = z.object({ decisionId: z.string().min(1), taskToken: z.string().min(1) });
export type AwaitApprovalInput = z.infer<typeof AwaitApprovalInput>;

/** What the waiting task is completed with (SendTaskSuccess output): the review's result. */
export const ApprovalResult = z.object({
  decisionId: z.string(),
  result: z.enum(["approved", "rejected", "expired"]),
  status: DecisionStatus,
});
export type ApprovalResult = z.infer<typeof ApprovalResult>;

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
    const executeAt =
      decision.executeAt ??
      new Date(Date.parse(decision.decidedAt) + defaults.overrideWindowSeconds * 1000).toISOString();
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

const out = (decisionId: string, d: Decision | undefined): StepOutput => ({
  decisionId,
  status: d?.status ?? "missing",
});

/** Wait state done: re-validate and dispatch (or cancel) a scheduled decision. */
export async function releaseStep(deps: LifecycleDeps, input: unknown): Promise<StepOutput> {
  const { decisionId } = parseWith(StepInput, input);
  return out(decisionId, await release(deps, decisionId));
}

/** The approval task timed out: expire the decision and give its reservation back. */
export async function expireStep(deps: LifecycleDeps, input: unknown): Promise<StepOutput> {
  const { decisionId } = parseWith(StepInput, input);
  return out(decisionId, await expire(deps, decisionId));
}

/** A dispatched decision: call its connector with the decision's idempotency key. */
export async function executeStep(deps: LifecycleDeps, input: unknown): Promise<StepOutput> {
  const { decisionId } = parseWith(StepInput, input);
  return out(decisionId, await execute(deps, decisionId));
}

/** Where a waiting workflow's task token is kept until a review releases it. */
export interface TaskTokenStore {
  put(decisionId: string, taskToken: string, expiresAt: number): Promise<void>;
  get(decisionId: string): Promise<string | undefined>;
  remove(decisionId: string): Promise<void>;
}

/** Completes a waiting task (SendTaskSuccess); tolerates a task that already finished. */
export interface TaskCompleter {
  succeed(taskToken: string, output: ApprovalResult): Promise<void>;
}

export interface AwaitApprovalDeps {
  clock: Clock;
  decisions: Pick<DecisionStore, "getDecision">;
  taskTokens: TaskTokenStore;
  tasks: TaskCompleter;
}

export const resultOf = (status: string): ApprovalResult["result"] | undefined =>
  status === "pending_approval"
    ? undefined
    : status === "expired"
      ? "expired"
      : ["dispatched", "executed", "failed", "in_doubt"].includes(status)
        ? "approved"
        : "rejected";

/**
 * The level-1 task (`.waitForTaskToken`): store the token where the review routes find it, then read
 * the decision again. A review that landed before the token was stored found nothing to release, so
 * this step releases the task itself; one that lands after finds the token. Either way the workflow
 * moves on exactly once (a second SendTaskSuccess for a finished task is ignored).
 */
export async function registerApprovalWait(
  deps: AwaitApprovalDeps,
  input: unknown,
  maxWaitSeconds: number,
): Promise<{ decisionId: string; waiting: boolean }> {
  const { decisionId, taskToken } = parseWith(AwaitApprovalInput, input);
  await deps.taskTokens.put(decisionId, taskToken, deps.clock.now() + (maxWaitSeconds + 86_400) * 1000);
  const d = await deps.decisions.getDecision(decisionId);
  const result = d ? resultOf(d.status) : "rejected";
  if (!result) return { decisionId, waiting: true };
  await deps.tasks.succeed(taskToken, { decisionId, result, status: d?.status ?? "rejected" });
  await deps.taskTokens.remove(decisionId);
  return { decisionId, waiting: false };
}

/** The review routes' side: release the waiting workflow after the conditional transition. */
export async function releaseApprovalWait(
  deps: Pick<AwaitApprovalDeps, "taskTokens" | "tasks">,
  decision: Pick<Decision, "decisionId" | "status">,
  result: "approved" | "rejected",
): Promise<boolean> {
  const token = await deps.taskTokens.get(decision.decisionId);
  if (!token) return false;
  await deps.tasks.succeed(token, { decisionId: decision.decisionId, result, status: decision.status });
  await deps.taskTokens.remove(decision.decisionId);
  return true;
}

/** Starts a decision's workflow; starting one that already exists is a no-op. */
export interface WorkflowStarter {
  start(input: WorkflowInput): Promise<{ started: boolean }>;
}

/** The decision fields the workflow starter reads from a ledger stream image. */
export const DecidedImage = z
  .object({
    decisionId: z.string().min(1),
    status: DecisionStatus,
    version: z.number().int(),
    decidedAt: z.string(),
    executeAt: z.string().optional(),
    expiresAt: z.string().optional(),
  })
  .loose();

/**
 * Start the workflow of each just-decided decision (version 1) that waits: scheduled ones for their
 * override window, pending ones for a review. Returns the positions that failed, for a partial retry.
 */
export async function startWorkflows(
  deps: { clock: Clock; starter: WorkflowStarter; defaults: WorkflowDefaults },
  images: { position: string; item: unknown }[],
): Promise<{ started: string[]; failed: string[] }> {
  const started: string[] = [];
  const failed: string[] = [];
  for (const { position, item } of images) {
    const parsed = DecidedImage.safeParse(item);
    if (!parsed.success || parsed.data.version !== 1) continue;
    const input = workflowInputFor(parsed.data, deps.clock.now(), deps.defaults);
    if (!input) continue;
    try {
      if ((await deps.starter.start(input)).started) started.push(input.decisionId);
    } catch {
      // Everything from the first failure on is retried; the stream keeps order per shard.
      failed.push(position);
      break;
    }
  }
  return { started, failed };
}
