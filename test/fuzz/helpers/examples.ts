/**
 * For each route a request that is VALID against the fuzz world, so that a case can break exactly one
 * thing and everything else is right.
 */
import { parse as parseYaml } from "yaml";
import type { Route } from "../../../shared/http/routes.ts";
import { defaultSpecText } from "../../../shared/runtime/local.ts";
import { emailProposal } from "../../e2e/helpers/harness.ts";
import { acme, jane } from "../../helpers/world.ts";
import { LINKEDIN, type WorldIds, WRITER } from "./world.ts";

export const routeKey = (r: Pick<Route, "method" | "path">) => `${r.method} ${r.path}`;

/** A valid request for one route, against the world above. */
export interface Example {
  params: Record<string, string>;
  query: Record<string, string>;
  /** Query keys without which the request is incomplete: removing one must be rejected. */
  requiredQuery?: string[];
  /** JSON bodies as values. */
  body?: unknown;
  /** Dotted paths of the body's required fields: removing one must be rejected. */
  required?: string[];
  /** Subtrees whose keys and values are free (a proposal's payload): only JSON limits apply there. */
  free?: string[];
  /** Path parameters that must name something existing: a well-formed unknown id must be rejected. */
  mustExist?: string[];
  /** The agent whose action the route reviews (for impostor approver tokens). */
  reviewsAgent?: string;
  /** Query keys whose values are free text (up to 500 characters): only emptiness and length are wrong. */
  freeTextQuery?: string[];
  /** Hand-written bodies this route must refuse, beyond the generic mutations. */
  invalid?: unknown[];
  /** The body may also be sent as YAML (the spec). */
  yaml?: boolean;
}

/** The shipped spec renamed: a spec the server would publish as a new version, were it accepted. */
export const variantSpec = () => ({ ...(parseYaml(defaultSpecText()) as object), name: "fuzz-variant" });

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One valid request per route. A route missing here is still fuzzed by every category that needs no
 * valid body (methods, credentials, malformed paths, JSON limits, garbage bodies); adding its example
 * here also gives it the schema mutations.
 */
export function examples(w: WorldIds): Record<string, Example> {
  const now = w.now;
  const proposal = emailProposal(WRITER, "acme", "acme-jane", { proposalId: "fuzz-proposal" });
  return {
    "GET /v1/health": { params: {}, query: {} },
    "POST /v1/proposals": {
      params: {},
      query: {},
      body: proposal,
      required: ["proposalId", "agentId", "action", "action.type", "target", "target.accountId", "reasoning"],
      free: ["payload"],
      invalid: [
        { ...proposal, confidence: 1.0000001 },
        { ...proposal, agentId: LINKEDIN },
        { ...proposal, payload: { body: "x".repeat(33_000) } },
        { ...proposal, signals: Array.from({ length: 51 }, () => "s") },
      ],
    },
    "GET /v1/decisions/{id}": {
      params: { id: w.pending.decisionId },
      query: {},
      mustExist: ["id"],
    },
    "GET /v1/decisions": {
      params: {},
      query: { agentId: WRITER, limit: "10" },
      requiredQuery: ["agentId"],
    },
    "GET /v1/context": {
      params: {},
      query: { accountId: "acme", personId: "acme-jane", budgetTokens: "600", query: "dashboards" },
      requiredQuery: ["accountId"],
      freeTextQuery: ["query"],
    },
    "GET /v1/memory/search": {
      params: {},
      query: { accountId: "acme", query: "dashboards", limit: "5" },
      requiredQuery: ["accountId", "query"],
      freeTextQuery: ["query"],
    },
    // The built-in agents' knowledge-base reads (out-of-process agents, shared/http/kb-read-routes.ts).
    "GET /v1/kb/accounts": { params: {}, query: { limit: "10" } },
    "GET /v1/kb/records": { params: {}, query: { accountIds: "acme,globex", personIds: "acme-jane" } },
    "GET /v1/kb/touches": { params: {}, query: { accountIds: "acme,globex" }, requiredQuery: ["accountIds"] },
    "GET /v1/kb/accounts/{id}/people": { params: { id: "acme" }, query: { limit: "10" } },
    "GET /v1/kb/lead-lists/{date}": { params: { date: iso(now).slice(0, 10) }, query: { limit: "10" } },
    "GET /v1/kb/audiences": { params: {}, query: {} },
    "GET /v1/kb/template-stats": { params: {}, query: {} },
    "GET /v1/kb/decisions/{id}": { params: { id: w.pending.decisionId }, query: {}, mustExist: ["id"] },
    "GET /v1/explain": { params: {}, query: { email: "jane@acme.io" }, requiredQuery: ["email"] },
    "GET /v1/approvals": { params: {}, query: { limit: "10" } },
    "POST /v1/decisions/{id}/approve": {
      params: { id: w.pending.decisionId },
      query: {},
      body: { digest: w.pending.payloadDigest },
      required: ["digest"],
      mustExist: ["id"],
      reviewsAgent: WRITER,
      invalid: [
        { digest: `sha256:${"0".repeat(64)}` },
        { digest: w.pending.payloadDigest, note: "x".repeat(2001) },
      ],
    },
    "POST /v1/decisions/{id}/reject": {
      params: { id: w.pending.decisionId },
      query: {},
      body: { note: "fuzz" },
      mustExist: ["id"],
      reviewsAgent: WRITER,
      invalid: [{ note: "x".repeat(2001) }],
    },
    "POST /v1/decisions/{id}/veto": {
      params: { id: w.scheduled.decisionId },
      query: {},
      body: { note: "fuzz" },
      mustExist: ["id"],
      reviewsAgent: LINKEDIN,
    },
    "POST /v1/decisions/{id}/settle": {
      // Not in doubt: a valid body is 409; the fuzz sends only invalid ones.
      params: { id: w.pending.decisionId },
      query: {},
      body: { wentOut: true, note: "found in HubSpot's timeline" },
      required: ["wentOut", "note"],
      mustExist: ["id"],
      reviewsAgent: WRITER,
      invalid: [
        { wentOut: false, externalId: "hubspot:note:1", note: "not sent" },
        { wentOut: true, note: "" },
        { wentOut: "yes", note: "x" },
      ],
    },
    "POST /v1/outcomes": {
      params: {},
      query: {},
      body: { decisionId: w.pending.decisionId, type: "replied" },
      required: ["type"],
      invalid: [{ type: "replied" }, { email: "not-an-email", type: "replied" }],
    },
    "GET /v1/trust": { params: {}, query: {} },
    "PUT /v1/trust/{agentId}/{actionType}": {
      params: { agentId: WRITER, actionType: "email.send" },
      query: {},
      body: { level: 3, reason: "fuzz" },
      required: ["level", "reason"],
      mustExist: ["agentId", "actionType"],
      invalid: [
        { level: 4, reason: "fuzz" },
        { level: 3, reason: "" },
      ],
    },
    "GET /v1/specs/current": { params: {}, query: {} },
    "GET /v1/specs/{version}": {
      params: { version: String(w.specVersion) },
      query: {},
      mustExist: ["version"],
    },
    "POST /v1/specs": {
      params: {},
      query: {},
      body: variantSpec(),
      yaml: true,
      invalid: [[], "just a string", { name: "fuzz-variant" }],
    },
    "POST /v1/pauses": {
      params: {},
      query: {},
      body: { scope: "account", target: "fuzzco", reason: "fuzz" },
      required: ["scope", "reason"],
      invalid: [
        { scope: "global", target: "x", reason: "fuzz" },
        { scope: "channel", target: "pigeon", reason: "fuzz" },
        { scope: "account", target: "fuzzco", reason: "fuzz", until: iso(now - 1000) },
      ],
    },
    "GET /v1/pauses": { params: {}, query: {} },
    "DELETE /v1/pauses/{id}": { params: { id: w.pauseId }, query: {}, mustExist: ["id"] },
    "PUT /v1/accounts/{id}": {
      params: { id: "acme" },
      query: {},
      body: { ...acme, name: "Acme (fuzzed)" },
      required: ["name", "domain", "industry", "employees", "country", "timezone"],
      invalid: [
        { ...acme, timezone: "Mars/Olympus" },
        { ...acme, country: "USA" },
        { ...acme, employees: -1 },
        { ...acme, domain: "not a domain" },
      ],
    },
    "PUT /v1/people/{id}": {
      params: { id: "acme-jane" },
      query: {},
      body: { ...jane, title: "VP Sales (fuzzed)" },
      required: ["accountId", "email", "firstName", "lastName", "title"],
      invalid: [
        { ...jane, email: "jane" },
        { ...jane, linkedinUrl: "javascript:alert(1)" },
        { ...jane, linkedinUrl: "http://linkedin.com/in/jane" },
        { ...jane, linkedinUrl: "https://user:pw@linkedin.com/in/jane" },
        { ...jane, linkedinUrl: "data:text/html,<script>alert(1)</script>" },
      ],
    },
    "POST /v1/signals": {
      params: {},
      query: {},
      body: {
        signals: [
          {
            accountId: "acme",
            personId: "acme-jane",
            type: "pricing_page_visit",
            occurredAt: iso(now - 60_000),
          },
        ],
      },
      required: ["signals", "signals[0].accountId", "signals[0].type", "signals[0].occurredAt"],
      invalid: [
        { signals: [] },
        { signals: [{ accountId: "nobody", type: "pricing_page_visit", occurredAt: iso(now) }] },
      ],
    },
    "POST /v1/suppressions": {
      params: {},
      query: {},
      body: { kind: "email", value: "someone@acme.io", reason: "fuzz" },
      required: ["kind", "value", "reason"],
      invalid: [{ kind: "email", value: "someone@acme.io", reason: "fuzz", channels: [] }],
    },
    "POST /v1/agents/list-sync/run": { params: {}, query: {}, body: {} },
    "POST /v1/people/{id}/erase": {
      params: { id: "acme-bob" },
      query: {},
      body: { reason: "fuzz" },
      mustExist: ["id"],
      invalid: [{ reason: "" }, { reason: "x".repeat(201) }],
    },
    "POST /v1/erasures": {
      params: {},
      query: {},
      body: { email: "bob@globex.io", reason: "fuzz" },
      required: ["email"],
      invalid: [{ email: "bob@globex.io", personId: "globex-bob" }, { email: "bob" }],
    },
    "GET /v1/ledger/verify": { params: {}, query: { since: "2026-03-01" } },
    "GET /v1/reports/outcomes": {
      params: {},
      query: { by: "arm", from: iso(now - 7 * 86_400_000), to: iso(now) },
      requiredQuery: ["by"],
    },
    "POST /v1/admin/clock": {
      params: {},
      query: {},
      body: { advanceMs: 60_000 },
      invalid: [
        { advanceMs: 9e15 },
        { advanceMs: 60_000, set: iso(now) },
        { set: "0000-01-01T00:00:00Z" },
        { set: "+275760-09-13T00:00:00.000Z" },
        { set: "9999-12-31T23:59:59Z" },
        {},
      ],
    },
  };
}
