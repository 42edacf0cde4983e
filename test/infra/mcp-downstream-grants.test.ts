/**
 * Downstream MCP servers in the deployment (issue 12, item 5): the connectors config's `mcp` reaches
 * the executors, and a server's headers secret is readable by the executor roles and no other; the
 * knowledge API and /mcp functions, which list the tools, get names and URLs only (one synthesis
 * without bundling, cdk-nag on). A stdio server is refused at synth, naming the field.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { configFromContext } from "../../infra/config.ts";
import { type Synthesized, settleBeforeBlocking, synthHarness } from "./synth.ts";

const HEADERS_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dev-harness-crm-mcp-AbCdEf";
const MCP = [{ name: "crm", url: "https://mcp.crm.example.com/mcp", headersSecretArn: HEADERS_ARN }];
const EXECUTORS = ["Workflow task: execute a dispatched decision", "decision.made (dispatched) -> execute"];

let s: Synthesized;
beforeAll(async () => {
  await settleBeforeBlocking();
  s = synthHarness({
    bundle: false,
    context: { "harness:connectors": JSON.stringify({ dryRun: false, mcp: MCP }) },
  });
});

type Resource = { Type: string; Properties: Record<string, any> };
const ofType = (t: string) =>
  Object.entries(s.serviceTemplate.toJSON().Resources as Record<string, Resource>).filter(
    ([, r]) => r.Type === t,
  );
const functions = () => ofType("AWS::Lambda::Function").map(([, r]) => r.Properties);
const roleOf = (p: Record<string, any>) => p.Role["Fn::GetAtt"][0] as string;

describe("downstream MCP servers deployed", () => {
  it("only the executor roles may read a server's headers secret; the executors get the config", () => {
    const readers: string[] = [];
    for (const [, p] of ofType("AWS::IAM::Policy"))
      for (const st of p.Properties.PolicyDocument.Statement as any[])
        if (
          [st.Action].flat().includes("secretsmanager:GetSecretValue") &&
          JSON.stringify(st.Resource).includes(HEADERS_ARN)
        )
          readers.push(...(p.Properties.Roles as { Ref: string }[]).map((r) => r.Ref));
    const executors = functions().filter((p) => EXECUTORS.includes(p.Description));
    expect(executors).toHaveLength(2);
    expect([...new Set(readers)].sort()).toEqual(executors.map(roleOf).sort());
    for (const p of executors)
      expect(JSON.parse(p.Environment.Variables.CONNECTORS_CONFIG).mcp).toEqual([
        { ...MCP[0], timeoutMs: 10_000 },
      ]);
  });

  it("the functions that list tools get the servers' names and URLs, not the secret's ARN", () => {
    for (const d of ["HTTP API: knowledge routes", "HTTP API: /mcp (MCP server, streamable HTTP)"]) {
      const p = functions().find((f) => f.Description === d);
      expect(JSON.parse(p?.Environment.Variables.CONNECTORS_CONFIG)).toEqual({
        mcp: [{ name: "crm", url: MCP[0]?.url, timeoutMs: 10_000 }],
      });
    }
  });

  it("a stdio server is refused, naming the field", () => {
    const context: Record<string, unknown> = {
      "harness:connectors": {
        mcp: [{ name: "crm", url: "https://mcp.crm.example.com/mcp", command: "npx" }],
      },
    };
    expect(() => configFromContext((k) => context[k])).toThrow(
      /harness\.connectors\.mcp\.0\.command: stdio servers cannot run in Lambda/,
    );
  });
});
