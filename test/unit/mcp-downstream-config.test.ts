/**
 * Downstream MCP servers in the connectors file: both transports parse, mistakes name their path,
 * and secrets come from the environment variables the file names (a missing one fails at load).
 */
import { describe, expect, it } from "vitest";
import { DeployedMcpServer } from "../../shared/runtime/connector-schemas.ts";
import { connectorsFromConfig, parseConnectorsConfig } from "../../shared/runtime/connectors-config.ts";

const issues = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { issues?: { path: string; message: string }[] }).issues ?? [];
  }
  throw new Error("expected a validation error");
};

describe("connectors file: mcp", () => {
  it("parses a stdio and an http server with defaults", () => {
    const c = parseConnectorsConfig(
      [
        "mcp:",
        "  - name: crm",
        "    transport: { type: stdio, command: npx, args: [crm-mcp], env: { REGION: eu }, envFrom: { CRM_TOKEN: MY_CRM_TOKEN } }",
        "  - name: ads",
        "    transport: { type: http, url: 'https://mcp.ads.example.com/mcp', headersFromEnv: { Authorization: ADS_AUTH } }",
        "    timeoutMs: 5000",
      ].join("\n"),
    );
    expect(c.mcp).toEqual([
      {
        name: "crm",
        transport: {
          type: "stdio",
          command: "npx",
          args: ["crm-mcp"],
          env: { REGION: "eu" },
          envFrom: { CRM_TOKEN: "MY_CRM_TOKEN" },
        },
        timeoutMs: 10_000,
      },
      {
        name: "ads",
        transport: {
          type: "http",
          url: "https://mcp.ads.example.com/mcp",
          headersFromEnv: { Authorization: "ADS_AUTH" },
        },
        timeoutMs: 5000,
      },
    ]);
    const live = connectorsFromConfig(c, { MY_CRM_TOKEN: "s1", ADS_AUTH: "Bearer s2" });
    expect(live.downstream?.names).toEqual(["crm", "ads"]);
    expect(connectorsFromConfig(parseConnectorsConfig("{}"), {}).downstream).toBeUndefined();
  });

  it("names the path of each mistake", () => {
    const found = issues(() =>
      parseConnectorsConfig(
        [
          "mcp:",
          "  - { name: crm, transport: { type: http, url: 'http://crm.example.com/mcp' } }",
          "  - { name: crm, transport: { type: stdio, command: x, token: abc } }",
          "  - { name: Ads_1, transport: { type: ftp } }",
        ].join("\n"),
      ),
    );
    const paths = found.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "mcp[0].transport.url",
        "mcp[1].transport",
        "mcp[2].name",
        "mcp[2].transport.type",
      ]),
    );
    expect(found.find((i) => i.path === "mcp[0].transport.url")?.message).toMatch(/https/);
    const dup = issues(() =>
      parseConnectorsConfig(
        "mcp: [{ name: crm, transport: { type: stdio, command: a } }, { name: crm, transport: { type: stdio, command: b } }]",
      ),
    );
    expect(dup).toEqual([{ path: "mcp[1].name", message: '"crm" is already used' }]);
  });

  it("a secret's variable that is not set fails at load, naming where the file asks for it", () => {
    const c = parseConnectorsConfig(
      "mcp: [{ name: ads, transport: { type: http, url: 'https://a.example.com/mcp', headersFromEnv: { Authorization: ADS_AUTH } } }]",
    );
    expect(issues(() => connectorsFromConfig(c, {}))).toEqual([
      {
        path: "mcp.ads.transport.headersFromEnv.Authorization",
        message: "environment variable ADS_AUTH is not set",
      },
    ]);
  });

  it("a deployed server's timeout ends inside the executor's 60 s (connect and call each take it)", () => {
    const server = { name: "crm", url: "https://mcp.crm.example/mcp" };
    expect(DeployedMcpServer.parse(server).timeoutMs).toBe(10_000);
    expect(DeployedMcpServer.safeParse({ ...server, timeoutMs: 25_000 }).success).toBe(true);
    const r = DeployedMcpServer.safeParse({ ...server, timeoutMs: 30_000 });
    expect(r.error?.issues[0]?.path).toEqual(["timeoutMs"]);
  });
});
