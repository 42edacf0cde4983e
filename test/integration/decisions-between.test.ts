/**
 * decisionsBetween with `only`: the signals refit reads the touches of a 90-day window, which the data
 * agents' record updates fill. The store filters them in the database: the other kinds are neither
 * returned nor counted against the limit, on both databases.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Decision } from "../../shared/domain/decision.ts";
import { WITHHELD } from "../../shared/domain/personal-data.ts";
import { DAY, HOUR } from "../../shared/domain/time.ts";
import { execute } from "../../shared/usecases/lifecycle.ts";
import { STORES, startRuntime, T0, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, recordProposal, seedAcme } from "../helpers/world.ts";
import { pin } from "./helpers/store.ts";

describe.each(STORES)("on %s", (store) => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await startRuntime({ store, runWorkers: false });
  });
  afterEach(() => rt.close());

  const executed = async (p: { agentId: string } & Record<string, unknown>) => {
    const { decision } = await rt.deps.gate.propose(p, agent(p.agentId));
    expect(decision.verdict).toBe("allow");
    return (await execute(rt.deps, decision.decisionId)) as Decision;
  };
  const record = (accountId: string, n: number) => executed(recordProposal("finder", accountId, n));

  it("returns only the kind asked for, counting only those against the limit", async () => {
    await pin(rt, "writer", "email.send", 3);
    const touches: string[] = [];
    for (const a of ["acme", "beta", "gamma"]) {
      await seedAcme(rt.deps, a);
      for (let n = 0; n < 3; n++) await record(a, n);
      touches.push((await executed(emailProposal("writer", a))).decisionId);
      rt.clock.advance(HOUR);
    }
    const since = new Date(T0 - DAY).toISOString();
    const until = new Date(rt.clock.now() + DAY).toISOString();
    const all = await rt.deps.decisions.decisionsBetween?.(since, until, 100);
    expect(all?.items).toHaveLength(12);
    const only = await rt.deps.decisions.decisionsBetween?.(since, until, 100, { actionKind: "touch" });
    expect(only?.items.map((d) => d.decisionId).sort()).toEqual([...touches].sort());
    expect(only?.more).toBe(false);
    // The payload is unsealed as without the filter.
    expect(only?.items.every((d) => typeof d.payload.body === "string")).toBe(true);
    // Without personal data: the same touches, their signals, intent and verdict, but nothing unsealed.
    const withheld = await rt.deps.decisions.decisionsBetween?.(since, until, 100, {
      actionKind: "touch",
      personalData: false,
    });
    const byId = new Map(only?.items.map((d) => [d.decisionId, d]));
    expect(withheld?.items.map((d) => d.decisionId).sort()).toEqual([...touches].sort());
    for (const d of withheld?.items ?? []) {
      const open = byId.get(d.decisionId) as Decision;
      expect(d.payload).toEqual({});
      expect(d.reasoning).toBe(WITHHELD);
      expect(d.erased).toBeUndefined();
      expect(d.context.person).toBeUndefined();
      expect(open.context.person).toBeDefined();
      expect(d.facts?.account?.signals).toEqual(open.facts?.account?.signals);
      expect(d.context.intent).toEqual(open.context.intent);
      expect(d.verdict).toBe(open.verdict);
    }
    const two = await rt.deps.decisions.decisionsBetween?.(since, until, 2, { actionKind: "touch" });
    expect(two?.items).toHaveLength(2);
    expect(two?.more).toBe(true);
    // Newest first, a read stopped at the limit leaves out the oldest of the window, not the newest.
    const newest = await rt.deps.decisions.decisionsBetween?.(since, until, 2, {
      actionKind: "touch",
      newestFirst: true,
    });
    expect(newest?.items.map((d) => d.decisionId)).toEqual([touches[2], touches[1]]);
    expect(newest?.more).toBe(true);
  });

  it("reads only the statuses asked for", async () => {
    await pin(rt, "writer", "email.send", 3);
    await seedAcme(rt.deps, "acme");
    await seedAcme(rt.deps, "beta");
    const sent = await executed(emailProposal("writer", "acme"));
    // A second email to acme the same day is refused by coordination: a blocked or deferred touch.
    const { decision: refused } = await rt.deps.gate.propose(
      emailProposal("writer", "acme", "acme-jane", { proposalId: "again" }),
      agent("writer"),
    );
    expect(["blocked", "deferred"]).toContain(refused.status);
    const since = new Date(T0 - DAY).toISOString();
    const until = new Date(rt.clock.now() + DAY).toISOString();
    const all = await rt.deps.decisions.decisionsBetween?.(since, until, 100, { actionKind: "touch" });
    expect(all?.items.map((d) => d.decisionId).sort()).toEqual([sent.decisionId, refused.decisionId].sort());
    const reached = await rt.deps.decisions.decisionsBetween?.(since, until, 100, {
      actionKind: "touch",
      statuses: ["executed", "dispatched", "in_doubt"],
    });
    expect(reached?.items.map((d) => d.decisionId)).toEqual([sent.decisionId]);
  });
});
