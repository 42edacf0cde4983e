/**
 * POST /v1/agents/{agentId}/run through the admin API's Lambda entry (API Gateway v2, a Cognito
 * admin): the agent's function is invoked asynchronously (Lambda Invoke, InvocationType Event, on a
 * local stand-in of the Lambda API) with the manual invocation the agent handler reads; 202 with a run
 * id; 404 for an unknown agent only.
 */

import { LambdaClient } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toInvocation } from "../../functions/agents/handler.ts";
import { DynamoRunClaims } from "../../shared/adapters/dynamo/agent-run-claims.ts";
import type { RunSummary } from "../../shared/agents/runner.ts";
import { ADMIN_TABLE } from "../../shared/http/groups/admin.ts";
import { makeHandler } from "../../shared/runtime/agent-handler.ts";
import type { AgentsAwsRuntime } from "../../shared/runtime/agents-aws-core.ts";
import { createAwsRuntime } from "../../shared/runtime/aws.ts";
import { withAgentRuns } from "../../shared/runtime/aws-agent-runs.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import { awsCursors } from "../../shared/runtime/aws-cursors.ts";
import { parseAwsEnv } from "../../shared/runtime/aws-env.ts";
import { ALL_STORES } from "../../shared/runtime/aws-stores.ts";
import { fakeApi } from "../connectors/helpers/fake-api.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { fixture, functionEnv, lambdaContext, RecordingPublisher } from "./lambda.ts";
import { TEST_CREDENTIALS } from "./stand-ins.ts";

const ctx = lambdaContext();
let rt: TestRuntime;
let lambda: Awaited<ReturnType<typeof fakeApi>>;
beforeAll(async () => {
  rt = await startRuntime({ runWorkers: false });
  // Lambda's Invoke: POST /2015-03-31/functions/{name}/invocations; an Event invocation is a 202.
  lambda = await fakeApi((r) =>
    r.method === "POST" &&
    /^\/2015-03-31\/functions\/[\w-]+\/invocations/.test(r.path) &&
    r.headers["x-amz-invocation-type"] === "Event"
      ? { status: 202 }
      : undefined,
  );
});
afterAll(async () => {
  await lambda?.close();
  await rt?.close();
});

function adminApi(agentFunctions?: Record<string, string>) {
  const env = parseAwsEnv(
    functionEnv(rt, agentFunctions ? { AGENT_FUNCTIONS: JSON.stringify(agentFunctions) } : {}),
  );
  const runtime = createAwsRuntime(
    env,
    { clock: rt.clock, cursors: awsCursors(env), events: new RecordingPublisher() },
    ALL_STORES,
  );
  const client = new LambdaClient({
    region: "us-east-1",
    endpoint: lambda.url,
    credentials: TEST_CREDENTIALS,
  });
  return apiHandler(
    ADMIN_TABLE,
    withAgentRuns(() => runtime, client),
  );
}

function runEvent(agentId: string, body?: unknown) {
  const e = fixture("api-v2-jwt-approve.json");
  e.rawPath = e.requestContext.http.path = `/v1/agents/${agentId}/run`;
  e.routeKey = e.requestContext.routeKey = "POST /v1/agents/{agentId}/run";
  e.requestContext.authorizer.jwt.claims["cognito:groups"] = "[admin]";
  if (body === undefined) delete e.body;
  else e.body = JSON.stringify(body);
  return e;
}

describe("manual runs in AWS", () => {
  it("invokes the agent's function asynchronously and answers 202 with the run id it passed", async () => {
    const handler = adminApi({ "lead-list-builder": "dev-harness-agent-lead-list-builder" });
    const res = await handler(runEvent("lead-list-builder", { note: "now please" }), ctx);
    expect(res.statusCode).toBe(202);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({
      agentId: "lead-list-builder",
      status: "started",
      runId: expect.stringMatching(/^run_/),
    });
    expect(lambda.requests).toHaveLength(1);
    const call = lambda.requests[0];
    expect(call?.path).toMatch(/^\/2015-03-31\/functions\/dev-harness-agent-lead-list-builder\/invocations/);
    expect(call?.body).toMatchObject({ trigger: "manual", input: { note: "now please" }, runId: body.runId });
    // What the agent's handler makes of it: a manual run by the caller.
    expect(toInvocation(call?.body, 0)).toMatchObject({
      kind: "manual",
      input: { note: "now please" },
      runId: body.runId,
    });
  });

  it("a request sent again with its Idempotency-Key names the same run, which the function runs once", async () => {
    const handler = adminApi({ "lead-list-builder": "dev-harness-agent-lead-list-builder" });
    const keyed = (key: string, body: unknown) => {
      const e = runEvent("lead-list-builder", body);
      e.headers["idempotency-key"] = key;
      return e;
    };
    const before = lambda.requests.length;
    // A client that timed out and sends the request again: before, a second run with an id of its own.
    const first = await handler(keyed("retry-me-1", { note: "now" }), ctx);
    const again = await handler(keyed("retry-me-1", { note: "now" }), ctx);
    expect([first.statusCode, again.statusCode]).toEqual([202, 202]);
    const runId = JSON.parse(first.body).runId;
    expect(JSON.parse(again.body).runId).toBe(runId);
    // Both invocations carry that id: the agent's handler claims `manual:<runId>` once, so the second
    // delivery is skipped (test/integration/agent-run-claims.test.ts).
    expect(lambda.requests.slice(before).map((r) => r.body.runId)).toEqual([runId, runId]);
    // Another key, or the same key with another body, is another run.
    const other = await handler(keyed("retry-me-2", { note: "now" }), ctx);
    const changed = await handler(keyed("retry-me-1", { note: "later" }), ctx);
    expect(new Set([runId, JSON.parse(other.body).runId, JSON.parse(changed.body).runId]).size).toBe(3);
    // Another caller's same key is not this run.
    const e = keyed("retry-me-1", { note: "now" });
    e.requestContext.authorizer.jwt.claims.email = "someone-else@example.com";
    expect(JSON.parse((await handler(e, ctx)).body).runId).not.toBe(runId);
    // A key that is not one: a 400 naming the header, nothing invoked.
    const count = lambda.requests.length;
    const bad = await handler(keyed("two words", { note: "now" }), ctx);
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body).message).toMatch(/Idempotency-Key/);
    expect(lambda.requests.length).toBe(count);
  });

  it("a body the agent cannot read is a 400 naming the field, before anything is invoked", async () => {
    const before = lambda.requests.length;
    const handler = adminApi({ "manual-list-sync": "dev-harness-agent-manual-list-sync" });
    const res = await handler(runEvent("manual-list-sync", {}), ctx);
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body).message).toMatch(/body\.audienceId/);
    expect(lambda.requests.length).toBe(before);
    const ok = await handler(runEvent("manual-list-sync", { audienceId: "sdr-1" }), ctx);
    expect(ok.statusCode).toBe(202);
  });

  it("an agent that runs on events is a 400 naming its trigger, and is not invoked to do nothing", async () => {
    const before = lambda.requests.length;
    const res = await adminApi({ "crm-sync": "dev-harness-agent-crm-sync" })(runEvent("crm-sync"), ctx);
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body).message).toMatch(
      /agentId: crm-sync runs on decision\.transitioned events .*: a manual run would do nothing/,
    );
    expect(lambda.requests.length).toBe(before);
  });

  it("an unknown agent is a 404 and invokes nothing; without AGENT_FUNCTIONS agents do not run here", async () => {
    const before = lambda.requests.length;
    const res = await adminApi({ "crm-sync": "dev-harness-agent-crm-sync" })(runEvent("no-such-agent"), ctx);
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body).message).toMatch(/no agent no-such-agent/);
    const none = await adminApi()(runEvent("crm-sync"), ctx);
    expect(none.statusCode).toBe(404);
    expect(lambda.requests.length).toBe(before);
  });
});

function statusEvent(agentId: string, runId: string) {
  const e = fixture("api-v2-jwt-approve.json");
  e.rawPath = e.requestContext.http.path = `/v1/agents/${agentId}/runs/${runId}`;
  e.requestContext.http.method = "GET";
  e.routeKey = e.requestContext.routeKey = "GET /v1/agents/{agentId}/runs/{runId}";
  e.requestContext.authorizer.jwt.claims["cognito:groups"] = "[admin]";
  delete e.body;
  return e;
}

describe("a manual run's status in AWS", () => {
  /** The agent's function (its handler, with the deployment's run claims) given what Lambda delivers. */
  function agentFunction(run: () => Promise<Partial<RunSummary>>) {
    const summary = (trigger: string): RunSummary => ({
      agentId: "lead-list-builder",
      trigger: trigger as never,
      proposals: [],
    });
    const runner = {
      run: async () => ({ ...summary("manual"), ...(await run()) }),
      runDueRetries: async () => summary("retry"),
    };
    const claims = new DynamoRunClaims(rt.db);
    return makeHandler(
      () => ({ agentId: "lead-list-builder", runner, claims }) as unknown as AgentsAwsRuntime,
    );
  }
  const proposal = (n: number, replay = false) => ({
    proposalId: `lead-list-builder:acme-${n}`,
    actionType: "lead_list.add",
    verdict: "allow",
    status: "executed",
    replay,
  });
  const agentCtx = { ...ctx, getRemainingTimeInMillis: () => 300_000 } as never;
  const api = () => adminApi({ "lead-list-builder": "dev-harness-agent-lead-list-builder" });
  const status = async (runId: string, agentId = "lead-list-builder") => {
    const res = await api()(statusEvent(agentId, runId), ctx);
    return { code: res.statusCode, body: JSON.parse(res.body) };
  };
  async function startRun() {
    const started = await api()(runEvent("lead-list-builder", { note: "now" }), ctx);
    return { runId: JSON.parse(started.body).runId as string, delivered: lambda.requests.at(-1)?.body };
  }

  it("reads what the agent's function recorded: not started, running, then done with what it proposed", async () => {
    const { runId, delivered } = await startRun();
    // Before the function has taken it: not started (an unknown id reads the same).
    const early = await status(runId);
    expect(early.code).toBe(404);
    expect(early.body.message).toMatch(new RegExp(`no run ${runId} of lead-list-builder has started`));
    let finish = () => {};
    const going = new Promise<void>((r) => {
      finish = r;
    });
    const fn = agentFunction(async () => {
      await going;
      return { proposals: [proposal(1), proposal(0, true), proposal(2)] };
    });
    const running = fn(delivered, agentCtx);
    await expect.poll(async () => (await status(runId)).body.status).toBe("running");
    expect((await status(runId)).body).toMatchObject({ final: false, proposals: 0 });
    finish();
    await running;
    const done = await status(runId);
    expect(done.code).toBe(200);
    expect(done.body).toMatchObject({
      runId,
      agentId: "lead-list-builder",
      status: "done",
      final: true,
      invocations: 1,
      attempts: 1,
      // The replay was proposed before: not this run's.
      proposals: 2,
      listed: [
        { proposalId: "lead-list-builder:acme-1", verdict: "allow", status: "executed" },
        { proposalId: "lead-list-builder:acme-2" },
      ],
    });
    expect(Date.parse(done.body.finishedAt)).toBeGreaterThanOrEqual(Date.parse(done.body.startedAt));
  });

  it("a failed run reads failed with its error, and final once Lambda's retries are spent", async () => {
    const { runId, delivered } = await startRun();
    const fn = agentFunction(async () => ({ error: "the model is down" }));
    await expect(fn(delivered, agentCtx)).rejects.toThrow(/the model is down/);
    expect((await status(runId)).body).toMatchObject({
      status: "failed",
      final: false,
      attempts: 1,
      error: "agent lead-list-builder failed: the model is down",
    });
    // Lambda's two retries fail the same way: the run is over.
    await expect(fn(delivered, agentCtx)).rejects.toThrow();
    await expect(fn(delivered, agentCtx)).rejects.toThrow();
    expect((await status(runId)).body).toMatchObject({ status: "failed", final: true, attempts: 3 });
    // The same keyed run sent again: a new invocation, which Lambda retries twice more. Before, its
    // attempts went on from 3, and its first failure read final.
    const anew = { ...ctx, awsRequestId: "req-sent-again", getRemainingTimeInMillis: () => 300_000 } as never;
    await expect(fn(delivered, anew)).rejects.toThrow();
    expect((await status(runId)).body).toMatchObject({ status: "failed", final: false, attempts: 1 });
    await expect(fn(delivered, anew)).rejects.toThrow();
    expect((await status(runId)).body).toMatchObject({ status: "failed", final: false, attempts: 2 });
    // A run whose input the agent refused is over at once (no retry follows).
    const refused = await startRun();
    await agentFunction(async () => ({ error: "no audience sdr-9", refusedInput: true }))(
      refused.delivered,
      agentCtx,
    );
    expect((await status(refused.runId)).body).toMatchObject({
      status: "failed",
      final: true,
      error: "no audience sdr-9",
    });
  });

  it("a run id that is not one is a 400 naming it; an agent not deployed is a 404", async () => {
    const bad = await status("not a run");
    expect(bad.code).toBe(400);
    expect(bad.body.message).toMatch(/runId/);
    const unknown = await status("run_abc", "no-such-agent");
    expect(unknown.code).toBe(404);
    expect(unknown.body.message).toMatch(/no agent no-such-agent/);
  });
});
