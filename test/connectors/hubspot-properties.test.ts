/**
 * `harness hubspot setup` (shared/adapters/connectors/hubspot-properties.ts) against a local portal
 * that answers the CRM properties API and refuses writes naming properties it lacks, as HubSpot does:
 * the connector's record writes fail there before the setup and succeed after it, so the setup's list
 * is the connector's.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HubSpotConnector } from "../../shared/adapters/connectors/hubspot.ts";
import {
  ensureHubSpotProperties,
  HARNESS_GROUP,
  HARNESS_PROPERTIES,
} from "../../shared/adapters/connectors/hubspot-properties.ts";
import { ConnectorError } from "../../shared/ports.ts";
import { decision, fakeApi, instantRetries } from "./helpers/fake-api.ts";
import { fakeHubSpotProperties } from "./helpers/fake-hubspot-properties.ts";
import { fakeHubSpotWrites } from "./helpers/fake-hubspot-writes.ts";

let api: Awaited<ReturnType<typeof fakeApi>>;
let portal: ReturnType<typeof fakeHubSpotProperties>;
beforeEach(async () => {
  portal = fakeHubSpotProperties();
  const writes = fakeHubSpotWrites();
  api = await fakeApi((r) => portal.handle(r) ?? portal.refusesUnknown(r) ?? writes.handle(r));
});
afterEach(() => api.close());

const o = () => ({ accessToken: "pat-test", basePath: api.url });
const posts = () =>
  api.requests.filter((r) => r.method === "POST" && r.path.startsWith("/crm/v3/properties"));

/** One crm.update of each operation the connector writes, as the harness's agents propose them. */
const operations = [
  {
    operation: "classify_contact",
    personId: "jane",
    email: "jane@acme.io",
    persona: "vp",
    role: "champion",
    method: "rules",
    confidence: 0.9,
  },
  {
    operation: "buying_committee",
    accountId: "acme",
    domain: "acme.io",
    members: [
      {
        personId: "jane",
        email: "jane@acme.io",
        name: "Jane Doe",
        title: "VP Sales",
        persona: "vp",
        role: "champion",
      },
    ],
    gaps: [],
  },
  {
    operation: "lead_list",
    accountId: "acme",
    domain: "acme.io",
    listId: "l-2026-03-10",
    date: "2026-03-10",
    ownerId: "sdr-1",
    rank: 1,
    tier: 1,
    intent: 75,
    contacts: [],
  },
  {
    operation: "research_note",
    accountId: "acme",
    domain: "acme.io",
    facts: [{ kind: "news", text: "Acme launched Flow Studio.", sourceUrl: "https://acme.io/news" }],
  },
  ...(["email", "linkedin"] as const).map((channel) => ({
    operation: "log_engagement",
    decisionId: "d_1",
    channel,
    email: "jane@acme.io",
    subject: "Pricing",
    body: "Hi Jane",
    occurredAt: "2026-03-10T14:00:00.000Z",
  })),
];

async function writeEach() {
  const connector = new HubSpotConnector({ ...o(), retry: instantRetries() });
  const results: Record<string, string> = {};
  for (const [i, payload] of operations.entries()) {
    const name = `${payload.operation}${"channel" in payload ? `:${payload.channel}` : ""}`;
    results[name] = await connector
      .execute({ idempotencyKey: `d_${i}:exec:1`, decision: decision("crm.update"), payload })
      .then(
        () => "ok",
        (e: unknown) =>
          e instanceof ConnectorError && !e.outcomeUnknown ? `refused: ${e.message}` : String(e),
      );
  }
  return results;
}

describe("harness hubspot setup", () => {
  it("before it, HubSpot refuses the connector's record writes; after it, each one goes through", async () => {
    const before = await writeEach();
    expect(before["upsert_contact"]).toBeUndefined();
    for (const [op, result] of Object.entries(before))
      expect(result, op).toMatch(/^refused: .*(PROPERTY_DOESNT_EXIST \(harness_|not a unique identifier)/s);

    const created = await ensureHubSpotProperties(o());
    expect(created.map((s) => `${s.objectType}.${s.name}:${s.status}`)).toEqual(
      HARNESS_PROPERTIES.map((p) => `${p.objectType}.${p.name}:created`),
    );
    expect(Object.values(await writeEach())).toEqual(operations.map(() => "ok"));
  });

  it("creates them as the connector needs: text, in a harness group, unique where it upserts by them", async () => {
    await ensureHubSpotProperties(o());
    for (const type of ["contacts", "companies", "notes", "emails", "communications"])
      expect(portal.groups.get(type)?.has(HARNESS_GROUP), type).toBe(true);
    const key = portal.properties.get("notes")?.get("harness_idempotency_key");
    expect(key).toMatchObject({
      type: "string",
      fieldType: "text",
      groupName: HARNESS_GROUP,
      hasUniqueValue: true,
    });
    expect(portal.properties.get("contacts")?.get("harness_persona")?.hasUniqueValue).toBe(false);
    const auth = api.requests.map((r) => r.headers.authorization);
    expect(new Set(auth)).toEqual(new Set(["Bearer pat-test"]));
  });

  it("is idempotent: a second run creates nothing", async () => {
    await ensureHubSpotProperties(o());
    const sent = posts().length;
    const again = await ensureHubSpotProperties(o());
    expect(again.every((s) => s.status === "exists")).toBe(true);
    expect(again).toHaveLength(HARNESS_PROPERTIES.length);
    expect(posts()).toHaveLength(sent);
  });

  it("--check says what is missing and creates nothing", async () => {
    portal.define("contacts", "harness_persona");
    const check = await ensureHubSpotProperties(o(), { check: true });
    expect(check.filter((s) => s.status === "exists").map((s) => s.name)).toEqual(["harness_persona"]);
    expect(check.filter((s) => s.status === "missing")).toHaveLength(HARNESS_PROPERTIES.length - 1);
    expect(posts()).toEqual([]);
  });

  it("leaves a property made by hand as it is, and says when it cannot serve", async () => {
    portal.define("notes", "harness_idempotency_key");
    portal.define("companies", "harness_lead_rank", { type: "number", fieldType: "number" });
    const result = await ensureHubSpotProperties(o());
    expect(result.filter((s) => s.status === "unusable")).toEqual([
      {
        objectType: "companies",
        name: "harness_lead_rank",
        status: "unusable",
        why: "exists as a number, not text",
      },
      {
        objectType: "notes",
        name: "harness_idempotency_key",
        status: "unusable",
        why: expect.stringMatching(/without unique values/),
      },
    ]);
    expect(portal.properties.get("notes")?.get("harness_idempotency_key")?.hasUniqueValue).toBe(false);
    expect(result.filter((s) => s.status === "created")).toHaveLength(HARNESS_PROPERTIES.length - 2);
  });

  it("a refusal by HubSpot (a token without the schema scope) stops it with HubSpot's answer", async () => {
    api.failNext({
      status: 403,
      body: {
        status: "error",
        message: "This app hasn't been granted all required scopes",
        category: "MISSING_SCOPES",
      },
    });
    const err = await ensureHubSpotProperties(o()).catch((e: unknown) => e);
    expect((err as { code?: number }).code).toBe(403);
    expect(posts()).toEqual([]);
  });
});

const HARNESS = fileURLToPath(new URL("../../bin/harness.js", import.meta.url));

/** The binary, as a user runs it, with the token in its environment only. */
function harness(args: string[], token?: string) {
  const { HUBSPOT_ACCESS_TOKEN: _t, ...env } = process.env;
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      [HARNESS, "hubspot", "setup", ...args],
      { env: { ...env, ...(token ? { HUBSPOT_ACCESS_TOKEN: token } : {}) }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number(error.code ?? 1) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
        }),
    ),
  );
}

describe("harness hubspot setup, the command", () => {
  it("--check fails naming what is missing; setup creates it; the token never shows", async () => {
    const check = await harness(["--check", "--api-url", api.url], "pat-secret-1");
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/missing\s+notes\.harness_idempotency_key/);
    expect(check.stderr).toMatch(/8 missing: run without --check/);
    expect(posts()).toEqual([]);

    const setup = await harness(["--api-url", api.url], "pat-secret-1");
    expect(setup.code, setup.stderr).toBe(0);
    expect(setup.stdout.trim().split("\n")).toHaveLength(HARNESS_PROPERTIES.length);
    expect(setup.stdout).toMatch(/created\s+companies\.harness_sdr/);
    expect(`${check.stdout}${check.stderr}${setup.stdout}${setup.stderr}`).not.toContain("pat-secret-1");
    expect(api.requests.every((r) => r.headers.authorization === "Bearer pat-secret-1")).toBe(true);
  });

  it("refuses without a token, or with an API URL that would send it over plain HTTP", async () => {
    const none = await harness(["--api-url", api.url]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/HUBSPOT_ACCESS_TOKEN is not set/);
    const plain = await harness(["--api-url", "http://api.hubapi.example"], "pat-secret-1");
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/expected an https:\/\/ URL/);
    expect(api.requests).toEqual([]);
  });
});
