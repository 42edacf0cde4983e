import type { Decision } from "../../domain/decision.ts";
import type { ApprovalSignal } from "../../ports.ts";
import { releaseApprovalWait, type TaskCompleter, type TaskTokenStore } from "../../usecases/workflow.ts";

/** Where a failed release is reported: a warning line (no personal data: the decision id and the error's name). */
export type SignalFailure = (decisionId: string, err: Error) => void;

const warn: SignalFailure = (decisionId, err) =>
  console.warn(
    JSON.stringify({
      level: "WARN",
      message: "approval workflow not released; the reconciler takes it over",
      decisionId,
      error: err.name,
    }),
  );

/**
 * ApprovalSignal for Step Functions: called by approve/reject after their conditional transition
 * (pending_approval -> dispatched | rejected), so one approval releases the waiting execution once.
 *
 * A failure here (SendTaskSuccess throttled, the token's item unreadable) is not the review's: the
 * review is committed, and failing the request made the reviewer's retry a 409 and skipped what the
 * review teaches trust. The action is not lost: the reconciler hands an approved decision no workflow
 * executed to the executor, and an execution left waiting on a rejected one ends at the decision's
 * expiry with nothing to do. So it is reported and swallowed.
 */
export class StepFunctionsApprovalSignal implements ApprovalSignal {
  constructor(
    private readonly deps: { taskTokens: TaskTokenStore; tasks: TaskCompleter },
    private readonly onFailure: SignalFailure = warn,
  ) {}

  async resolved(decision: Decision, result: "approved" | "rejected"): Promise<void> {
    try {
      await releaseApprovalWait(this.deps, decision, result);
    } catch (err) {
      this.onFailure(decision.decisionId, err as Error);
    }
  }
}
