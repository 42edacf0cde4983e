/**
 * A deferred proposal's retry whose gate cannot be reached (the store, or the API for an agent out of
 * process: 503s and 429s past the client's own attempts, a dropped connection) stays due and is tried
 * again on the next run, under the same retry id; a retry the gate refused is dropped as before.
 */
import { describe, expect, it } from "vitest";
import { defineAgent } from "../../shared/agents/definition.ts";
import {
  AgentRunner,
  MAX_RETRY_ATTEMPTS,
  type QueuedRetry,
  type RetryQueue,
} from "../../shared/agents/runner.ts";
import type { Decision } from "../../shared/domain/decision.ts";
import { DependencyError, ValidationError } from "../../shared/domain/errors.ts";
import type { Proposal } from "../../shared/domain/proposal.ts";

const proposal = {
  proposalId: "p-1",
  agentId: "outreach-writer",
  action: { type: "email.send" },
  target: { accountId: "acme" },
  payload: {},
  reasoning: "r",
  confidence: 0.9,
} as unknown as Proposal;

function runnerWith(failures: Error[]) {
  const queue = [{ agentId: "outreach-writer", at: 0, proposal }];
  const retries: RetryQueue = {
    add: async (r) => void queue.push(r as (typeof queue)[number]),
    due: async () => [...queue],
    remove: async (r) => {
      queue.splice(queue.indexOf(r as (typeof queue)[number]), 1);
    },
  };
  const seen: string[] = [];
  const runner = new AgentRunner([], {
    clock: { now: () => 1_000 },
    gate: {
      propose: async (input) => {
        seen.push((input as Proposal).proposalId);
        const failure = failures.shift();
        if (failure) throw failure;
        return { decision: { verdict: "allow", status: "dispatched" } as Decision, replay: false };
      },
    },
    kb: {} as never,
    model: {} as never,
    retries,
  });
  return { runner, queue, seen };
}

describe("a due retry", () => {
  it("stays due when the gate cannot be reached, and runs once it can", async () => {
    const { runner, queue, seen } = runnerWith([new DependencyError("POST /v1/proposals answered 503")]);
    expect((await runner.runDueRetries("outreach-writer")).proposals).toEqual([]);
    expect(queue).toHaveLength(1);
    const second = await runner.runDueRetries("outreach-writer");
    expect(second.proposals).toMatchObject([{ verdict: "allow" }]);
    expect(queue).toHaveLength(0);
    // The same retry id both times: a first attempt that did land would be answered as a replay.
    expect(new Set(seen).size).toBe(1);
  });

  it("is not started with no time left: it stays queued for the next run", async () => {
    const { runner, queue, seen } = runnerWith([]);
    let left = 0;
    const spent = await runner.runDueRetries("outreach-writer", { timeLeft: () => left });
    expect(spent).toMatchObject({ proposals: [], outOfTime: true });
    expect(seen).toEqual([]);
    expect(queue).toHaveLength(1);
    left = 20_000;
    expect((await runner.runDueRetries("outreach-writer", { timeLeft: () => left })).proposals).toHaveLength(
      1,
    );
    expect(queue).toHaveLength(0);
  });

  it("is dropped when the gate refused it", async () => {
    const { runner, queue } = runnerWith([new ValidationError([{ path: "payload", message: "bad" }])]);
    await runner.runDueRetries("outreach-writer");
    expect(queue).toHaveLength(0);
  });
});

describe("a retry the gate cannot be reached for, again and again", () => {
  it("waits behind the retries due since, longer each time, and is never dropped", async () => {
    const stuck = { agentId: "outreach-writer", at: 0, proposal };
    const other = { agentId: "outreach-writer", at: 10, proposal: { ...proposal, proposalId: "p-2" } };
    let queue: QueuedRetry[] = [stuck, other];
    let now = 1_000;
    const retries: RetryQueue = {
      add: async (r) => void queue.push(r),
      // Oldest first, one at a time: a page the stuck one would fill.
      due: async (_a, at) => [...queue.filter((r) => r.at <= at).sort((a, b) => a.at - b.at)].slice(0, 1),
      remove: async (r) => {
        queue = queue.filter((x) => x !== r);
      },
    };
    const runner = new AgentRunner([], {
      clock: { now: () => now },
      gate: {
        propose: async (input) => {
          if ((input as Proposal).retryOf === "p-1")
            throw new DependencyError("POST /v1/proposals answered 503");
          return { decision: { verdict: "allow", status: "dispatched" } as Decision, replay: false };
        },
      },
      kb: {} as never,
      model: {} as never,
      retries,
    });
    await runner.runDueRetries("outreach-writer");
    expect(queue.map((r) => [r.proposal.proposalId, r.at, r.failures])).toEqual([
      ["p-2", 10, undefined],
      ["p-1", 61_000, 1],
    ]);
    // The next run reaches the other one; before, the stuck one was first in every page.
    expect((await runner.runDueRetries("outreach-writer")).proposals).toMatchObject([
      { proposalId: "p-2:retry1" },
    ]);
    now = 61_000;
    await runner.runDueRetries("outreach-writer");
    expect(queue.map((r) => [r.proposal.proposalId, r.at, r.failures])).toEqual([["p-1", 181_000, 2]]);
  });
});

/**
 * A queue keyed as the durable one is (by agent, time and the proposal's id), holding the proposal
 * due at `at`: an add of the same key overwrites, a remove deletes by key.
 */
function keyedQueue(at: number) {
  const items = new Map<string, QueuedRetry>();
  const key = (r: QueuedRetry) => `${r.agentId}|${r.at}|${r.proposal.proposalId}`;
  items.set(key({ agentId: "outreach-writer", at, proposal }), { agentId: "outreach-writer", at, proposal });
  const retries: RetryQueue = {
    add: async (r) => void items.set(key(r), r),
    due: async () => [...items.values()],
    remove: async (r) => void items.delete(key(r)),
  };
  return { items, retries };
}

describe("a retry deferred again", () => {
  it("is queued again, as the next attempt under its own id, up to MAX_RETRY_ATTEMPTS", async () => {
    const { items, retries } = keyedQueue(0);
    let retryAfter = 100;
    const seen: Proposal[] = [];
    const runner = new AgentRunner([], {
      clock: { now: () => 1_000 },
      gate: {
        // Deferred every time (the weekend, then the day's touch, then ...), due at once here.
        propose: async (input) => {
          seen.push(input as Proposal);
          retryAfter += 100;
          return {
            decision: {
              verdict: "defer",
              status: "deferred",
              retryAfter: new Date(retryAfter).toISOString(),
            } as Decision,
            replay: false,
          };
        },
      },
      kb: {} as never,
      model: {} as never,
      retries,
    });
    for (let run = 0; run < MAX_RETRY_ATTEMPTS + 2; run++) await runner.runDueRetries("outreach-writer");
    // Before: once; the second deferral's decision named a retryAfter and nothing proposed it again.
    expect(seen.map((p) => p.proposalId)).toEqual(
      Array.from({ length: MAX_RETRY_ATTEMPTS }, (_, i) => `p-1:retry${i + 1}`),
    );
    // Each names the attempt before it: a spec's replay follows the chain.
    expect(seen.map((p) => p.retryOf)).toEqual(["p-1", "p-1:retry1", "p-1:retry2"]);
    expect([...items.values()]).toEqual([]);
  });

  it("deferred again to the very instant it was queued for, it stays queued (the queue's item is the new one)", async () => {
    const { items, retries } = keyedQueue(500);
    const runner = new AgentRunner([], {
      clock: { now: () => 1_000 },
      gate: {
        propose: async () => ({
          decision: {
            verdict: "defer",
            status: "deferred",
            retryAfter: "1970-01-01T00:00:00.500Z",
          } as Decision,
          replay: false,
        }),
      },
      kb: {} as never,
      model: {} as never,
      retries,
    });
    await runner.runDueRetries("outreach-writer");
    // Before: the add overwrote the item, and the remove that followed deleted it.
    expect([...items.values()]).toEqual([{ agentId: "outreach-writer", at: 500, proposal, attempt: 2 }]);
  });
});

describe("a deferred proposal proposed again (its trigger delivered again)", () => {
  it("has its retry queued even when the gate answers a replay: the first run may have died before queueing it", async () => {
    const added: { at: number; proposalId: string }[] = [];
    const retries: RetryQueue = {
      add: async (r) => void added.push({ at: r.at, proposalId: r.proposal.proposalId }),
      due: async () => [],
      remove: async () => {},
    };
    const proposer = defineAgent({
      id: "proposer",
      description: "proposes one email",
      trigger: { kind: "event", eventType: "account.targeted" },
      actions: ["email.send"],
      handler: async (_inv, ctx) => {
        await ctx.propose({
          key: "acme:2026-03-10",
          action: { type: "email.send" },
          target: { accountId: "acme" },
          payload: {},
          reasoning: "a test",
          confidence: 0.5,
        });
      },
    });
    let replay = false;
    const runner = new AgentRunner([proposer], {
      clock: { now: () => 1_000 },
      gate: {
        propose: async () => ({
          decision: {
            verdict: "defer",
            status: "deferred",
            retryAfter: "2026-03-10T14:00:00.000Z",
          } as Decision,
          replay,
        }),
      },
      kb: {} as never,
      model: {} as never,
      retries,
    });
    const event = {
      kind: "event" as const,
      event: { type: "account.targeted", detail: { accountId: "acme" } },
    };
    await runner.run("proposer", event);
    // The redelivery: the gate answers with the decision it made, a replay.
    replay = true;
    const again = await runner.run("proposer", event);
    expect(again.proposals).toMatchObject([{ replay: true, verdict: "defer" }]);
    expect(added).toHaveLength(2);
    expect(new Set(added.map((a) => `${a.at}:${a.proposalId}`)).size).toBe(1);
  });
});
