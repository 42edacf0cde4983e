/**
 * The simulated human approver: works the approval queue a few times a day in business hours,
 * through the same lifecycle use cases a person uses (never with an agent credential). Mostly
 * approves; rejects a message that is weakly grounded now and then, and a message that greets someone
 * other than its recipient when they notice (`RECORD_CAUGHT`, as for a wrong record), and edits a few,
 * so trust moves for real reasons in both directions. A record (a persona, a contact, an audience add) has no
 * research facts to be grounded in: the reviewer rejects it when it is wrong and they see it, which
 * happens with probability (1 − the agent's hidden quality) · `RECORD_CAUGHT` (sim/truth.ts), so a
 * record agent's reviews follow its quality instead of a message rule that does not apply to it.
 */
import type { Decision } from "../shared/domain/decision.ts";
import type { AppDeps } from "../shared/http/routes.ts";
import { approve, execute, reject } from "../shared/usecases/lifecycle.ts";
import type { Principal } from "../shared/usecases/principal.ts";
import { rngFor } from "./random.ts";
import { type MarketTruth, RECORD_CAUGHT } from "./truth.ts";

export const SIM_APPROVER: Principal = { subject: "sim-approver", roles: ["approver"] };

export interface ApproverStats {
  approved: number;
  edited: number;
  rejected: number;
}

export async function reviewQueue(
  deps: AppDeps,
  truth: MarketTruth,
  stats: ApproverStats,
  /** Whether a message greets someone other than its recipient (the reviewer sees both). */
  misaddressed: (d: Decision) => boolean = () => false,
): Promise<void> {
  const seed = truth.seed;
  let cursor: string | undefined;
  const pending: Decision[] = [];
  do {
    const page = await deps.decisions.queryDecisions({
      status: "pending_approval",
      limit: 100,
      ...(cursor ? { cursor } : {}),
    });
    pending.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  // Oldest first, like a person working a queue.
  for (const d of pending.sort(
    (a, b) => a.decidedAt.localeCompare(b.decidedAt) || a.decisionId.localeCompare(b.decisionId),
  )) {
    const rng = rngFor(seed, "review", d.decisionId);
    const grounded = Array.isArray(d.payload.groundedOn) && d.payload.groundedOn.length > 0;
    const wrongName = d.actionKind === "touch" && misaddressed(d);
    const rejectChance =
      d.actionKind === "touch"
        ? 1 - (1 - (grounded ? 0.01 : 0.12)) * (1 - (wrongName ? RECORD_CAUGHT : 0))
        : (1 - (truth.agents[d.agentId]?.quality ?? 1)) * RECORD_CAUGHT;
    try {
      if (rng.chance(rejectChance)) {
        await reject(
          deps,
          d.decisionId,
          {
            note:
              d.actionKind !== "touch"
                ? "this record is wrong"
                : wrongName
                  ? "addressed to the wrong person"
                  : grounded
                    ? "not the right moment"
                    : "too generic: nothing specific to them",
          },
          SIM_APPROVER,
        );
        stats.rejected++;
        continue;
      }
      const edit = rng.chance(0.05) && typeof d.payload.body === "string";
      const next = await approve(
        deps,
        d.decisionId,
        {
          digest: d.payloadDigest,
          ...(edit
            ? {
                payload: { ...d.payload, body: `${String(d.payload.body).trim()} (Reviewed by our team.)` },
                note: "tightened the close",
              }
            : {}),
        },
        SIM_APPROVER,
      );
      if (edit) stats.edited++;
      else stats.approved++;
      if (next.status === "dispatched") await execute(deps, d.decisionId);
    } catch (err) {
      // Expired or changed while the queue was being worked: a person would move on too.
      if (["ConflictError", "ContentionError"].includes((err as Error).name)) continue;
      // Anything else is one decision's failure, not the run's: said on stderr, and the queue goes on.
      // It hides nothing: the decision stays as the ledger has it, which the demo's invariants check.
      console.error(
        JSON.stringify({
          level: "error",
          msg: "review failed",
          decisionId: d.decisionId,
          error: (err as Error).message,
        }),
      );
    }
  }
}
