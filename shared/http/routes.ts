import * as z from "zod";
import { SIMULATED_CLOCK_RANGE } from "../adapters/local/clock.ts";
import { publicDecision } from "../domain/decision.ts";
import {
  type FieldIssue,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from "../domain/errors.ts";
import { AccountInput, PersonInput, SignalsBody, SuppressionInput } from "../domain/kb.ts";
import { ProposalInput } from "../domain/proposal.ts";
import { SpecSchema } from "../domain/spec-schema.ts";
import { iso } from "../domain/time.ts";
import { parseWith } from "../domain/validation.ts";
import type { MemoryStore } from "../kb/ports.ts";
import type { Deps } from "../ports.ts";
import {
  addSignals,
  addSuppression,
  createPause,
  getSpec,
  publishSpec,
  putAccount,
  putPerson,
} from "../usecases/admin.ts";
import { explain } from "../usecases/explain.ts";
import type { Gate } from "../usecases/gate.ts";
import type { LedgerVerifyDeps } from "../usecases/ledger-verify.ts";
import { approve, execute, reject, veto } from "../usecases/lifecycle.ts";
import { recordOutcome } from "../usecases/outcomes.ts";
import { type Principal, requireRole } from "../usecases/principal.ts";
import type { OutcomeRowReader } from "../usecases/reports.ts";
import {
  DecisionListQuery,
  ExplainQuery,
  NoteBody,
  OutcomeBody,
  PathActionType,
  PathId,
  PauseBody,
  PinBody,
  pageQuery,
  ReviewBody,
} from "../usecases/schemas.ts";
import { describeTrust, pinKnownAgent } from "../usecases/trust.ts";
import { AGENT_ROUTES, type ContextReader } from "./agent-routes.ts";
import { AGENT_RUN_ROUTES } from "./agent-run-routes.ts";
import {
  Accepted,
  AccountOut,
  AgentRun,
  ClockOut,
  DecisionWithEvents,
  ExplainOut,
  Health,
  Lifted,
  list,
  OutcomeResult,
  PauseOut,
  PersonOut,
  ProposalResult,
  PublicDecision,
  page as pageOf,
  SpecVersionOut,
  SuppressionResult,
  TrustView,
} from "./api-schemas.ts";
import { CONSOLE_ROUTES, type ConsoleReader } from "./console-routes.ts";
import { ERASE_ROUTES } from "./erase-routes.ts";
import { LEDGER_ROUTES } from "./ledger-routes.ts";
import type { BodyType } from "./media-type.ts";
import { MEMORY_ROUTES } from "./memory-routes.ts";
import type { RouteDoc } from "./openapi.ts";
import { REPLAY_ROUTES } from "./replay-routes.ts";
import { REPORT_ROUTES } from "./report-routes.ts";
import { SPEC_STEER_ROUTES } from "./spec-routes.ts";
import { TOOL_ROUTES, type ToolCatalog } from "./tool-routes.ts";

/** A clock the admin API may move: only present when the server runs with `--clock simulated`. */
export interface ClockControl {
  set(at: number): void;
  advance(ms: number): void;
}

/** Runs an agent on demand; present where agents run (the local runtime; an agent invoker in AWS). */
export interface AgentRunHook {
  run(agentId: string, input: unknown, principal: Principal): Promise<unknown>;
}

export interface AppDeps extends Deps {
  gate: Gate;
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
}

export interface RouteResult {
  status: number;
  body: unknown;
}

export type Role = "agent" | "approver" | "admin" | "viewer";

export interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  /** The Lambda function that serves the route in AWS (one per group). */
  group: "proposals" | "decisions" | "reviews" | "admin" | "knowledge" | "health";
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
  /** Summary and schemas for the OpenAPI document (openapi.ts); test/unit/openapi.test.ts requires it. */
  doc?: RouteDoc;
  run: (req: ApiRequest, deps: AppDeps) => Promise<RouteResult>;
}

const R = SIMULATED_CLOCK_RANGE;
const ClockBody = z
  .object({
    advanceMs: z.number().int().positive().max(R.maxAdvanceMs).optional(),
    set: z.iso
      .datetime({ offset: true })
      .refine((s) => Date.parse(s) >= R.min && Date.parse(s) <= R.max, {
        message: `must be between ${iso(R.min)} and ${iso(R.max)}`,
      })
      .optional(),
  })
  .strict()
  .refine((b) => (b.advanceMs === undefined) !== (b.set === undefined), {
    message: "give exactly one of advanceMs, set",
    path: ["advanceMs"],
  });
const SpecVersionParam = z.coerce.number().int().positive();

const READERS: Role[] = ["viewer", "approver", "admin"];
const ok = (body: unknown, status = 200): RouteResult => ({ status, body });
const param = (req: ApiRequest, name: string, schema: z.ZodType<string> = PathId) =>
  parseWith(schema, req.params[name], name);

/** The API's routes: the local server and API Gateway (issue: AWS deployment) are built from this one table. */
export const ROUTES: Route[] = [
  {
    method: "GET",
    path: "/v1/health",
    group: "health",
    roles: "public",
    doc: { summary: "Liveness: the server answers", response: Health },
    run: async (_req, deps) => ok({ status: "ok", time: iso(deps.clock.now()) }),
  },
  ...CONSOLE_ROUTES,
  {
    method: "POST",
    path: "/v1/proposals",
    group: "proposals",
    roles: ["agent"],
    doc: {
      summary: "Propose an action: the gate decides and records it",
      body: ProposalInput,
      response: ProposalResult,
      status: [201, 200],
    },
    run: async (req, deps) => {
      const { decision, replay } = await deps.gate.propose(req.body, req.principal);
      // Allowed actions are executed by the worker subscribed to "decision.made" (EventBridge rule in
      // AWS, the same route on the local bus).
      return ok({ ...publicDecision(decision), replay }, replay ? 200 : 201);
    },
  },
  {
    method: "GET",
    path: "/v1/decisions/{id}",
    group: "decisions",
    roles: READERS,
    doc: { summary: "A decision with its ledger timeline", response: DecisionWithEvents },
    run: async (req, deps) => {
      const id = param(req, "id");
      const d = await deps.decisions.getDecision(id);
      if (!d) throw new NotFoundError(`decision ${id} does not exist`);
      return ok({ ...publicDecision(d), events: await deps.decisions.events(`DECISION#${id}`) });
    },
  },
  {
    method: "GET",
    path: "/v1/decisions",
    group: "decisions",
    roles: READERS,
    paginated: true,
    doc: {
      summary:
        "Decisions by account, person, agent or status, optionally narrowed by verdict and spec version",
      query: DecisionListQuery,
      response: pageOf(PublicDecision),
    },
    run: async (req, deps) => {
      const q = parseWith(DecisionListQuery, req.query);
      const page = await deps.decisions.queryDecisions({
        limit: q.limit,
        ...(q.accountId ? { accountId: q.accountId } : {}),
        ...(q.personId ? { personId: q.personId } : {}),
        ...(q.agentId ? { agentId: q.agentId } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.verdict ? { verdict: q.verdict } : {}),
        ...(q.specVersion ? { specVersion: q.specVersion } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
      });
      return ok({ items: page.items.map(publicDecision), cursor: page.cursor ?? null });
    },
  },
  {
    method: "GET",
    path: "/v1/explain",
    group: "decisions",
    roles: READERS,
    doc: {
      summary: "Why did you contact me? By email or person id",
      query: ExplainQuery,
      response: ExplainOut,
    },
    run: async (req, deps) => {
      const q = parseWith(ExplainQuery, req.query);
      return ok(
        await explain(deps, {
          ...(q.personId ? { personId: q.personId } : {}),
          ...(q.email ? { email: q.email } : {}),
        }),
      );
    },
  },
  {
    method: "GET",
    path: "/v1/approvals",
    group: "reviews",
    roles: READERS,
    paginated: true,
    doc: {
      summary: "Decisions waiting for a human (level 1)",
      query: pageQuery(50),
      response: pageOf(PublicDecision),
    },
    run: async (req, deps) => {
      const q = parseWith(pageQuery(50), req.query);
      const page = await deps.decisions.queryDecisions({
        status: "pending_approval",
        limit: q.limit,
        ...(q.cursor ? { cursor: q.cursor } : {}),
      });
      return ok({ items: page.items.map(publicDecision), cursor: page.cursor ?? null });
    },
  },
  {
    method: "POST",
    path: "/v1/decisions/{id}/approve",
    group: "reviews",
    roles: ["approver", "admin"],
    doc: { summary: "Approve, or edit then approve (payload)", body: ReviewBody, response: PublicDecision },
    run: async (req, deps) => {
      const body = parseWith(ReviewBody, req.body ?? {});
      const d = await approve(deps, param(req, "id"), body, req.principal);
      if (d.status === "dispatched") deps.afterResponse?.(() => execute(deps, d.decisionId));
      return ok(publicDecision(d));
    },
  },
  {
    method: "POST",
    path: "/v1/decisions/{id}/reject",
    group: "reviews",
    roles: ["approver", "admin"],
    doc: {
      summary: "Reject a pending decision",
      body: NoteBody,
      bodyOptional: true,
      response: PublicDecision,
    },
    run: async (req, deps) =>
      ok(
        publicDecision(
          await reject(deps, param(req, "id"), parseWith(NoteBody, req.body ?? {}), req.principal),
        ),
      ),
  },
  {
    method: "POST",
    path: "/v1/decisions/{id}/veto",
    group: "reviews",
    roles: ["approver", "admin"],
    doc: {
      summary: "Veto a scheduled (level 2) decision inside its window",
      body: NoteBody,
      bodyOptional: true,
      response: PublicDecision,
    },
    run: async (req, deps) =>
      ok(
        publicDecision(
          await veto(deps, param(req, "id"), parseWith(NoteBody, req.body ?? {}), req.principal),
        ),
      ),
  },
  {
    method: "POST",
    path: "/v1/outcomes",
    group: "reviews",
    roles: ["admin"],
    doc: {
      summary: "Record an outcome (reply, meeting, bounce, ...)",
      body: OutcomeBody,
      response: OutcomeResult,
      status: 201,
    },
    run: async (req, deps) =>
      ok(await recordOutcome(deps, parseWith(OutcomeBody, req.body), req.principal), 201),
  },
  {
    method: "GET",
    path: "/v1/trust",
    group: "admin",
    roles: READERS,
    paginated: true,
    doc: {
      summary: "Trust and autonomy level per agent × action type",
      query: pageQuery(50),
      response: pageOf(TrustView),
    },
    run: async (req, deps) => {
      const q = parseWith(pageQuery(50), req.query);
      const spec = await getSpec(deps, "current");
      const page = await deps.trust.list({ limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) });
      return ok({ items: page.items.map((r) => describeTrust(r, spec)), cursor: page.cursor ?? null });
    },
  },
  {
    method: "PUT",
    path: "/v1/trust/{agentId}/{actionType}",
    group: "admin",
    roles: ["admin"],
    doc: {
      summary: "Pin a level (or unpin with level null)",
      params: { actionType: PathActionType },
      body: PinBody,
      response: TrustView,
    },
    run: async (req, deps) => {
      const body = parseWith(PinBody, req.body);
      const spec = await getSpec(deps, "current");
      const record = await pinKnownAgent(
        deps,
        spec,
        param(req, "agentId"),
        param(req, "actionType", PathActionType),
        body.level,
        body.reason,
        req.principal.subject,
      );
      return ok(describeTrust(record, spec));
    },
  },
  ...SPEC_STEER_ROUTES,
  {
    method: "GET",
    path: "/v1/specs/current",
    group: "admin",
    // Agents read the rules they are held to (the built-in ones do through the knowledge view).
    roles: ["agent", ...READERS],
    doc: { summary: "The spec in force", response: SpecVersionOut },
    run: async (_req, deps) => ok(await getSpec(deps, "current")),
  },
  {
    method: "GET",
    path: "/v1/specs/{version}",
    group: "admin",
    roles: READERS,
    doc: { summary: "One spec version", params: { version: SpecVersionParam }, response: SpecVersionOut },
    run: async (req, deps) =>
      ok(await getSpec(deps, parseWith(SpecVersionParam, req.params.version, "version"))),
  },
  {
    method: "POST",
    path: "/v1/specs",
    group: "admin",
    roles: ["admin"],
    // README: "publish YAML (content-type: application/yaml) or JSON".
    accepts: ["json", "yaml"],
    doc: {
      summary: "Publish a spec (YAML or JSON); the same content again is a no-op",
      body: SpecSchema,
      response: SpecVersionOut.extend({ created: z.boolean() }),
      status: [201, 200],
    },
    run: async (req, deps) => {
      // createApi parsed the body, YAML or JSON, and held it to the JSON limits.
      if (req.body === undefined || req.body === null)
        throw new ValidationError([{ path: "body", message: "a spec as YAML or JSON is required" }]);
      const { spec, created } = await publishSpec(deps, req.body, req.principal.subject);
      return ok({ ...spec, created }, created ? 201 : 200);
    },
  },
  {
    method: "POST",
    path: "/v1/pauses",
    group: "admin",
    roles: ["admin"],
    doc: {
      summary: "Pause (kill switch): global, agent, channel or account",
      body: PauseBody,
      response: PauseOut,
      status: 201,
    },
    run: async (req, deps) => ok(await createPause(deps, req.body, req.principal), 201),
  },
  {
    method: "GET",
    path: "/v1/pauses",
    group: "admin",
    roles: READERS,
    doc: { summary: "Pauses in force", response: list(PauseOut) },
    run: async (_req, deps) => ok({ items: await deps.pauses.list() }),
  },
  {
    method: "DELETE",
    path: "/v1/pauses/{id}",
    group: "admin",
    roles: ["admin"],
    doc: { summary: "Lift (resume) a pause", response: Lifted },
    run: async (req, deps) =>
      ok({
        lifted: await deps.pauses.remove(param(req, "id"), req.principal.subject, iso(deps.clock.now())),
      }),
  },
  {
    method: "PUT",
    path: "/v1/accounts/{id}",
    group: "knowledge",
    roles: ["admin"],
    doc: { summary: "Create or replace an account", body: AccountInput, response: AccountOut },
    run: async (req, deps) => ok(await putAccount(deps, param(req, "id"), req.body)),
  },
  {
    method: "PUT",
    path: "/v1/people/{id}",
    group: "knowledge",
    roles: ["admin"],
    doc: { summary: "Create or replace a person", body: PersonInput, response: PersonOut },
    run: async (req, deps) => ok(await putPerson(deps, param(req, "id"), req.body)),
  },
  {
    method: "POST",
    path: "/v1/signals",
    group: "knowledge",
    roles: ["admin"],
    doc: { summary: "Add intent signals", body: SignalsBody, response: Accepted, status: 201 },
    run: async (req, deps) => ok(await addSignals(deps, req.body), 201),
  },
  {
    method: "POST",
    path: "/v1/suppressions",
    group: "knowledge",
    roles: ["admin"],
    doc: {
      summary: "Suppress a person, email, domain or account",
      body: SuppressionInput,
      response: SuppressionResult,
      status: 201,
    },
    run: async (req, deps) => ok(await addSuppression(deps, req.body), 201),
  },
  {
    method: "POST",
    path: "/v1/agents/list-sync/run",
    group: "admin",
    roles: ["admin"],
    doc: {
      summary: "Run the list-sync agent now",
      body: z.object({}).loose(),
      bodyOptional: true,
      response: AgentRun,
      status: 202,
    },
    run: async (req, deps) => {
      if (!deps.agents) throw new NotFoundError("agents do not run in this deployment");
      return ok(await deps.agents.run("manual-list-sync", req.body ?? {}, req.principal), 202);
    },
  },
  {
    method: "POST",
    path: "/v1/admin/clock",
    group: "admin",
    roles: ["admin"],
    doc: {
      summary: "Move the simulated clock (--clock simulated only)",
      body: ClockBody,
      response: ClockOut,
    },
    run: async (req, deps) => {
      if (!deps.clockControl)
        throw new NotFoundError("the clock can only be moved when the server runs with --clock simulated");
      const body = parseWith(ClockBody, req.body);
      // The clock re-checks its range: an advance from near the end must not carry it past.
      if (body.set) deps.clockControl.set(Date.parse(body.set));
      if (body.advanceMs) deps.clockControl.advance(body.advanceMs);
      return ok({ now: iso(deps.clock.now()) });
    },
  },
  // After /v1/agents/list-sync/run, which keeps naming the manual list sync.
  ...AGENT_RUN_ROUTES,
  ...ERASE_ROUTES,
  ...LEDGER_ROUTES,
  ...REPLAY_ROUTES,
  ...REPORT_ROUTES,
  ...AGENT_ROUTES,
  ...TOOL_ROUTES,
  ...MEMORY_ROUTES,
];

/**
 * `/v1/decisions/{id}/approve` -> a matcher returning the path parameters. Throws a ValidationError
 * naming the parameter when a segment cannot be percent-decoded: the route is known by then, and
 * the answer (400) does not depend on who asks.
 */
export function matchRoute(
  method: string,
  path: string,
  routes: Route[] = ROUTES,
): { route: Route; params: Record<string, string> } | { allowed: string[] } | undefined {
  const allowed: string[] = [];
  for (const route of routes) {
    const names: string[] = [];
    const pattern = new RegExp(
      `^${route.path.replace(/\{(\w+)\}/g, (_m, n: string) => {
        names.push(n);
        return "([^/]+)";
      })}$`,
    );
    const m = pattern.exec(path);
    if (!m) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    const params: Record<string, string> = {};
    const issues: FieldIssue[] = [];
    names.forEach((n, i) => {
      const raw = m[i + 1] ?? "";
      try {
        params[n] = decodeURIComponent(raw);
      } catch {
        // A stray % or an escape that is not UTF-8: the client's mistake, named, whoever calls.
        issues.push({ path: n, message: "not a valid percent-encoded path segment" });
      }
    });
    if (issues.length > 0) throw new ValidationError(issues);
    return { route, params };
  }
  return allowed.length ? { allowed } : undefined;
}

/**
 * The caller for a route. `rejected` says why a credential the request carried was refused (an
 * unknown or revoked token): it matters only on routes that need a caller, never on public ones.
 */
export function authorize(route: Route, principal: Principal | undefined, rejected?: string): Principal {
  if (route.roles === "public") return principal ?? { subject: "anonymous", roles: [] };
  if (rejected) throw new UnauthorizedError(rejected);
  if (!principal) throw new UnauthorizedError("a bearer token is required");
  const roles = route.roles;
  if (roles.includes("agent") && principal.roles.some((r) => r.startsWith("agent:"))) return principal;
  const humanRoles = roles.filter((r) => r !== "agent");
  if (humanRoles.length === 0) throw new ForbiddenError("requires an agent credential");
  requireRole(principal, ...humanRoles);
  return principal;
}
