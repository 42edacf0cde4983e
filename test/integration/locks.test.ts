/**
 * Reservations never rely on TTL deletion: a pending reservation past its `expiresAt` is absent for
 * the gate even though nothing removed it, and a contact-state item whose TTL has passed (DynamoDB
 * deletes those eventually, maybe days later) neither blocks nor breaks the next reservation.
 */

import { DeleteCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ttlSeconds } from "../../shared/adapters/dynamo/db.ts";
import { stateKeys } from "../../shared/adapters/dynamo/keys.ts";
import { DAY, HOUR } from "../../shared/domain/time.ts";
import { startRuntime, T0, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, linkedinProposal, seedAcme } from "../helpers/world.ts";
import {
  counterValue,
  dueFor,
  publishVariant,
  putRawContactState,
  rawContactState,
  touchCounters,
  workspaceDay,
} from "./helpers/store.ts";

let rt: TestRuntime;
beforeEach(async () => {
  rt = await startRuntime();
});
afterEach(() => rt.close());

const bobEmail = (agentId: string, accountId: string) =>
  emailProposal(agentId, accountId, `${accountId}-bob`, {
    payload: {
      subject: "Your pricing research",
      body: "Hi Bob, saw your team comparing plans this week. Happy to share how similar teams rolled out in two weeks.",
    },
  });

describe("expired locks", () => {
  it("a pending-approval reservation past expiresAt does not defer a new proposal, before any cleanup", async () => {
    await seedAcme(rt.deps, "acme");
    const first = await rt.deps.gate.propose(emailProposal("writer", "acme"), agent("writer"));
    expect(first.decision.verdict).toBe("require_approval");
    const expiresAt = Date.parse(first.decision.expiresAt as string);
    expect(expiresAt).toBe(T0 + 24 * HOUR);
    const day1 = workspaceDay(rt);

    // While the reservation is live it holds the account (and, awaiting approval, its whole window).
    rt.clock.set(expiresAt - 60_000);
    const early = await rt.deps.gate.propose(bobEmail("sdr", "acme"), agent("sdr"));
    expect(early.decision.verdict).toBe("defer");
    expect(early.decision.reasons.some((r) => r.startsWith("coordination"))).toBe(true);

    // Past the approval timeout: no scheduler tick ran, the touch is still stored, yet it is absent.
    rt.clock.set(expiresAt + 60_000);
    const stale = await rt.deps.decisions.getContactState("acme");
    expect(stale.touches.map((t) => t.decisionId)).toEqual([first.decision.decisionId]);
    expect((await rt.deps.decisions.getDecision(first.decision.decisionId))?.status).toBe("pending_approval");

    const next = await rt.deps.gate.propose(bobEmail("sdr2", "acme"), agent("sdr2"));
    expect(next.decision.verdict).toBe("require_approval");
    for (const c of next.decision.checks.filter((c) => c.check === "coordination")) {
      expect(c.result).toBe("pass");
    }
    // The new reservation replaced the expired one in the same compare-and-swap.
    const after = await rt.deps.decisions.getContactState("acme");
    expect(after.touches.map((t) => t.decisionId)).toEqual([next.decision.decisionId]);

    // The expired decision can no longer be approved. Its reservation was made on a day that is over:
    // that day's counters stay as they were (its cap can no longer be exceeded, and TTL may have removed
    // them), and nothing of the new day's is touched.
    const day2 = workspaceDay(rt);
    expect(day2).not.toBe(day1);
    expect(await rt.scheduler.tick()).toBe(1);
    expect((await rt.deps.decisions.getDecision(first.decision.decisionId))?.status).toBe("expired");
    const kept = await rt.deps.decisions.getContactState("acme");
    expect(kept.touches.map((t) => t.decisionId)).toEqual([next.decision.decisionId]);
    expect(await touchCounters(rt, "writer", "email", day1)).toEqual({ agent: 1, channel: 1 });
    expect(await touchCounters(rt, "sdr2", "email", day2)).toEqual({ agent: 1, channel: 1 });
  });

  it("the boundary: a pending reservation still counts at exactly expiresAt and is gone 1 ms later", async () => {
    await seedAcme(rt.deps, "edge");
    const first = await rt.deps.gate.propose(emailProposal("writer", "edge"), agent("writer"));
    const expiresAt = Date.parse(first.decision.expiresAt as string);
    rt.clock.set(expiresAt);
    const at = await rt.deps.gate.propose(linkedinProposal("li", "edge"), agent("li"));
    expect(at.decision.verdict).toBe("defer");
    rt.clock.set(expiresAt + 1);
    const after = await rt.deps.gate.propose(linkedinProposal("li", "edge"), agent("li"));
    expect(after.decision.verdict).toBe("require_approval");
  });

  it("a contact-state item whose TTL has passed but which is still present blocks nothing it shouldn't", async () => {
    await seedAcme(rt.deps, "ghost");
    const now = rt.clock.now();
    // What an earlier process left: an email 40 days ago and a pending reservation that expired
    // yesterday; the item's TTL passed yesterday, but DynamoDB had not deleted it yet.
    await putRawContactState(rt, "ghost", {
      version: 5,
      ttl: ttlSeconds(now - DAY),
      touches: [
        {
          decisionId: "d_old_email",
          agentId: "writer",
          actionType: "email.send",
          channel: "email",
          personId: "ghost-jane",
          from: now - 40 * DAY,
          to: now - 40 * DAY,
        },
        {
          decisionId: "d_old_pending",
          agentId: "writer",
          actionType: "email.send",
          channel: "email",
          personId: "ghost-jane",
          from: now - 2 * DAY,
          to: now - DAY,
          expiresAt: now - DAY,
        },
      ],
    });

    const r = await rt.deps.gate.propose(emailProposal("writer", "ghost"), agent("writer"));
    expect(r.decision.verdict).toBe("require_approval");
    expect(r.decision.checks.filter((c) => c.check === "coordination" && c.result === "fail")).toEqual([]);

    // The reservation was a compare-and-swap on the stale item, which it replaced with a live one.
    const item = await rawContactState(rt, "ghost");
    expect(item?.version).toBe(6);
    expect(item?.touches.map((t) => t.decisionId)).toEqual([r.decision.decisionId]);
    expect(item?.ttl).toBeGreaterThan(ttlSeconds(now));

    // And the new touch does hold the account for everyone else.
    const second = await rt.deps.gate.propose(linkedinProposal("li", "ghost"), agent("li"));
    expect(second.decision.verdict).toBe("defer");
  });
});

describe("TTL deletion", () => {
  /** Do what DynamoDB's TTL sweep may do at any moment: delete the given state items whose `ttl` has passed. */
  async function ttlSweep(keys: { pk: string; sk: string }[]) {
    const nowSeconds = ttlSeconds(rt.clock.now());
    for (const key of keys) {
      await rt.db.doc.send(
        new DeleteCommand({
          TableName: rt.db.tables.state,
          Key: key,
          ConditionExpression: "#ttl < :now",
          ExpressionAttributeNames: { "#ttl": "ttl" },
          ExpressionAttributeValues: { ":now": nowSeconds },
        }),
      );
    }
  }

  it("an approval that times out after its day's counters were TTL-deleted still expires and releases its touch", async () => {
    // A legal spec: approvers get four days. Daily counters are kept for three days after their day.
    await publishVariant(rt, (spec) => {
      spec.autonomy.actions["email.send"].approvalTimeoutHours = 96;
    });
    await seedAcme(rt.deps, "slow");
    const { decision } = await rt.deps.gate.propose(emailProposal("writer", "slow"), agent("writer"));
    expect(decision.verdict).toBe("require_approval");
    expect(decision.expiresAt).toBe(new Date(T0 + 96 * HOUR).toISOString());

    rt.clock.set(T0 + 96 * HOUR + 60_000);
    await ttlSweep(decision.reservation.counters.map((c) => stateKeys.counter(c.counter, c.day)));
    expect(await counterValue(rt, "agent:writer", "2026-03-10")).toBeUndefined();

    await rt.scheduler.tick();
    const after = await rt.deps.decisions.getDecision(decision.decisionId);
    expect(after?.status).toBe("expired");
    expect((await rawContactState(rt, "slow"))?.touches).toEqual([]);
    expect(await dueFor(rt, decision.decisionId)).toEqual([]);
    // Releasing a counter that is gone must not resurrect it below zero.
    expect((await counterValue(rt, "agent:writer", "2026-03-10")) ?? 0).toBeGreaterThanOrEqual(0);
  });
});
