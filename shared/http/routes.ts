import type { ManualRunStatus } from "../agents/run-status.ts";
import type { MemoryStore } from "../kb/ports.ts";
import type { Deps } from "../ports.ts";
import type { Gate } from "../usecases/gate.ts";
import type { LedgerVerifyDeps } from "../usecases/ledger-verify.ts";
import type { Principal } from "../usecases/principal.ts";
import type { OutcomeRowReader } from "../usecases/reports.ts";
import { agentRoutes, type ContextReader } from "./agent-routes.ts";
import { AGENT_RUN_ROUTES } from "./agent-run-routes.ts";
import { CONSOLE_DECISION_ROUTES } from "./console-decision-routes.ts";
import { CONSOLE_ADMIN_ROUTES, type ConsoleReader } from "./console-routes.ts";
import { ERASE_ROUTES } from "./erase-routes.ts";
import { OPERATE_ROUTES, PAUSE_ROUTES, SPEC_ROUTES, TRUST_ROUTES } from "./groups/admin.ts";
import { DECISION_ROUTES } from "./groups/decisions.ts";
import { HEALTH_ROUTES } from "./groups/health.ts";
import { KNOWLEDGE_ROUTES } from "./groups/knowledge.ts";
import { PROPOSAL_ROUTES } from "./groups/proposals.ts";
import { REVIEW_ROUTES } from "./groups/reviews.ts";
import { SPEC_TEXT_ROUTES } from "./groups/specs.ts";
import { INDEX_ROUTES } from "./index-routes.ts";
import { KB_READ_ROUTES } from "./kb-read-routes.ts";
import { LEDGER_ROUTES } from "./ledger-routes.ts";
import type { BodyType } from "./media-type.ts";
import { MEMORY_ROUTES } from "./memory-routes.ts";
import type { RouteDoc } from "./openapi.ts";
import { REPLAY_ROUTES } from "./replay-routes.ts";
import { REPORT_ROUTES } from "./report-routes.ts";
import { matchRoute as matchIn } from "./route-match.ts";
import { CORRECTION_ROUTES, SPEC_STEER_ROUTES } from "./spec-routes.ts";
import { TOOL_ROUTES, type ToolCatalog } from "./tool-routes.ts";

export { authorize } from "./route-match.ts";

/** A clock the admin API may move: only present when the server runs with `--clock simulated`. */
export interface ClockControl {
  set(at: number): void;
  advance(ms: number): void;
}

/** Runs an agent on demand; present where agents run (the local runtime; an agent invoker in AWS). */
export interface AgentRunHook {
  /** `runId`: the run's id where the request names it (an Idempotency-Key): the same id runs once. */
  run(agentId: string, input: unknown, principal: Principal, runId?: string): Promise<unknown>;
  /** What became of a manual run (agents/run-status.ts); undefined when it has not started. */
  status(agentId: string, runId: string): Promise<ManualRunStatus | undefined>;
}

export interface AppDeps extends Deps {
  /** The gate: in AWS only the proposals function has one (shared/runtime/aws.ts). */
  gate: Pick<Gate, "propose">;
  agents?: AgentRunHook;
  clockControl?: ClockControl;
  /** Runs work after the response (the in-process bus locally; EventBridge targets in AWS). */
  afterResponse?: (work: () => Promise<unknown>) => void;
  /** Ledger verification and digests (ledger-routes.ts); absent where the archive is not reachable. */
  ledgerIntegrity?: LedgerVerifyDeps;
  /** What the outcomes report reads (report-routes.ts); absent: the report answers 404. */
  reports?: OutcomeRowReader;
  /** The console's index reads (console-routes.ts); absent: those routes answer 404. */
  consoleReads?: ConsoleReader;
  /** Where the web console is served, for the API index (`GET /v1`). */
  consoleUrl?: string;
  /** Context packets and memory search for agents (agent-routes.ts); absent: those routes answer 404. */
  knowledge?: ContextReader;
  /** Downstream MCP tools the spec maps to action types (tool-routes.ts); absent: none are listed. */
  tools?: ToolCatalog;
  /** Where POST /v1/memory adds documents (memory-routes.ts); absent: that route answers 404. */
  memory?: MemoryStore;
}

export interface ApiRequest {
  principal: Principal;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  rawBody: string;
  contentType: string;
  /** The request's Idempotency-Key header, as sent (the route that reads it validates it). */
  idempotencyKey?: string;
}

export interface RouteResult {
  status: number;
  body: unknown;
}

export type Role = "agent" | "approver" | "admin" | "viewer";

/**
 * Summaries and schemas for the OpenAPI document (openapi.ts), keyed by "METHOD /path": each route
 * module exports a function of its routes' docs beside them, and only route-docs.ts calls them
 * (test/unit/openapi.test.ts requires one for every route and a route for every one).
 */
export type RouteDocs = Record<`${Route["method"]} /${string}`, RouteDoc>;

export interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  /** The Lambda function that serves the route in AWS (one per group). */
  group:
    | "proposals"
    | "decisions"
    | "replay"
    | "reviews"
    | "admin"
    | "specs"
    | "knowledge"
    | "erasure"
    | "health";
  roles: Role[] | "public";
  /**
   * Lists with signed cursors: the group's function needs the pagination key (in AWS, read access
   * to its secret, CURSOR_KEY_SECRET_ARN). @default false
   */
  paginated?: boolean;
  /**
   * How a body may be written: JSON, and YAML where the route documents it. A body declared as any
   * other media type is answered 415 before the route runs (shared/http/media-type.ts). @default ["json"]
   */
  accepts?: readonly BodyType[];
  /**
   * How a YAML body is read, on the routes that accept YAML: carried by the route, so that only the
   * functions serving such routes bundle a YAML parser. test/unit/route-groups.test.ts requires it.
   */
  readYaml?: (text: string) => unknown;
  run: (req: ApiRequest, deps: AppDeps) => Promise<RouteResult>;
}

/**
 * The API's routes: the local server mounts them all; in AWS each group's function serves its own
 * table (groups/<group>.ts, the same route objects), so its bundle holds only those routes' code.
 */
export const ROUTES: Route[] = [
  ...HEALTH_ROUTES,
  ...INDEX_ROUTES,
  ...CONSOLE_DECISION_ROUTES,
  ...CONSOLE_ADMIN_ROUTES,
  ...PROPOSAL_ROUTES,
  ...DECISION_ROUTES,
  ...REVIEW_ROUTES,
  ...TRUST_ROUTES,
  ...SPEC_STEER_ROUTES,
  ...CORRECTION_ROUTES,
  ...SPEC_ROUTES,
  ...SPEC_TEXT_ROUTES,
  ...PAUSE_ROUTES,
  ...KNOWLEDGE_ROUTES,
  ...OPERATE_ROUTES,
  // After /v1/agents/list-sync/run, which keeps naming the manual list sync.
  ...AGENT_RUN_ROUTES,
  ...ERASE_ROUTES,
  ...LEDGER_ROUTES,
  ...REPLAY_ROUTES,
  ...REPORT_ROUTES,
  ...agentRoutes(),
  ...TOOL_ROUTES,
  ...MEMORY_ROUTES,
  ...KB_READ_ROUTES,
];

/** matchRoute of route-match.ts over every route unless told which (callers that hold no table). */
export const matchRoute = (method: string, path: string, routes: Route[] = ROUTES) =>
  matchIn(method, path, routes);
