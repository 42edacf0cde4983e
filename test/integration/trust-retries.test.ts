/**
 * A delivery that failed part-way is finished by its retry, and nothing counts twice. Recording an
 * outcome or settling a window first appends to the decision and then teaches trust, pauses, suppresses
 * and publishes; when anything after the append fails (a throttled trust write, a timeout), the retry
 * finds the outcome on the decision already (a complaint or unsubscribe suppresses before the append).
 * It must still do what the first delivery did not, and
 * only that: trust marks each outcome id it was taught (TrustStore.save's `evidenceId`), the pause is
 * named by the outcome, a suppression is an overwrite. On DynamoDB Local and the in-process engine.
 */

import { afterEach, describe, expect, it } from "vitest";
import { suppressionsFor } from "../../shared/adapters/dynamo/kb-store.ts";
import type { Decision } from "../../shared/domain/decision.ts";
import { DAY } from "../../shared/domain/time.ts";
import { decayed, streamsOf } from "../../shared/learning/trust.ts";
import { execute } from "../../shared/usecases/lifecycle.ts";
import { recordOutcome } from "../../shared/usecases/outcomes.ts";
import { describeTrust, pinTrust, recordTrustOutcome } from "../../shared/usecases/trust.ts";
import { settleDecision, settleDueItems } from "../../shared/usecases/trust-evidence.ts";
import { STORES, startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, recordProposal, seedAcme } from "../helpers/world.ts";
import { approver, pin } from "./helpers/store.ts";

let rt: TestRuntime;
afterEach(() => rt.close());

const ses = { subject: "ses", roles: ["admin"] };

async function sentEmail(accountId: string): Promise<Decision> {
  await pin(rt, "writer", "email.send", 3);
  const { decision } = await rt.deps.gate.propose(emailProposal("writer", accountId), agent("writer"));
  const done = await execute(rt.deps, decision.decisionId);
  expect(done?.status).toBe("executed");
  return done as Decision;
}

/** The next `n` trust saves throw as a throttled DynamoDB would; later ones go through. */
function throttleTrust(n: number) {
  const save = rt.deps.trust.save.bind(rt.deps.trust);
  let left = n;
  rt.deps.trust.save = async (...args) => {
    if (left-- > 0)
      throw Object.assign(new Error("Rate of requests exceeds the allowed throughput"), {
        name: "ProvisionedThroughputExceededException",
      });
    return save(...args);
  };
}

const trustOf = async (agentId: string, actionType: string) => {
  const r = await rt.deps.trust.get(agentId, actionType);
  return r
    ? { ...streamsOf(r), version: r.version, earnedLevel: r.earnedLevel, frozen: r.noPromotionUntil }
    : undefined;
};

describe.each(STORES)("a delivery that failed part-way is finished by its retry (%s)", (store) => {
  it("a complaint whose trust write failed still suppresses the person and demotes the writer, once", async () => {
    rt = await startRuntime({ store, runWorkers: false });
    await seedAcme(rt.deps, "acme");
    const sent = await sentEmail("acme");
    const complaint = {
      decisionId: sent.decisionId,
      type: "complaint" as const,
      outcomeId: "ses:m1:complaint",
    };

    throttleTrust(1);
    await expect(recordOutcome(rt.deps, complaint, ses)).rejects.toThrow(/throughput/);
    // The complaint is on the decision, and the person is suppressed already: that comes before
    // anything that can fail, so it holds even if SES never delivers the event again.
    expect((await rt.deps.decisions.getDecision(sent.decisionId))?.outcomes.map((o) => o.type)).toEqual([
      "complaint",
    ]);
    expect((await suppressionsFor(rt.db, "acme", sent.personId)).map((s) => s.reason)).toEqual([
      "complaint (outcome ses:m1:complaint)",
    ]);

    // SES delivers the event again: a duplicate, and everything the first delivery owed is done.
    const again = await recordOutcome(rt.deps, complaint, ses);
    expect(again.duplicate).toBe(true);
    expect(again.effects).toEqual([`person ${sent.personId} suppressed on every channel`]);
    const suppressed = await suppressionsFor(rt.db, "acme", sent.personId);
    expect(suppressed.map((s) => s.reason)).toEqual(["complaint (outcome ses:m1:complaint)"]);
    const taught = await trustOf("writer", "email.send");
    const weight = (await rt.deps.specs.current())?.spec.trust.outcomes.complaint?.failure ?? 0;
    expect(taught?.market.failure).toBeCloseTo(weight, 6);
    expect(taught?.earnedLevel).toBe(1);
    expect(taught?.frozen).toBeGreaterThan(rt.clock.now());

    // A third delivery: nothing more anywhere.
    await recordOutcome(rt.deps, complaint, ses);
    expect(await trustOf("writer", "email.send")).toEqual(taught);
    expect(await suppressionsFor(rt.db, "acme", sent.personId)).toHaveLength(1);
  });

  it("a reply whose trust write failed pauses the account and credits the writer on the retry, once", async () => {
    rt = await startRuntime({ store, runWorkers: false });
    await seedAcme(rt.deps, "acme");
    const sent = await sentEmail("acme");
    const reply = { decisionId: sent.decisionId, type: "replied" as const, outcomeId: "hubspot:reply:1" };
    throttleTrust(1);
    await expect(recordOutcome(rt.deps, reply, approver)).rejects.toThrow(/throughput/);
    expect(await rt.deps.pauses.list()).toEqual([]);

    await recordOutcome(rt.deps, reply, approver);
    await recordOutcome(rt.deps, reply, approver);
    const pauses = (await rt.deps.pauses.list()).filter((p) => p.target === "acme");
    expect(pauses).toHaveLength(1);
    const weight = (await rt.deps.specs.current())?.spec.trust.outcomes.replied?.success ?? 0;
    expect((await trustOf("writer", "email.send"))?.market.success).toBeCloseTo(weight, 6);

    // An admin lifts the pause; a late redelivery of the reply does not bring it back.
    await rt.deps.pauses.remove(
      pauses[0]?.pauseId ?? "",
      "user:admin",
      new Date(rt.clock.now()).toISOString(),
    );
    await recordOutcome(rt.deps, reply, approver);
    expect((await rt.deps.pauses.list()).filter((p) => p.target === "acme")).toEqual([]);
  });

  it("a settle whose teaching failed teaches the held flag and the close on the next sweep, once", async () => {
    rt = await startRuntime({ store, runWorkers: false });
    await seedAcme(rt.deps, "acme");
    const { decision } = await rt.deps.gate.propose(recordProposal("finder", "acme"), agent("finder"));
    await execute(rt.deps, decision.decisionId);
    rt.clock.advance(DAY);
    await recordOutcome(rt.deps, { decisionId: decision.decisionId, type: "flagged_bad_lead" }, approver);
    rt.clock.advance(7 * DAY);

    throttleTrust(1);
    expect(await settleDueItems(rt.deps, rt.clock.now())).toEqual({ settled: 0, recorded: 0, failed: 1 });
    expect(await rt.deps.trust.get("finder", "crm.update")).toBeUndefined();

    // The item stayed queued: the next sweep finds the window closed and teaches what was owed.
    expect(await settleDueItems(rt.deps, rt.clock.now())).toEqual({ settled: 1, recorded: 0, failed: 0 });
    const flag = (await rt.deps.specs.current())?.spec.trust.outcomes.flagged_bad_lead?.failure ?? 0;
    const taught = await trustOf("finder", "crm.update");
    expect(taught?.market.failure).toBeCloseTo(flag, 6);
    expect((await rt.deps.trust.get("finder", "crm.update"))?.settled).toBe(1);
    // Delivered once more: nothing twice.
    expect(await settleDecision(rt.deps, decision.decisionId)).toBeUndefined();
    expect(await trustOf("finder", "crm.update")).toEqual(taught);
  });

  it("a report without an outcome id but with its instant is recognised when the client retries it", async () => {
    rt = await startRuntime({ store, runWorkers: false });
    await seedAcme(rt.deps, "acme");
    const sent = await sentEmail("acme");
    const at = new Date(rt.clock.now() + 3_600_000).toISOString();
    const reply = { decisionId: sent.decisionId, type: "replied" as const, occurredAt: at };
    const first = await recordOutcome(rt.deps, reply, approver);
    const again = await recordOutcome(rt.deps, reply, approver);
    expect(again).toMatchObject({ outcomeId: first.outcomeId, duplicate: true });
    const weight = (await rt.deps.specs.current())?.spec.trust.outcomes.replied?.success ?? 0;
    expect((await trustOf("writer", "email.send"))?.market.success).toBeCloseTo(weight, 6);
    // Another instant is another reply.
    const later = await recordOutcome(
      rt.deps,
      { ...reply, occurredAt: new Date(rt.clock.now() + 7_200_000).toISOString() },
      approver,
    );
    expect(later.outcomeId).not.toBe(first.outcomeId);
    expect((await rt.deps.decisions.getDecision(sent.decisionId))?.outcomes).toHaveLength(2);
  });

  it("the same evidence id is folded in once, and a different one counts", async () => {
    rt = await startRuntime({ store, runWorkers: false });
    const spec = await rt.deps.specs.current();
    if (!spec) throw new Error("no spec");
    const teach = (id: string) =>
      recordTrustOutcome(rt.deps, spec, "writer", "email.send", "replied", "test", id);
    const results = await Promise.all([teach("o-1"), teach("o-1"), teach("o-1"), teach("o-2")]);
    expect(results.every((r) => r !== undefined)).toBe(true);
    const weight = spec.spec.trust.outcomes.replied?.success ?? 0;
    expect((await trustOf("writer", "email.send"))?.market.success).toBeCloseTo(2 * weight, 6);
  });
});

describe("an idle agent's evidence fades whoever touches the record", () => {
  it("a pin decays the counts to now instead of making old evidence fresh; the API shows them decayed", async () => {
    rt = await startRuntime({ store: "in-process", runWorkers: false });
    const spec = await rt.deps.specs.current();
    if (!spec) throw new Error("no spec");
    for (let i = 0; i < 20; i++)
      await recordTrustOutcome(rt.deps, spec, "writer", "email.send", "replied", "test", `o-${i}`);
    const fresh = await rt.deps.trust.get("writer", "email.send");
    if (!fresh) throw new Error("no trust");
    const halfLife = spec.spec.trust.halfLifeDays;
    rt.clock.advance(2 * halfLife * DAY);

    // Shown as of now: a quarter of the evidence, though nothing was written since.
    const view = describeTrust(fresh, spec, rt.clock.now());
    expect(view.evidence.market.success).toBeCloseTo(streamsOf(fresh).market.success / 4, 3);
    expect(view.updatedAt).toBe(new Date(fresh.updatedAt).toISOString());

    await pinTrust(rt.deps, spec, "writer", "email.send", 2, "holiday cover", "user:admin");
    const pinned = await rt.deps.trust.get("writer", "email.send");
    expect(streamsOf(pinned ?? fresh).market.success).toBeCloseTo(streamsOf(fresh).market.success / 4, 6);
    expect(pinned?.updatedAt).toBe(rt.clock.now());
    // The same figure as decaying the record directly: the pin added no evidence and lost none.
    expect(streamsOf(pinned ?? fresh).market).toEqual(
      streamsOf(decayed(fresh, rt.clock.now(), spec.spec.trust)).market,
    );
  });
});
