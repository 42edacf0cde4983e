import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toInvocation } from "../../functions/agents/handler.ts";
import { DependencyError, ForbiddenError } from "../../shared/domain/errors.ts";
import { MAX_CONTINUATIONS, makeHandler, RETRY_RESERVE_MS } from "../../shared/runtime/agent-handler.ts";
import { ApiGate } from "../../shared/runtime/agents-aws.ts";
import type { AgentsAwsRuntime } from "../../shared/runtime/agents-aws-core.ts";

/** An agent function's invocation with a minute left. */
const agentContext = () =>
  ({ functionName: "agent", awsRequestId: "r1", getRemainingTimeInMillis: () => 60_000 }) as never;

describe("the per-agent Lambda entry", () => {
  it("parses scheduler payloads, EventBridge events and manual runs; anything else is a validation error", () => {
    expect(
      toInvocation({ agentId: "lead-list-builder", trigger: "schedule", cron: "0 6 * * *" }, 42),
    ).toEqual({
      kind: "schedule",
      at: 42,
      cron: "0 6 * * *",
    });
    expect(
      toInvocation(
        {
          "detail-type": "account.in_icp",
          source: "agent-harness",
          detail: { accountId: "acme" },
          time: "2026-03-10T14:00:00Z",
        },
        0,
      ),
    ).toEqual({ kind: "event", event: { type: "account.in_icp", detail: { accountId: "acme" } } });
    expect(toInvocation({ trigger: "manual", input: { audienceId: "sdr-1" }, by: "alice" }, 0)).toMatchObject(
      { kind: "manual", by: "alice" },
    );
    expect(() => toInvocation({ hello: 1 }, 0)).toThrow(/event/);
  });
});

describe("an agent function's logs", () => {
  it("a manual run's id is on its run's log line, and not on the next run's in the same container", async () => {
    const saved = process.env.POWERTOOLS_LOG_LEVEL;
    process.env.POWERTOOLS_LOG_LEVEL = "INFO";
    const lines: string[] = [];
    const streams = [process.stdout, process.stderr];
    const writes = streams.map((s) => s.write.bind(s));
    for (const s of streams)
      s.write = ((chunk: string | Uint8Array) => {
        lines.push(String(chunk));
        return true;
      }) as typeof s.write;
    let fail = false;
    const summary = (trigger: string) => ({ agentId: "list-sync", trigger, proposals: [] });
    const runner = {
      run: async (_id: string, invocation: { kind: string }) => ({
        ...summary(invocation.kind),
        ...(fail ? { error: "HubSpot is down" } : {}),
      }),
      runDueRetries: async () => summary("retry"),
    };
    try {
      const handler = makeHandler(
        () => ({ agentId: "list-sync", runner }) as unknown as AgentsAwsRuntime,
        () => 0,
      );
      const context = { functionName: "agent", awsRequestId: "r1" } as never;
      await handler({ trigger: "manual", input: {}, by: "ana", runId: "run_manual_1" }, context);
      const manual = lines.splice(0);
      fail = true;
      await expect(
        handler({ agentId: "list-sync", trigger: "schedule", cron: "0 * * * *" }, context),
      ).rejects.toThrow(/HubSpot is down/);
      const scheduled = lines.splice(0);
      expect(manual.filter((l) => l.includes('"agent run"')).join()).toContain("run_manual_1");
      expect(scheduled.some((l) => l.includes("agent run failed"))).toBe(true);
      expect(scheduled.join()).not.toContain("run_manual_1");
    } finally {
      streams.forEach((s, i) => {
        s.write = writes[i] as typeof s.write;
      });
      if (saved === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
      else process.env.POWERTOOLS_LOG_LEVEL = saved;
    }
  });
});

describe("an agent function's time", () => {
  it("the run gets Lambda's remaining time less the retries' reserve; a run out of time still re-proposes what is due, then fails for Lambda to retry", async () => {
    const order: string[] = [];
    let timeLeft: (() => number) | undefined;
    const runner = {
      run: async (_id: string, _inv: unknown, options: { timeLeft?: () => number }) => {
        timeLeft = options.timeLeft;
        order.push("run");
        return {
          agentId: "outreach-writer",
          trigger: "schedule",
          proposals: [],
          error: "wrote for 2 of 4 accounts",
        };
      },
      runDueRetries: async () => {
        order.push("retries");
        return { agentId: "outreach-writer", trigger: "retry", proposals: [] };
      },
    };
    const handler = makeHandler(
      () => ({ agentId: "outreach-writer", runner }) as unknown as AgentsAwsRuntime,
    );
    let remaining = 240_000;
    const context = {
      functionName: "agent",
      awsRequestId: "r1",
      getRemainingTimeInMillis: () => remaining,
    } as never;
    await expect(
      handler({ agentId: "outreach-writer", trigger: "schedule", cron: "0 9 * * 1-5" }, context),
    ).rejects.toThrow(/wrote for 2 of 4 accounts/);
    expect(order).toEqual(["run", "retries"]);
    expect(timeLeft?.()).toBe(240_000 - RETRY_RESERVE_MS);
    remaining = 40_000;
    expect(timeLeft?.()).toBe(40_000 - RETRY_RESERVE_MS);
  });
});

describe("a run that stops at its deadline with work left", () => {
  const summary = (o: Record<string, unknown>) => ({
    agentId: "outreach-writer",
    trigger: "schedule",
    proposals: [],
    ...o,
  });
  const setup = (run: Record<string, unknown>) => {
    const continued: unknown[] = [];
    const invocations: unknown[] = [];
    const runner = {
      run: async (_id: string, invocation: unknown) => {
        invocations.push(invocation);
        return summary(run);
      },
      runDueRetries: async () => summary({ trigger: "retry" }),
    };
    const handler = makeHandler(
      () =>
        ({
          agentId: "outreach-writer",
          runner,
          continueRun: async (payload: unknown) => void continued.push(payload),
        }) as unknown as AgentsAwsRuntime,
    );
    return { handler, continued, invocations };
  };
  const context = agentContext();
  const fresh = {
    proposalId: "p1",
    actionType: "email.send",
    verdict: "allow",
    status: "dispatched",
    replay: false,
  };
  const scheduled = { agentId: "outreach-writer", trigger: "schedule", cron: "0 9 * * 1-5" };

  it("goes on in a new invocation of its function, counted, when it proposed something new", async () => {
    const { handler, continued, invocations } = setup({
      error: "wrote for 20 of 80 accounts",
      outOfTime: true,
      proposals: [fresh],
    });
    await handler(scheduled, context);
    expect(continued).toEqual([{ ...scheduled, continuation: 1, triggeredAt: expect.any(Number) }]);
    const first = continued[0] as { triggeredAt: number };
    // The continuation works the day the schedule first fired (past midnight too), and says so onward.
    await handler(first, context);
    expect(invocations.at(-1)).toMatchObject({ kind: "schedule", continuedFrom: first.triggeredAt });
    expect(continued.at(-1)).toEqual({ ...scheduled, continuation: 2, triggeredAt: first.triggeredAt });
  });

  it("a firing delivered late works the day the schedule fired, and its continuations the same", async () => {
    const { handler, continued, invocations } = setup({
      error: "wrote for 20 of 80 accounts",
      outOfTime: true,
      proposals: [fresh],
    });
    const firedAt = "2026-03-10T13:00:00Z";
    await handler({ ...scheduled, scheduledAt: firedAt }, context);
    expect(invocations.at(-1)).toMatchObject({ kind: "schedule", continuedFrom: Date.parse(firedAt) });
    expect(continued).toEqual([
      { ...scheduled, scheduledAt: firedAt, continuation: 1, triggeredAt: Date.parse(firedAt) },
    ]);
  });

  it("carries where the run stopped to the continuation, and only the latest", async () => {
    const { handler, continued, invocations } = setup({
      error: "wrote for 20 of 80 accounts",
      outOfTime: true,
      proposals: [fresh],
      resumeAt: "acme",
    });
    await handler(scheduled, context);
    expect(continued).toEqual([
      { ...scheduled, continuation: 1, triggeredAt: expect.any(Number), resumeAt: "acme" },
    ]);
    await handler(continued[0], context);
    expect(invocations.at(-1)).toMatchObject({ kind: "schedule", resumeAt: "acme" });
    const noResume = setup({ error: "wrote for 20 of 80", outOfTime: true, proposals: [fresh] });
    await noResume.handler({ ...scheduled, continuation: 1, triggeredAt: 1, resumeAt: "acme" }, context);
    expect(noResume.continued).toEqual([{ ...scheduled, continuation: 2, triggeredAt: 1 }]);
    await expect(
      handler({ ...scheduled, continuation: 1, triggeredAt: 1, resumeAt: "" }, context),
    ).rejects.toThrow(/resumeAt/);
  });

  it("done with headway and more to do (a CRM backfill, proposing nothing) goes on; at the limit, the next schedule does", async () => {
    const { handler, continued } = setup({ more: true });
    await handler(scheduled, context);
    // Before: only a run that proposed went on; a backfill moved once a quarter hour.
    expect(continued).toEqual([{ ...scheduled, continuation: 1, triggeredAt: expect.any(Number) }]);
    await handler({ ...scheduled, continuation: MAX_CONTINUATIONS, triggeredAt: 1 }, context);
    expect(continued).toHaveLength(1);
    // More to do but failed: the failure's path (Lambda's retries), not a continuation.
    const failed = setup({ more: true, error: "HubSpot answered 500" });
    await expect(failed.handler(scheduled, context)).rejects.toThrow(/500/);
    expect(failed.continued).toEqual([]);
  });

  it("fails (Lambda's retries, then the dead-letter queue) when it made no progress or has gone on too long", async () => {
    const stuck = setup({
      error: "wrote for 0 of 80 accounts",
      outOfTime: true,
      proposals: [{ ...fresh, replay: true }],
    });
    await expect(stuck.handler(scheduled, context)).rejects.toThrow(/0 of 80/);
    expect(stuck.continued).toEqual([]);
    const long = setup({ error: "wrote for 20 of 80 accounts", outOfTime: true, proposals: [fresh] });
    await expect(long.handler({ ...scheduled, continuation: MAX_CONTINUATIONS }, context)).rejects.toThrow(
      /20 of 80/,
    );
    await expect(
      long.handler({ ...scheduled, continuation: MAX_CONTINUATIONS + 1 }, context),
    ).rejects.toThrow(/continuation/);
    expect(long.continued).toEqual([]);
  });
});

describe("a manual run whose input the agent refuses", () => {
  it("is answered (not thrown, so Lambda does not retry it into the dead-letter queue)", async () => {
    const summary = { agentId: "manual-list-sync", trigger: "manual", proposals: [] };
    const runner = {
      run: async () => ({ ...summary, error: "no audience sdr-nobody", refusedInput: true }),
      runDueRetries: async () => ({ ...summary, trigger: "retry" }),
    };
    const handler = makeHandler(
      () => ({ agentId: "manual-list-sync", runner }) as unknown as AgentsAwsRuntime,
    );
    const context = agentContext();
    const [run] = await handler(
      { trigger: "manual", input: { audienceId: "sdr-nobody" }, by: "ana" },
      context,
    );
    expect(run).toMatchObject({ error: "no audience sdr-nobody", refusedInput: true });
    // The same error from a scheduled run is a failure, retried.
    runner.run = async () => ({ ...summary, error: "HubSpot is down" }) as never;
    await expect(handler({ agentId: "x", trigger: "schedule", cron: "0 * * * *" }, context)).rejects.toThrow(
      /HubSpot is down/,
    );
  });
});

describe("ApiGate (agents propose through the API in AWS)", () => {
  const seen: { headers: Record<string, unknown>; body: any }[] = [];
  const server = createServer(async (req, res) => {
    let raw = "";
    for await (const c of req) raw += c;
    seen.push({ headers: req.headers, body: JSON.parse(raw) });
    res.writeHead(201, { "content-type": "application/json" }).end(
      JSON.stringify({
        decisionId: "d_1",
        verdict: "defer",
        status: "deferred",
        retryAfter: "2026-03-11T04:00:00.000Z",
        replay: false,
      }),
    );
  });
  let url = "";
  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = "AKIDAGENT";
    process.env.AWS_SECRET_ACCESS_KEY = "secret";
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("signs POST /v1/proposals with the role's credentials (SigV4, execute-api) and maps the decision", async () => {
    const gate = new ApiGate(url, "eu-west-1");
    const res = await gate.propose({ proposalId: "p1", agentId: "a" });
    expect(res.replay).toBe(false);
    expect(res.decision).toMatchObject({
      decisionId: "d_1",
      verdict: "defer",
      retryAfter: "2026-03-11T04:00:00.000Z",
    });
    expect(String(seen[0]?.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDAGENT\/\d{8}\/eu-west-1\/execute-api\/aws4_request/,
    );
    expect(seen[0]?.body).toEqual({ proposalId: "p1", agentId: "a" });
  });

  it("an API it cannot reach, or API Gateway's own 403, is for later (DependencyError); the harness's refusal is final", async () => {
    // Nothing listens on port 9 here: the fetch fails before any answer.
    await expect(new ApiGate("http://127.0.0.1:9", "eu-west-1").propose({})).rejects.toBeInstanceOf(
      DependencyError,
    );
    const answering = (status: number, body: unknown) =>
      new ApiGate(url, "eu-west-1", async () => new Response(JSON.stringify(body), { status }));
    // API Gateway's IAM authorizer refusing a signature: no `error` of the harness's.
    await expect(answering(403, { message: "Forbidden" }).propose({})).rejects.toBeInstanceOf(
      DependencyError,
    );
    const refused = answering(403, { error: "forbidden", message: "agent a may not propose email.send" });
    await expect(refused.propose({})).rejects.toBeInstanceOf(ForbiddenError);
    await expect(answering(503, { message: "busy" }).propose({})).rejects.toBeInstanceOf(DependencyError);
  });
});

describe("a schedule kept in the spec's workspace time zone", () => {
  const context = agentContext();
  /** The tick EventBridge Scheduler sends every quarter hour (infra/cron.ts workspaceTickExpression). */
  const tick = (scheduledAt: string) => ({
    agentId: "outreach-writer",
    trigger: "schedule",
    cron: "0 9 * * 1-5",
    zone: "workspace",
    scheduledAt,
  });
  const setup = () => {
    let zone: string | undefined = "America/New_York";
    const runs: unknown[] = [];
    const runner = {
      run: async (_id: string, invocation: unknown) => {
        runs.push(invocation);
        return { agentId: "outreach-writer", trigger: "schedule", proposals: [] };
      },
      runDueRetries: async () => ({ agentId: "outreach-writer", trigger: "retry", proposals: [] }),
    };
    const handler = makeHandler(
      () =>
        ({
          agentId: "outreach-writer",
          runner,
          workspaceTimezone: async () => zone,
        }) as unknown as AgentsAwsRuntime,
    );
    const setZone = (z: string | undefined) => {
      zone = z;
    };
    return { handler, runs, setZone };
  };

  it("runs at the tick that is 09:00 in the workspace's zone, across its daylight saving, and at no other", async () => {
    const { handler, runs, setZone } = setup();
    // 2026-03-06, a Friday: New York on EST (UTC-5); 2026-03-10, a Tuesday: on EDT (UTC-4).
    for (const at of ["2026-03-06T13:00:00Z", "2026-03-06T13:45:00Z", "2026-03-10T14:00:00Z"])
      expect(await handler(tick(at), context)).toEqual([]);
    expect(runs).toEqual([]);
    await handler(tick("2026-03-06T14:00:00Z"), context);
    await handler(tick("2026-03-10T13:00:00Z"), context);
    expect(runs).toEqual([
      expect.objectContaining({ kind: "schedule", continuedFrom: Date.parse("2026-03-06T14:00:00Z") }),
      expect.objectContaining({ kind: "schedule", continuedFrom: Date.parse("2026-03-10T13:00:00Z") }),
    ]);
    // An admin publishes a spec in Kolkata (UTC+5:30): 09:00 there is 03:30 UTC, a quarter-hour tick.
    setZone("Asia/Kolkata");
    await handler(tick("2026-03-10T03:30:00Z"), context);
    expect(runs).toHaveLength(3);
    // Saturday in the workspace, whatever the day in UTC.
    await handler(tick("2026-03-14T03:30:00Z"), context);
    expect(runs).toHaveLength(3);
    // No spec published yet: nothing runs, and it is no failure (the failure queue would fill).
    setZone(undefined);
    expect(await handler(tick("2026-03-10T03:30:00Z"), context)).toEqual([]);
    expect(runs).toHaveLength(3);
  });
});

describe("an agent's retries schedule", () => {
  it("proposes its due deferred proposals again, and runs nothing else", async () => {
    const calls: string[] = [];
    const runner = {
      run: async () => {
        calls.push("run");
        return { agentId: "web-research", trigger: "event", proposals: [] };
      },
      runDueRetries: async (agentId: string) => {
        calls.push(`retries:${agentId}`);
        return {
          agentId,
          trigger: "retry",
          proposals: [
            {
              proposalId: "p1:retry1",
              actionType: "crm.update",
              verdict: "allow",
              status: "dispatched",
              replay: false,
            },
          ],
        };
      },
    };
    const handler = makeHandler(() => ({ agentId: "web-research", runner }) as unknown as AgentsAwsRuntime);
    const context = agentContext();
    const [summary] = (await handler({ agentId: "web-research", trigger: "retries" }, context)) as {
      proposals: unknown[];
    }[];
    expect(summary?.proposals).toHaveLength(1);
    expect(calls).toEqual(["retries:web-research"]);
    await expect(handler({ agentId: 7, trigger: "retries" }, context)).rejects.toThrow(/agentId/);
  });
});

describe("a run that failed for good", () => {
  it("is logged and not thrown, so no retry or dead-letter message follows; a run that may pass again is thrown", async () => {
    let permanent = true;
    const runner = {
      run: async () => ({
        agentId: "web-research",
        trigger: "event",
        proposals: [],
        error: "https://acme.io/ answered 403",
        ...(permanent ? { permanent: true } : {}),
      }),
      runDueRetries: async () => ({ agentId: "web-research", trigger: "retry", proposals: [] }),
    };
    const handler = makeHandler(() => ({ agentId: "web-research", runner }) as unknown as AgentsAwsRuntime);
    const context = agentContext();
    const event = { "detail-type": "account.targeted", detail: { accountId: "acme" } };
    const [run] = (await handler(event, context)) as { permanent?: boolean }[];
    expect(run?.permanent).toBe(true);
    permanent = false;
    await expect(handler(event, context)).rejects.toThrow(/agent web-research failed: .*403/);
  });
});
