import { parseWith } from "../domain/validation.ts";
import * as z from "../domain/zod-mini.ts";
import {
  CloseBody,
  CorrectionBody,
  closeDraft,
  correctDecision,
  DraftListQuery,
  getDraft,
  listDrafts,
} from "../usecases/drafts.ts";
import { draftFlips, FlipsQuery, listFlips } from "../usecases/flips.ts";
import { PathId } from "../usecases/schemas.ts";
import { DraftOut, FlipsOut, page } from "./api-schemas.ts";
import type { ApiRequest, Route, RouteDocs } from "./routes.ts";

const READERS: Route["roles"] = ["viewer", "approver", "admin"];
const id = (req: ApiRequest) => parseWith(PathId, req.params.id, "id");
const VersionParam = z.coerce.number().check(z.int(), z.positive());
const version = (req: ApiRequest) => parseWith(VersionParam, req.params.version, "version");

/**
 * Steering (issue 8): flip sets of shadow rules, corrections that become draft rules, and drafts
 * confirmed or discarded. Spread into ROUTES before `/v1/specs/{version}`: routes match in order, and
 * `/v1/specs/drafts` would otherwise be taken for a version.
 */
export const SPEC_STEER_ROUTES: Route[] = [
  {
    method: "GET",
    path: "/v1/specs/{version}/flips",
    group: "admin",
    roles: READERS,
    paginated: true,
    run: async (req, deps) => ({ status: 200, body: await listFlips(deps, version(req), req.query) }),
  },
  {
    method: "GET",
    path: "/v1/specs/drafts",
    group: "admin",
    roles: ["admin"],
    paginated: true,
    run: async (req, deps) => ({ status: 200, body: await listDrafts(deps, req.query) }),
  },
  {
    method: "GET",
    path: "/v1/specs/drafts/{id}",
    group: "admin",
    roles: ["admin"],
    run: async (req, deps) => {
      const draft = await getDraft(deps, id(req));
      return { status: 200, body: { ...draft, flips: await draftFlips(deps, draft) } };
    },
  },
  {
    method: "POST",
    path: "/v1/specs/drafts/{id}/confirm",
    group: "admin",
    roles: ["admin"],
    run: async (req, deps) => {
      const { draft, changed } = await closeDraft(deps, id(req), "confirmed", req.body, req.principal);
      return { status: 200, body: { ...draft, changed } };
    },
  },
  {
    method: "POST",
    path: "/v1/specs/drafts/{id}/discard",
    group: "admin",
    roles: ["admin"],
    run: async (req, deps) => {
      const { draft, changed } = await closeDraft(deps, id(req), "discarded", req.body, req.principal);
      return { status: 200, body: { ...draft, changed } };
    },
  },
];

/** A review turned into a draft rule: the reviews group's (groups/reviews.ts), beside its reviews. */
export const CORRECTION_ROUTES: Route[] = [
  {
    method: "POST",
    path: "/v1/decisions/{id}/corrections",
    group: "reviews",
    roles: ["approver", "admin"],
    run: async (req, deps) => {
      const { draft, created } = await correctDecision(deps, id(req), req.body, req.principal);
      return { status: created ? 201 : 200, body: { ...draft, created } };
    },
  },
];

/**
 * What the OpenAPI description says of each route above (route-docs.ts): a function that only the
 * description calls, so no Lambda bundle carries the docs or the schemas they alone name.
 */
export const specRouteDocs = (): RouteDocs => ({
  "GET /v1/specs/{version}/flips": {
    summary: "A shadow rule's flip set",
    params: { version: VersionParam },
    query: FlipsQuery,
    response: FlipsOut,
  },
  "GET /v1/specs/drafts": {
    summary: "Draft rules (from corrections and patterns)",
    query: DraftListQuery,
    response: page(DraftOut),
  },
  "GET /v1/specs/drafts/{id}": { summary: "A draft with its flips", response: DraftOut },
  "POST /v1/specs/drafts/{id}/confirm": {
    summary: "Confirm a draft: its rule is enforced",
    body: CloseBody,
    bodyOptional: true,
    response: DraftOut,
  },
  "POST /v1/specs/drafts/{id}/discard": {
    summary: "Discard a draft",
    body: CloseBody,
    bodyOptional: true,
    response: DraftOut,
  },
  "POST /v1/decisions/{id}/corrections": {
    summary: "Turn a review into a draft rule in shadow",
    body: CorrectionBody,
    response: DraftOut,
    status: [201, 200],
  },
});
