/**
 * Settling a decision left in doubt (usecases/settle-in-doubt.ts) from the states the executor leaves
 * one in: after a hand-back that wrote part of the action and whose retry window ran out, and while
 * another writer appends to it. On DynamoDB Local, executions driven by hand.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Decision } from "../../shared/domain/decision.ts";
import { ConnectorError } from "../../shared/ports.ts";
import { execute } from "../../shared/usecases/execution.ts";
import { recordOutcome } from "../../shared/usecases/outcomes.ts";
import { settleInDoubt } from "../../shared/usecases/settle-in-doubt.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, seedAcme } from "../helpers/world.ts";
import { approver, pin } from "./helpers/store.ts";

const HOUR = 3_600_000;
let rt: TestRuntime;
beforeEach(async () => {
  rt = await startRuntime({ runWorkers: false });
});
afterEach(() => rt.close());

/** A level-3 email whose first attempt was turned away after a write, its window then over: in doubt. */
async function handedBackThenInDoubt(accountId: string): Promise<Decision> {
  await seedAcme(rt.deps, accountId);
  await pin(rt, "writer", "email.send", 3);
  const { decision } = await rt.deps.gate.propose(emailProposal("writer", accountId), agent("writer"));
  const turnedAway = {
    execute: async () => {
      throw new ConnectorError("SES SendEmail: status 503", false, { retryAfterMs: 5_000, afterWrite: true });
    },
  };
  const held = await execute({ ...rt.deps, connector: turnedAway }, decision.decisionId);
  expect(held?.execution).toMatchObject({ wrote: true, retryAt: expect.any(String) });
  rt.clock.advance(2 * HOUR);
  const doubt = await execute(rt.deps, decision.decisionId);
  expect(doubt?.status).toBe("in_doubt");
  return doubt as Decision;
}

describe("settling a decision left in doubt", () => {
  it("one handed back after a write, settled as sent, is a sent touch: a reply to it is credited to it", async () => {
    const d = await handedBackThenInDoubt("sid-1");
    const settled = await settleInDoubt(
      rt.deps,
      d.decisionId,
      { wentOut: true, note: "in SES's sending log" },
      approver,
    );
    expect(settled.status).toBe("executed");
    // The execution as the executor records one: no hand-back marks. Before, its retryAt stayed, and
    // every outcome's attribution took the touch for one never sent.
    expect(settled.execution).not.toHaveProperty("retryAt");
    expect(settled.execution).not.toHaveProperty("wrote");
    const reply = await recordOutcome(
      rt.deps,
      { personId: "sid-1-jane", type: "replied", occurredAt: new Date(rt.clock.now()).toISOString() },
      { subject: "hubspot", roles: ["admin"] },
    );
    expect(reply.attributedTo).toBe(d.decisionId);
  });

  it("an outcome appended while it is settled does not make the settling a conflict", async () => {
    const d = await handedBackThenInDoubt("sid-2");
    const decisions = rt.deps.decisions;
    let first = true;
    // Between the read and the move, a reply lands on the decision in doubt (its version moves on).
    const racing: typeof decisions = Object.create(decisions);
    racing.transition = async (t) => {
      if (first) {
        first = false;
        await recordOutcome(
          rt.deps,
          { decisionId: d.decisionId, type: "replied", occurredAt: new Date(rt.clock.now()).toISOString() },
          { subject: "hubspot", roles: ["admin"] },
        );
      }
      return decisions.transition(t);
    };
    const settled = await settleInDoubt(
      { ...rt.deps, decisions: racing },
      d.decisionId,
      { wentOut: false, note: "not in SES's sending log" },
      approver,
    );
    // Before: 409, though it was still in doubt.
    expect(settled.status).toBe("failed");
    expect(settled.outcomes.map((o) => o.type)).toEqual(["replied"]);
  });
});
