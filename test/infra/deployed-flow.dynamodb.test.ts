/**
 * A decision's whole life in a deployment, each step run by the function the template deploys for it,
 * with that function's variables and its role enforced (deployed-account.ts): an admin publishes the
 * spec and fills the knowledge base, an agent proposes, the ledger stream starts the workflow, a
 * person reads and approves the decision, the executor sends through SES, SES and HubSpot report
 * back, the scheduled functions run over what is now in the tables, an agent and the CRM import run,
 * and the person is erased. State is real (DynamoDB Local, personal data sealed with data keys that
 * KMS opens only for the key that sealed them), so each function goes as deep as it goes in use.
 *
 * deployed-first-calls.test.ts checks each function's first request against an empty account; the
 * AccessDenied paths found since lay deeper (the approval wait opening a sealed decision, the
 * knowledge API querying an account's index once the account exists). Here every call of every step
 * must be allowed by its caller's role, and each step must end as it ends in use.
 */

import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { BENCH_SECRET, hubspotWebhook, shippedSpecText } from "../../bench/first-events.ts";
import { agentKeys } from "../../shared/adapters/dynamo/keys.ts";
import { tableDefinitions } from "../../shared/adapters/dynamo/tables.ts";
import { nextFire, parseCron } from "../../shared/agents/cron.ts";
import { AGENT_EVENTS } from "../../shared/agents/events.ts";
import { findAgent } from "../../shared/agents/registry.ts";
import { parseSpecText } from "../../shared/domain/spec-text.ts";
import { DAY, iso } from "../../shared/domain/time.ts";
import { fakeHubSpotWrites } from "../connectors/helpers/fake-hubspot-writes.ts";
import { apiEvent, fixture } from "../fixtures/events.ts";
import { acme, jane } from "../helpers/world.ts";
import { type DeployedAccount, deployedAccount } from "./deployed-account.ts";
import { type DeployedFunction, deployedFunctions, type Statement } from "./deployed-roles.ts";
import { firstRequest } from "./first-request.ts";
import { liveConnectorsContext, settleBeforeBlocking, synthHarness } from "./synth.ts";
import { REGION, TemplateValues } from "./template-values.ts";

const roles = new Map<string, Statement[]>();
const HUBSPOT_CONTACT = "1246965";
let companyServed = false;
const writes = fakeHubSpotWrites();
let account: DeployedAccount;
let fns: Map<string, DeployedFunction>;
let db: DynamoDBDocumentClient;
let tables: { state: string; ledger: string };
/** The HTTP API's id, as its routes' ARNs name it. */
let apiId = "";
/** Proposals agents sent through the API, and how it answered. */
const proposedThroughApi: { agentId: string; status: number }[] = [];

beforeAll(async () => {
  const dynamo = { endpoint: inject("dynamoEndpoint"), credentials: inject("dynamoCredentials") };
  account = await deployedAccount({
    dynamo,
    roles,
    secret: BENCH_SECRET,
    // An agent's signed POST /v1/proposals, as API Gateway's IAM authorizer passes it on: to the
    // proposals function, naming the agent whose role signed it.
    api: {
      id: () => apiId,
      answer: async (caller, call) => {
        const agentId = [...fns.values()].find((f) => f.roleId === caller)?.env.AGENT_ID;
        if (!agentId) return { status: 403, body: JSON.stringify({ message: "Forbidden" }) };
        const r = await run(
          "ApiProposals",
          apiEvent("POST", "/v1/proposals", { agent: agentId }, undefined, JSON.parse(call.body)),
        );
        proposedThroughApi.push({ agentId, status: r.status ?? 500 });
        const out = r.outcome as { statusCode?: number; body?: string };
        return { status: out.statusCode ?? 500, body: out.body ?? "" };
      },
    },
    hubspot: (call) => {
      // The contact the webhook reports on is the person the harness emailed.
      if (call.url.includes(`/contacts/${HUBSPOT_CONTACT}`))
        return {
          status: 200,
          body: { id: HUBSPOT_CONTACT, properties: { email: "jane@acme.io" }, archived: false },
        };
      // The executors' writes: upserts, notes, associations, lists.
      const write = writes.handle({
        method: call.method,
        path: call.url,
        headers: {},
        body: call.body ? JSON.parse(call.body) : undefined,
      });
      if (write) return write;
      // One company modified since the import last ran, for its first search.
      if (call.url.startsWith("/crm/v3/objects/companies/search") && !companyServed) {
        companyServed = true;
        const at = new Date(Date.now() - 3_600_000).toISOString();
        return {
          status: 200,
          body: {
            total: 1,
            results: [
              {
                id: "9001",
                properties: {
                  name: "Globex",
                  domain: "globex.example",
                  industry: "COMPUTER_SOFTWARE",
                  numberofemployees: "120",
                  hs_lastmodifieddate: at,
                },
                createdAt: at,
                updatedAt: at,
                archived: false,
              },
            ],
          },
        };
      }
      return undefined;
    },
  });
  await settleBeforeBlocking();
  const s = synthHarness({ bundle: false, context: liveConnectorsContext(account.url) });
  const values = new TemplateValues([s.statefulTemplate.toJSON(), s.serviceTemplate.toJSON()]);
  fns = new Map(deployedFunctions(s, values).map((f) => [f.cid, f]));
  apiId =
    Object.entries(s.serviceTemplate.toJSON().Resources as Record<string, { Type: string }>).find(
      ([, r]) => r.Type === "AWS::ApiGatewayV2::Api",
    )?.[0] ?? "";
  for (const f of fns.values()) roles.set(f.roleId, f.statements);
  const env = fns.get("ApiProposals")?.env ?? {};
  tables = { state: String(env.STATE_TABLE), ledger: String(env.LEDGER_TABLE) };
  const client = new DynamoDBClient({ region: REGION, ...dynamo });
  for (const def of tableDefinitions(tables)) await client.send(new CreateTableCommand(def));
  db = DynamoDBDocumentClient.from(client);
});
afterAll(() => account?.close());

/** Invoke a deployed function (by construct id) with its template's variables, as its role. */
async function run(cid: string, event: unknown) {
  const f = fns.get(cid);
  if (!f) throw new Error(`no function ${cid}`);
  const { outcome, text, status } = await firstRequest(
    f.entry,
    {
      ...f.env,
      // Agents propose through the API: here, the account's stand-in of it.
      ...(f.env.HARNESS_API_URL ? { HARNESS_API_URL: account.url } : {}),
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: f.roleId,
      AWS_SECRET_ACCESS_KEY: "deployed",
      AWS_ENDPOINT_URL: account.url,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
    event,
  );
  const body = (() => {
    const raw = (outcome as { body?: unknown } | undefined)?.body;
    try {
      return typeof raw === "string" ? JSON.parse(raw) : outcome;
    } catch {
      return raw;
    }
  })();
  return { outcome, text, status, body };
}

/** The ledger's items not yet streamed, as the stream delivers them (new images, in order). */
const streamed = new Map<string, string>();
async function streamRecords(): Promise<{ all: unknown[]; decisions: unknown[] }> {
  const out = await db.send(new ScanCommand({ TableName: tables.ledger }));
  const records: { record: unknown; decision: boolean }[] = [];
  for (const item of out.Items ?? []) {
    const key = `${item.pk}|${item.sk}`;
    const image = JSON.stringify(item);
    const before = streamed.get(key);
    if (before === image) continue;
    streamed.set(key, image);
    const record = structuredClone(fixture("dynamodb-stream-ledger-insert.json").Records[0]);
    record.eventName = before === undefined ? "INSERT" : "MODIFY";
    record.eventID = `${streamed.size}-${records.length}`;
    record.dynamodb.Keys = marshall({ pk: item.pk, sk: item.sk });
    record.dynamodb.NewImage = marshall(item, { removeUndefinedValues: true });
    record.dynamodb.SequenceNumber = String(1_000_000 + streamed.size * 1000 + records.length);
    records.push({ record, decision: item.sk === "DECISION" });
  }
  return {
    all: records.map((r) => r.record),
    decisions: records.filter((r) => r.decision).map((r) => r.record),
  };
}

/** The stream's new records through the functions it triggers: the workflow starter and the archiver. */
async function stream() {
  const { all, decisions } = await streamRecords();
  const starter = decisions.length ? await run("LedgerWorkflowStarter", { Records: decisions }) : undefined;
  const archiver = all.length ? await run("LedgerArchiver", { Records: all }) : undefined;
  return { starter, archiver };
}

/** `agentId` proposes through the API, as its role (the IAM authorizer's caller). */
const proposeAs = (
  agentId: string,
  proposal: {
    proposalId: string;
    action: string;
    target: Record<string, string>;
    payload: unknown;
    reasoning: string;
  },
) =>
  run(
    "ApiProposals",
    apiEvent("POST", "/v1/proposals", { agent: agentId }, undefined, {
      ...proposal,
      agentId,
      action: { type: proposal.action },
      confidence: 0.9,
    }),
  );

/** The outreach writer proposes an email to Jane, as it drafts one (shared/agents/records.ts EmailPayload). */
const propose = (proposalId: string) =>
  proposeAs("outreach-writer", {
    proposalId,
    action: "email.send",
    target: { accountId: "acme", personId: "acme-jane" },
    payload: {
      to: "jane@acme.io",
      subject: "Your pricing research",
      body: "Hi Jane, saw your team comparing plans this week. Happy to share how similar teams rolled out.",
      variant: "pricing-research",
      companyName: "Acme Analytics",
      groundedOn: ["pricing_page_visit"],
      persona: "vp",
      model: "template",
    },
    reasoning: "Three pricing page visits this week from the VP Sales.",
  });

const calls = (target: string) =>
  account.calls.filter((c) => c.target === target || c.url.startsWith(target));
const scheduled = () => fixture("eventbridge-scheduled-event.json");
const admin = { groups: ["admin"] };

describe("a decision's life, each step by its deployed function as its role", () => {
  let decisionId = "";
  let digest = "";

  it("an admin publishes the spec and fills the knowledge base", async () => {
    const spec = parseSpecText(shippedSpecText());
    // Checked, then published, by the specs function (the admin function carries no spec text).
    const check = await run("ApiSpecs", apiEvent("POST", "/v1/specs/validate", admin, undefined, spec));
    expect(check.body, check.text).toMatchObject({ valid: true, matchesCurrent: false });
    expect((await run("ApiSpecs", apiEvent("POST", "/v1/specs", admin, undefined, spec))).status).toBe(201);
    const current = await run("ApiAdmin", apiEvent("GET", "/v1/specs/current", admin));
    expect(current.body, current.text).toMatchObject({ version: 1, hash: check.body.hash });
    const put = (path: string, body: unknown) =>
      run("ApiKnowledge", apiEvent("PUT", path, admin, undefined, body));
    expect((await put("/v1/accounts/acme", acme)).status).toBe(200);
    expect((await put("/v1/people/acme-jane", jane)).status).toBe(200);
    const signals = await run(
      "ApiKnowledge",
      apiEvent("POST", "/v1/signals", admin, undefined, {
        signals: [1, 2, 3].map((h) => ({
          accountId: "acme",
          personId: "acme-jane",
          type: "pricing_page_visit",
          occurredAt: new Date(Date.now() - h * 3_600_000).toISOString(),
        })),
      }),
    );
    expect(signals.status).toBeLessThan(300);
    expect(account.refusals).toEqual([]);
  });

  it("an agent proposes; the stream starts the decision's workflow and archives the ledger", async () => {
    const res = await propose("p-deployed-flow");
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ status: "pending_approval" });
    decisionId = res.body.decisionId;
    digest = res.body.payloadDigest;
    const { starter, archiver } = await stream();
    expect(starter?.body).toEqual({ batchItemFailures: [] });
    expect(archiver?.body).toMatchObject({ objects: expect.any(Number) });
    expect(calls("AWSStepFunctions.StartExecution")).toHaveLength(1);
    expect(calls("AWSEvents.PutEvents").length).toBeGreaterThan(0);
    expect(account.refusals).toEqual([]);
  });

  it("the workflow waits for a person, who reads the decision and approves it", async () => {
    const wait = await run("WorkflowAwaitApproval", {
      ...(fixture("sfn-task-await-approval.json") as object),
      decisionId,
      taskToken: "deployed-flow-token",
    });
    expect(wait.text).not.toMatch(/Error/);
    const read = await run(
      "ApiDecisions",
      apiEvent("GET", `/v1/decisions/${decisionId}`, { groups: ["viewer"] }),
    );
    expect(read.status, read.text).toBe(200);
    expect(read.body).toMatchObject({ decisionId, context: { person: { name: "Jane Doe" } } });
    const approve = await run(
      "ApiReviews",
      apiEvent("POST", `/v1/decisions/${decisionId}/approve`, { groups: ["approver"] }, undefined, {
        digest,
      }),
    );
    expect(approve.status, approve.text).toBe(200);
    expect(approve.body).toMatchObject({ status: "dispatched" });
    const signal = calls("AWSStepFunctions.SendTaskSuccess");
    expect(signal).toHaveLength(1);
    expect(signal[0]?.body).toContain("deployed-flow-token");
    expect(account.refusals).toEqual([]);
  });

  it("the executor sends through SES, tagged with its decision", async () => {
    const exec = await run("WorkflowExecute", { decisionId });
    expect(exec.text).not.toMatch(/Error/);
    const sends = calls("/v2/email/outbound-emails");
    expect(sends).toHaveLength(1);
    expect(sends[0]?.body).toContain("jane@acme.io");
    expect(sends[0]?.body).toContain(decisionId);
    const { starter } = await stream();
    expect(starter?.body).toEqual({ batchItemFailures: [] });
    expect(account.refusals).toEqual([]);
  });

  it("a record an agent may write on its own (level 3) is written to HubSpot by the decision.made executor", async () => {
    const res = await proposeAs("web-research", {
      proposalId: "p-deployed-flow-note",
      action: "crm.update",
      target: { accountId: "acme" },
      payload: {
        operation: "research_note",
        accountId: "acme",
        domain: "acme.io",
        facts: [
          { kind: "news", text: "Acme opened a Berlin office.", sourceUrl: "https://acme.io/news/berlin" },
        ],
      },
      reasoning: "Fresh news on the account's site.",
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ verdict: "allow", status: "dispatched" });
    await stream();
    const made = fixture("eventbridge-decision-made.json");
    Object.assign(made.detail, { decisionId: res.body.decisionId, agentId: "web-research" });
    const exec = await run("ExecuteAllowed", made);
    expect(exec.text).not.toMatch(/Error/);
    const decision = await run(
      "ApiDecisions",
      apiEvent("GET", `/v1/decisions/${res.body.decisionId}`, { groups: ["viewer"] }),
    );
    expect(decision.body.status, decision.text).toBe("executed");
    // The note itself, keyed by the decision's idempotency key, with the fact it records.
    const note = account.calls.find(
      (c) => c.caller === "hubspot" && c.url.startsWith("/crm/v3/objects/notes/batch/upsert"),
    );
    expect(note?.body).toContain("Acme opened a Berlin office.");
    expect(note?.body).toContain(`${res.body.decisionId}:exec:1`);
    await stream();
    expect(account.refusals).toEqual([]);
  });

  it("an action in its override window (level 2) waits in its workflow; a veto stops it, and the release then sends nothing", async () => {
    const res = await proposeAs("linkedin-audience-manager", {
      proposalId: "p-deployed-flow-audience",
      action: "linkedin.audience.add",
      target: { accountId: "acme", personId: "acme-jane" },
      payload: {
        audienceId: "sdr-1",
        personId: "acme-jane",
        email: "jane@acme.io",
        firstName: "Jane",
        lastName: "Doe",
        companyName: "Acme Analytics",
        persona: "vp",
      },
      reasoning: "VP Sales at an account in the SDR's list.",
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ verdict: "schedule", status: "scheduled" });
    const started = calls("AWSStepFunctions.StartExecution").length;
    await stream();
    expect(calls("AWSStepFunctions.StartExecution")).toHaveLength(started + 1);
    const vetoed = await run(
      "ApiReviews",
      apiEvent("POST", `/v1/decisions/${res.body.decisionId}/veto`, { groups: ["approver"] }, undefined, {
        note: "Not this week.",
      }),
    );
    expect(vetoed.status, vetoed.text).toBe(200);
    expect(vetoed.body).toMatchObject({ status: "vetoed" });
    const before = account.calls.length;
    const release = await run("WorkflowRelease", { decisionId: res.body.decisionId });
    expect(release.text).not.toMatch(/Error/);
    expect(release.body).toMatchObject({ status: "vetoed" });
    // Nothing went out, and nothing was published or invoked: only reads (and a data key opened).
    expect(
      account.calls.slice(before).filter((c) => !/\.(GetItem|BatchGetItem|Query|Decrypt)$/.test(c.target)),
    ).toEqual([]);
    // The veto turned into a rule: a draft in shadow, written by the reviews function as its role.
    const corrected = await run(
      "ApiReviews",
      apiEvent(
        "POST",
        `/v1/decisions/${res.body.decisionId}/corrections`,
        { groups: ["approver"] },
        undefined,
        { makeRule: true, note: "No ads audiences for VPs at accounts we are emailing this week." },
      ),
    );
    expect(corrected.status, corrected.text).toBe(201);
    expect(corrected.body).toMatchObject({ status: "shadow", created: true });
    await stream();
    expect(account.refusals).toEqual([]);
  });

  it("SES and HubSpot report back: an open, a complaint, a reply", async () => {
    for (const name of ["eventbridge-ses-open.json", "eventbridge-ses-complaint.json"]) {
      const e = fixture(name);
      e.detail.mail.tags.decision_id = [decisionId];
      e.detail.mail.destination = ["jane@acme.io"];
      const r = await run("OutcomesSes", e);
      expect(r.text, name).not.toMatch(/Error/);
    }
    const change = fixture("hubspot-webhook-contact-property-change.json");
    change[0].occurredAt = Date.now();
    change[0].propertyValue = String(Date.now());
    for (const delivery of [1, 2]) {
      const webhook = await run("WebhookHubspot", hubspotWebhook(change));
      expect(webhook.status, `delivery ${delivery}: ${webhook.text}`).toBe(200);
    }
    // The webhook queued; the queue's worker records (SQS would have dropped the second delivery's
    // copy within 5 minutes; the account's stand-in keeps both, so the outcome's own id is what holds).
    const queueUrl = fns.get("WebhookHubspot")?.env.WEBHOOK_QUEUE_URL;
    const messages = account.queued.splice(0);
    expect(messages.map((m) => m.queueUrl)).toEqual([queueUrl, queueUrl]);
    // One event, delivered twice: one group, one deduplication id (SQS drops the second within 5 min).
    expect(new Set(messages.map((m) => `${m.group} ${m.dedupe}`)).size).toBe(1);
    const [shape] = fixture("sqs-fifo-record.json").Records;
    const records = messages.map((m, n) => ({
      ...shape,
      messageId: `m-${n}`,
      body: m.body,
      attributes: { ...shape.attributes, MessageGroupId: m.group, MessageDeduplicationId: m.dedupe },
    }));
    const worker = await run("WebhookHubspotEvents", { Records: records });
    expect(worker.text).not.toMatch(/Error/);
    expect(JSON.parse(worker.text)).toEqual({ batchItemFailures: [] });
    const watchers = fixture("eventbridge-decision-transitioned.json");
    Object.assign(watchers.detail, {
      decisionId,
      from: "dispatched",
      to: "executed",
      agentId: "outreach-writer",
      actionType: "email.send",
    });
    expect((await run("AgentWatchers", watchers)).text).not.toMatch(/Error/);
    await stream();
    // The complaint suppressed her: the next proposal to her is blocked on it.
    const again = await propose("p-deployed-flow-again");
    expect(again.status, again.text).toBe(201);
    expect(again.body.checks).toContainEqual(
      expect.objectContaining({ check: "suppression", result: "fail" }),
    );
    expect(account.refusals).toEqual([]);
  });

  it("people and agents read what happened", async () => {
    const viewer = { groups: ["viewer"] };
    const reads: [string, string, Record<string, string>?][] = [
      ["ApiKnowledge", "/v1/context", { accountId: "acme", personId: "acme-jane" }],
      ["ApiKnowledge", `/v1/kb/decisions/${decisionId}`],
      ["ApiKnowledge", "/v1/kb/accounts/acme/people"],
      // The knowledge function is built with the stores its routes read (aws-stores.ts): each read.
      ["ApiKnowledge", "/v1/kb/accounts"],
      ["ApiKnowledge", "/v1/kb/records", { accountIds: "acme" }],
      ["ApiKnowledge", "/v1/kb/touches", { accountIds: "acme" }],
      ["ApiKnowledge", "/v1/kb/accounts/acme/do-not-target", { personIds: "acme-jane" }],
      ["ApiKnowledge", `/v1/kb/lead-lists/${new Date().toISOString().slice(0, 10)}`],
      ["ApiKnowledge", "/v1/kb/audiences"],
      ["ApiKnowledge", "/v1/kb/template-stats"],
      ["ApiKnowledge", "/v1/tools"],
      ["ApiDecisions", "/v1/decisions", { accountId: "acme" }],
      ["ApiDecisions", "/v1/reports/outcomes", { by: "specVersion" }],
      // The decisions function is built with the stores its routes read (aws-stores.ts): each route.
      ["ApiDecisions", "/v1/reports/daily"],
      ["ApiDecisions", "/v1/decisions/scheduled"],
      ["ApiDecisions", `/v1/agents/outreach-writer/decisions/${decisionId}`],
      ["ApiAdmin", "/v1/trust"],
      // The admin function is built with the stores its routes read (aws-stores.ts): each read.
      ["ApiAdmin", "/v1/specs"],
      ["ApiAdmin", "/v1/specs/1"],
      ["ApiAdmin", "/v1/pauses"],
      ["ApiAdmin", "/v1/trust/outreach-writer/email.send/history"],
      ["ApiAdmin", "/v1/agents/outreach-writer/trust"],
      ["ApiReviews", "/v1/approvals"],
    ];
    for (const [cid, path, query] of reads) {
      const { status, text } = await run(cid, apiEvent("GET", path, viewer, query));
      expect(status, `${path}: ${text}`).toBe(200);
    }
    // Why Jane was contacted, told by the decisions function from its reads of the KB (kb-reader.ts).
    const why = await run("ApiDecisions", apiEvent("GET", "/v1/explain", viewer, { email: "jane@acme.io" }));
    expect(why.status, why.text).toBe(200);
    expect(why.body, why.text).toMatchObject({ personId: "acme-jane", person: { accountId: "acme" } });
    // The draft the veto made, and its flips, through the admin function.
    const drafts = await run("ApiAdmin", apiEvent("GET", "/v1/specs/drafts", admin));
    const [draft] = drafts.body.items;
    expect(draft, drafts.text).toMatchObject({ status: "shadow", rule: { mode: "shadow", effect: "block" } });
    const one = await run("ApiAdmin", apiEvent("GET", `/v1/specs/drafts/${draft.draftId}`, admin));
    expect(one.status, one.text).toBe(200);
    const flips = await run(
      "ApiAdmin",
      apiEvent("GET", `/v1/specs/${draft.shadowVersion}/flips`, admin, { rule: draft.rule.name }),
    );
    expect(flips.status, flips.text).toBe(200);
    // Each report counted once: the webhook was delivered twice.
    const decision = await run("ApiDecisions", apiEvent("GET", `/v1/decisions/${decisionId}`, viewer));
    expect(decision.body.status).toBe("executed");
    // The spec in force as YAML, replayed by its own function: each decision's sealed facts opened
    // (kms:Decrypt, the byStatus index), none flips, nothing written.
    const replay = await run(
      "ApiReplay",
      apiEvent("POST", "/v1/specs/replay", admin, undefined, { spec: shippedSpecText() }),
    );
    expect(replay.status, replay.text).toBe(200);
    expect(replay.body).toMatchObject({ flipped: 0, notReplayable: { noFacts: 0, erased: 0 } });
    expect(replay.body.replayed).toBeGreaterThan(0);
    expect(replay.body.replayed).toBe(replay.body.decisions);
    expect(decision.body.outcomes.map((o: { type: string }) => o.type).sort()).toEqual([
      "complaint",
      "opened",
      "replied",
    ]);
    const mcp = apiEvent("POST", "/mcp", { agent: "outreach-writer" }, undefined, {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "get_context", arguments: { accountId: "acme", personId: "acme-jane" } },
    });
    mcp.headers.accept = "application/json, text/event-stream";
    const tool = await run("ApiMcp", mcp);
    expect(tool.status, tool.text).toBe(200);
    expect(tool.text).not.toContain('isError\\":true');
    // And a note to the account's memory: the MCP function's one write besides the gate's.
    const note = apiEvent("POST", "/mcp", { agent: "outreach-writer" }, undefined, {
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: {
        name: "add_memory",
        arguments: {
          accountId: "acme",
          kind: "note",
          text: "Acme is consolidating vendors this quarter.",
          source: { system: "agent" },
        },
      },
    });
    note.headers.accept = "application/json, text/event-stream";
    const added = await run("ApiMcp", note);
    expect(added.status, added.text).toBe(200);
    expect(added.text).not.toContain('isError\\":true');
    expect(added.text).toContain("chunks");
    expect(account.refusals).toEqual([]);
  });

  it("the scheduled functions run over what the tables now hold", async () => {
    for (const cid of ["LedgerDigest", "Reconciler", "SignalsRefit", "OutcomesHubspotPoll"]) {
      const r = await run(cid, scheduled());
      expect(r.text, cid).not.toMatch(/Error/);
    }
    expect(account.refusals).toEqual([]);
  });

  it("an admin verifies the ledger and anchors a digest of it", async () => {
    const digest = await run("ApiAdmin", apiEvent("POST", "/v1/ledger/digest", admin));
    expect(digest.status, digest.text).toBeLessThan(300);
    // Anchored in the archive, under the prefix its grant allows.
    expect(
      account.calls.filter(
        (c) => c.caller.startsWith("ApiAdmin") && c.method === "PUT" && c.url.includes("/digests/"),
      ),
    ).toHaveLength(1);
    const verify = await run("ApiAdmin", apiEvent("GET", "/v1/ledger/verify", admin));
    expect(verify.status, verify.text).toBe(200);
    expect(verify.body.problems).toEqual([]);
    expect(account.refusals).toEqual([]);
  });

  it("agents run on their schedule and by hand", async () => {
    // The day's lead list holds Acme, whom the flow emailed: drafting for Raj, the writer reads the
    // account's recent touches (byAccount), opening them (kms:Decrypt), and whether it proposed before.
    await db.send(
      new PutCommand({
        TableName: tables.state,
        Item: {
          ...agentKeys.leadListEntry("2026-03-10", "acme"),
          listId: "leads-sdr-1-2026-03-10",
          date: "2026-03-10",
          ownerId: "sdr-1",
          accountId: "acme",
          rank: 1,
          tier: 1,
          intent: 80,
          contacts: [{ personId: "acme-raj", email: "raj@acme.io" }],
          addedAt: "2026-03-10T11:00:00.000Z",
        },
      }),
    );
    // Raj, Jane's colleague (Jane asked to stop by now), indexed at Acme as the agent watchers index
    // a person put (EventBridge, not run here).
    const raj = {
      ...jane,
      firstName: "Raj",
      lastName: "Patel",
      email: "raj@acme.io",
      linkedinUrl: "https://www.linkedin.com/in/raj-patel-acme",
    };
    const putRaj = await run("ApiKnowledge", apiEvent("PUT", "/v1/people/acme-raj", admin, undefined, raj));
    expect(putRaj.status, putRaj.text).toBe(200);
    await db.send(
      new PutCommand({
        TableName: tables.state,
        Item: { ...agentKeys.personAtAccount("acme", "acme-raj"), personId: "acme-raj" },
      }),
    );
    const writer = await run("AgentOutreachWriter", {
      ...(fixture("scheduler-agent-invoke.json") as object),
      agentId: "outreach-writer",
    });
    expect(writer.text).not.toMatch(/Error/);
    // Its context packet read Acme's recent touches through the one index its role is granted, and
    // opened them; it asked whether it had proposed before by the decision's key. Nothing refused.
    const writerCalls = account.calls.filter((c) => c.caller === fns.get("AgentOutreachWriter")?.roleId);
    expect(writerCalls.some((c) => /"IndexName":"byAccount"/.test(String(c.body)))).toBe(true);
    expect(writerCalls.some((c) => c.target === "TrentService.Decrypt")).toBe(true);
    expect(writerCalls.filter((c) => c.refused)).toEqual([]);
    const manual = await run("ApiAdmin", apiEvent("POST", "/v1/agents/crm-import/run", admin, undefined, {}));
    expect(manual.status, manual.text).toBe(202);
    // The agent's function runs the invocation the API made, as its role, and records how it ended;
    // the admin function reads that back as the run's status, as its own role.
    const runId = manual.body.runId as string;
    const ran = await run("AgentCrmImport", { trigger: "manual", input: {}, by: "flow-admin", runId });
    expect(ran.text).not.toMatch(/Error/);
    const status = await run("ApiAdmin", apiEvent("GET", `/v1/agents/crm-import/runs/${runId}`, admin));
    expect(status.status, status.text).toBe(200);
    expect(status.body).toMatchObject({ runId, agentId: "crm-import", status: "done", final: true });
    const crm = await run("AgentCrmImport", {
      agentId: "crm-import",
      trigger: "schedule",
      cron: "0 * * * *",
    });
    expect(crm.text).not.toMatch(/Error/);
    // The company HubSpot reported is an account, citing HubSpot.
    const imported = await run(
      "ApiKnowledge",
      apiEvent("GET", "/v1/context", { groups: ["viewer"] }, { accountId: "hubspot-company-9001" }),
    );
    expect(imported.status, imported.text).toBe(200);
    expect(imported.text).toContain("Globex");
    expect(imported.text).toContain("hubspot");
    await stream();
    expect(account.refusals).toEqual([]);
  });

  it("every other agent runs on its own trigger as its role, over the knowledge base as it now is", async () => {
    const zone = parseSpecText(shippedSpecText()).workspace.timezone;
    const transitioned = fixture("eventbridge-decision-transitioned.json");
    /** Its trigger as EventBridge Scheduler or a rule delivers it, about Acme and Jane, the flow's. */
    const triggerOf = (agentId: string): unknown => {
      const t = findAgent(agentId)?.triggers[0];
      if (t?.kind === "schedule") {
        // Its latest firing: a run on the schedule it is deployed with.
        let at = nextFire(parseCron(t.cron), Date.now() - 8 * DAY, zone);
        for (let n = at; n <= Date.now(); n = nextFire(parseCron(t.cron), n, zone)) at = n;
        return { agentId, trigger: "schedule", cron: t.cron, zone: "workspace", scheduledAt: iso(at) };
      }
      if (t?.kind === "event")
        return {
          ...transitioned,
          "detail-type": t.eventType,
          detail:
            t.eventType === "decision.transitioned"
              ? { ...transitioned.detail, decisionId, agentId: "outreach-writer", actionType: "email.send" }
              : {
                  accountId: "acme",
                  personId: "acme-jane",
                  ...(t.eventType === AGENT_EVENTS.contactQualified
                    ? { persona: "vp", role: "decision_maker" }
                    : {}),
                },
        };
      return { agentId, trigger: "manual", input: {}, by: "flow" };
    };
    const outcomes: Record<string, string> = {};
    for (const f of fns.values()) {
      if (!f.cid.startsWith("Agent") || f.cid === "AgentOutreachWriter" || f.cid === "AgentCrmImport")
        continue;
      const agentId = f.env.AGENT_ID ?? "";
      outcomes[f.cid] = (await run(f.cid, findAgent(agentId) ? triggerOf(agentId) : transitioned)).text;
    }
    // Every one ran, as its role: none refused by IAM, none unable to reach the API.
    expect(Object.keys(outcomes).length).toBeGreaterThanOrEqual(9);
    expect(account.refusals).toEqual([]);
    for (const [cid, text] of Object.entries(outcomes))
      expect(text, cid).not.toMatch(
        /AccessDenied|not authorized|Invalid URL|POST \/v1\/proposals|ledger-not-granted|PERSON_KEY_ARN/,
      );
    // Only CRM Sync and the writer read decisions (AGENT_LEDGER_READS): the others' roles have neither
    // the ledger nor the person key, and their functions asked for neither.
    const readers = new Set(["AgentCrmSync", "AgentOutreachWriter"]);
    for (const f of fns.values()) {
      if (!f.env.AGENT_ID || readers.has(f.cid)) continue;
      const asked = account.calls.filter((c) => c.caller === f.roleId);
      expect(
        asked.filter((c) => c.target === "TrentService.Decrypt" || String(c.body).includes(tables.ledger)),
        f.cid,
      ).toEqual([]);
      expect(JSON.stringify(f.statements), f.cid).not.toContain("kms:Decrypt");
      expect(JSON.stringify(f.statements), f.cid).not.toContain(`table/${tables.ledger}`);
      expect(f.env.LEDGER_TABLE, f.cid).toBeUndefined();
    }
    // Those with work to do over Acme and Jane proposed through the API, signed with their role, and
    // the gate decided each (persona classification, the CRM sync of the email sent).
    // (The scheduled ones run at their latest firing, whose day moves with the clock: at least these.)
    const proposers = new Set(proposedThroughApi.map((p) => p.agentId));
    for (const agentId of ["persona-classifier", "crm-sync"]) expect(proposers).toContain(agentId);
    for (const p of proposedThroughApi) expect(p.status, p.agentId).toBeLessThan(300);
    await stream();
    expect(account.refusals).toEqual([]);
  });

  it("an admin records a meeting the CRM never reported", async () => {
    const meeting = await run(
      "ApiReviews",
      apiEvent("POST", "/v1/outcomes", admin, undefined, {
        decisionId,
        type: "meeting_booked",
        note: "Booked on a call.",
      }),
    );
    expect(meeting.status, meeting.text).toBe(201);
    const read = await run("ApiDecisions", apiEvent("GET", `/v1/decisions/${decisionId}`, admin));
    expect(read.body.outcomes.map((o: { type: string }) => o.type)).toContain("meeting_booked");
    await stream();
    expect(account.refusals).toEqual([]);
  });

  it("an admin pins an agent's trust, reads every agent's, and pauses an agent, then lifts the pause", async () => {
    const pin = await run(
      "ApiAdmin",
      apiEvent("PUT", "/v1/trust/outreach-writer/email.send", admin, undefined, {
        level: 2,
        reason: "Reviewed its first sends.",
      }),
    );
    expect(pin.status, pin.text).toBe(200);
    const trust = await run("ApiAdmin", apiEvent("GET", "/v1/trust", admin));
    expect(trust.status, trust.text).toBe(200);
    const paused = await run(
      "ApiAdmin",
      apiEvent("POST", "/v1/pauses", admin, undefined, {
        scope: "agent",
        target: "outreach-writer",
        reason: "Holding sends over the holiday.",
      }),
    );
    expect(paused.status, paused.text).toBe(201);
    const lifted = await run("ApiAdmin", apiEvent("DELETE", `/v1/pauses/${paused.body.pauseId}`, admin));
    expect(lifted.status, lifted.text).toBe(200);
    await stream();
    expect(account.refusals).toEqual([]);
  });

  it("an admin erases the person", async () => {
    // By the erasure's own function: the knowledge function may neither scan nor delete a data key.
    const erase = await run(
      "ApiErasure",
      apiEvent("POST", "/v1/people/acme-jane/erase", admin, undefined, {}),
    );
    expect(erase.status, erase.text).toBeLessThan(300);
    const read = await run(
      "ApiDecisions",
      apiEvent("GET", `/v1/decisions/${decisionId}`, { groups: ["viewer"] }),
    );
    expect(read.status, read.text).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain("Jane Doe");
    await stream();
    expect(account.refusals).toEqual([]);
  });
});
