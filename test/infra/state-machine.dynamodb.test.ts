/**
 * The synthesized approval workflow, executed: the definition is read from the template (not
 * re-typed) and run with aws-local-stepfunctions; every Task runs the real Lambda handler code of the
 * function its Resource names, against DynamoDB Local. Task tokens are not supported by the library,
 * so AwaitApproval's local handler registers the token with the real handler and then waits on the
 * in-memory SendTaskSuccess the review routes call.
 */

import type { CfnElement } from "aws-cdk-lib";
import { Stack } from "aws-cdk-lib";
import { StateMachine } from "aws-local-stepfunctions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHandler as awaitApprovalHandler } from "../../functions/workflow/await-approval.ts";
import { makeHandler as executeHandler } from "../../functions/workflow/execute.ts";
import { makeHandler as expireHandler } from "../../functions/workflow/expire.ts";
import { makeHandler as releaseHandler } from "../../functions/workflow/release.ts";
import { STATES } from "../../infra/constructs/approval-workflow.ts";
import { StepFunctionsApprovalSignal } from "../../shared/adapters/aws/approval-signal.ts";
import { DynamoTaskTokenStore } from "../../shared/adapters/aws/task-token-store.ts";
import type { Decision } from "../../shared/domain/decision.ts";
import { DependencyError } from "../../shared/domain/errors.ts";
import { REVIEWS_TABLE } from "../../shared/http/groups/reviews.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import {
  EXECUTOR_STORES,
  LIFECYCLE_STORES,
  RELEASE_STORES,
  REVIEW_STORES,
} from "../../shared/runtime/aws-stores.ts";
import { getSpec } from "../../shared/usecases/admin.ts";
import { approve, veto } from "../../shared/usecases/lifecycle.ts";
import { pinTrust } from "../../shared/usecases/trust.ts";
import { workflowInputFor } from "../../shared/usecases/workflow.ts";
import { awsRuntimeFor, fixture, LocalTasks, lambdaContext } from "../handlers/lambda.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, seedAcme } from "../helpers/world.ts";
import { publishVariant } from "../integration/helpers/store.ts";
import { stateMachineDefinition, taskFunctions } from "./definition.ts";
import { type Synthesized, synthHarness } from "./synth.ts";

let synth: Synthesized;
let definition: Record<string, any>;
let rt: TestRuntime;
const tasks = new LocalTasks();
const DEFAULTS = { overrideWindowSeconds: 1800, approvalTimeoutSeconds: 72 * 3600 };
const approver = { subject: "ana@example.com", roles: ["approver"] };

/**
 * aws-local-stepfunctions resolves TimeoutSecondsPath against the task's Parameters, where Step
 * Functions resolves it against the state input; the definition passes the same value in both
 * places, and only the path is pointed at the Parameters copy for the library.
 */
function forLocalRunner(def: Record<string, any>): Record<string, any> {
  const copy = structuredClone(def);
  const waitState = copy.States[STATES.awaitApproval];
  expect(waitState.Parameters.Payload["approvalTimeoutSeconds.$"]).toBe(waitState.TimeoutSecondsPath);
  waitState.TimeoutSecondsPath = "$.Payload.approvalTimeoutSeconds";
  return copy;
}

beforeAll(async () => {
  synth = synthHarness({ bundle: false });
  definition = stateMachineDefinition(synth.serviceTemplate);
  // AWS shape: execution happens only through the handlers under test, not the local bus workers.
  rt = await startRuntime({ runWorkers: false });
});
afterAll(() => rt?.close());

/**
 * The AWS wiring each workflow function gets, pointed at the test's tables and clock, with the stores
 * its entry builds (functions/workflow/*.ts): a step that reads another store fails naming it.
 */
const runtime = (stores = LIFECYCLE_STORES) =>
  awsRuntimeFor(rt, {
    sandbox: rt.sandbox,
    stores,
    extras: {
      approvals: (db) => new StepFunctionsApprovalSignal({ taskTokens: new DynamoTaskTokenStore(db), tasks }),
    },
  });

/** The reviews API's stores (functions/api/reviews.ts builds REVIEW_STORES), its approvals re-check. */
const reviewsRuntime = () => runtime(REVIEW_STORES);

type Invoke = (input: any) => Promise<any>;

/** Function logical id -> the real handler of that function, invoked as Lambda would. */
function realHandlers(onWaiting: (decisionId: string) => void = () => {}): Record<string, Invoke> {
  const logicalId = (cid: string) => {
    const f = synth.service.functions[cid];
    if (!f) throw new Error(`no function ${cid}`);
    return Stack.of(f).getLogicalId(f.fn.node.defaultChild as CfnElement);
  };
  const ctx = lambdaContext();
  const rtOnce = runtime();
  const releaseRt = runtime(RELEASE_STORES);
  // The executor re-checks a decision at its send: built with its entry's set.
  const executeRt = runtime(EXECUTOR_STORES);
  const wrap =
    (h: (e: any, c: any) => Promise<any>): Invoke =>
    (input) =>
      h(input, ctx);
  const awaitApproval = awaitApprovalHandler(() => ({
    runtime: rtOnce,
    taskTokens: new DynamoTaskTokenStore(rtOnce.db),
    tasks,
  }));
  return {
    [logicalId("WorkflowRelease")]: wrap(releaseHandler(() => releaseRt)),
    [logicalId("WorkflowExpire")]: wrap(expireHandler(() => rtOnce)),
    [logicalId("WorkflowExecute")]: wrap(executeHandler(() => executeRt)),
    // .waitForTaskToken: Step Functions passes the Payload; the task ends when SendTaskSuccess is called.
    [logicalId("WorkflowAwaitApproval")]: async (params) => {
      const payload = params.Payload as { decisionId: string; taskToken: string };
      const registered = await awaitApproval(payload, ctx);
      const done = tasks.wait(payload.taskToken);
      if (registered.waiting) onWaiting(payload.decisionId);
      return done;
    },
  };
}

function localHandlers(handlers: Record<string, Invoke>, override: Record<string, Invoke> = {}) {
  const byState: Record<string, Invoke> = {};
  for (const [state, fnId] of Object.entries(taskFunctions(definition))) {
    const h = override[state] ?? handlers[fnId];
    if (!h) throw new Error(`no handler for task ${state} (${fnId})`);
    byState[state] = h;
  }
  return byState;
}

async function run(input: unknown, handlers: Record<string, Invoke>, token = "token") {
  const machine = new StateMachine(forLocalRunner(definition) as never, {
    validationOptions: { checkArn: false },
  });
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      waitTimeOverrides: { [STATES.wait]: 0 },
      retryIntervalOverrides: Object.fromEntries(Object.keys(handlers).map((s) => [s, 0])),
    },
    context: { Task: { Token: token } } as never,
  });
  return (await execution.result) as Record<string, any>;
}

async function scheduled(accountId: string, agentId: string): Promise<Decision> {
  await seedAcme(rt.deps, accountId);
  const spec = await getSpec(rt.deps, "current");
  await pinTrust(rt.deps, spec, agentId, "email.send", 2, "override-window test", "admin@example.com");
  const { decision } = await rt.deps.gate.propose(emailProposal(agentId, accountId), agent(agentId));
  expect(decision.status).toBe("scheduled");
  return decision;
}

async function pending(accountId: string, agentId: string): Promise<Decision> {
  await seedAcme(rt.deps, accountId);
  const { decision } = await rt.deps.gate.propose(emailProposal(agentId, accountId), agent(agentId));
  expect(decision.status).toBe("pending_approval");
  return decision;
}

describe("approval workflow (synthesized definition, executed)", () => {
  it("reads a Standard state machine whose tasks are the workflow functions", () => {
    expect(definition.StartAt).toBe(STATES.route);
    expect(Object.keys(taskFunctions(definition)).sort()).toEqual(
      [STATES.awaitApproval, STATES.execute, STATES.expire, STATES.release].sort(),
    );
    expect(definition.States[STATES.awaitApproval].Resource).toBe(
      "arn:aws:states:::lambda:invoke.waitForTaskToken",
    );
    expect(definition.States[STATES.awaitApproval].TimeoutSecondsPath).toBe("$.approvalTimeoutSeconds");
  });

  it("level 2: the window passes without a veto -> released, dispatched and executed", async () => {
    const d = await scheduled("sm-window", "sm-sdr");
    const input = workflowInputFor(d, rt.clock.now(), DEFAULTS);
    // Up to the whole second: the Wait state reads a timestamp to the second only.
    expect(input?.executeAt).toBe(
      new Date(Math.ceil(Date.parse(d.executeAt as string) / 1000) * 1000).toISOString(),
    );
    rt.clock.set(Date.parse(d.executeAt as string) + 1000);
    const out = await run(input, localHandlers(realHandlers()));
    expect(out.release.status).toBe("dispatched");
    expect(out.execution.status).toBe("executed");
    expect((await rt.deps.decisions.getDecision(d.decisionId))?.status).toBe("executed");
    expect(rt.sandbox.entries.filter((e) => e.decisionId === d.decisionId)).toHaveLength(1);
  });

  it("level 2: a Wait that ends before executeAt's milliseconds still releases and sends", async () => {
    rt.clock.advance(734);
    const d = await scheduled("sm-millis", "sm-sdr3");
    const at = Date.parse(d.executeAt as string);
    expect(at % 1000).not.toBe(0);
    const input = workflowInputFor(d, rt.clock.now(), DEFAULTS) as NonNullable<
      ReturnType<typeof workflowInputFor>
    >;
    expect(Date.parse(input.executeAt as string) % 1000).toBe(0);
    expect(Date.parse(input.executeAt as string)).toBeGreaterThan(at);
    // A workflow started with the decision's own time (as before the rounding): Step Functions ends its
    // Wait at that time's whole second, up to a second before it. Turned away, the decision waited for
    // the reconciler's backstop.
    rt.clock.set(Math.floor(at / 1000) * 1000);
    const out = await run({ ...input, executeAt: d.executeAt }, localHandlers(realHandlers()));
    expect(out.release.status).toBe("dispatched");
    expect(out.execution.status).toBe("executed");
  });

  it("level 2: vetoed inside the window -> not dispatched, nothing sent", async () => {
    const d = await scheduled("sm-veto", "sm-sdr2");
    await veto(rt.deps, d.decisionId, { note: "wrong persona" }, approver);
    rt.clock.set(Date.parse(d.executeAt as string) + 1000);
    const out = await run(workflowInputFor(d, rt.clock.now(), DEFAULTS), localHandlers(realHandlers()));
    expect(out.release.status).toBe("vetoed");
    expect(out.execution).toBeUndefined();
    expect(rt.sandbox.entries.some((e) => e.decisionId === d.decisionId)).toBe(false);
  });

  it("level 1: no review before the timeout -> expired and the reservation released", async () => {
    const d = await pending("sm-expire", "sm-writer");
    expect((await rt.deps.decisions.getContactState("sm-expire")).touches.map((t) => t.decisionId)).toContain(
      d.decisionId,
    );
    rt.clock.set(Date.parse(d.expiresAt as string) + 1000);
    const input = { ...workflowInputFor(d, rt.clock.now(), DEFAULTS), approvalTimeoutSeconds: 1 };
    const out = await run(input, localHandlers(realHandlers()), "token-expire");
    expect(out.timeout.Error).toBe("States.Timeout");
    expect(out.expiry.status).toBe("expired");
    expect((await rt.deps.decisions.getDecision(d.decisionId))?.status).toBe("expired");
    expect(
      (await rt.deps.decisions.getContactState("sm-expire")).touches.map((t) => t.decisionId),
    ).not.toContain(d.decisionId);
  });

  it("level 1: approved while it waited but its signal lost -> the wait times out, Expire leaves it dispatched and it executes", async () => {
    const d = await pending("sm-late-approval", "sm-writer4");
    const input = { ...workflowInputFor(d, rt.clock.now(), DEFAULTS), approvalTimeoutSeconds: 1 };
    // The approval commits while the task waits, but its SendTaskSuccess never reaches the workflow
    // (approved through the local runtime's lifecycle, which signals no task).
    const onWaiting = () => void approve(rt.deps, d.decisionId, { digest: d.payloadDigest }, approver);
    const out = await run(input, localHandlers(realHandlers(onWaiting)), "token-late-approval");
    expect(out.timeout.Error).toBe("States.Timeout");
    expect(out.expiry.status).toBe("dispatched");
    expect(out.execution.status).toBe("executed");
    expect(rt.sandbox.entries.filter((e) => e.decisionId === d.decisionId)).toHaveLength(1);
  });

  it("level 1: approved through the reviews API -> the task is released once and the action executes", async () => {
    const d = await pending("sm-approve", "sm-writer2");
    const reviews = apiHandler(REVIEWS_TABLE, reviewsRuntime);
    const approveEvent = () => {
      const e = fixture("api-v2-jwt-approve.json");
      e.rawPath = e.requestContext.http.path = `/v1/decisions/${d.decisionId}/approve`;
      e.pathParameters.id = d.decisionId;
      e.body = JSON.stringify({ digest: d.payloadDigest });
      return e;
    };
    const responses: number[] = [];
    const onWaiting = () => {
      void (async () => {
        responses.push((await reviews(approveEvent(), lambdaContext("reviews"))).statusCode);
        // A second click on "approve": the conditional transition refuses it; no second SendTaskSuccess.
        responses.push((await reviews(approveEvent(), lambdaContext("reviews"))).statusCode);
      })();
    };
    const out = await run(
      workflowInputFor(d, rt.clock.now(), DEFAULTS),
      localHandlers(realHandlers(onWaiting)),
      "token-approve",
    );
    expect(out.review).toMatchObject({ decisionId: d.decisionId, result: "approved", status: "dispatched" });
    expect(out.execution.status).toBe("executed");
    await expect.poll(() => responses).toEqual([200, 409]);
    expect(tasks.completed.filter((c) => c.token === "token-approve")).toHaveLength(1);
    expect(rt.sandbox.entries.filter((e) => e.decisionId === d.decisionId)).toHaveLength(1);
  });

  it("level 1: an approval after a long wait (past the deployment's default) executes", async () => {
    // Approvers get twenty days: the wait is the decision's own expiry, not the 72 h default. (The
    // local runner waits with setTimeout, which cannot wait 24.8 days or more.)
    await publishVariant(rt, (spec) => {
      spec.autonomy.actions["email.send"].approvalTimeoutHours = 20 * 24;
    });
    const d = await pending("sm-slow", "sm-writer3");
    const input = workflowInputFor(d, rt.clock.now(), DEFAULTS);
    expect(input?.approvalTimeoutSeconds).toBe(
      Math.ceil((Date.parse(d.expiresAt as string) - rt.clock.now()) / 1000),
    );
    expect(input?.approvalTimeoutSeconds).toBeGreaterThan(DEFAULTS.approvalTimeoutSeconds);
    const reviews = apiHandler(REVIEWS_TABLE, reviewsRuntime);
    const onWaiting = () => {
      // Ten days later, well past any 72 h ceiling and before the decision's expiry.
      rt.clock.advance(10 * 24 * 3_600_000);
      const e = fixture("api-v2-jwt-approve.json");
      e.rawPath = e.requestContext.http.path = `/v1/decisions/${d.decisionId}/approve`;
      e.pathParameters.id = d.decisionId;
      e.body = JSON.stringify({ digest: d.payloadDigest });
      void reviews(e, lambdaContext("reviews"));
    };
    const out = await run(input, localHandlers(realHandlers(onWaiting)), "token-slow");
    expect(out.timeout).toBeUndefined();
    expect(out.review).toMatchObject({ result: "approved", status: "dispatched" });
    expect(out.execution.status).toBe("executed");
    expect((await rt.deps.decisions.getDecision(d.decisionId))?.status).toBe("executed");
  });

  it("a task that keeps failing is retried, then the execution takes the failure path", async () => {
    const d = await scheduled("sm-fail", "sm-sdr3");
    rt.clock.set(Date.parse(d.executeAt as string) + 1000);
    let calls = 0;
    const failing: Invoke = async () => {
      calls++;
      throw new DependencyError("DynamoDB is unavailable");
    };
    const error = await run(
      workflowInputFor(d, rt.clock.now(), DEFAULTS),
      localHandlers(realHandlers(), { [STATES.release]: failing }),
    ).catch((e: unknown) => e as Error);
    const retry = definition.States[STATES.release].Retry[0];
    expect(calls).toBe(1 + retry.MaxAttempts);
    expect(error).toBeInstanceOf(Error);
    expect(((error as Error).cause as Error).name).toBe("HarnessWorkflowFailed");
    expect((error as Error).message).toContain("DynamoDB is unavailable");
    expect((await rt.deps.decisions.getDecision(d.decisionId))?.status).toBe("scheduled");
  });
});
