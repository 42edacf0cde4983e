import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  connectorsFromConfig,
  LiveConnectors,
  loadConnectors,
  parseConnectorsConfig,
} from "../../shared/runtime/connectors-config.ts";
import { decision } from "../connectors/helpers/fake-api.ts";

const dir = mkdtempSync(join(tmpdir(), "connectors-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const issues = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { issues?: { path: string; message: string }[] }).issues ?? [];
  }
  throw new Error("expected a validation error");
};

describe("connectors file (which systems harness serve really calls)", () => {
  it("parses YAML with defaults: 10 s timeouts, tokens read from the conventional variables", () => {
    const config = parseConnectorsConfig(
      [
        "ses: { from: sdr@example.com, region: eu-west-1 }",
        "hubspot: {}",
        "linkedin: { adAccountUrn: 'urn:li:sponsoredAccount:42', messageWebhookUrl: 'https://hooks.example.com/li' }",
      ].join("\n"),
    );
    expect(config.ses).toEqual({
      from: "sdr@example.com",
      region: "eu-west-1",
      html: true,
      timeoutMs: 10_000,
    });
    expect(config.hubspot).toEqual({ accessTokenEnv: "HUBSPOT_ACCESS_TOKEN", timeoutMs: 10_000 });
    expect(config.linkedin?.accessTokenEnv).toBe("LINKEDIN_ACCESS_TOKEN");
  });

  it("names the field of every mistake: plain http to another host, unknown keys, a bad URN", () => {
    expect(
      issues(() =>
        parseConnectorsConfig(
          JSON.stringify({
            linkedin: { adAccountUrn: "123", baseUrl: "http://api.example.com" },
            ses: { from: "sdr@example.com", token: "x" },
          }),
        ),
      ).map((i) => i.path),
    ).toEqual(expect.arrayContaining(["linkedin.adAccountUrn", "linkedin.baseUrl", "ses"]));
    // A local stand-in on this machine may be plain http.
    expect(
      parseConnectorsConfig(JSON.stringify({ hubspot: { basePath: "http://127.0.0.1:9000" } })).hubspot
        ?.basePath,
    ).toBe("http://127.0.0.1:9000");
  });

  it("a crashed send is surfaced in_doubt after inDoubtAfterMs, never before one call's own retries", () => {
    expect(parseConnectorsConfig("ses: { from: a@b.io, timeoutMs: 1000 }").inDoubtAfterMs).toBeUndefined();
    const config = parseConnectorsConfig("ses: { from: a@b.io, timeoutMs: 1000 }\ninDoubtAfterMs: 10000");
    expect(connectorsFromConfig(config, { AWS_REGION: "us-east-1" }).inDoubtAfterMs).toBe(10_000);
    expect(
      issues(() => parseConnectorsConfig("ses: { from: a@b.io, timeoutMs: 5000 }\ninDoubtAfterMs: 10000")),
    ).toEqual([
      { path: "inDoubtAfterMs", message: "must be at least 20000 (4 attempts × the longest timeoutMs)" },
    ]);
  });

  it("refuses to start without a configured system's token or region, naming what is missing", () => {
    const config = parseConnectorsConfig("hubspot: { accessTokenEnv: MY_HUBSPOT }\nses: { from: a@b.io }");
    expect(issues(() => connectorsFromConfig({ hubspot: config.hubspot }, {}))).toEqual([
      { path: "hubspot.accessTokenEnv", message: "environment variable MY_HUBSPOT is not set" },
    ]);
    expect(issues(() => connectorsFromConfig({ ses: config.ses }, {}))[0]?.path).toBe("ses.region");
    expect(connectorsFromConfig(config, { MY_HUBSPOT: "pat", AWS_REGION: "us-east-1" }).systems).toEqual([
      "ses",
      "hubspot",
    ]);
  });

  it("loads the named file; no file means no live connector (the sandbox outbox for everything)", () => {
    expect(loadConnectors(undefined, {})).toBeUndefined();
    const file = join(dir, "connectors.yaml");
    writeFileSync(file, "linkedin: { adAccountUrn: 'urn:li:sponsoredAccount:1' }\n");
    expect(loadConnectors(file, { LINKEDIN_ACCESS_TOKEN: "t" })?.systems).toEqual(["linkedin"]);
    expect(issues(() => loadConnectors(file, {}))[0]?.path).toBe(`${file}: linkedin.accessTokenEnv`);
    expect(issues(() => loadConnectors(join(dir, "missing.yaml"), {}))[0]?.message).toMatch(/ENOENT/);
  });

  it("routes each action to its live system and everything else to the sandbox", async () => {
    const calls: string[] = [];
    const stub = (name: string) => ({
      execute: async () => {
        calls.push(name);
        return { externalId: name };
      },
    });
    const connector = new LiveConnectors({ ses: stub("ses") }).withSandbox(stub("sandbox"));
    for (const type of ["email.send", "linkedin.message", "crm.update", "ads.audience.push"])
      await connector.execute({ idempotencyKey: "k", decision: decision(type), payload: {} });
    expect(calls).toEqual(["ses", "sandbox", "sandbox", "sandbox"]);
  });
});
