/**
 * The admin group: trust, specs, pauses, manual runs, the simulated clock, the ledger's integrity.
 */
import { SIMULATED_CLOCK_RANGE } from "../../adapters/local/clock.ts";
import { NotFoundError } from "../../domain/errors.ts";
import { iso } from "../../domain/time.ts";
import { parseWith } from "../../domain/validation.ts";
import * as z from "../../domain/zod-mini.ts";
import { createPause, getSpec } from "../../usecases/admin.ts";
import { PathActionType, PauseBody, PinBody, pageQuery } from "../../usecases/schemas.ts";
import { describeTrust, pinKnownAgent } from "../../usecases/trust.ts";
import { AGENT_ADMIN_ROUTES } from "../agent-routes.ts";
import { AGENT_RUN_ROUTES, IDEMPOTENCY_HEADER, runNow } from "../agent-run-routes.ts";
import {
  AgentRun,
  ClockOut,
  Lifted,
  list,
  PauseOut,
  page as pageOf,
  SpecVersionOut,
  TrustView,
} from "../api-schemas.ts";
import { CONSOLE_ADMIN_ROUTES } from "../console-routes.ts";
import { LEDGER_ROUTES } from "../ledger-routes.ts";
import { ok, param, READERS } from "../route-helpers.ts";
import type { Route, RouteDocs } from "../routes.ts";
import { SPEC_STEER_ROUTES } from "../spec-routes.ts";

const R = SIMULATED_CLOCK_RANGE;
const ClockBody = z
  .strictObject({
    advanceMs: z.optional(z.number().check(z.int(), z.positive(), z.lte(R.maxAdvanceMs))),
    set: z.optional(
      z.iso.datetime({ offset: true }).check(
        z.refine((s) => Date.parse(s) >= R.min && Date.parse(s) <= R.max, {
          message: `must be between ${iso(R.min)} and ${iso(R.max)}`,
        }),
      ),
    ),
  })
  .check(
    z.refine((b) => (b.advanceMs === undefined) !== (b.set === undefined), {
      message: "give exactly one of advanceMs, set",
      path: ["advanceMs"],
    }),
  );
const SpecVersionParam = z.coerce.number().check(z.int(), z.positive());

export const TRUST_ROUTES: Route[] = [
  {
    method: "GET",
    path: "/v1/trust",
    group: "admin",
    roles: READERS,
    paginated: true,
    run: async (req, deps) => {
      const q = parseWith(pageQuery(50), req.query);
      const spec = await getSpec(deps, "current");
      const page = await deps.trust.list({ limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) });
      const now = deps.clock.now();
      return ok({ items: page.items.map((r) => describeTrust(r, spec, now)), cursor: page.cursor ?? null });
    },
  },
  {
    method: "PUT",
    path: "/v1/trust/{agentId}/{actionType}",
    group: "admin",
    roles: ["admin"],
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
      return ok(describeTrust(record, spec, deps.clock.now()));
    },
  },
];

export const SPEC_ROUTES: Route[] = [
  {
    method: "GET",
    path: "/v1/specs/current",
    group: "admin",
    // Agents read the rules they are held to (the built-in ones do through the knowledge view).
    roles: ["agent", ...READERS],
    run: async (_req, deps) => ok(await getSpec(deps, "current")),
  },
  {
    method: "GET",
    path: "/v1/specs/{version}",
    group: "admin",
    roles: READERS,
    run: async (req, deps) =>
      ok(await getSpec(deps, parseWith(SpecVersionParam, req.params.version, "version"))),
  },
];

export const PAUSE_ROUTES: Route[] = [
  {
    method: "POST",
    path: "/v1/pauses",
    group: "admin",
    roles: ["admin"],
    run: async (req, deps) => ok(await createPause(deps, req.body, req.principal), 201),
  },
  {
    method: "GET",
    path: "/v1/pauses",
    group: "admin",
    roles: READERS,
    run: async (_req, deps) => ok({ items: await deps.pauses.list() }),
  },
  {
    method: "DELETE",
    path: "/v1/pauses/{id}",
    group: "admin",
    roles: ["admin"],
    run: async (req, deps) =>
      ok({
        lifted: await deps.pauses.remove(param(req, "id"), req.principal.subject, iso(deps.clock.now())),
      }),
  },
];

export const OPERATE_ROUTES: Route[] = [
  {
    method: "POST",
    path: "/v1/agents/list-sync/run",
    group: "admin",
    roles: ["admin"],
    run: (req, deps) => runNow("manual-list-sync", req, deps),
  },
  {
    method: "POST",
    path: "/v1/admin/clock",
    group: "admin",
    roles: ["admin"],
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
];

/** The admin group's function serves these, in the order of ROUTES (first match wins). */
export const ADMIN_TABLE: Route[] = [
  ...CONSOLE_ADMIN_ROUTES,
  ...TRUST_ROUTES,
  ...SPEC_STEER_ROUTES,
  ...SPEC_ROUTES,
  ...PAUSE_ROUTES,
  ...OPERATE_ROUTES,
  ...AGENT_RUN_ROUTES,
  ...LEDGER_ROUTES,
  ...AGENT_ADMIN_ROUTES,
];

/**
 * What the OpenAPI description says of each route above (route-docs.ts): a function that only the
 * description calls, so no Lambda bundle carries the docs or the schemas they alone name.
 */
export const adminGroupDocs = (): RouteDocs => ({
  "GET /v1/trust": {
    summary: "Trust and autonomy level per agent × action type",
    query: pageQuery(50),
    response: pageOf(TrustView),
  },
  "PUT /v1/trust/{agentId}/{actionType}": {
    summary: "Pin a level (or unpin with level null)",
    params: { actionType: PathActionType },
    body: PinBody,
    response: TrustView,
  },
  "GET /v1/specs/current": { summary: "The spec in force", response: SpecVersionOut },
  "GET /v1/specs/{version}": {
    summary: "One spec version",
    params: { version: SpecVersionParam },
    response: SpecVersionOut,
  },
  "POST /v1/pauses": {
    summary: "Pause (kill switch): global, agent, channel or account",
    body: PauseBody,
    response: PauseOut,
    status: 201,
  },
  "GET /v1/pauses": { summary: "Pauses in force", response: list(PauseOut) },
  "DELETE /v1/pauses/{id}": { summary: "Lift (resume) a pause", response: Lifted },
  "POST /v1/agents/list-sync/run": {
    summary: "Run the list-sync agent now",
    body: z.looseObject({}),
    bodyOptional: true,
    headers: IDEMPOTENCY_HEADER,
    response: AgentRun,
    status: 202,
  },
  "POST /v1/admin/clock": {
    summary: "Move the simulated clock (--clock simulated only)",
    body: ClockBody,
    response: ClockOut,
  },
});
