/**
 * Every deployed function's first request, with the environment and the role the template gives it:
 * each function of the synthesized service stack (live connectors and their secrets configured, as a
 * deployment that sends would be) is invoked with a payload of its trigger (bench/first-events.ts),
 * its variables resolved as CloudFormation would resolve them, against the bench's AWS stand-in; it
 * must get past its wiring (no variable missing from the template) and each AWS call it makes must be
 * allowed by its role's policy in the template. A function that runs in tests but fails in AWS with a
 * configuration error or AccessDenied on its first request is what this is for; the other tests run
 * functions with environments and permissions of their own making. Grants' conditions are evaluated
 * (deployed-roles.ts); deployed-flow.dynamodb.test.ts goes deeper, through a decision's whole life.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsStandIn, type StandIn, type StandInCall } from "../../bench/bundles.ts";
import { firstEvent } from "../../bench/first-events.ts";
import { denied, deployedFunctions } from "./deployed-roles.ts";
import { firstRequest, NOT_A_REAL_PATH } from "./first-request.ts";
import { liveConnectorsContext, type Synthesized, settleBeforeBlocking, synthHarness } from "./synth.ts";
import { REGION, TemplateValues } from "./template-values.ts";

let aws: StandIn;
let calls: StandInCall[] = [];
let s: Synthesized;
let values: TemplateValues;
beforeAll(async () => {
  aws = await awsStandIn((c) => calls.push(c));
  await settleBeforeBlocking();
  // HubSpot's API is the stand-in too: the poll and the webhook call it.
  s = synthHarness({ bundle: false, context: liveConnectorsContext(aws.url) });
  values = new TemplateValues([s.statefulTemplate.toJSON(), s.serviceTemplate.toJSON()]);
});
afterAll(() => aws?.close());

describe("each deployed function's first request, with its template's environment and role", () => {
  it("every function of the service stack is checked", () => {
    expect(Object.keys(s.service.functions).length).toBeGreaterThan(25);
  });

  it("each gets past its wiring, and its role allows every AWS call it makes", async () => {
    const problems: string[] = [];
    for (const { cid, entry, env, statements } of deployedFunctions(s, values)) {
      calls = [];
      const event = entry.startsWith("functions/agents/")
        ? { ...(firstEvent(entry) as object), agentId: env.AGENT_ID }
        : firstEvent(entry);
      const { text } = await firstRequest(
        entry,
        {
          ...env,
          AWS_REGION: REGION,
          AWS_ACCESS_KEY_ID: "deployed",
          AWS_SECRET_ACCESS_KEY: "deployed",
          AWS_ENDPOINT_URL: aws.url,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        },
        event,
      );
      if (NOT_A_REAL_PATH.test(text)) problems.push(`${cid} (${entry}): ${text.slice(0, 200)}`);
      for (const call of calls)
        for (const line of denied(statements, call)) problems.push(`${cid}: ${line} not allowed`);
    }
    expect(problems).toEqual([]);
  });
});
