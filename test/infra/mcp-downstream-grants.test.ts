/**
 * Downstream MCP servers in the deployment (issue 12, item 5): the connectors config's `mcp` reaches
 * the executors, and a server's headers secret is readable by the executor roles and no other; the
 * knowledge API and /mcp functions, which list the tools, get names and URLs only (one synthesis
 * without bundling, cdk-nag on); the CRM import gets HubSpot's settings alone. A stdio server is
 * refused at synth, naming the field, and so are servers that would take the executors' environment
 * past Lambda's 4 KB (a second synthesis).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { configFromContext } from "../../infra/config.ts";
import { LIVE_SECRETS, type Synthesized, settleBeforeBlocking, synthHarness } from "./synth.ts";

const HEADERS_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dev-harness-crm-mcp-AbCdEf";
const MCP = [{ name: "crm", url: "https://mcp.crm.example.com/mcp", headersSecretArn: HEADERS_ARN }];
const EXECUTORS = ["Workflow task: execute a dispatched decision", "decision.made (dispatched) -> execute"];

let s: Synthesized;
beforeAll(async () => {
  await settleBeforeBlocking();
  s = synthHarness({
    bundle: false,
    context: {
      "harness:connectors": JSON.stringify({ dryRun: false, hubspot: { portalId: "123" }, mcp: MCP }),
      "harness:connectorSecretArns": JSON.stringify({ hubspot: LIVE_SECRETS.hubspot }),
    },
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

  it("the CRM import gets HubSpot's settings, not the servers", () => {
    const p = functions().find((f) => f.Environment.Variables.AGENT_ID === "crm-import");
    const config = JSON.parse(p?.Environment.Variables.CONNECTORS_CONFIG);
    expect(Object.keys(config)).toEqual(["hubspot"]);
    expect(config.hubspot.portalId).toBe("123");
  });

  it("servers past what Lambda's 4 KB of variables holds are refused at synth, naming the field", () => {
    const many = Array.from({ length: 20 }, (_, i) => ({
      name: `server-${i}`,
      url: `https://mcp-${i}.tools.example.com/v1/mcp/streamable`,
      headersSecretArn: HEADERS_ARN.replace("crm-mcp", `mcp-${i}`),
    }));
    expect(() =>
      synthHarness({
        bundle: false,
        context: { "harness:connectors": JSON.stringify({ dryRun: false, mcp: many }) },
      }),
    ).toThrow(
      /invalid CDK context: harness\.connectors: the environment of [^ ]+\/WorkflowExecute\/Fn would be at least 4\d{3} bytes, over the 4096 Lambda allows .*CONNECTORS_CONFIG/,
    );
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
