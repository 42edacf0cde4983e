/**
 * Agent identity in AWS: an IAM caller is agent X only if its ARN is exactly an assumed-role session
 * of `<stage>-harness-agent-X` in the API's own account. The proposals function is invoked as API
 * Gateway invokes it (payload v2, IAM authorizer context), against DynamoDB Local.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROPOSALS_TABLE } from "../../shared/http/groups/proposals.ts";
import { agentRoleName, principalFromEvent } from "../../shared/http/principal-from-event.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import { GATE_STORES } from "../../shared/runtime/aws-stores.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { emailProposal, seedAcme } from "../helpers/world.ts";
import { awsRuntimeFor, fixture, lambdaContext } from "./lambda.ts";

let rt: TestRuntime;
beforeAll(async () => {
  rt = await startRuntime({ runWorkers: false });
  await seedAcme(rt.deps, "id-acme");
});
afterAll(() => rt?.close());

const ACCOUNT = "123456789012";
const session = (account: string, role: string) =>
  `arn:aws:sts::${account}:assumed-role/${role}/${role.replace("-harness-", "-harness-agents-")}`;

function event(userArn: string, agentId: string) {
  const e = fixture("api-v2-iam-proposal.json");
  expect(e.requestContext.accountId).toBe(ACCOUNT);
  e.requestContext.authorizer.iam.userArn = userArn;
  e.body = JSON.stringify(emailProposal(agentId, "id-acme"));
  return e;
}

describe("agent identity (IAM)", () => {
  it("only the stage's own agent role in the API's account proposes as that agent", async () => {
    const handler = apiHandler(PROPOSALS_TABLE, () => awsRuntimeFor(rt, { stores: GATE_STORES, gate: true }));
    const ctx = lambdaContext("proposals");
    const ok = await handler(event(session(ACCOUNT, "dev-harness-agent-id-writer"), "id-writer"), ctx);
    expect(ok.statusCode).toBeLessThan(300);
    for (const arn of [
      session(ACCOUNT, "prod-harness-agent-id-writer"), // another stage's agent
      session("210987654321", "dev-harness-agent-id-writer"), // another account's role of that name
      session(ACCOUNT, "x-dev-harness-agent-id-writer"), // a look-alike role name
      `arn:aws:iam::${ACCOUNT}:user/dev-harness-agent-id-writer`, // not a role session
    ]) {
      const res = await handler(event(arn, "id-writer"), ctx);
      expect(res.statusCode, arn).toBe(403);
    }
  });

  it("a role name IAM could not hold is refused, not cut into another, shorter agent's", () => {
    expect(agentRoleName("production", "a".repeat(39))).toHaveLength(64);
    expect(() => agentRoleName("production", "a".repeat(40))).toThrow(
      /longer than IAM's 64 characters \(on stage production, agent ids of at most 39 characters\)/,
    );
    // A role of the longest name is the agent its whole name says.
    const e = event(session(ACCOUNT, `dev-harness-agent-${"b".repeat(46)}`), "id-writer");
    expect(principalFromEvent(e, { stage: "dev" })?.subject).toBe(`agent:${"b".repeat(46)}`);
  });

  it("without the deployment's stage (the local server) no IAM caller is an agent", () => {
    const e = event(session(ACCOUNT, "dev-harness-agent-id-writer"), "id-writer");
    expect(principalFromEvent(e)).toEqual({ subject: e.requestContext.authorizer.iam.userArn, roles: [] });
    expect(principalFromEvent(e, { stage: "dev" })).toEqual({
      subject: "agent:id-writer",
      roles: ["agent:id-writer"],
    });
  });
});

describe("people (Cognito JWT)", () => {
  const jwt = (claims: Record<string, unknown>) => {
    const e = fixture("api-v2-jwt-approve.json");
    const base = { ...e.requestContext.authorizer.jwt.claims };
    delete base.email;
    delete base["cognito:username"];
    e.requestContext.authorizer.jwt.claims = { ...base, ...claims };
    return e;
  };

  it("are their verified email; an address Cognito marks unverified names nobody but the user", () => {
    const verified = jwt({ email: "ana@example.com", email_verified: "true", "cognito:username": "u-1" });
    expect(principalFromEvent(verified)?.subject).toBe("ana@example.com");
    // A self-service change to someone else's address, not yet verified: not taken as that person.
    const unverified = jwt({ email: "boss@example.com", email_verified: "false", "cognito:username": "u-1" });
    expect(principalFromEvent(unverified)?.subject).toBe("u-1");
    // An access token carries no email and no cognito:username: its username.
    const access = jwt({ username: "u-1", token_use: "access", sub: "0f1e2d3c" });
    expect(principalFromEvent(access)?.subject).toBe("u-1");
    expect(principalFromEvent(access)?.roles).toEqual(["approver"]);
  });
});
