import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toInvocation } from "../../functions/agents/handler.ts";
import { ApiGate } from "../../shared/runtime/agents-aws.ts";

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
});
