/**
 * An approval and a proposal racing on one account. The approval re-checks the hard rules, then moves
 * the pending reservation to the moment of approval; if another touch was reserved in between (here:
 * after the pending reservation expired, so the gate rightly let it through), the approval must not
 * commit on top of it. Found as a cooldown broken in the CI demo run (seed 1, accelerated clock).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Decision } from "../../shared/domain/decision.ts";
import { HOUR } from "../../shared/domain/time.ts";
import type { DecisionStore } from "../../shared/ports.ts";
import { approve } from "../../shared/usecases/lifecycle.ts";
import { STORES, startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, seedAcme } from "../helpers/world.ts";
import { approver } from "./helpers/store.ts";

// Every invariant holds on DynamoDB Local and on the in-process engine the simulation runs on.
describe.each(STORES)("on %s", (store) => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await startRuntime({ store, runWorkers: false });
  });
  afterEach(() => rt.close());

  /** The store, with `beforeFirstTransition` run once just before the first status transition is written. */
  function interleaved(store: DecisionStore, beforeFirstTransition: () => Promise<void>): DecisionStore {
    let fired = false;
    return new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === "transition")
          return async (t: Parameters<DecisionStore["transition"]>[0]) => {
            if (!fired) {
              fired = true;
              await beforeFirstTransition();
            }
            return target.transition(t);
          };
        const value = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  describe("an approval racing a proposal on the same account", () => {
    it("does not dispatch on top of a touch reserved after it re-checked", async () => {
      await seedAcme(rt.deps, "acme");
      const { decision: pending } = await rt.deps.gate.propose(
        emailProposal("writer", "acme"),
        agent("writer"),
      );
      expect(pending.status).toBe("pending_approval");
      const expiresAt = Date.parse(pending.expiresAt as string);
      rt.clock.set(expiresAt - 60_000);

      // Between the approval's re-check and its write: the pending reservation expires, and another
      // agent's email to the same account goes through (the gate no longer counts the expired hold).
      let other: Decision | undefined;
      const deps = {
        ...rt.deps,
        decisions: interleaved(rt.deps.decisions, async () => {
          rt.clock.set(expiresAt + HOUR);
          other = (await rt.deps.gate.propose(emailProposal("other-writer", "acme"), agent("other-writer")))
            .decision;
        }),
      };
      const result = await approve(
        deps,
        pending.decisionId,
        { digest: pending.payloadDigest },
        approver,
      ).then(
        (d) => d.status,
        (err: Error) => err.message,
      );

      expect(other?.verdict).toBeDefined();
      const a = await rt.deps.decisions.getDecision(pending.decisionId);
      const b = await rt.deps.decisions.getDecision(other?.decisionId as string);
      const contacting = [a, b].filter(
        (d) => d && ["dispatched", "scheduled", "pending_approval"].includes(d.status),
      );
      // At most one of the two emails may go out: the approval lost, or the other was stopped.
      expect(
        contacting.map((d) => d?.decisionId),
        `approval ended as: ${result}`,
      ).toHaveLength(1);
      const touches = (await rt.deps.decisions.getContactState("acme")).touches;
      expect(touches.map((t) => t.decisionId)).toEqual(contacting.map((d) => d?.decisionId));
    });
  });
});
