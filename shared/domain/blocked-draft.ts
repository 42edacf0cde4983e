/**
 * A touch the gate blocked for a fault of its draft: review evidence against the agent that wrote it
 * (usecases/trust-evidence.ts teaches it; the gate only marks it due, so it imports nothing of trust).
 */

import type { DueItem } from "../ports.ts";
import type { Decision } from "./decision.ts";
import type { CheckName } from "./decision-types.ts";

/** The checks that judge a draft itself: what it says and whom it addresses. */
export const DRAFT_CHECKS: ReadonlySet<CheckName> = new Set(["content_quality", "persona"]);

/** Whether a decision is a touch the gate blocked for a fault of the draft itself. */
export function blockedDraft(d: Pick<Decision, "actionKind" | "status" | "checks">): boolean {
  return (
    d.actionKind === "touch" &&
    d.status === "blocked" &&
    d.checks.some(
      (c) => c.result === "fail" && !c.shadow && c.effect === "block" && DRAFT_CHECKS.has(c.check),
    )
  );
}

/** The due item that teaches a blocked draft (due at once: usecases/trust-evidence.ts says why). */
export function blockedDraftDue(decisionId: string, decidedAt: number): DueItem {
  return { decisionId, kind: "settle", at: decidedAt };
}
