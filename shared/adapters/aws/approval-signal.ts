import type { Decision } from "../../domain/decision.ts";
import type { ApprovalSignal } from "../../ports.ts";
import { releaseApprovalWait, type TaskCompleter, type TaskTokenStore } from "../../usecases/workflow.ts";

/**
 * ApprovalSignal for Step Functions: called by approve/reject after their conditional transition
 * (pending_approval -> dispatched | rejected), so one approval releases the waiting execution once.
 */
export class StepFunctionsApprovalSignal implements ApprovalSignal {
  constructor(private readonly deps: { taskTokens: TaskTokenStore; tasks: TaskCompleter }) {}

  async resolved(decision: Decision, result: "approved" | "rejected"): Promise<void> {
    await releaseApprovalWait(this.deps, decision, result);
  }
}
