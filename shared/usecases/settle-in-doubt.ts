/**
 * A person settles a decision left `in_doubt`: the executor could not tell whether its action went
 * out (the vendor did not answer, the function was cut off after the call), so the harness did not
 * send it again and left it for a human (DESIGN §3). Having looked in the vendor's own records (the
 * HubSpot timeline, the LinkedIn sent folder), an approver or admin says which it was:
 *
 * - it went out: `executed`, as the executor would have recorded it, with the vendor's id if given,
 *   the trust window a send opens (silence after it teaches), and for a touch nobody reviewed its
 *   `draft_passed`; the knowledge base takes in a record action then (the watchers read `executed`);
 * - it did not: `failed`, its touch and today's counters given back, so a later touch is not held
 *   back by one that never happened, and nobody is taught anything.
 *
 * Either way the ledger names who settled it and why. Before, nothing could: the decision stayed in
 * doubt for good, its reservation held and no outcome of it ever settled. SES's own events settle an
 * email's (ses-settle.ts) without anyone.
 */
import type { Decision } from "../domain/decision.ts";
import { ConflictError } from "../domain/errors.ts";
import type { SpecVersion } from "../domain/spec-schema.ts";
import { iso } from "../domain/time.ts";
import { assertMayReview, type Principal } from "./principal.ts";
import { type LifecycleDeps, load, move } from "./transitions.ts";
import { recordTrustOutcome } from "./trust.ts";
import { settleDue } from "./trust-evidence.ts";

export interface SettleInput {
  /** Whether the action reached the vendor (found in its records). */
  wentOut: boolean;
  /** The vendor's id of what was done (a HubSpot note id, a LinkedIn message id), when it went out. */
  externalId?: string | undefined;
  /** What the person looked at: kept in the ledger. */
  note: string;
}

export async function settleInDoubt(
  deps: LifecycleDeps,
  decisionId: string,
  input: SettleInput,
  principal: Principal,
): Promise<Decision> {
  let decision = await load(deps, decisionId);
  // As for any review: an approver or an admin, never the proposing agent's own credential.
  assertMayReview(principal, decision.agentId);
  const spec = input.wentOut ? await deps.specs.current().catch(() => undefined) : undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      const settled = await settleOnce(deps, decision, input, principal.subject, spec);
      // As the executor would have on recording the send (execution.ts); its failure does not undo it.
      if (input.wentOut && spec && settled.actionKind === "touch" && !settled.review)
        await recordTrustOutcome(
          deps,
          spec,
          settled.agentId,
          settled.actionType,
          "draft_passed",
          `draft_passed on ${decisionId}: went out unreviewed, every check passed (settled by a person)`,
        ).catch(() => undefined);
      return settled;
    } catch (err) {
      // Another writer changed it meanwhile (an outcome appended: a reply to the email in doubt): read
      // again, and settled if it is still in doubt; else the conflict is the answer (409).
      if (!(err instanceof ConflictError) || attempt >= 3) throw err;
      decision = await load(deps, decisionId);
      if (decision.status !== "in_doubt") throw err;
    }
  }
}

async function settleOnce(
  deps: LifecycleDeps,
  decision: Decision,
  input: SettleInput,
  by: string,
  spec: SpecVersion | undefined,
): Promise<Decision> {
  const now = deps.clock.now();
  // The execution as the executor records one (execution.ts), from the attempt on record: not what the
  // attempt left of a hand-back (`retryAt`, which marks a decision never sent to every outcome's
  // attribution, and `wrote`).
  const execution = {
    at: decision.execution?.at ?? iso(now),
    idempotencyKey: decision.execution?.idempotencyKey ?? decision.idempotencyKey,
    ...(decision.execution?.withheld ? { withheld: decision.execution.withheld } : {}),
  };
  if (!input.wentOut)
    return move(deps, decision, {
      to: "failed",
      from: ["in_doubt"],
      event: "failed",
      actor: by,
      detail: `settled by ${by}: it did not go out (${input.note}); reservation released`,
      patch: { execution: { ...execution, error: `not sent, settled by ${by}: ${input.note}` } },
      release: true,
    });
  const externalId = input.externalId ?? decision.execution?.externalId;
  return move(deps, decision, {
    to: "executed",
    from: ["in_doubt"],
    event: "executed",
    actor: by,
    detail: `settled by ${by}: it went out${externalId ? ` (${externalId})` : ""} (${input.note})`,
    patch: { execution: { ...execution, ...(externalId ? { externalId } : {}) } },
    // The trust window counts from the attempt, when it went out.
    addDue: settleDue(decision.decisionId, Date.parse(execution.at) || now, spec),
  });
}
