/**
 * The approval workflow's steps (AWS: one Step Functions Task each; locally the polled due-queue
 * calls the lifecycle functions directly). Every step takes and returns zod-checked JSON, so the
 * state machine's I/O is validated at both ends, and each calls exactly one lifecycle use case.
 * The release step, the only one that re-validates, lives in usecases/workflow-release.ts, so that the
 * other steps' functions do not carry the hard rules (persona patterns, RE2, the gate's context).
 */

import type { Decision } from "../domain/decision.ts";
import { parseWith } from "../domain/validation.ts";
import { DecisionStatus } from "../domain/vocabulary.ts";
import * as z from "../domain/zod-mini.ts";
import type { Clock } from "../ports.ts";
import { type ExecuteOptions, execute, expire } from "./execution.ts";
import type { LifecycleDeps } from "./transitions.ts";

export {
  DecidedImage,
  startWorkflows,
  type WorkflowDefaults,
  WorkflowInput,
  type WorkflowStarter,
  workflowInputFor,
} from "./workflow-start.ts";

export const StepInput = z.looseObject({ decisionId: z.string().check(z.minLength(1)) });
export type StepInput = z.infer<typeof StepInput>;

export const StepOutput = z.object({
  decisionId: z.string(),
  status: z.union([DecisionStatus, z.literal("missing")]),
});
export type StepOutput = z.infer<typeof StepOutput>;

export const AwaitApprovalInput = z.object({
  decisionId: z.string().check(z.minLength(1)),
  taskToken: z.string().check(z.minLength(1)),
});
export type AwaitApprovalInput = z.infer<typeof AwaitApprovalInput>;

/** What the waiting task is completed with (SendTaskSuccess output): the review's result. */
export const ApprovalResult = z.object({
  decisionId: z.string(),
  result: z.enum(["approved", "rejected", "expired"]),
  status: DecisionStatus,
});
export type ApprovalResult = z.infer<typeof ApprovalResult>;

export const stepOutput = (decisionId: string, d: Decision | undefined): StepOutput => ({
  decisionId,
  status: d?.status ?? "missing",
});

/** The approval task timed out: expire the decision and give its reservation back. */
export async function expireStep(deps: LifecycleDeps, input: unknown): Promise<StepOutput> {
  const { decisionId } = parseWith(StepInput, input);
  return stepOutput(decisionId, await expire(deps, decisionId));
}

/** A dispatched decision: call its connector with the decision's idempotency key. */
export async function executeStep(
  deps: LifecycleDeps,
  input: unknown,
  options: ExecuteOptions = {},
): Promise<StepOutput> {
  const { decisionId } = parseWith(StepInput, input);
  return stepOutput(decisionId, await execute(deps, decisionId, options));
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
  /** The status only: the approval wait never opens the decision (its role has no key to). */
  decisions: { decisionStatus(decisionId: string): Promise<Decision["status"] | undefined> };
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
  const status = await deps.decisions.decisionStatus(decisionId);
  const result = status ? resultOf(status) : "rejected";
  if (!result) return { decisionId, waiting: true };
  await deps.tasks.succeed(taskToken, { decisionId, result, status: status ?? "rejected" });
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
