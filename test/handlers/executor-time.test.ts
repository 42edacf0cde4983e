/**
 * The executor's own time: a connector call that could not end before the function's timeout is not
 * started. Through the execute-allowed entry with the live SES connector (SES v2 on a local
 * stand-in), as deployed: a Lambda context whose remaining time is short.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHandler as executeAllowed } from "../../functions/events/execute-allowed.ts";
import type { Decision } from "../../shared/domain/decision.ts";
import { parseAwsEnv } from "../../shared/runtime/aws-env.ts";
import { EXECUTOR_STORES } from "../../shared/runtime/aws-stores.ts";
import { deployedConnector } from "../../shared/runtime/deployed-connectors.ts";
import { RECORD_RESERVE_MS } from "../../shared/runtime/executor-runtime.ts";
import { getSpec } from "../../shared/usecases/admin.ts";
import { pinTrust } from "../../shared/usecases/trust.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, seedAcme } from "../helpers/world.ts";
import { awsRuntimeFor, fixture, functionEnv, lambdaContext } from "./lambda.ts";
import { fakeSes, TEST_CREDENTIALS } from "./stand-ins.ts";

let rt: TestRuntime;
let ses: Awaited<ReturnType<typeof fakeSes>>;
const saved = { ...process.env };
beforeAll(async () => {
  rt = await startRuntime({ runWorkers: false });
  ses = await fakeSes();
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
});
afterAll(async () => {
  process.env = { ...saved };
  await ses?.close();
  await rt?.close();
});

describe("an executor near its timeout", () => {
  it("does not start an email it could not finish: tried again later with time, sent once, never in doubt", async () => {
    await seedAcme(rt.deps, "xt-acme");
    const spec = await getSpec(rt.deps, "current");
    await pinTrust(rt.deps, spec, "xt-writer", "email.send", 3, "autonomous sender", "admin@example.com");
    const { decision } = await rt.deps.gate.propose(
      emailProposal("xt-writer", "xt-acme", "xt-acme-jane"),
      agent("xt-writer"),
    );
    expect(decision.status).toBe("dispatched");
    const env = parseAwsEnv(
      functionEnv(rt, {
        // SES's call may take 10 s (its timeout): the function must have that left, and the record's reserve.
        CONNECTORS_CONFIG: JSON.stringify({
          dryRun: false,
          ses: { from: "sdr@harness.example", endpoint: ses.url, timeoutMs: 10_000 },
        }),
      }),
    );
    const connector = deployedConnector(env, { outbox: () => rt.sandbox });
    const handler = executeAllowed(() =>
      awsRuntimeFor(rt, { extras: { connector }, stores: EXECUTOR_STORES }),
    );
    const e = fixture("eventbridge-decision-made.json");
    e.detail.decisionId = decision.decisionId;
    const before = ses.requests.length;

    // A run that has 14 s left (a backlog, a slow secret read): 9 s for the call once the record's kept.
    const short = { ...lambdaContext(), getRemainingTimeInMillis: () => RECORD_RESERVE_MS + 9_000 };
    const out = await handler(e, short);
    expect(out.status).toBe("dispatched");
    expect(ses.requests.length).toBe(before);
    const held = (await rt.deps.decisions.getDecision(decision.decisionId)) as Decision;
    // Before, the call was made and the function killed mid-call: an attempt with no result, which the
    // reconciler marks in doubt, and nobody knows whether Jane got the email.
    expect(held.status).toBe("dispatched");
    expect(held.execution?.retryAt).toBeDefined();
    expect(held.execution?.error).toMatch(/not started, 9 s left of the executor's time/);

    // From its retry time, with the time a run starts with: sent, once.
    rt.clock.set(Date.parse(held.execution?.retryAt as string));
    const again = await handler(e, lambdaContext());
    expect(again.status).toBe("executed");
    expect(ses.requests.length).toBe(before + 1);
    expect(ses.requests.at(-1)?.body.Destination.ToAddresses).toEqual(["jane@xt-acme.io"]);
  });
});
