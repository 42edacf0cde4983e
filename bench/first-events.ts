/**
 * What each function is first invoked with in the cold-start bench (bench/bundles.ts): a payload of
 * the function's real trigger, from the captured events the handler tests use (test/fixtures/events:
 * API Gateway v2 with IAM and Cognito authorizers, DynamoDB Streams, EventBridge, SES, Step Functions
 * task input, the scheduler), filled in as those tests fill them. So each first invocation goes the
 * function's real path to its first AWS calls (a decision read, a query, a secret, a put), as a
 * function's first request in a deployment does: a path-less 404 would measure only the imports.
 *
 * The AWS stand-in answers as a deployment with the shipped spec published and empty tables otherwise,
 * so a path ends where an empty table ends it (a decision not found, nothing due) or, for the gate and
 * the agents, goes on as it does in use (a decision made, an agent run that finds nothing to do);
 * bench/bundles.ts counts the AWS calls each one made.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { marshall } from "@aws-sdk/util-dynamodb";
import { OWN_AGENT_ENTRIES } from "../infra/constructs/agent-functions.ts";
import { REPO_ROOT } from "../infra/constructs/harness-function.ts";
import { signV3 } from "../shared/adapters/connectors/hubspot-webhook.ts";
import { AGENT_EVENTS } from "../shared/agents/events.ts";
import { findAgent } from "../shared/agents/registry.ts";
import { apiEvent, fixture } from "../test/fixtures/events.ts";

/** The stage and account the captured events' callers belong to (`dev-harness-agent-<id>` roles). */
export const FIXTURE_STAGE = "dev";

const DECISION = "d_bench_cold_start";
const NOW = "2026-03-10T14:00:00.000Z";

/** The outreach writer's role, as the agents call the API (IAM authorizer). */
const AGENT = { agent: "outreach-writer" };

const proposal = {
  proposalId: "p-bench-cold-start",
  agentId: "outreach-writer",
  action: { type: "email.send" },
  target: { accountId: "acme", personId: "acme-jane" },
  payload: {
    subject: "Your pricing research",
    body: "Hi Jane, saw your team comparing plans this week. Happy to share how similar teams rolled out.",
  },
  reasoning: "Three pricing page visits this week from the VP Sales.",
  confidence: 0.9,
};

/** The ledger stream's record of a decision just decided and waiting for a person. */
function ledgerInsert() {
  const e = fixture("dynamodb-stream-ledger-insert.json");
  const item = {
    pk: `DEC#${DECISION}`,
    sk: "DECISION",
    decisionId: DECISION,
    status: "pending_approval",
    version: 1,
    decidedAt: NOW,
    updatedAt: NOW,
    expiresAt: "2026-03-11T14:00:00.000Z",
  };
  e.Records[0].dynamodb.Keys = marshall({ pk: item.pk, sk: item.sk });
  e.Records[0].dynamodb.NewImage = marshall(item);
  return e;
}

const withDecision = (name: string) => {
  const e = fixture(name);
  if ("detail" in e) e.detail.decisionId = DECISION;
  else e.decisionId = DECISION;
  return e;
};

/**
 * A HubSpot webhook delivery as HubSpot sends it, signed with the secret the stand-in answers: the
 * captured contact property change unless `payload` is given.
 */
export function hubspotWebhook(payload: unknown = fixture("hubspot-webhook-contact-property-change.json")) {
  const e = fixture("api-v2-hubspot-webhook.json");
  e.body = JSON.stringify(payload);
  const timestamp = String(Date.now());
  e.headers["x-hubspot-request-timestamp"] = timestamp;
  e.headers["x-hubspot-signature-v3"] = signV3(BENCH_SECRET.clientSecret, {
    method: "POST",
    uri: `https://${e.requestContext.domainName}${e.rawPath}`,
    body: e.body,
    timestamp,
  });
  return e;
}

/** The shipped spec's YAML text, as an admin publishes it. */
export const shippedSpecText = () => readFileSync(join(REPO_ROOT, "shared", "specs", "default.yaml"), "utf8");

/** Each function's first event, by entry (the -hubspot and -mcp variants take their lean entry's). */
const EVENTS: Record<string, () => unknown> = {
  "api/health": () => fixture("api-v2-health.json"),
  "api/proposals": () => apiEvent("POST", "/v1/proposals", AGENT, undefined, proposal),
  "api/reviews": () =>
    apiEvent("POST", `/v1/decisions/${DECISION}/approve`, { groups: ["approver"] }, undefined, {
      digest: `sha256:${"0".repeat(64)}`,
    }),
  "api/decisions": () =>
    apiEvent("GET", "/v1/decisions", { groups: ["viewer"] }, { status: "pending_approval" }),
  "api/admin": () => apiEvent("GET", "/v1/trust", { groups: ["admin"] }),
  // The shipped spec's text replayed over the last week (the stand-in holds no decision).
  "api/replay": () =>
    apiEvent("POST", "/v1/specs/replay", { groups: ["admin"] }, undefined, { spec: shippedSpecText() }),
  // The shipped spec published again as YAML, as `harness spec publish` sends it: a no-op (200).
  "api/specs": () => {
    const e = apiEvent("POST", "/v1/specs", { groups: ["admin"] });
    Object.assign(e, { body: shippedSpecText() });
    Object.assign(e.headers, { "content-type": "application/yaml", "content-length": String(e.body.length) });
    return e;
  },
  "api/knowledge": () => apiEvent("GET", "/v1/kb/accounts/acme/people", { groups: ["viewer"] }),
  "api/knowledge-tools": () => apiEvent("GET", "/v1/tools", { groups: ["viewer"] }),
  "api/erasure": () => apiEvent("POST", "/v1/people/acme-jane/erase", { groups: ["admin"] }, undefined, {}),
  "api/mcp": () => {
    const e = apiEvent("POST", "/mcp", AGENT, undefined, {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "get_context", arguments: { accountId: "acme" } },
    });
    e.headers.accept = "application/json, text/event-stream";
    return e;
  },
  "webhooks/hubspot": () => hubspotWebhook(),
  // The documented reply event, as the webhook queued it (its FIFO group the contact).
  "webhooks/hubspot-events": () => {
    const e = fixture("sqs-fifo-record.json");
    const [reply] = fixture("hubspot-webhook-contact-property-change.json");
    e.Records[0].body = JSON.stringify(reply);
    e.Records[0].attributes.MessageGroupId = `contact-${reply.objectId}`;
    return e;
  },
  "ledger/archiver": ledgerInsert,
  "ledger/workflow-starter": ledgerInsert,
  "ledger/digest": () => fixture("eventbridge-scheduled-event.json"),
  "workflow/await-approval": () => withDecision("sfn-task-await-approval.json"),
  "workflow/release": () => withDecision("sfn-task-release.json"),
  "workflow/expire": () => withDecision("sfn-task-release.json"),
  "workflow/execute": () => withDecision("sfn-task-release.json"),
  "workflow/reconcile": () => fixture("eventbridge-scheduled-event.json"),
  "learning/signals-refit": () => fixture("eventbridge-scheduled-event.json"),
  "events/execute-allowed": () => withDecision("eventbridge-decision-made.json"),
  "events/agent-watchers": () => withDecision("eventbridge-decision-transitioned.json"),
  "outcomes/ses-events": () => {
    // Tagged as the harness's SES connector tags every send (shared/adapters/connectors/ses.ts).
    const e = fixture("eventbridge-ses-complaint.json");
    e.detail.mail.tags.decision_id = [DECISION];
    return e;
  },
  "outcomes/hubspot-poll": () => fixture("eventbridge-scheduled-event.json"),
  "agents/handler": () => fixture("scheduler-agent-invoke.json"),
  "agents/crm-import": () => ({ agentId: "crm-import", trigger: "schedule", cron: "0 * * * *" }),
};

/** An entry's key in EVENTS: `functions/workflow/execute-mcp.ts` → `workflow/execute`. */
const keyOf = (entry: string) =>
  entry
    .replace(/^functions\//, "")
    .replace(/\.ts$/, "")
    .replace(/-(hubspot|mcp)$/, "");

/** The agent an agent's own entry runs (OWN_AGENT_ENTRIES: `functions/agents/crm-sync.ts` → crm-sync). */
const ownAgent = (entry: string) => Object.entries(OWN_AGENT_ENTRIES).find(([, e]) => entry.endsWith(e))?.[0];

/**
 * An agent's first invocation by its own trigger: the scheduler's (its cron, in the workspace's
 * zone), an EventBridge rule's (its event type, about an account and a person the first event's
 * decision names), or a manual run.
 */
function agentEvent(agentId: string): unknown {
  const trigger = findAgent(agentId)?.triggers[0];
  if (trigger?.kind === "schedule")
    return { ...(fixture("scheduler-agent-invoke.json") as object), agentId, cron: trigger.cron };
  if (trigger?.kind === "event") {
    const e = withDecision("eventbridge-decision-transitioned.json") as { detail: Record<string, unknown> };
    if (trigger.eventType === "decision.transitioned") return e;
    // A contact the watchers qualified carries the persona and role it qualified as (agents/watchers/ingest.ts).
    const qualified =
      trigger.eventType === AGENT_EVENTS.contactQualified ? { persona: "vp", role: "decision_maker" } : {};
    return {
      ...e,
      "detail-type": trigger.eventType,
      detail: { accountId: "acme", personId: "acme.jane", ...qualified },
    };
  }
  // A manual run with the input its agent reads (shared/agents/manual-inputs.ts): Manual List Sync's audience.
  const input = agentId === "manual-list-sync" ? { audienceId: "sdr-bench" } : {};
  return { agentId, trigger: "manual", input, by: "bench" };
}

/** The first event of an entry under functions/ (or the floor's, which reads nothing of it). */
export function firstEvent(entry: string): unknown {
  const agent = ownAgent(entry);
  if (agent) return agentEvent(agent);
  return (EVENTS[keyOf(entry)] ?? (() => ({})))();
}

/** The HubSpot webhook's secret, as the stand-in's Secrets Manager answers it. */
export const BENCH_SECRET = { accessToken: "bench-token", clientSecret: "bench-client-secret" };

/**
 * Variables an entry's first invocation needs beyond the bench's: each agent function runs one agent;
 * the HubSpot webhook, its worker and the poll read their secret, the webhook queues to SQS, and the
 * worker and the poll call HubSpot (the stand-in, `aws`, for both).
 */
export function entryEnv(entry: string, aws: string): Record<string, string> {
  if (entry.endsWith("agents/crm-import.ts")) return { AGENT_ID: "crm-import" };
  if (entry.endsWith("agents/handler.ts")) return { AGENT_ID: "outreach-writer" };
  const agent = ownAgent(entry);
  if (agent) return { AGENT_ID: agent };
  if (entry.endsWith("webhooks/hubspot.ts"))
    return {
      CONNECTOR_SECRET_ARNS: JSON.stringify({
        "hubspot-webhook": "arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-hubspot-AbCdEf",
      }),
      WEBHOOK_QUEUE_URL: `${aws}/123456789012/bench-hubspot-events.fifo`,
    };
  if (entry.endsWith("webhooks/hubspot-events.ts") || entry.endsWith("outcomes/hubspot-poll.ts"))
    return {
      CONNECTOR_SECRET_ARNS: JSON.stringify({
        "hubspot-webhook": "arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-hubspot-AbCdEf",
      }),
      CONNECTORS_CONFIG: JSON.stringify({ dryRun: false, hubspot: { basePath: aws } }),
    };
  return {};
}

/** Entries with no first event of their own here (the test holds this to none but the floor). */
export const entriesWithoutEvent = (entries: string[]) =>
  entries.filter((e) => !ownAgent(e) && !(keyOf(e) in EVENTS));
