import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, inject, it } from "vitest";
import { SimulatedClock } from "../../shared/adapters/local/clock.ts";
import { SandboxConnector } from "../../shared/adapters/local/sandbox-connector.ts";
import {
  type Connector,
  ConnectorError,
  type ConnectorRequest,
  type ConnectorResult,
} from "../../shared/ports.ts";
import { createLocalRuntime, DISPATCH_GRACE_MS } from "../../shared/runtime/local.ts";
import { execute, release } from "../../shared/usecases/lifecycle.ts";
import { recordOutcome } from "../../shared/usecases/outcomes.ts";
import { MemoryTokenStore, T0, type TestRuntime } from "../helpers/runtime.ts";
import { recordProposal } from "../helpers/world.ts";
import {
  emailProposal,
  eventTypes,
  expectStatus,
  getDecision,
  type Harness,
  MINUTE,
  pin,
  proposeOk,
  seedAccount,
  startHarness,
} from "./helpers/harness.ts";

/**
 * M5: killed 300 ms into releasing scheduled actions, one decision stayed `dispatched` (sent once) and
 * was not marked `in_doubt` while the server ran: recovery ran only at startup, only for sends older
 * than 5 minutes. Now the running harness reconciles after every scheduler poll: a send left without a
 * result by a process that died becomes `in_doubt` within a few polls, never sent again; a send that
 * is still running in this process is left alone, however long it takes.
 */

/**
 * The outside world (an email provider): counts sends per idempotency key; a send can be held until
 * the test lets it go, or forever (the process making it died before the answer came back).
 */
class HeldConnector implements Connector {
  readonly sends = new Map<string, number>();
  private hold: Promise<void> | undefined;
  private letGo: (() => void) | undefined;

  /** Every send from now on waits until the returned function is called. */
  holdSends(): () => void {
    this.hold = new Promise((r) => {
      this.letGo = r;
    });
    return () => {
      this.letGo?.();
      this.hold = undefined;
    };
  }

  async execute(req: ConnectorRequest): Promise<ConnectorResult> {
    this.sends.set(req.idempotencyKey, (this.sends.get(req.idempotencyKey) ?? 0) + 1);
    if (this.hold) await this.hold;
    return { externalId: `sent-${req.idempotencyKey}` };
  }

  /** Sends from now on go through; those already held stay held (their process is gone). */
  stopHolding(): void {
    this.hold = undefined;
  }

  total(): number {
    return [...this.sends.values()].reduce((a, b) => a + b, 0);
  }
}

/** One harness process on a fixed table prefix, its scheduler loop polling every 10 ms. */
async function boot(tablePrefix: string, at: number, connector: Connector): Promise<Harness> {
  const clock = new SimulatedClock(at);
  const tokens = new MemoryTokenStore();
  const runtime = await createLocalRuntime({
    endpoint: inject("dynamoEndpoint"),
    credentials: inject("dynamoCredentials"),
    tablePrefix,
    clock,
    simulated: true,
    tokens,
    connector,
    log: () => {},
  });
  const sandbox = new SandboxConnector(undefined, () => clock.now());
  return startHarness({ ...runtime, clock, sandbox, tokens } as TestRuntime);
}

const WAIT_MS = 45_000;

/** Let the running scheduler loop complete `n` more polls (each poll ends with reconciliation). */
async function polls(h: Harness, n: number): Promise<void> {
  const target = h.rt.scheduler.cycles + n;
  // A bound on waiting, not a timing assertion: a full suite on two busy cores slows each poll down.
  const deadline = Date.now() + WAIT_MS;
  while (h.rt.scheduler.cycles < target) {
    if (Date.now() > deadline) throw new Error(`the scheduler loop did not complete ${n} polls`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition never held");
    await new Promise((r) => setTimeout(r, 5));
  }
}

const open: Harness[] = [];
const holds: (() => void)[] = [];
afterEach(async () => {
  // A failed assertion must not leave a held send (and the bus draining it) hanging the teardown.
  for (const letGo of holds.splice(0)) letGo();
  for (const h of open.splice(0)) {
    h.rt.scheduler.stop();
    await h.close();
  }
});

/** An email provider that rate-limits the first `n` sends (429 on every attempt: nothing sent). */
class ThrottledConnector implements Connector {
  readonly sent = new Map<string, number>();
  constructor(private turnAway: number) {}
  async execute(req: ConnectorRequest): Promise<ConnectorResult> {
    if (this.turnAway > 0) {
      this.turnAway--;
      throw new ConnectorError("SES SendEmail: still turned away (429) after 4 attempts", false, {
        retryAfterMs: 1_000,
      });
    }
    this.sent.set(req.idempotencyKey, (this.sent.get(req.idempotencyKey) ?? 0) + 1);
    return { externalId: `sent-${req.idempotencyKey}` };
  }
}

describe("a send the provider turned away (rate limited) is tried again, not lost", {
  timeout: 120_000,
}, () => {
  it("stays dispatched until its retry time, is sent once when the limit lifts, and fails past the touch's window", async () => {
    const world = new ThrottledConnector(2);
    const h = await boot(`rec${randomBytes(4).toString("hex")}`, T0, world);
    open.push(h);
    await seedAccount(h, "burst");
    await pin(h, "outreach-writer", "email.send", 2);
    const d = await proposeOk(h, emailProposal("outreach-writer", "burst"));
    h.rt.clock.advance(31 * MINUTE);
    expect((await release(h.rt.deps, d.decisionId))?.status).toBe("dispatched");
    // Turned away: still dispatched (before, failed for good with its reservation released).
    const turned = await execute(h.rt.deps, d.decisionId);
    expect(turned?.status).toBe("dispatched");
    expect(turned?.execution).toMatchObject({
      error: expect.stringMatching(/turned away/),
      retryAt: expect.any(String),
    });
    // Not before its time, however often the reconciler runs: the provider is not hammered.
    expect(await h.rt.reconcile()).toMatchObject({ executed: 0, inDoubt: 0 });
    await h.rt.bus.drain();
    expect(world.sent.size).toBe(0);
    // From its time on, the reconciler hands it over: turned away once more, then sent, once.
    h.rt.clock.advance(2 * MINUTE);
    await h.rt.reconcile();
    await h.rt.bus.drain();
    expect((await getDecision(h, d.decisionId)).status).toBe("dispatched");
    h.rt.clock.advance(2 * MINUTE);
    await h.rt.reconcile();
    await h.rt.bus.drain();
    const sent = await getDecision(h, d.decisionId);
    expect(sent.status).toBe("executed");
    expect(world.sent.get(d.idempotencyKey)).toBe(1);
    expect(eventTypes(sent)).toEqual([
      "decided",
      "dispatched",
      "executing",
      "turned_away",
      "executing",
      "turned_away",
      "executing",
      "executed",
    ]);

    // A touch still turned away 30 minutes after its dispatch is failed, its reservation given back:
    // the checks it passed (pauses, suppressions, a reply) are not made again before a retry.
    const late = new ThrottledConnector(100);
    const h2 = await boot(`rec${randomBytes(4).toString("hex")}`, T0, late);
    open.push(h2);
    await seedAccount(h2, "late");
    await pin(h2, "outreach-writer", "email.send", 2);
    const d2 = await proposeOk(h2, emailProposal("outreach-writer", "late"));
    h2.rt.clock.advance(31 * MINUTE);
    await release(h2.rt.deps, d2.decisionId);
    expect((await execute(h2.rt.deps, d2.decisionId))?.status).toBe("dispatched");
    for (let i = 0; i < 20; i++) {
      h2.rt.clock.advance(2 * MINUTE);
      await h2.rt.reconcile();
      await h2.rt.bus.drain();
    }
    const failed = await getDecision(h2, d2.decisionId);
    expect(failed.status).toBe("failed");
    expect(failed.execution?.error).toMatch(/turned away/);
    expect(late.sent.size).toBe(0);
  });
});

describe("a turned-away send is checked again before its retry", { timeout: 120_000 }, () => {
  /** A touch turned away once by the provider, waiting for its retry time. */
  async function turnedAway(world: Connector, accountId: string) {
    const h = await boot(`rec${randomBytes(4).toString("hex")}`, T0, world);
    open.push(h);
    await seedAccount(h, accountId);
    await pin(h, "outreach-writer", "email.send", 2);
    const d = await proposeOk(h, emailProposal("outreach-writer", accountId));
    h.rt.clock.advance(31 * MINUTE);
    await release(h.rt.deps, d.decisionId);
    expect((await execute(h.rt.deps, d.decisionId))?.status).toBe("dispatched");
    return { h, d };
  }

  /** Three minutes on, the reconciler holds it back: failed, the ledger saying by what, nothing sent. */
  async function expectHeldBack(
    h: Harness,
    d: { decisionId: string },
    world: ThrottledConnector,
    by: RegExp,
  ) {
    h.rt.clock.advance(3 * MINUTE);
    expect(await h.rt.reconcile()).toMatchObject({ executed: 0, heldBack: 1 });
    await h.rt.bus.drain();
    const after = await getDecision(h, d.decisionId);
    expect(after.status).toBe("failed");
    expect(after.execution?.error).toBe("held back");
    expect(after.events.at(-1)?.detail).toMatch(by);
    expect(world.sent.size).toBe(0);
    return after;
  }

  it("a prospect who unsubscribed meanwhile is not sent it: failed, its reservation given back", async () => {
    const world = new ThrottledConnector(1);
    const { h, d } = await turnedAway(world, "optout");
    expectStatus(
      await h.call("POST", "/v1/suppressions", h.admin, {
        kind: "email",
        value: "jane@optout.io",
        reason: "unsubscribed",
      }),
      201,
    );
    const after = await expectHeldBack(
      h,
      d,
      world,
      /held back before its send \(email \(on file\) is .*unsubscribed/,
    );
    // Not quoted: the address stays out of the ledger's reasoning.
    expect(JSON.stringify(after.events)).not.toContain("jane@optout.io");
    // Its reservation is back: the account's coordination no longer counts it.
    const contact = await h.rt.deps.decisions.getContactState("optout");
    expect(contact?.touches.map((t) => t.decisionId) ?? []).not.toContain(d.decisionId);
  });

  it("a reply meanwhile is not taken for an answer to it, and stops it (stop-on-reply)", async () => {
    const world = new ThrottledConnector(1);
    const { h, d } = await turnedAway(world, "replied");
    // Nobody received it: the reply answers something else (an earlier touch, a colleague's email).
    const reply = await recordOutcome(
      h.rt.deps,
      { type: "replied", personId: "replied-jane", occurredAt: new Date(h.rt.clock.now()).toISOString() },
      { subject: "hubspot", roles: ["admin"] },
    );
    expect(reply.attributedTo).not.toBe(d.decisionId);
    // Before, the retry went out on the checks made at its dispatch: an email after their reply.
    await expectHeldBack(h, d, world, /account replied paused by harness: stop-on-reply/);
  });

  it("an agent paused meanwhile sends nothing more", async () => {
    const world = new ThrottledConnector(1);
    const { h, d } = await turnedAway(world, "paused");
    expectStatus(
      await h.call("POST", "/v1/pauses", h.admin, {
        scope: "agent",
        target: "outreach-writer",
        reason: "wrong tone in yesterday's emails",
      }),
      201,
    );
    await expectHeldBack(h, d, world, /agent outreach-writer paused by .*wrong tone/);
  });

  it("a pause that ends within its window holds it, not stops it: sent once the pause is over", async () => {
    const world = new ThrottledConnector(1);
    const { h, d } = await turnedAway(world, "brief");
    expectStatus(
      await h.call("POST", "/v1/pauses", h.admin, {
        scope: "channel",
        target: "email",
        reason: "checking a deliverability warning",
        until: new Date(h.rt.clock.now() + 5 * MINUTE).toISOString(),
      }),
      201,
    );
    h.rt.clock.advance(3 * MINUTE);
    expect(await h.rt.reconcile()).toMatchObject({ executed: 0, heldBack: 0 });
    expect((await getDecision(h, d.decisionId)).status).toBe("dispatched");
    h.rt.clock.advance(3 * MINUTE);
    expect(await h.rt.reconcile()).toMatchObject({ executed: 1, heldBack: 0 });
    await h.rt.bus.drain();
    expect((await getDecision(h, d.decisionId)).status).toBe("executed");
    expect(world.sent.get(d.idempotencyKey)).toBe(1);
  });

  it("a pause that ends after its window stops it now", async () => {
    const world = new ThrottledConnector(1);
    const { h, d } = await turnedAway(world, "long");
    expectStatus(
      await h.call("POST", "/v1/pauses", h.admin, {
        scope: "account",
        target: "long",
        reason: "legal review of the account",
        until: new Date(h.rt.clock.now() + 3 * 86_400_000).toISOString(),
      }),
      201,
    );
    await expectHeldBack(h, d, world, /account long paused by .*legal review/);
  });

  it("a pause lifted before the retry holds nothing back: sent, once", async () => {
    const world = new ThrottledConnector(1);
    const { h, d } = await turnedAway(world, "lifted");
    const pause = expectStatus(
      await h.call("POST", "/v1/pauses", h.admin, { scope: "global", reason: "checking a complaint" }),
      201,
    );
    expectStatus(await h.call("DELETE", `/v1/pauses/${pause.pauseId}`, h.admin), 200);
    h.rt.clock.advance(3 * MINUTE);
    expect(await h.rt.reconcile()).toMatchObject({ executed: 1, heldBack: 0 });
    await h.rt.bus.drain();
    expect((await getDecision(h, d.decisionId)).status).toBe("executed");
    expect(world.sent.get(d.idempotencyKey)).toBe(1);
  });
});

/** A list sync adding the account's Jane to an audience, with the whole audience (`members`) or not. */
const janeJoins = (proposalId: string, accountId: string, audienceId: string, members = false) => {
  const jane = { personId: `${accountId}-jane`, email: `jane@${accountId}.io` };
  return {
    proposalId,
    agentId: "list-sync",
    action: { type: "list.sync" },
    target: { accountId },
    payload: {
      audienceId,
      listName: `Harness: ${audienceId}`,
      add: [jane],
      remove: [],
      ...(members ? { members: [jane] } : {}),
    },
    reasoning: "Jane joined the audience.",
    confidence: 0.9,
  };
};

describe("a list sync the vendor took in part", { timeout: 120_000 }, () => {
  it("records whom it did not add, so the snapshot does not count them synced", async () => {
    const partly: Connector = {
      execute: async () => ({ externalId: "hubspot:list:17:+0-0:refused1", withheld: ["part-jane"] }),
    };
    const h = await boot(`part${randomBytes(4).toString("hex")}`, T0, partly);
    open.push(h);
    await seedAccount(h, "part");
    const sync = await proposeOk(h, janeJoins("sync-in-part", "part", "sdr-part"));
    if ((await getDecision(h, sync.decisionId)).status === "dispatched")
      await execute(h.rt.deps, sync.decisionId);
    await h.rt.bus.drain();
    const done = await getDecision(h, sync.decisionId);
    expect(done.status).toBe("executed");
    expect(done.execution.withheld).toEqual(["part-jane"]);
  });
});

describe("record actions the vendor turned away", { timeout: 120_000 }, () => {
  it("a list sync is failed at once (the next one recomputes its difference); one turned away after a write past its window is in doubt", async () => {
    const throttled: Connector = {
      execute: async (req) => {
        if (req.decision.actionType === "list.sync")
          throw new ConnectorError("HubSpot contacts upsert: still turned away (429)", false, {
            retryAfterMs: 1_000,
          });
        // A note written, then its association turned away for longer than a record may wait.
        throw new ConnectorError(
          "note 7 written, then HubSpot association: turned away (429) for 25200 s",
          false,
          {
            retryAfterMs: 7 * 3_600_000,
            afterWrite: true,
          },
        );
      },
    };
    const h = await boot(`rec${randomBytes(4).toString("hex")}`, T0, throttled);
    open.push(h);
    await seedAccount(h, "recs");
    const sync = await proposeOk(h, janeJoins("sync-turned-away", "recs", "sdr-1", true));
    const note = await proposeOk(h, recordProposal("web-research", "recs"));
    for (const d of [sync, note])
      if ((await getDecision(h, d.decisionId)).status === "dispatched")
        await execute(h.rt.deps, d.decisionId);
    await h.rt.bus.drain();
    expect((await getDecision(h, sync.decisionId)).status).toBe("failed");
    // Failed as nothing done, its reservation released, the agent would write a second note.
    expect((await getDecision(h, note.decisionId)).status).toBe("in_doubt");
  });

  it("an earlier attempt's write is remembered by later ones: past the window the decision is in doubt", async () => {
    let calls = 0;
    const throttled: Connector = {
      execute: async () => {
        // The note is written, then its association turned away; later attempts are turned away at once.
        if (++calls === 1)
          throw new ConnectorError(
            "note 7 written, then HubSpot association: still turned away (429)",
            false,
            {
              retryAfterMs: 60_000,
              afterWrite: true,
            },
          );
        throw new ConnectorError("HubSpot companies upsert: still turned away (429)", false, {
          retryAfterMs: 5_000,
        });
      },
    };
    const h = await boot(`rec${randomBytes(4).toString("hex")}`, T0, throttled);
    open.push(h);
    await seedAccount(h, "wrote");
    const note = await proposeOk(h, recordProposal("web-research", "wrote"));
    if ((await getDecision(h, note.decisionId)).status === "dispatched")
      await execute(h.rt.deps, note.decisionId);
    await h.rt.bus.drain();
    for (let i = 0; i < 80 && (await getDecision(h, note.decisionId)).status === "dispatched"; i++) {
      h.rt.clock.advance(5 * MINUTE);
      await h.rt.reconcile();
      await h.rt.bus.drain();
    }
    expect(calls).toBeGreaterThan(2);
    expect((await getDecision(h, note.decisionId)).status).toBe("in_doubt");
  });

  it("a retry the reconciler gets to after the window is not made: failed, nothing sent", async () => {
    const world = new ThrottledConnector(1);
    const h = await boot(`rec${randomBytes(4).toString("hex")}`, T0, world);
    open.push(h);
    await seedAccount(h, "lagged");
    await pin(h, "outreach-writer", "email.send", 2);
    const d = await proposeOk(h, emailProposal("outreach-writer", "lagged"));
    h.rt.clock.advance(31 * MINUTE);
    await release(h.rt.deps, d.decisionId);
    expect((await execute(h.rt.deps, d.decisionId))?.status).toBe("dispatched");
    // The reconciler was down for 45 minutes: the retry is past the touch's 30.
    h.rt.clock.advance(45 * MINUTE);
    await h.rt.reconcile();
    await h.rt.bus.drain();
    expect((await getDecision(h, d.decisionId)).status).toBe("failed");
    expect(world.sent.size).toBe(0);

    // Turned away in the last minute of its window: failed at once, not parked only to fail later.
    const late = new ThrottledConnector(1);
    const h2 = await boot(`rec${randomBytes(4).toString("hex")}`, T0, late);
    open.push(h2);
    await seedAccount(h2, "lastmin");
    await pin(h2, "outreach-writer", "email.send", 2);
    const d2 = await proposeOk(h2, emailProposal("outreach-writer", "lastmin"));
    h2.rt.clock.advance(31 * MINUTE);
    await release(h2.rt.deps, d2.decisionId);
    // 29 minutes after its dispatch (its time, 30 minutes after T0).
    h2.rt.clock.advance(28 * MINUTE);
    const ended = await execute(h2.rt.deps, d2.decisionId);
    expect(ended?.status).toBe("failed");
    expect(ended?.execution?.retryAt).toBeUndefined();
  });
});

describe("stuck dispatched decisions are reconciled while the harness runs", { timeout: 120_000 }, () => {
  it("marks sends a dead process left without a result in_doubt within a few polls, never re-sends them, and executes the ones it never attempted", async () => {
    const prefix = `rec${randomBytes(4).toString("hex")}`;
    const world = new HeldConnector();

    // Process 1 schedules five emails (level 2, a 30-minute override window)...
    const first = await boot(prefix, T0, world);
    const accounts = ["a1", "a2", "a3", "a4", "a5"];
    for (const a of accounts) await seedAccount(first, a);
    await pin(first, "outreach-writer", "email.send", 2);
    const ds = [];
    for (const a of accounts) ds.push(await proposeOk(first, emailProposal("outreach-writer", a)));
    expect(ds.map((d) => d.status)).toEqual(Array(5).fill("scheduled"));

    // ...and dies while releasing them: three sends reached the provider and never came back, one was
    // released but not yet attempted, one was still waiting in the due-queue.
    first.rt.clock.advance(31 * MINUTE);
    world.holdSends();
    for (const d of ds.slice(0, 4))
      expect((await release(first.rt.deps, d.decisionId))?.status).toBe("dispatched");
    for (const d of ds.slice(0, 3)) void execute(first.rt.deps, d.decisionId);
    await until(() => world.total() === 3);
    await first.close();
    world.stopHolding();

    // Process 2 starts later with its loop running; no restart happens after this point.
    const second = await boot(prefix, T0 + 31 * MINUTE + DISPATCH_GRACE_MS + MINUTE, world);
    open.push(second);
    second.rt.scheduler.start(10);
    await polls(second, 5);
    // The reconciler hands the executions it starts to the background work: wait for it.
    await second.rt.bus.drain();

    const statuses = [];
    for (const d of ds) statuses.push((await getDecision(second, d.decisionId)).status);
    expect(statuses).toEqual(["in_doubt", "in_doubt", "in_doubt", "executed", "executed"]);
    for (const d of ds.slice(0, 3)) {
      const events = eventTypes(await getDecision(second, d.decisionId));
      expect(events).toEqual(["decided", "dispatched", "executing", "in_doubt"]);
    }
    // Exactly one send per idempotency key: the uncertain ones were left for a human.
    expect([...world.sends.values()]).toEqual([1, 1, 1, 1, 1]);
    expect([...world.sends.keys()].sort()).toEqual(ds.map((d) => d.idempotencyKey).sort());

    // More polls change nothing.
    await polls(second, 3);
    expect(world.total()).toBe(5);
  });

  it("keeps polling while a send it started for a never-attempted decision hangs", async () => {
    const world = new HeldConnector();
    const h = await boot(`rec${randomBytes(4).toString("hex")}`, T0, world);
    open.push(h);
    await seedAccount(h, "hang");
    await pin(h, "outreach-writer", "email.send", 2);
    const d = await proposeOk(h, emailProposal("outreach-writer", "hang"));
    h.rt.clock.advance(31 * MINUTE);
    // Released (dispatched) by a process that died before attempting the send.
    expect((await release(h.rt.deps, d.decisionId))?.status).toBe("dispatched");
    const letGo = world.holdSends();
    holds.push(letGo);
    h.rt.scheduler.start(10);
    await until(() => world.total() === 1);
    // The provider hangs on the send the reconciler started; the loop goes on polling regardless.
    await polls(h, 5);
    letGo();
    await h.rt.bus.drain();
    expect((await getDecision(h, d.decisionId)).status).toBe("executed");
    expect(world.sends.get(d.idempotencyKey)).toBe(1);
  });

  it("leaves a send that is still running in this process alone, however long it takes, and records its result", async () => {
    const world = new HeldConnector();
    const h = await boot(`rec${randomBytes(4).toString("hex")}`, T0, world);
    open.push(h);
    await seedAccount(h, "fast");
    await seedAccount(h, "slow");
    h.rt.scheduler.start(10);

    // Level 3: allowed and executed by the worker; level 1: approved by a human, executed after the response.
    await pin(h, "outreach-writer", "email.send", 3);
    const letGo = world.holdSends();
    holds.push(letGo);
    const allowed = await proposeOk(h, emailProposal("outreach-writer", "fast"));
    expect(allowed.verdict).toBe("allow");
    await pin(h, "outreach-writer", "email.send", 1);
    const reviewed = await proposeOk(h, emailProposal("outreach-writer", "slow"));
    expect(reviewed.status).toBe("pending_approval");
    const approved = await h.call("POST", `/v1/decisions/${reviewed.decisionId}/approve`, h.approver, {
      digest: reviewed.payloadDigest,
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    await until(() => world.total() === 2);

    // The sends hang far past the grace period while the loop keeps reconciling.
    h.rt.clock.advance(DISPATCH_GRACE_MS + 60 * MINUTE);
    await polls(h, 5);
    for (const d of [allowed, reviewed]) {
      const now = await getDecision(h, d.decisionId);
      expect(now.status).toBe("dispatched");
      expect(eventTypes(now)).not.toContain("in_doubt");
    }

    // The provider answers at last: both are recorded as executed, each sent once.
    letGo();
    await h.rt.bus.drain();
    for (const d of [allowed, reviewed]) expect((await getDecision(h, d.decisionId)).status).toBe("executed");
    expect(world.sends.get(allowed.idempotencyKey)).toBe(1);
    expect(world.sends.get(reviewed.idempotencyKey)).toBe(1);
    await polls(h, 3);
    expect(world.total()).toBe(2);
  });
});
