/**
 * Invariants under concurrency, against DynamoDB Local: the reservation is a conditional write, so no
 * coordination rule and no volume cap is exceeded whatever the interleaving, and a proposalId yields
 * exactly one decision however often it is retried.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { counterNames } from "../../shared/domain/checks/volume.ts";
import type { GateResult } from "../../shared/usecases/gate.ts";
import { veto } from "../../shared/usecases/lifecycle.ts";
import { STORES, startRuntime, T0, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, linkedinProposal, seedAcme } from "../helpers/world.ts";
import {
  approver,
  counterValue,
  decisionEvents,
  decisionsOfAccount,
  dueFor,
  pin,
  publishVariant,
  rawContactState,
  touchCounters,
  workspaceDay,
} from "./helpers/store.ts";

// Every invariant holds on DynamoDB Local and on the in-process engine the simulation runs on.
describe.each(STORES)("on %s", (store) => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await startRuntime({ store });
  });
  afterEach(() => rt.close());

  const reserving = (r: GateResult) => r.decision.verdict !== "defer" && r.decision.verdict !== "block";

  describe("coordination under concurrency", () => {
    // DynamoDB Local serialises transactions and a cancelled one costs ~100 ms, so the 199 losing
    // reservations of the first round dominate: ~20-40 s here, well under a second on DynamoDB.
    it("200 concurrent proposals from 5 agents for one account reserve exactly one touch", {
      timeout: 180_000,
    }, async () => {
      await seedAcme(rt.deps, "hot");
      const agents = ["a1", "a2", "a3", "a4", "a5"];
      // Mixed autonomy, so the winner may be any verdict that reserves: allow, schedule or require_approval.
      await pin(rt, "a1", "email.send", 3);
      await pin(rt, "a2", "linkedin.message", 2);
      await pin(rt, "a3", "email.send", 2);
      const proposals = Array.from({ length: 200 }, (_, i) => {
        const agentId = agents[i % agents.length] as string;
        const toBob = i % 2 === 1;
        const make = i % 3 === 0 ? linkedinProposal : emailProposal;
        const base = make(agentId, "hot", toBob ? "hot-bob" : "hot-jane", { proposalId: `burst-${i}` });
        // The content check compares the greeting with the name on file.
        return toBob
          ? { ...base, payload: { ...base.payload, body: base.payload.body.replace("Jane", "Bob") } }
          : base;
      });

      const started = performance.now();
      const results = await Promise.all(proposals.map((p) => rt.deps.gate.propose(p, agent(p.agentId))));
      const elapsed = performance.now() - started;
      console.info(`200 concurrent proposals decided in ${Math.round(elapsed)} ms`);

      expect(results).toHaveLength(200);
      expect(new Set(results.map((r) => r.decision.decisionId)).size).toBe(200);
      expect(results.filter((r) => r.replay)).toHaveLength(0);

      const winners = results.filter(reserving);
      expect(winners).toHaveLength(1);
      const winner = (winners[0] as GateResult).decision;
      expect(["allow", "schedule", "require_approval"]).toContain(winner.verdict);

      const losers = results.filter((r) => !reserving(r));
      expect(losers).toHaveLength(199);
      for (const { decision } of losers) {
        expect(decision.verdict).toBe("defer");
        expect(decision.status).toBe("deferred");
        expect(decision.retryAfter).toBeDefined();
        expect(Date.parse(decision.retryAfter as string)).toBeGreaterThan(T0);
        expect(decision.reasons.some((r) => r.startsWith("coordination"))).toBe(true);
        expect(decision.reservation).toEqual({ touch: false, counters: [] });
      }

      const contact = await rt.deps.decisions.getContactState("hot");
      expect(contact.touches).toHaveLength(1);
      expect(contact.touches[0]?.decisionId).toBe(winner.decisionId);

      // Only the winner bumped counters.
      const channel = winner.channel as string;
      const other = channel === "email" ? "linkedin" : "email";
      expect(await counterValue(rt, counterNames.agent(winner.agentId))).toBe(1);
      for (const a of agents.filter((x) => x !== winner.agentId)) {
        expect(await counterValue(rt, counterNames.agent(a))).toBeUndefined();
      }
      expect(await counterValue(rt, counterNames.channel(channel))).toBe(1);
      expect(await counterValue(rt, counterNames.channel(other))).toBeUndefined();

      // The store agrees with what the callers were told.
      const stored = await decisionsOfAccount(rt, "hot");
      expect(stored).toHaveLength(200);
      expect(stored.filter((d) => d.status !== "deferred").map((d) => d.decisionId)).toEqual([
        winner.decisionId,
      ]);
    });

    it("concurrent proposals never exceed a volume cap of N, and a released slot is reusable once", async () => {
      const N = 7;
      await publishVariant(rt, (spec) => {
        spec.volume.perAgentPerDay.agents = { writer: N };
      });
      const accounts = Array.from({ length: 30 }, (_, i) => `v${String(i).padStart(2, "0")}`);
      await Promise.all(accounts.map((a) => seedAcme(rt.deps, a)));
      // Level 2: the winners are scheduled, so some can be vetoed afterwards.
      await pin(rt, "writer", "email.send", 2);

      const results = await Promise.all(
        accounts.map((a) => rt.deps.gate.propose(emailProposal("writer", a), agent("writer"))),
      );

      const won = results.filter(reserving);
      const deferred = results.filter((r) => r.decision.verdict === "defer");
      expect(won).toHaveLength(N);
      expect(deferred).toHaveLength(accounts.length - N);
      for (const r of won) expect(r.decision.verdict).toBe("schedule");
      const nextDay = Date.parse("2026-03-11T04:00:00Z"); // midnight in New York after T0
      for (const { decision } of deferred) {
        expect(decision.reasons.some((r) => r.startsWith("volume (volume.perAgentPerDay)"))).toBe(true);
        expect(decision.retryAfter).toBe(new Date(nextDay).toISOString());
      }

      expect(await counterValue(rt, counterNames.agent("writer"), workspaceDay(rt))).toBe(N);
      expect(await counterValue(rt, counterNames.channel("email"), workspaceDay(rt))).toBe(N);

      // Exactly the winners' accounts carry a touch.
      const touched: string[] = [];
      for (const a of accounts) {
        const c = await rt.deps.decisions.getContactState(a);
        if (c.touches.length > 0) touched.push(a);
        expect(c.touches.length).toBeLessThanOrEqual(1);
      }
      expect(touched.sort()).toEqual(won.map((r) => r.decision.accountId).sort());

      // Two vetoes give two slots back; a second burst of 10 takes exactly those two.
      for (const r of won.slice(0, 2)) await veto(rt.deps, r.decision.decisionId, {}, approver);
      expect(await counterValue(rt, counterNames.agent("writer"))).toBe(N - 2);
      const second = await Promise.all(
        deferred
          .slice(0, 10)
          .map((r) => rt.deps.gate.propose(emailProposal("writer", r.decision.accountId), agent("writer"))),
      );
      expect(second.filter(reserving)).toHaveLength(2);
      expect(await counterValue(rt, counterNames.agent("writer"))).toBe(N);
      expect(await counterValue(rt, counterNames.channel("email"))).toBe(N);
    });

    it("concurrent first touches never exceed the accounts-per-owner cap", async () => {
      const cap = 3;
      await publishVariant(rt, (spec) => {
        spec.volume.accountsPerOwnerPerDay = cap;
      });
      const accounts = Array.from({ length: 10 }, (_, i) => `o${i}`);
      await Promise.all(accounts.map((a) => seedAcme(rt.deps, a, { ownerId: "rep1" })));

      // A different agent per account, so only the owner's cap is shared.
      const results = await Promise.all(
        accounts.map((a, i) => rt.deps.gate.propose(emailProposal(`w${i}`, a), agent(`w${i}`))),
      );
      expect(results.filter(reserving)).toHaveLength(cap);
      for (const { decision } of results.filter((r) => !reserving(r))) {
        expect(decision.verdict).toBe("defer");
        expect(decision.reasons.some((r) => r.includes("accounts per owner per day"))).toBe(true);
      }
      expect(await counterValue(rt, counterNames.owner("rep1"))).toBe(cap);
    });
  });

  describe("exactly one decision per proposalId", () => {
    it("20 concurrent retries and 5 sequential ones yield one decision, one event, one reservation", async () => {
      await seedAcme(rt.deps, "retry");
      const proposal = emailProposal("writer", "retry", "retry-jane", { proposalId: "p-retried" });

      const concurrent = await Promise.all(
        Array.from({ length: 20 }, () => rt.deps.gate.propose(proposal, agent("writer"))),
      );
      const sequential: GateResult[] = [];
      for (let i = 0; i < 5; i++) sequential.push(await rt.deps.gate.propose(proposal, agent("writer")));
      // A retry with a different payload is still the same proposal: the first decision stands.
      const edited = await rt.deps.gate.propose(
        {
          ...proposal,
          payload: { subject: "changed", body: "A different body that is long enough to pass." },
        },
        agent("writer"),
      );
      const all = [...concurrent, ...sequential, edited];

      const ids = new Set(all.map((r) => r.decision.decisionId));
      expect(ids.size).toBe(1);
      const decisionId = [...ids][0] as string;
      expect(all.filter((r) => !r.replay)).toHaveLength(1);
      expect(all.filter((r) => r.replay)).toHaveLength(all.length - 1);
      const first = all.find((r) => !r.replay)?.decision;
      expect(first?.verdict).toBe("require_approval");
      for (const r of all) {
        expect(r.decision.verdict).toBe(first?.verdict);
        expect(r.decision.decidedAt).toBe(first?.decidedAt);
        expect(r.decision.payloadDigest).toBe(first?.payloadDigest);
      }

      const events = await decisionEvents(rt, decisionId);
      expect(events.map((e) => e.type)).toEqual(["decided"]);
      expect(events[0]?.seq).toBe(1);

      const contact = await rawContactState(rt, "retry");
      expect(contact?.touches.map((t) => t.decisionId)).toEqual([decisionId]);
      expect(contact?.version).toBe(1);
      expect(await touchCounters(rt, "writer", "email")).toEqual({ agent: 1, channel: 1 });
      expect(await dueFor(rt, decisionId)).toHaveLength(1);

      const stored = await decisionsOfAccount(rt, "retry");
      expect(stored.map((d) => d.decisionId)).toEqual([decisionId]);
      await rt.bus.drain();
      expect(
        rt.bus.published.filter((e) => e.type === "decision.made" && e.detail.decisionId === decisionId),
      ).toHaveLength(1);
    });
  });
});
