import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, inject, it } from "vitest";
import { SimulatedClock } from "../../shared/adapters/local/clock.ts";
import { SandboxConnector } from "../../shared/adapters/local/sandbox-connector.ts";
import { createLocalRuntime } from "../../shared/runtime/local.ts";
import { MemoryTokenStore, T0, type TestRuntime } from "../helpers/runtime.ts";
import {
  emailProposal,
  eventTypes,
  getDecision,
  type Harness,
  MINUTE,
  outboxFor,
  pin,
  proposeOk,
  seedAccount,
  startHarness,
} from "./helpers/harness.ts";

/**
 * One "process" of the harness: its own DynamoDB client, bus, scheduler and clock, on a fixed table
 * prefix. The connector stands for the outside world (the email provider), so it outlives processes.
 */
async function boot(tablePrefix: string, at: number, sandbox: SandboxConnector): Promise<TestRuntime> {
  const clock = new SimulatedClock(at);
  const tokens = new MemoryTokenStore();
  const runtime = await createLocalRuntime({
    endpoint: inject("dynamoEndpoint"),
    credentials: inject("dynamoCredentials"),
    tablePrefix,
    clock,
    simulated: true,
    tokens,
    connector: sandbox,
    log: () => {},
  });
  return { ...runtime, clock, sandbox, tokens };
}

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

describe("scheduler durability across a restart", () => {
  it("fires a level 2 action scheduled before the stop exactly once after the restart", async () => {
    const prefix = `e2e${randomBytes(4).toString("hex")}`;
    let now = () => T0;
    const sandbox = new SandboxConnector(undefined, () => now());

    // Process 1: load the knowledge base, pin level 2, schedule an email; stop before its window closes.
    const first = await startHarness(await boot(prefix, T0, sandbox));
    await seedAccount(first, "acme");
    await pin(first, "outreach-writer", "email.send", 2);
    const d = await proposeOk(first, emailProposal("outreach-writer"));
    expect(d.status).toBe("scheduled");
    expect(d.executeAt).toBe(new Date(T0 + 30 * MINUTE).toISOString());
    await first.close();

    // Process 2, same tables, started after executeAt: nothing was lost and nothing was sent.
    const second = await startHarness(await boot(prefix, T0 + 10 * MINUTE, sandbox));
    open.push(second);
    now = () => second.rt.clock.now();
    const before = await getDecision(second, d.decisionId);
    expect(before.status).toBe("scheduled");
    expect(sandbox.entries).toHaveLength(0);
    // The spec, trust pin and knowledge base are the first process's.
    const spec = (await second.call("GET", "/v1/specs/current", second.viewer)).body;
    expect(spec.version).toBe(1);

    second.rt.clock.advance(35 * MINUTE);
    expect(await second.rt.scheduler.tick()).toBe(1);
    expect(await second.rt.scheduler.tick()).toBe(0);
    await second.rt.bus.drain();

    const after = await getDecision(second, d.decisionId);
    expect(after.status).toBe("executed");
    expect(eventTypes(after)).toEqual(["decided", "dispatched", "executing", "executed"]);
    expect(sandbox.entries).toHaveLength(1);
    expect(outboxFor(second, d.decisionId)).toHaveLength(1);
    expect(sandbox.entries[0]?.idempotencyKey).toBe(d.idempotencyKey);
    expect(sandbox.entries[0]?.at).toBe(new Date(T0 + 45 * MINUTE).toISOString());

    // A third process starting later finds nothing left to fire.
    await second.close();
    open.length = 0;
    const third = await startHarness(await boot(prefix, T0 + 2 * 60 * MINUTE, sandbox));
    open.push(third);
    expect(await third.rt.scheduler.tick()).toBe(0);
    expect(sandbox.entries).toHaveLength(1);
    expect((await getDecision(third, d.decisionId)).status).toBe("executed");
  });

  it("expires a level 1 approval left pending across a restart", async () => {
    const prefix = `e2e${randomBytes(4).toString("hex")}`;
    const sandbox = new SandboxConnector(undefined, () => T0);
    const first = await startHarness(await boot(prefix, T0, sandbox));
    await seedAccount(first, "acme");
    const d = await proposeOk(first, emailProposal("outreach-writer"));
    expect(d.status).toBe("pending_approval");
    await first.close();

    const second = await startHarness(await boot(prefix, T0 + 25 * 60 * MINUTE, sandbox));
    open.push(second);
    expect(await second.rt.scheduler.tick()).toBe(1);
    expect(await second.rt.scheduler.tick()).toBe(0);
    const after = await getDecision(second, d.decisionId);
    expect(after.status).toBe("expired");
    expect(sandbox.entries).toHaveLength(0);
  });
});
