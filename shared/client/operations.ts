/**
 * The API operations the typed client calls, each with the zod schemas the server's route documents
 * (the same objects, or the same shapes: test/unit/client-openapi.test.ts holds every entry to the
 * OpenAPI document the server publishes at /v1/openapi.json). Request and answer types are derived
 * from these schemas, so a change to a route's schema changes the client's types with it.
 */
import * as z from "zod";
import { ProposalInput } from "../domain/proposal.ts";
import { ContextPacketOut, ContextQuery, MemoryHitOut, MemorySearchQuery } from "../http/agent-routes.ts";
import {
  DecisionWithEvents,
  Health,
  list,
  OutcomeResult,
  ProposalResult,
  PublicDecision,
  page,
  SpecVersionOut,
  TrustView,
} from "../http/api-schemas.ts";
import {
  AccountPage,
  AudienceSnapshotOut,
  DoNotTargetOut,
  DoNotTargetQuery,
  KbPageQuery,
  LeadListPage,
  PeoplePage,
  RecordsOut,
  RecordsQuery,
  TemplateStatOut,
  TouchesOut,
  TouchesQuery,
} from "../http/kb-read-schemas.ts";
import { MemoryAdded } from "../http/memory-routes.ts";
import { MemoryInput } from "../usecases/add-memory.ts";
import { DecisionListQuery, NoteBody, OutcomeBody, ReviewBody, SettleBody } from "../usecases/schemas.ts";

/**
 * GET /v1/me's answer, the shape console-routes.ts documents (client-openapi.test.ts holds them equal).
 * Not imported from there: that module imports the whole route table dynamically (for
 * /v1/openapi.json), which in a bundle (the MCP function's) reorders zod's initialisation and breaks
 * it at load (test/infra/function-bundles-load.test.ts).
 */
const Me = z.object({ subject: z.string(), roles: z.array(z.string()) });

export interface Operation {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  query?: z.core.$ZodType;
  body?: z.core.$ZodType;
  response: z.core.$ZodType;
}

export const OPERATIONS = {
  health: { method: "GET", path: "/v1/health", response: Health },
  me: { method: "GET", path: "/v1/me", response: Me },
  propose: { method: "POST", path: "/v1/proposals", body: ProposalInput, response: ProposalResult },
  getDecision: { method: "GET", path: "/v1/decisions/{id}", response: DecisionWithEvents },
  listDecisions: {
    method: "GET",
    path: "/v1/decisions",
    query: DecisionListQuery,
    response: page(PublicDecision),
  },
  agentDecision: { method: "GET", path: "/v1/agents/{agentId}/decisions/{id}", response: PublicDecision },
  agentTrust: { method: "GET", path: "/v1/agents/{agentId}/trust", response: list(TrustView) },
  context: { method: "GET", path: "/v1/context", query: ContextQuery, response: ContextPacketOut },
  searchMemory: {
    method: "GET",
    path: "/v1/memory/search",
    query: MemorySearchQuery,
    response: list(MemoryHitOut),
  },
  addMemory: { method: "POST", path: "/v1/memory", body: MemoryInput, response: MemoryAdded },
  currentSpec: { method: "GET", path: "/v1/specs/current", response: SpecVersionOut },
  recordOutcome: { method: "POST", path: "/v1/outcomes", body: OutcomeBody, response: OutcomeResult },
  approve: {
    method: "POST",
    path: "/v1/decisions/{id}/approve",
    body: ReviewBody,
    response: PublicDecision,
  },
  reject: { method: "POST", path: "/v1/decisions/{id}/reject", body: NoteBody, response: PublicDecision },
  veto: { method: "POST", path: "/v1/decisions/{id}/veto", body: NoteBody, response: PublicDecision },
  settle: {
    method: "POST",
    path: "/v1/decisions/{id}/settle",
    body: SettleBody,
    response: PublicDecision,
  },
  // The knowledge-base reads of the built-in agents (kb-read-routes.ts), for one run out of process.
  kbAccounts: { method: "GET", path: "/v1/kb/accounts", query: KbPageQuery, response: AccountPage },
  kbRecords: { method: "GET", path: "/v1/kb/records", query: RecordsQuery, response: RecordsOut },
  kbTouches: { method: "GET", path: "/v1/kb/touches", query: TouchesQuery, response: TouchesOut },
  kbPeople: {
    method: "GET",
    path: "/v1/kb/accounts/{id}/people",
    query: KbPageQuery,
    response: PeoplePage,
  },
  kbDoNotTarget: {
    method: "GET",
    path: "/v1/kb/accounts/{id}/do-not-target",
    query: DoNotTargetQuery,
    response: DoNotTargetOut,
  },
  kbLeadList: {
    method: "GET",
    path: "/v1/kb/lead-lists/{date}",
    query: KbPageQuery,
    response: LeadListPage,
  },
  kbAudiences: { method: "GET", path: "/v1/kb/audiences", response: list(AudienceSnapshotOut) },
  kbTemplateStats: { method: "GET", path: "/v1/kb/template-stats", response: list(TemplateStatOut) },
  kbDecision: { method: "GET", path: "/v1/kb/decisions/{id}", response: PublicDecision },
} as const satisfies Record<string, Operation>;

export type Operations = typeof OPERATIONS;
export type OperationName = keyof Operations;
