/**
 * Downstream MCP tools in AWS (issue 12, item 5): the deployed connectors config names a streamable
 * HTTP server (the official SDK's McpServer on 127.0.0.1) whose Authorization header is a Secrets
 * Manager secret (a local stand-in); the spec maps its send_email tool to an email touch. The
 * execute-allowed entry, given EventBridge's decision.made payload, calls the tool once with the
 * decision's idempotency key in `_meta` and the secret's header, and a redelivery calls nothing; the
 * workflow's Execute task treats a connection dropped mid-call as in_doubt. A secret rotated while
 * the container is warm is read again on the server's 401, once, and the action sent once more. The
 * knowledge API and /mcp functions list the mapped tool without the secret.
 */

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { makeHandler as mcpHandler } from "../../functions/api/mcp.ts";
import { makeHandler as executeAllowed } from "../../functions/events/execute-allowed.ts";
import { makeHandler as executeTask } from "../../functions/workflow/execute.ts";
import { ConnectorSecrets } from "../../shared/adapters/aws/connector-secrets.ts";
import { KNOWLEDGE_TABLE } from "../../shared/http/groups/knowledge.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import { parseAwsEnv } from "../../shared/runtime/aws-env.ts";
import { EXECUTOR_STORES } from "../../shared/runtime/aws-stores.ts";
import { listingConnectorsConfig, parseDeployedConnectors } from "../../shared/runtime/connector-schemas.ts";
import { deployedConnector } from "../../shared/runtime/deployed-connectors.ts";
import { awsToolCatalog, deployedDownstream } from "../../shared/runtime/deployed-mcp.ts";
import { publishSpec } from "../../shared/usecases/admin.ts";
import { approve } from "../../shared/usecases/lifecycle.ts";
import {
  type FakeDownstream,
  SEND_EMAIL_ACTION,
  startFakeDownstream,
} from "../connectors/helpers/fake-mcp-downstream.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { agent, seedAcme } from "../helpers/world.ts";
import { awsRuntimeFor, fixture, functionEnv, lambdaContext } from "./lambda.ts";
import { fakeSecretsManager } from "./stand-ins.ts";

const TYPE = "crm.sequence.email";
const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dev-harness-crm-mcp-AbCdEf";
const ctx = lambdaContext();
let rt: TestRuntime;
let fake: FakeDownstream;
let sm: Awaited<ReturnType<typeof fakeSecretsManager>>;

beforeAll(async () => {
  rt = await startRuntime({ runWorkers: false });
  fake = await startFakeDownstream();
  sm = await fakeSecretsManager({ [ARN]: JSON.stringify({ Authorization: "Bearer crm-token" }) });
  await seedAcme(rt.deps, "dm");
  await seedAcme(rt.deps, "dm2");
  const spec = structuredClone((await rt.deps.specs.current())?.spec) as any;
  spec.autonomy.actions[TYPE] = structuredClone(SEND_EMAIL_ACTION);
  await publishSpec(rt.deps, spec, "admin@example.com");
});

afterAll(async () => {
  await Promise.all([fake?.close(), sm?.close()]);
  await rt?.close();
});

const text = {
  subject: "Your pricing research",
  body: "Hi Jane, saw your team comparing plans this week. Happy to share how similar teams rolled out in two weeks.",
};

/** A decision of the mapped type, dispatched (approved by a person if the gate asks for one). */
async function dispatched(accountId = "dm"): Promise<string> {
  const args = { accountId, contactId: `${accountId}-jane`, ...text };
  const { decision } = await rt.deps.gate.propose(
    {
      proposalId: `${accountId}-crm-1`,
      agentId: "dm-crm",
      action: { type: TYPE },
      target: { accountId, personId: `${accountId}-jane` },
      payload: { arguments: args, ...text },
      reasoning: "Three pricing page visits this week; the CRM sequence is the right channel.",
      confidence: 0.9,
    },
    agent("dm-crm"),
  );
  if (decision.status === "pending_approval")
    expect(
      (
        await approve(
          rt.deps,
          decision.decisionId,
          { digest: decision.payloadDigest },
          { subject: "ana@example.com", roles: ["approver"] },
        )
      ).status,
    ).toBe("dispatched");
  else expect(decision.status).toBe("dispatched");
  return decision.decisionId;
}

describe("the executor functions with a deployed downstream MCP server", () => {
  it("calls the mapped tool once, with the decision's key and the secret's header; a redelivery calls nothing", async () => {
    const decisionId = await dispatched();
    const config = JSON.stringify({
      dryRun: false,
      mcp: [{ name: "crm", url: fake.url, headersSecretArn: ARN, timeoutMs: 3000 }],
    });
    const env = parseAwsEnv(functionEnv(rt, { CONNECTORS_CONFIG: config }));
    const secrets = new ConnectorSecrets(sm.client, env.CONNECTOR_SECRET_ARNS);
    // As functions/events/execute-allowed-mcp.ts builds it (the entry a config with servers deploys).
    const connector = deployedConnector(env, { outbox: () => rt.sandbox, secrets, mcp: deployedDownstream });
    const e = fixture("eventbridge-decision-made.json");
    e.detail.decisionId = decisionId;
    const handler = executeAllowed(() =>
      awsRuntimeFor(rt, { extras: { connector }, stores: EXECUTOR_STORES }),
    );
    expect(await handler(e, ctx)).toEqual({ decisionId, status: "executed" });
    await handler(e, ctx);
    const decision = await rt.deps.decisions.getDecision(decisionId);
    expect(fake.calls).toEqual([
      {
        tool: "send_email",
        idempotencyKey: decision?.idempotencyKey,
        arguments: { accountId: "dm", contactId: "dm-jane", ...text },
      },
    ]);
    expect(fake.authorizations).toEqual(["Bearer crm-token"]);
    expect(decision?.execution?.externalId).toBe(`mcp:crm/send_email:${decision?.idempotencyKey}`);
    // Nothing went to the outbox, and the secret was read once for the container.
    expect(rt.sandbox.entries.filter((x) => x.decisionId === decisionId)).toEqual([]);
    expect(sm.reads()).toBe(1);
  });

  it("the workflow's Execute task: a connection dropped after the call left is in_doubt, and never called again", async () => {
    const decisionId = await dispatched("dm2");
    const config = JSON.stringify({ dryRun: false, mcp: [{ name: "crm", url: fake.url, timeoutMs: 3000 }] });
    const env = parseAwsEnv(functionEnv(rt, { CONNECTORS_CONFIG: config }));
    // As functions/workflow/execute-mcp.ts builds it.
    const connector = deployedConnector(env, { outbox: () => rt.sandbox, mcp: deployedDownstream });
    const task = executeTask(() => awsRuntimeFor(rt, { extras: { connector }, stores: EXECUTOR_STORES }));
    fake.next = "drop";
    // Step Functions' Execute task input: the decision's id (infra/constructs/approval-workflow.ts).
    await task({ decisionId }, ctx);
    await task({ decisionId }, ctx);
    const decision = await rt.deps.decisions.getDecision(decisionId);
    expect(decision?.status).toBe("in_doubt");
    expect(fake.calls.filter((c) => c.idempotencyKey === decision?.idempotencyKey)).toHaveLength(1);
  });

  it("refuses a stdio server in the deployed config, naming the field", () => {
    expect(() =>
      parseDeployedConnectors(JSON.stringify({ mcp: [{ name: "crm", url: fake.url, command: "npx" }] })),
    ).toThrow(/mcp\.0\.command: stdio servers cannot run in Lambda/);
    expect(() =>
      parseDeployedConnectors(JSON.stringify({ mcp: [{ name: "crm", url: "http://crm.example.com/mcp" }] })),
    ).toThrow(/mcp\.0\.url: must be an https URL/);
  });
});

describe("a headers secret rotated while the executor's container is warm", () => {
  const OLD = "Bearer crm-old";
  const NEW = "Bearer crm-new";
  let values: Record<string, string>;
  let rotating: Awaited<ReturnType<typeof fakeSecretsManager>>;

  beforeAll(async () => {
    for (const id of ["rot1", "rot2", "rot3", "rej1", "rej2"]) await seedAcme(rt.deps, id);
  });
  beforeEach(async () => {
    values = { [ARN]: JSON.stringify({ Authorization: OLD }) };
    rotating = await fakeSecretsManager(values);
    fake.acceptOnly = OLD;
    fake.unauthorized.length = 0;
  });
  afterEach(async () => {
    fake.acceptOnly = undefined;
    fake.unauthorized.length = 0;
    await rotating.close();
  });

  /** One container of the execute-allowed-mcp entry: its secrets kept across invocations (5 minutes). */
  function container() {
    const config = JSON.stringify({
      dryRun: false,
      mcp: [{ name: "crm", url: fake.url, headersSecretArn: ARN, timeoutMs: 3000 }],
    });
    const env = parseAwsEnv(functionEnv(rt, { CONNECTORS_CONFIG: config }));
    const secrets = new ConnectorSecrets(rotating.client, env.CONNECTOR_SECRET_ARNS);
    const connector = deployedConnector(env, { outbox: () => rt.sandbox, secrets, mcp: deployedDownstream });
    const handler = executeAllowed(() =>
      awsRuntimeFor(rt, { extras: { connector }, stores: EXECUTOR_STORES }),
    );
    return (decisionId: string) => {
      const e = fixture("eventbridge-decision-made.json");
      e.detail.decisionId = decisionId;
      return handler(e, ctx);
    };
  }

  const callsOf = async (decisionId: string) => {
    const key = (await rt.deps.decisions.getDecision(decisionId))?.idempotencyKey;
    return fake.calls.filter((c) => c.idempotencyKey === key);
  };

  it("the server refuses the old token (401): the secret is read again once and the action sent once more", async () => {
    const execute = container();
    const first = await dispatched("rot1");
    expect(await execute(first)).toEqual({ decisionId: first, status: "executed" });
    expect(rotating.reads()).toBe(1);

    // Rotated: the server takes only the new token, which the warm container has not read (kept 5 min).
    values[ARN] = JSON.stringify({ Authorization: NEW });
    fake.acceptOnly = NEW;
    const second = await dispatched("rot2");
    expect(await execute(second)).toEqual({ decisionId: second, status: "executed" });
    expect(fake.unauthorized).toEqual([OLD]);
    expect(rotating.reads()).toBe(2);
    expect(await callsOf(second)).toHaveLength(1);
    expect(fake.authorizations.at(-1)).toBe(NEW);

    // The new token is kept: the next action reads nothing and is not refused.
    const third = await dispatched("rot3");
    expect(await execute(third)).toEqual({ decisionId: third, status: "executed" });
    expect(rotating.reads()).toBe(2);
    expect(fake.unauthorized).toEqual([OLD]);
  });

  it("a secret read again that the server still refuses: the action fails (not in doubt), tried no more", async () => {
    const execute = container();
    const first = await dispatched("rej1");
    expect(await execute(first)).toEqual({ decisionId: first, status: "executed" });
    // The server moved to the new token, the secret to a wrong one.
    values[ARN] = JSON.stringify({ Authorization: "Bearer crm-typo" });
    fake.acceptOnly = NEW;
    const second = await dispatched("rej2");
    expect(await execute(second)).toEqual({ decisionId: second, status: "failed" });
    // Sent with the kept token, then once with the one read again, and no more; never called.
    expect(fake.unauthorized).toEqual([OLD, "Bearer crm-typo"]);
    expect(rotating.reads()).toBe(2);
    expect(await callsOf(second)).toEqual([]);
    const decision = await rt.deps.decisions.getDecision(second);
    expect(decision?.status).toBe("failed");
    expect(decision?.execution?.error).toMatch(/HTTP 401/);
  });
});

describe("a headers secret that cannot be read for now", () => {
  beforeAll(async () => {
    for (const id of ["thr1"]) await seedAcme(rt.deps, id);
  });

  it("a cold executor whose first read is throttled hands the action back (nothing sent); tried again, it is sent once", async () => {
    const values = { [ARN]: JSON.stringify({ Authorization: "Bearer crm-token" }) };
    const real = await fakeSecretsManager(values);
    let throttled = true;
    // Secrets Manager throttling this container's reads (the SDK's own retries spent).
    const client = {
      send: async (cmd: Parameters<typeof real.client.send>[0]) => {
        if (throttled)
          throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $fault: "client" });
        return real.client.send(cmd);
      },
    } as unknown as typeof real.client;
    try {
      const config = JSON.stringify({
        dryRun: false,
        mcp: [{ name: "crm", url: fake.url, headersSecretArn: ARN, timeoutMs: 3000 }],
      });
      const env = parseAwsEnv(functionEnv(rt, { CONNECTORS_CONFIG: config }));
      const secrets = new ConnectorSecrets(client, env.CONNECTOR_SECRET_ARNS);
      const connector = deployedConnector(env, {
        outbox: () => rt.sandbox,
        secrets,
        mcp: deployedDownstream,
      });
      const handler = executeAllowed(() =>
        awsRuntimeFor(rt, { extras: { connector }, stores: EXECUTOR_STORES }),
      );
      const decisionId = await dispatched("thr1");
      const e = fixture("eventbridge-decision-made.json");
      e.detail.decisionId = decisionId;
      await handler(e, ctx);
      const held = await rt.deps.decisions.getDecision(decisionId);
      // Before: failed, its reservation given back: an approved action lost to a passing throttle.
      expect(held?.status).toBe("dispatched");
      expect(held?.execution?.retryAt).toBeDefined();
      expect(held?.execution?.error).toMatch(/ThrottlingException/);
      const key = held?.idempotencyKey;
      expect(fake.calls.filter((c) => c.idempotencyKey === key)).toEqual([]);

      throttled = false;
      const at = rt.clock.now();
      rt.clock.set(Date.parse(held?.execution?.retryAt as string));
      try {
        // As the reconciler hands it over when it comes due (recoverDispatched): to the executor again.
        expect(await handler(e, ctx)).toEqual({ decisionId, status: "executed" });
      } finally {
        rt.clock.set(at);
      }
      expect(fake.calls.filter((c) => c.idempotencyKey === key)).toHaveLength(1);
    } finally {
      await real.close();
    }
  });
});

/** The listing functions' environment: the servers' names and URLs, no headers secret. */
function listingRuntime() {
  const config = parseDeployedConnectors(
    JSON.stringify({ dryRun: false, mcp: [{ name: "crm", url: fake.url, headersSecretArn: ARN }] }),
  );
  const listing = listingConnectorsConfig(config) as string;
  expect(listing).not.toContain("secretsmanager");
  const env = parseAwsEnv(functionEnv(rt, { CONNECTORS_CONFIG: listing }));
  return awsRuntimeFor(rt, { extras: awsToolCatalog(env) });
}

/** The captured IAM event (an agent's role), re-pointed at a route. */
function iamEvent(agentId: string, method: "GET" | "POST", path: string, body?: unknown) {
  const e = fixture("api-v2-iam-proposal.json");
  e.routeKey = e.requestContext.routeKey = `${method} ${path}`;
  e.rawPath = e.requestContext.http.path = path;
  e.requestContext.http.method = method;
  e.rawQueryString = "";
  e.requestContext.authorizer.iam.userArn = `arn:aws:sts::123456789012:assumed-role/dev-harness-agent-${agentId}/session-${agentId}`;
  if (body === undefined) delete e.body;
  else e.body = JSON.stringify(body);
  return e;
}

describe("the mapped tools listed in AWS, without the headers secret", () => {
  it("GET /v1/tools (knowledge function) and /mcp tools/list offer crm__send_email, not the unmapped tool", async () => {
    const runtime = listingRuntime();
    const api = apiHandler(KNOWLEDGE_TABLE, () => runtime);
    const res = await api(iamEvent("dm-crm", "GET", "/v1/tools"), ctx);
    expect(res.statusCode).toBe(200);
    const items = JSON.parse(res.body as string).items as { name: string; actionType: string }[];
    expect(items.map((t) => [t.name, t.actionType])).toEqual([["crm__send_email", TYPE]]);

    const mcp = mcpHandler(() => runtime);
    const e = iamEvent("dm-crm", "POST", "/mcp", { jsonrpc: "2.0", id: 1, method: "tools/list" });
    e.headers.accept = "application/json, text/event-stream";
    e.headers["mcp-protocol-version"] = "2025-06-18";
    const listed = await mcp(e, ctx);
    expect(listed.statusCode).toBe(200);
    const names = (JSON.parse(listed.body as string).result.tools as { name: string }[]).map((t) => t.name);
    expect(names).toContain("crm__send_email");
    expect(names.filter((n) => n.includes("delete_contact"))).toEqual([]);
    // Listing is not executing: the downstream tool was never called by either.
    expect(fake.calls.filter((c) => c.idempotencyKey === undefined)).toEqual([]);
  });

  it("a tool list that cannot be read (a throttled read) offers no downstream tool; the built-in ones answer", async () => {
    // The catalog's read fails (its spec read throttled): GET /v1/tools answers 500.
    let reads = 0;
    const failing = awsRuntimeFor(rt, {
      extras: {
        tools: () => ({
          list: async () => {
            reads++;
            throw Object.assign(new Error("Rate of requests exceeds the allowed throughput"), {
              name: "ProvisionedThroughputExceededException",
            });
          },
        }),
      },
    });
    const mcp = mcpHandler(() => failing);
    {
      const e = iamEvent("dm-crm", "POST", "/mcp", { jsonrpc: "2.0", id: 2, method: "tools/list" });
      e.headers.accept = "application/json, text/event-stream";
      e.headers["mcp-protocol-version"] = "2025-06-18";
      // Before, the list's failure failed the whole message (a 500), initialize and built-in tools too.
      const listed = await mcp(e, ctx);
      expect(listed.statusCode).toBe(200);
      const names = (JSON.parse(listed.body as string).result.tools as { name: string }[]).map((t) => t.name);
      expect(names).toContain("propose_action");
      expect(names).not.toContain("crm__send_email");
      // Read only for a message that lists tools or calls a downstream one: a wait_for_decision had
      // less of the function's time for each read, which may wait 5 s for the servers.
      expect(reads).toBe(1);
      const init = iamEvent("dm-crm", "POST", "/mcp", {
        jsonrpc: "2.0",
        id: 3,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      });
      init.headers.accept = "application/json, text/event-stream";
      init.headers["mcp-protocol-version"] = "2025-06-18";
      expect((await mcp(init, ctx)).statusCode).toBe(200);
      expect(reads).toBe(1);
      // A call of a downstream tool needs the list: its failure is the message's (500, retried), not
      // the SDK's "tool not found", which an agent would read as the tool not existing.
      const call = iamEvent("dm-crm", "POST", "/mcp", {
        jsonrpc: "2.0",
        id: 4,
        method: "tools/call",
        params: { name: "crm__send_email", arguments: {} },
      });
      call.headers.accept = "application/json, text/event-stream";
      call.headers["mcp-protocol-version"] = "2025-06-18";
      const called = await mcp(call, ctx).catch((err: Error) => ({ statusCode: 500, body: err.message }));
      expect(called.statusCode).toBe(500);
      expect(String(called.body)).not.toMatch(/not found/);
    }
  });
});
