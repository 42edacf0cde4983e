/**
 * The deployed executors' connector (shared/runtime/deployed-connectors.ts): a dry run by default;
 * live systems with their tokens from Secrets Manager (a local stand-in), read once per container;
 * a secret that cannot be read fails the action as refused, never in doubt. A downstream MCP server's
 * headers secret rotated under a warm container is read again once on the server's 401.
 */

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConnectorSecrets } from "../../shared/adapters/aws/connector-secrets.ts";
import { HubSpotConnector } from "../../shared/adapters/connectors/hubspot.ts";
import type { Db } from "../../shared/adapters/dynamo/db.ts";
import { COMMITTEE_ROLES } from "../../shared/domain/vocabulary.ts";
import { type Clock, type Connector, ConnectorError, type ConnectorRequest } from "../../shared/ports.ts";
import { ConfigError, parseAwsEnv } from "../../shared/runtime/aws-env.ts";
import { parseDeployedConnectors } from "../../shared/runtime/connector-schemas.ts";
import { deployedConnector } from "../../shared/runtime/deployed-connectors.ts";
import { deployedDownstream } from "../../shared/runtime/deployed-mcp.ts";
import { fakeSecretsManager } from "../handlers/stand-ins.ts";
import { decision, fakeApi, linkedInMessage } from "./helpers/fake-api.ts";
import { SEND_EMAIL_ACTION, startFakeDownstream } from "./helpers/fake-mcp-downstream.ts";

const HUBSPOT_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dev-harness-hubspot-AbCdEf";
const now = "2026-03-10T14:00:00.000Z";
const ROLE = COMMITTEE_ROLES[0];

let sm: Awaited<ReturnType<typeof fakeSecretsManager>>;
let hubspot: Awaited<ReturnType<typeof fakeApi>>;
const outboxed: ConnectorRequest[] = [];
const outbox = (): Connector => ({
  execute: async (req) => {
    outboxed.push(req);
    return { externalId: `s3-outbox:${req.idempotencyKey}` };
  },
});
beforeEach(async () => {
  outboxed.length = 0;
  sm = await fakeSecretsManager({ [HUBSPOT_ARN]: JSON.stringify({ accessToken: "pat-na1-test" }) });
  hubspot = await fakeApi((r) =>
    r.method === "POST" && r.path === "/crm/v3/objects/contacts/batch/upsert"
      ? {
          status: 200,
          body: {
            status: "COMPLETE",
            results: [{ id: "501", properties: {}, createdAt: now, updatedAt: now, archived: false }],
            startedAt: now,
            completedAt: now,
          },
        }
      : undefined,
  );
});
afterEach(() => Promise.all([sm.close(), hubspot.close()]));

function connector(config: unknown | undefined, arns: Record<string, string> = { hubspot: HUBSPOT_ARN }) {
  const env = parseAwsEnv({
    CONNECTOR_SECRET_ARNS: JSON.stringify(arns),
    ...(config === undefined ? {} : { CONNECTORS_CONFIG: JSON.stringify(config) }),
  });
  const secrets = new ConnectorSecrets(sm.client, env.CONNECTOR_SECRET_ARNS);
  // As the -hubspot executor entries build it (functions/workflow/execute-hubspot.ts).
  return deployedConnector(env, { outbox, secrets, hubspot: (o) => new HubSpotConnector(o) })(
    {} as Db,
    { now: () => 0 } as Clock,
  );
}

/**
 * The HubSpot secret in a stand-in whose value the test changes (`values`), read through
 * ConnectorSecrets on a clock the test sets (`clock.t`).
 */
async function rotating(first: string) {
  const values: Record<string, string> = { [HUBSPOT_ARN]: first };
  await sm.close();
  sm = await fakeSecretsManager(values);
  const clock = { t: 0 };
  const secrets = new ConnectorSecrets(sm.client, { hubspot: HUBSPOT_ARN }, { now: () => clock.t });
  return { values, clock, secrets };
}

const classify = (id: string): ConnectorRequest => ({
  idempotencyKey: `${id}:exec:1`,
  decision: decision("crm.update", { decisionId: id }),
  payload: {
    operation: "classify_contact",
    personId: "acme-jane",
    email: "jane@acme.io",
    persona: "vp_sales",
    role: ROLE,
    method: "rules",
    confidence: 0.9,
  },
});

describe("deployed connectors", () => {
  it("without a config (the default), everything goes to the outbox and no secret is read", async () => {
    const c = connector(undefined);
    expect(await c.execute(classify("d_1"))).toEqual({ externalId: "s3-outbox:d_1:exec:1" });
    expect(sm.reads()).toBe(0);
    expect(hubspot.requests).toEqual([]);
  });

  it("live HubSpot with the token from its secret, read once per container; unnamed systems stay on the outbox", async () => {
    const c = connector({ dryRun: false, hubspot: { basePath: hubspot.url } });
    expect(await c.execute(classify("d_2"))).toEqual({ externalId: "hubspot:contact:501" });
    expect(await c.execute(classify("d_3"))).toEqual({ externalId: "hubspot:contact:501" });
    expect(hubspot.requests).toHaveLength(2);
    expect(hubspot.requests[0]?.headers.authorization).toBe("Bearer pat-na1-test");
    expect(sm.reads()).toBe(1);
    // linkedin is not configured: the outbox, as locally.
    const li = await c.execute({
      idempotencyKey: "d_4:exec:1",
      decision: decision("linkedin.message", { decisionId: "d_4" }),
      payload: { linkedinUrl: "https://linkedin.com/in/jane", body: "Hi" },
    });
    expect(li.externalId).toBe("s3-outbox:d_4:exec:1");
  });

  it("a secret that cannot be read refuses the action (nothing sent, not in doubt), and is read again next time", async () => {
    const c = connector(
      { dryRun: false, hubspot: { basePath: hubspot.url } },
      {
        hubspot: `${HUBSPOT_ARN}-missing`,
      },
    );
    const err = await c.execute(classify("d_5")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).outcomeUnknown).toBe(false);
    expect((err as Error).message).toMatch(
      /hubspot connector unavailable: reading the hubspot secret failed/,
    );
    expect((err as Error).message).not.toMatch(/pat-na1/);
    // Missing is no passing failure: the action is refused, not handed back to wait for it.
    expect((err as ConnectorError).retryAfterMs).toBeUndefined();
    await c.execute(classify("d_6")).catch(() => {});
    expect(sm.reads()).toBe(2);
    expect(hubspot.requests).toEqual([]);
  });

  it("a secret stored as broken JSON, or a token no header can carry, refuses the action naming why, never the token", async () => {
    const values = [
      // A trailing comma left in the console's editor: before, the whole text was taken as a bare
      // token, the request's header could not be built, and that error (quoting the header, the token
      // in it) was retried as "no answer" and recorded in the ledger with the decision in doubt.
      '{\n  "accessToken": "pat-na1-SECRET",\n}',
      '{"accessToken": "pat-na1-SECRET",}',
      "pat-na1-SECRET\nsecond-line",
      JSON.stringify({ accessToken: "pat-na1-SECRET extra" }),
    ];
    for (const [i, value] of values.entries()) {
      await sm.close();
      sm = await fakeSecretsManager({ [HUBSPOT_ARN]: value });
      const secrets = new ConnectorSecrets(sm.client, { hubspot: HUBSPOT_ARN });
      const env = parseAwsEnv({
        CONNECTOR_SECRET_ARNS: JSON.stringify({ hubspot: HUBSPOT_ARN }),
        CONNECTORS_CONFIG: JSON.stringify({ dryRun: false, hubspot: { basePath: hubspot.url } }),
      });
      const live = deployedConnector(env, { outbox, secrets, hubspot: (o) => new HubSpotConnector(o) })(
        {} as Db,
        { now: () => 0 } as Clock,
      );
      const err = await live.execute(classify(`d_bad${i}`)).catch((e: unknown) => e);
      expect(err, value).toBeInstanceOf(ConnectorError);
      expect((err as ConnectorError).outcomeUnknown, value).toBe(false);
      expect((err as ConnectorError).retryAfterMs, value).toBeUndefined();
      expect((err as Error).message, value).toMatch(
        /hubspot connector unavailable: the hubspot secret(, a bare token,)? (is not JSON|must be one token|must be a JSON object with accessToken)/,
      );
      expect((err as Error).message, value).not.toMatch(/SECRET/);
    }
    expect(hubspot.requests).toEqual([]);
    // A downstream MCP server's headers: a value with a line break is refused by name, not quoted.
    await sm.close();
    sm = await fakeSecretsManager({ [HUBSPOT_ARN]: JSON.stringify({ Authorization: "Bearer SE\nCRET" }) });
    const headers = new ConnectorSecrets(sm.client, {}).headers("crm", HUBSPOT_ARN);
    await expect(headers).rejects.toThrow(
      /headers secret must be a JSON object of header -> value: Authorization$/,
    );
  });

  it("while reads fail, a reread is made at most once in its floor, however often it is asked for", async () => {
    const { values, clock, secrets } = await rotating(JSON.stringify({ clientSecret: "cs-1" }));
    await secrets.get("hubspot");
    delete values[HUBSPOT_ARN]; // Secrets Manager now fails the read
    clock.t = 6 * 60_000;
    expect((await secrets.get("hubspot")).clientSecret).toBe("cs-1"); // the last good value
    expect(sm.reads()).toBe(2);
    // A bad signature every 100 ms (anyone can send one): before, each made a read, since a failed
    // read dates its entry for a retry in 30 s and the 10 s floor was read from that date.
    for (let i = 0; i < 20; i++) {
      clock.t += 100;
      await secrets.reread("hubspot", 10_000);
    }
    expect(sm.reads()).toBe(2);
    clock.t += 10_000;
    await secrets.reread("hubspot", 10_000);
    expect(sm.reads()).toBe(3);
  });

  it("a token or header value written with a trailing newline is read trimmed, as fetch would send it", async () => {
    await sm.close();
    sm = await fakeSecretsManager({
      [HUBSPOT_ARN]: JSON.stringify({ accessToken: "pat-na1-test\n" }),
      [`${HUBSPOT_ARN}-h`]: JSON.stringify({ Authorization: " Bearer mcp-token\n" }),
    });
    const secrets = new ConnectorSecrets(sm.client, { hubspot: HUBSPOT_ARN });
    expect((await secrets.get("hubspot")).accessToken).toBe("pat-na1-test");
    expect(await secrets.headers("crm", `${HUBSPOT_ARN}-h`)).toEqual({ Authorization: "Bearer mcp-token" });
  });

  it("a secret rotated to a value that cannot be used is said at once, not covered by the last good one", async () => {
    const { values, clock, secrets } = await rotating(JSON.stringify({ accessToken: "pat-1" }));
    expect((await secrets.get("hubspot")).accessToken).toBe("pat-1");
    values[HUBSPOT_ARN] = '{"accessToken": "pat-2",}';
    clock.t = 6 * 60_000;
    // Before, the old token served for an hour and the mistake surfaced only then.
    await expect(secrets.get("hubspot")).rejects.toThrow(/the hubspot secret is not JSON/);
    values[HUBSPOT_ARN] = JSON.stringify({ accessToken: "pat-2" });
    expect((await secrets.get("hubspot")).accessToken).toBe("pat-2");
  });

  it("a secret whose read fails in passing (throttled on every try) hands the action back to be tried later; the next read serves it", async () => {
    const c = connector({ dryRun: false, hubspot: { basePath: hubspot.url } });
    const throttled = {
      status: 400,
      headers: { "x-amzn-errortype": "ThrottlingException" },
      body: { __type: "ThrottlingException", message: "Rate exceeded" },
    };
    // Every attempt of this read is throttled: the SDK's own three included.
    sm.failNext(throttled, throttled, throttled);
    const err = await c.execute(classify("d_t")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).outcomeUnknown).toBe(false);
    expect((err as ConnectorError).retryAfterMs).toBeDefined();
    expect((err as Error).message).toMatch(/hubspot connector unavailable: .*ThrottlingException/);
    expect(sm.reads()).toBe(3);
    expect(hubspot.requests).toEqual([]);
    // Tried again (the executor hands it back; here, at once): the secret is read, and it is sent.
    expect(await c.execute(classify("d_t"))).toEqual({ externalId: "hubspot:contact:501" });
  });

  it("a token the vendor rejects is read again and the action sent once more; still rejected, it is refused", async () => {
    const values = { [HUBSPOT_ARN]: JSON.stringify({ accessToken: "pat-old" }) };
    await sm.close();
    sm = await fakeSecretsManager(values);
    const c = connector({ dryRun: false, hubspot: { basePath: hubspot.url } });
    expect(await c.execute(classify("d_7"))).toEqual({ externalId: "hubspot:contact:501" });
    // Rotated in Secrets Manager; the vendor now rejects the token this container read.
    values[HUBSPOT_ARN] = JSON.stringify({ accessToken: "pat-new" });
    hubspot.failNext({ status: 401, body: { message: "Authentication credentials not found" } });
    expect(await c.execute(classify("d_8"))).toEqual({ externalId: "hubspot:contact:501" });
    expect(sm.reads()).toBe(2);
    expect(hubspot.requests.map((r) => r.headers.authorization)).toEqual([
      "Bearer pat-old",
      "Bearer pat-old",
      "Bearer pat-new",
    ]);
    // Rejected again after the read: the action's refusal (nothing done), no loop.
    hubspot.failNext({ status: 401, body: {} }, { status: 401, body: {} });
    const err = await c.execute(classify("d_9")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).outcomeUnknown).toBe(false);
    expect(sm.reads()).toBe(3);
    expect(hubspot.requests).toHaveLength(5);
  });

  it("a secret without an access token fails the action and is not kept: fixed, the next action is sent", async () => {
    const values = { [HUBSPOT_ARN]: JSON.stringify({ clientSecret: "app-secret-only" }) };
    await sm.close();
    sm = await fakeSecretsManager(values);
    const c = connector({ dryRun: false, hubspot: { basePath: hubspot.url } });
    const before = hubspot.requests.length;
    const err = await c.execute(classify("d_nt1")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).outcomeUnknown).toBe(false);
    expect((err as Error).message).toMatch(/the hubspot secret has no accessToken/);
    // Fixed in Secrets Manager a moment later. Before: the bad value was kept five minutes.
    values[HUBSPOT_ARN] = JSON.stringify({ accessToken: "pat-fixed" });
    expect(await c.execute(classify("d_nt2"))).toEqual({ externalId: "hubspot:contact:501" });
    expect(sm.reads()).toBe(2);
    expect(hubspot.requests.slice(before).map((r) => r.headers.authorization)).toEqual(["Bearer pat-fixed"]);
  });

  it("a 401 from the LinkedIn message webhook (the sending tool's, no LinkedIn token) is not read as a rejected token", async () => {
    const LINKEDIN_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dev-harness-linkedin-AbCdEf";
    await sm.close();
    sm = await fakeSecretsManager({ [LINKEDIN_ARN]: JSON.stringify({ accessToken: "li-token" }) });
    const tool = await fakeApi(() => ({ status: 401, body: { error: "bad webhook key" } }));
    try {
      const c = connector(
        {
          dryRun: false,
          linkedin: { adAccountUrn: "urn:li:sponsoredAccount:1", messageWebhookUrl: `${tool.url}/send` },
        },
        { linkedin: LINKEDIN_ARN },
      );
      const err = await c
        .execute({
          idempotencyKey: "d_m:exec:1",
          decision: decision("linkedin.message", { decisionId: "d_m" }),
          payload: linkedInMessage,
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect((err as ConnectorError).outcomeUnknown).toBe(false);
      // Before, the secret was read again and the message posted a second time.
      expect((err as Error).message).toMatch(/message webhook/);
      expect(tool.requests).toHaveLength(1);
      expect(sm.reads()).toBe(1);
    } finally {
      await tool.close();
    }
  });

  it("a refresh that fails serves the last good value for an hour; a value the vendor rejected is not served", async () => {
    const { values, clock, secrets } = await rotating(JSON.stringify({ accessToken: "pat-1" }));
    expect((await secrets.get("hubspot")).accessToken).toBe("pat-1");
    delete values[HUBSPOT_ARN]; // Secrets Manager now fails the read
    clock.t = 10 * 60_000;
    expect((await secrets.get("hubspot")).accessToken).toBe("pat-1");
    expect((await secrets.get("hubspot")).accessToken).toBe("pat-1");
    expect(sm.reads()).toBe(2); // the failed read is tried again 30 s later, not on every call
    clock.t += 30_000;
    expect((await secrets.get("hubspot")).accessToken).toBe("pat-1");
    expect(sm.reads()).toBe(3);
    clock.t = 61 * 60_000;
    await expect(secrets.get("hubspot")).rejects.toThrow(/reading the hubspot secret failed/);
    values[HUBSPOT_ARN] = JSON.stringify({ accessToken: "pat-2" });
    expect((await secrets.get("hubspot")).accessToken).toBe("pat-2");
    delete values[HUBSPOT_ARN];
    secrets.forget("hubspot");
    await expect(secrets.get("hubspot")).rejects.toThrow(/reading the hubspot secret failed/);
  });

  it("a live connector is built again when its secret, read again after five minutes, holds another token", async () => {
    const values: Record<string, string> = { [HUBSPOT_ARN]: JSON.stringify({ accessToken: "pat-old" }) };
    await sm.close();
    sm = await fakeSecretsManager(values);
    let t = 0;
    const env = parseAwsEnv({
      CONNECTOR_SECRET_ARNS: JSON.stringify({ hubspot: HUBSPOT_ARN }),
      CONNECTORS_CONFIG: JSON.stringify({ dryRun: false, hubspot: { basePath: hubspot.url } }),
    });
    const secrets = new ConnectorSecrets(sm.client, env.CONNECTOR_SECRET_ARNS, { now: () => t });
    const c = deployedConnector(env, { outbox, secrets, hubspot: (o) => new HubSpotConnector(o) })(
      {} as Db,
      { now: () => t } as Clock,
    );
    await c.execute(classify("d_10"));
    values[HUBSPOT_ARN] = JSON.stringify({ accessToken: "pat-new" }); // the old one still works
    t = 4 * 60_000;
    await c.execute(classify("d_11"));
    t = 5 * 60_000;
    await c.execute(classify("d_12"));
    expect(hubspot.requests.map((r) => r.headers.authorization)).toEqual([
      "Bearer pat-old",
      "Bearer pat-old",
      "Bearer pat-new",
    ]);
  });

  it("a secret is kept five minutes, then read again (a rotation reaches a warm container)", async () => {
    let t = 0;
    const secrets = new ConnectorSecrets(sm.client, { hubspot: HUBSPOT_ARN }, { now: () => t });
    await secrets.get("hubspot");
    t = 5 * 60_000 - 1;
    await secrets.get("hubspot");
    expect(sm.reads()).toBe(1);
    t = 5 * 60_000;
    await secrets.get("hubspot");
    expect(sm.reads()).toBe(2);
    secrets.forget("hubspot");
    await secrets.get("hubspot");
    expect(sm.reads()).toBe(3);
  });

  it("a bad config names the field", () => {
    expect(() => connector({ dryRun: false, ses: { from: "not-an-email" } })).toThrow(
      /CONNECTORS_CONFIG: ses\.from/,
    );
  });

  it("an executor built without the HubSpot connector refuses a config that names HubSpot, naming why", () => {
    const env = parseAwsEnv({
      CONNECTOR_SECRET_ARNS: JSON.stringify({ hubspot: HUBSPOT_ARN }),
      CONNECTORS_CONFIG: JSON.stringify({ dryRun: false, hubspot: {} }),
    });
    expect(() => deployedConnector(env, { outbox })).toThrow(/built without the HubSpot connector/);
    // In dry run nothing is called, so the lean executor serves it.
    const dry = parseAwsEnv({ CONNECTORS_CONFIG: JSON.stringify({ dryRun: true, hubspot: {} }) });
    expect(() => deployedConnector(dry, { outbox })).not.toThrow();
  });

  it("an executor built without the MCP client refuses a config that names MCP servers, naming why", () => {
    const mcp = [{ name: "crm", url: "https://crm.example/mcp", timeoutMs: 3000 }];
    expect(() => connector({ dryRun: false, mcp })).toThrow(ConfigError);
    expect(() => connector({ dryRun: false, mcp })).toThrow(/built without the MCP client/);
    // In dry run nothing is called, so the lean executor serves it.
    expect(() => connector({ dryRun: true, mcp })).not.toThrow();
  });
});

describe("a downstream MCP server's headers secret, rotated under a warm container", () => {
  const MCP_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dev-harness-crm-mcp-AbCdEf";
  const OLD = "Bearer crm-old";
  const NEW = "Bearer crm-new";
  let values: Record<string, string>;
  beforeEach(async () => {
    values = { [MCP_ARN]: JSON.stringify({ Authorization: OLD }) };
    await sm.close();
    sm = await fakeSecretsManager(values);
  });

  it("a late 401 for an older value does not hide the newer one refused: every refused value is read again", async () => {
    const secrets = new ConnectorSecrets(sm.client, {});
    const a = await secrets.headers("crm", MCP_ARN);
    values[MCP_ARN] = JSON.stringify({ Authorization: NEW });
    // a refused: read again, b kept.
    const b = await secrets.headers("crm", MCP_ARN, a);
    expect(sm.reads()).toBe(2);
    // Rotated once more: a request that sent b is refused, and a late one that sent a is refused too.
    values[MCP_ARN] = JSON.stringify({ Authorization: "Bearer crm-newest" });
    const refused = new WeakSet([a, b]);
    // Before, only the last 401's value (a) was compared with what is kept (b): no read, and b's
    // request sent b again and was refused.
    expect((await secrets.headers("crm", MCP_ARN, (kept) => refused.has(kept))).Authorization).toBe(
      "Bearer crm-newest",
    );
    expect(sm.reads()).toBe(3);
    expect((await secrets.headers("crm", MCP_ARN, a)).Authorization).toBe("Bearer crm-newest");
    expect(sm.reads()).toBe(3);
  });

  it("headers a server refused are read again once for all the requests that sent them", async () => {
    const secrets = new ConnectorSecrets(sm.client, {});
    const old = await secrets.headers("crm", MCP_ARN);
    values[MCP_ARN] = JSON.stringify({ Authorization: NEW });
    const renewed = await Promise.all([1, 2, 3].map(() => secrets.headers("crm", MCP_ARN, old)));
    expect(renewed.map((h) => h.Authorization)).toEqual([NEW, NEW, NEW]);
    expect(sm.reads()).toBe(2);
    // A request that sent the old headers and is refused after the read gets the new ones, no read.
    expect((await secrets.headers("crm", MCP_ARN, old)).Authorization).toBe(NEW);
    expect(sm.reads()).toBe(2);
    // The new ones refused too: read again; a read that fails then does not serve the refused value.
    delete values[MCP_ARN];
    await expect(secrets.headers("crm", MCP_ARN, renewed[0])).rejects.toThrow(
      /reading the MCP server crm secret failed/,
    );
    expect(sm.reads()).toBe(3);
  });

  it("calls refused together (401) are each sent once more, after one read of the secret", async () => {
    const fake = await startFakeDownstream();
    fake.acceptOnly = OLD;
    const secrets = new ConnectorSecrets(sm.client, {});
    const servers = parseDeployedConnectors(
      JSON.stringify({ mcp: [{ name: "crm", url: fake.url, headersSecretArn: MCP_ARN, timeoutMs: 3000 }] }),
    ).mcp;
    // As deployed-connectors.ts wires it for the -mcp executor entries.
    const tools = deployedDownstream(servers ?? [], (server, arn, rejected) =>
      secrets.headers(server, arn, rejected),
    );
    const spec = { autonomy: { actions: { "crm.sequence.email": SEND_EMAIL_ACTION } } };
    const c = tools.connector(outbox(), { get: async () => ({ spec }) as any });
    const text = { subject: "Pricing", body: "Hi Jane" };
    const send = (id: string) =>
      c.execute({
        idempotencyKey: `${id}:exec:1`,
        decision: decision("crm.sequence.email", { decisionId: id, personId: "acme-jane" }),
        payload: { arguments: { accountId: "acme", contactId: "acme-jane", ...text }, ...text },
      });
    try {
      await send("d_20");
      values[MCP_ARN] = JSON.stringify({ Authorization: NEW });
      fake.acceptOnly = NEW;
      expect((await Promise.all([send("d_21"), send("d_22")])).map((r) => r.externalId)).toEqual([
        "mcp:crm/send_email:d_21:exec:1",
        "mcp:crm/send_email:d_22:exec:1",
      ]);
      // Both sent the kept token and were refused before anything was done; neither was cut off (in doubt).
      expect(fake.unauthorized).toEqual([OLD, OLD]);
      expect(sm.reads()).toBe(2);
      expect(fake.calls.map((x) => x.idempotencyKey).sort()).toEqual([
        "d_20:exec:1",
        "d_21:exec:1",
        "d_22:exec:1",
      ]);
      expect(fake.authorizations).toEqual([OLD, NEW, NEW]);
    } finally {
      await tools.close();
      await fake.close();
    }
  });
});
