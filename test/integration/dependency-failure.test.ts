import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimulatedClock } from "../../shared/adapters/local/clock.ts";
import { type DynamoLocal, freePort, startDynamoLocal } from "../../shared/adapters/local/dynamodb-local.ts";
import { SandboxConnector } from "../../shared/adapters/local/sandbox-connector.ts";
import { createLocalRuntime } from "../../shared/runtime/local.ts";
import { emailProposal, type Harness, propose, seedAccount, startHarness } from "../e2e/helpers/harness.ts";
import { MemoryTokenStore, T0 } from "../helpers/runtime.ts";

/**
 * H2: when DynamoDB Local died, in-flight proposals got 500 and the process exited two seconds later
 * (an unhandled rejection in the scheduler's poll). A failing dependency must give 503 with
 * Retry-After, the process must keep serving, and it must recover by itself when the database is back.
 * This file runs its own DynamoDB Local on a data directory, so it can be killed and restarted on the
 * same port with the same data.
 */

const ACCOUNTS = ["acme", "globex", "initech", "umbrella"];

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Poll (100 ms apart, at most `polls` times) until `check` holds; reports whether it did. */
async function eventually(polls: number, check: () => boolean | Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < polls; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe("DynamoDB Local dies while proposals are in flight", () => {
  let dir: string;
  let port: number;
  let dynamo: DynamoLocal;
  let h: Harness;
  const logs: { msg: string; data: Record<string, unknown> }[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on("unhandledRejection", onUnhandled);
    dir = mkdtempSync(join(tmpdir(), "harness-depfail-"));
    port = await freePort();
    dynamo = await startDynamoLocal({ dataDir: join(dir, "dynamodb"), port });
    const clock = new SimulatedClock(T0);
    const tokens = new MemoryTokenStore();
    const sandbox = new SandboxConnector(undefined, () => clock.now());
    const runtime = await createLocalRuntime({
      endpoint: dynamo.endpoint,
      credentials: dynamo.credentials,
      tablePrefix: "depfail",
      clock,
      simulated: true,
      tokens,
      connector: sandbox,
      log: (msg, data) => logs.push({ msg, data }),
    });
    h = await startHarness({ ...runtime, clock, sandbox, tokens });
    for (const a of ACCOUNTS) await seedAccount(h, a);
  });

  afterAll(async () => {
    process.off("unhandledRejection", onUnhandled);
    await h?.close();
    await dynamo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers 503 with Retry-After (never 500), keeps serving, and recovers when the database is back", async () => {
    const health = async () => (await h.call("GET", "/v1/health")).status;
    expect(await health()).toBe(200);

    // 20 concurrent proposals; the database is killed (SIGKILL, as a crash) as soon as the first one
    // is answered, so the others are mid-way: some requests reset, some never connect.
    const inFlight = Array.from({ length: 20 }, (_, i) =>
      propose(h, emailProposal("outreach-writer", ACCOUNTS[i % ACCOUNTS.length])),
    );
    await Promise.race(inFlight);
    process.kill(dynamo.pid, "SIGKILL");
    const responses = await Promise.all(inFlight);
    await dynamo.stop();
    expect(alive(dynamo.pid)).toBe(false);

    console.log(`statuses while the database died: ${responses.map((r) => r.status).join(" ")}`);
    // And one sent when it is certainly dead.
    const afterDeath = await propose(h, emailProposal("outreach-writer", "acme"));
    for (const res of [...responses, afterDeath]) {
      expect([200, 201, 503], JSON.stringify(res.body)).toContain(res.status);
      if (res.status === 503) expect(res.body.error).toBe("unavailable");
    }
    expect(afterDeath.status).toBe(503);
    const raw = await fetch(`${h.server.url}/v1/proposals`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await h.agent("outreach-writer")}`,
        "content-type": "application/json",
      },
      body: JSON.stringify(emailProposal("outreach-writer", "globex")),
    });
    expect(raw.status).toBe(503);
    expect(Number(raw.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await health()).toBe(200);

    // The scheduler keeps polling the dead database: each failed poll is logged, none escapes.
    h.rt.scheduler.start(20);
    const failedPolls = () => logs.filter((l) => l.msg === "scheduler poll failed").length;
    expect(await eventually(300, () => failedPolls() >= 3)).toBe(true);
    expect(unhandled).toEqual([]);
    expect(await health()).toBe(200);
    // The logs name the failure, never request data or credentials.
    const logged = JSON.stringify(logs);
    expect(logged).not.toContain(dynamo.credentials.accessKeyId);
    expect(logged).not.toContain("jane@");

    // Back on the same port with the same data: the running runtime carries on, no restart.
    dynamo = await startDynamoLocal({ dataDir: join(dir, "dynamodb"), port });
    const res = await propose(h, emailProposal("outreach-writer", "initech", "initech-bob"));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect((await h.call("GET", `/v1/decisions/${res.body.decisionId}`, h.viewer)).status).toBe(200);
    expect(await eventually(300, () => logs.some((l) => l.msg === "scheduler recovered"))).toBe(true);
    h.rt.scheduler.stop();
    expect(unhandled).toEqual([]);
    expect(await health()).toBe(200);
  });
});
