/**
 * The crm-import agent's Lambda as deployed (functions/agents/crm-import.ts wiring: the agent handler
 * with the CRM from shared/runtime/crm-import-aws.ts), invoked with the EventBridge Scheduler payload
 * its schedule sends: the HubSpot token read from Secrets Manager (a local stand-in) once per
 * container, HubSpot's CRM a local fake, the KB in DynamoDB Local, the change events to the bus.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunSummary } from "../../shared/agents/runner.ts";
import { crmImport } from "../../shared/agents/workflows/crm-import.ts";
import { makeHandler } from "../../shared/runtime/agent-handler.ts";
import { agentsAwsRuntime } from "../../shared/runtime/agents-aws-core.ts";
import { awsCrmImporter } from "../../shared/runtime/crm-import-aws.ts";
import { fakeHubSpotCrm } from "../connectors/helpers/fake-hubspot-crm.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { fixture, functionEnv, lambdaContext, RecordingPublisher } from "./lambda.ts";
import { fakeSecretsManager } from "./stand-ins.ts";

const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dev-harness-hubspot-AbCdEf";
let rt: TestRuntime;
let hs: Awaited<ReturnType<typeof fakeHubSpotCrm>>;
let sm: Awaited<ReturnType<typeof fakeSecretsManager>>;
beforeAll(async () => {
  rt = await startRuntime({ runWorkers: false });
  hs = await fakeHubSpotCrm();
  sm = await fakeSecretsManager({ [ARN]: JSON.stringify({ accessToken: "pat-na1-test" }) });
});
afterAll(async () => {
  await hs?.close();
  await sm?.close();
  await rt?.close();
});

function crmImportFunction(extraEnv: Record<string, string>) {
  const events = new RecordingPublisher();
  const env = functionEnv(rt, { AGENT_ID: "crm-import", ...extraEnv });
  let built: ReturnType<typeof agentsAwsRuntime> | undefined;
  const handler = makeHandler(
    () =>
      // As functions/agents/crm-import.ts wires it: that agent alone.
      (built ??= agentsAwsRuntime({ agents: [crmImport] }, env, rt.clock, {
        crm: (e, db, clock) => awsCrmImporter(e, db, clock, { secrets: sm.client, events }),
      })),
    () => rt.clock.now(),
  );
  let firing = 0;
  // Each call is the schedule's next firing (a firing delivered twice runs once: aws-handler.test.ts).
  const invoke = () =>
    handler(
      {
        ...fixture<Record<string, unknown>>("scheduler-agent-invoke.json"),
        agentId: "crm-import",
        cron: "*/15 * * * *",
        scheduledAt: new Date(Date.parse("2026-03-10T13:00:00Z") + firing++ * 15 * 60_000).toISOString(),
      },
      // The deployed function's 5 minutes (agent-functions.ts): the import reads while time is left.
      { ...lambdaContext("dev-harness-agent-crm-import"), getRemainingTimeInMillis: () => 300_000 },
    ) as Promise<RunSummary[]>;
  return { invoke, events };
}

describe("crm-import function (EventBridge Scheduler → HubSpot → knowledge base)", () => {
  it("imports with the token from Secrets Manager, read once per container; a second run writes nothing", async () => {
    const at = rt.clock.now() - 3_600_000;
    hs.put("companies", "9001", { name: "Umbrella", domain: "umbrella-h.com", country: "GB" }, at);
    hs.put(
      "contacts",
      "9011",
      {
        email: "alice@umbrella-h.com",
        firstname: "Alice",
        lastname: "Abernathy",
        jobtitle: "VP Revenue",
      },
      at + 1,
      "9001",
    );
    const fn = crmImportFunction({
      CONNECTOR_SECRET_ARNS: JSON.stringify({ hubspot: ARN }),
      CONNECTORS_CONFIG: JSON.stringify({ hubspot: { basePath: hs.url, portalId: "4711" } }),
    });
    const [run] = await fn.invoke();
    expect(run).toMatchObject({ agentId: "crm-import", trigger: "schedule", proposals: [] });
    expect(await rt.deps.kb.getAccount("hubspot-company-9001")).toMatchObject({
      name: "Umbrella",
      country: "GB",
      source: {
        system: "hubspot",
        objectType: "companies",
        id: "9001",
        url: "https://app.hubspot.com/contacts/4711/record/0-2/9001",
      },
    });
    expect(await rt.deps.kb.getPerson("hubspot-contact-9011")).toMatchObject({
      accountId: "hubspot-company-9001",
      source: { objectType: "contacts", id: "9011" },
    });
    // The bearer HubSpot saw is the secret's token; the change feed went to the bus.
    expect(hs.requests.every((r) => r.headers.authorization === "Bearer pat-na1-test")).toBe(true);
    expect(fn.events.events.map((e) => e.type)).toEqual(["kb.account.put", "kb.person.put"]);

    const before = hs.requests.length;
    await fn.invoke();
    expect(sm.reads()).toBe(1);
    expect(hs.requests.length).toBeGreaterThan(before);
    expect(fn.events.events).toHaveLength(2);
  });

  it("without the HubSpot secret configured the function runs and imports nothing", async () => {
    const fn = crmImportFunction({});
    const before = hs.requests.length;
    const [run] = await fn.invoke();
    expect(run?.error).toBeUndefined();
    expect(hs.requests.length).toBe(before);
  });
});
