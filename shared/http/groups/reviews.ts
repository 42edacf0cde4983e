/**
 * The reviews group: humans approving, rejecting, vetoing, correcting and settling what was left in
 * doubt; outcomes recorded by hand.
 */
import { publicDecision } from "../../domain/decision.ts";
import { parseWith } from "../../domain/validation.ts";
import { approve, execute, reject, veto } from "../../usecases/lifecycle.ts";
import { recordOutcome } from "../../usecases/outcomes.ts";
import { NoteBody, OutcomeBody, pageQuery, ReviewBody, SettleBody } from "../../usecases/schemas.ts";
import { settleInDoubt } from "../../usecases/settle-in-doubt.ts";
import { OutcomeResult, PublicDecision, page as pageOf } from "../api-schemas.ts";
import { ok, param, READERS } from "../route-helpers.ts";
import type { Route, RouteDocs } from "../routes.ts";
import { CORRECTION_ROUTES } from "../spec-routes.ts";

export const REVIEW_ROUTES: Route[] = [
  {
    method: "GET",
    path: "/v1/approvals",
    group: "reviews",
    roles: READERS,
    paginated: true,
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
    run: async (req, deps) =>
      ok(
        publicDecision(
          await veto(deps, param(req, "id"), parseWith(NoteBody, req.body ?? {}), req.principal),
        ),
      ),
  },
  {
    method: "POST",
    path: "/v1/decisions/{id}/settle",
    group: "reviews",
    roles: ["approver", "admin"],
    run: async (req, deps) =>
      ok(
        publicDecision(
          await settleInDoubt(deps, param(req, "id"), parseWith(SettleBody, req.body), req.principal),
        ),
      ),
  },
  {
    method: "POST",
    path: "/v1/outcomes",
    group: "reviews",
    roles: ["admin"],
    run: async (req, deps) =>
      ok(await recordOutcome(deps, parseWith(OutcomeBody, req.body), req.principal), 201),
  },
];

/** The reviews group's function serves these, in the order of ROUTES (first match wins). */
export const REVIEWS_TABLE: Route[] = [...REVIEW_ROUTES, ...CORRECTION_ROUTES];

/**
 * What the OpenAPI description says of each route above (route-docs.ts): a function that only the
 * description calls, so no Lambda bundle carries the docs or the schemas they alone name.
 */
export const reviewsGroupDocs = (): RouteDocs => ({
  "GET /v1/approvals": {
    summary: "Decisions waiting for a human (level 1)",
    query: pageQuery(50),
    response: pageOf(PublicDecision),
  },
  "POST /v1/decisions/{id}/approve": {
    summary: "Approve, or edit then approve (payload)",
    body: ReviewBody,
    response: PublicDecision,
  },
  "POST /v1/decisions/{id}/reject": {
    summary: "Reject a pending decision",
    body: NoteBody,
    bodyOptional: true,
    response: PublicDecision,
  },
  "POST /v1/decisions/{id}/veto": {
    summary: "Veto a scheduled (level 2) decision inside its window",
    body: NoteBody,
    bodyOptional: true,
    response: PublicDecision,
  },
  "POST /v1/decisions/{id}/settle": {
    summary:
      "Settle an action left in doubt: it went out (executed) or it did not (failed, reservation released)",
    body: SettleBody,
    response: PublicDecision,
  },
  "POST /v1/outcomes": {
    summary: "Record an outcome (reply, meeting, bounce, ...)",
    body: OutcomeBody,
    response: OutcomeResult,
    status: 201,
  },
});
